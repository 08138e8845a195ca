#!/bin/sh
# Makes the bench's real perf capture of at least 1 GB: ../shared/tools/capture-perf.sh records
# kmem events with call chains (perf record -p PID -g) while leakload.py holds socketpairs, for
# SECONDS seconds, then perf script writes it out. Needs root and perf (apt-get install linux-perf).
# usage: bench/make-perf-capture.sh OUT.txt [SECONDS]
set -eu
out=$1; secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
tools="$here/../../shared/tools"
tmp="$out.gz.part"
sh "$tools/capture-perf.sh" socketpair "$secs" 200 task callchain "$tmp" >&2
gzip -dc "$tmp" > "$out.part"
rm -f "$tmp"
mv "$out.part" "$out"
