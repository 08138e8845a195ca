// Kernel log lines as they reach kleak for the log-borne formats (SLUB debug, page_owner):
// the prefixes logPrefix.ts knows plus the ones seen in the wild around these reports, and the
// splitting of physical lines whose newlines were lost (several records on one line).
import { logPrefixLength } from './logPrefix';

const EXTRA_PREFIXES: RegExp[] = [
  // rsyslog with a space instead of the ISO "T": "2024-01-26 15:04:11 uos-PC kernel: "
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)? \S+ kernel: ?/,
  // serial console / minicom time stamps: "[11:23:07] "
  /^\[\d\d:\d\d:\d\d(?:\.\d+)?\] ?/,
  // MediaTek printk prefix after the timestamp: " (1)[10406:Thread-6]"
  /^ *\(\d+\)\[\d+:[^\]]{0,64}\]/,
];

/** Length of every log prefix at the start of `line` (dmesg, caller id, syslog, console, MTK). */
export function kernelPrefixLength(line: string): number {
  let at = 0;
  for (let pass = 0; pass < 5; pass++) {
    const rest = at === 0 ? line : line.slice(at);
    let n = logPrefixLength(rest);
    if (n === 0) {
      for (const re of EXTRA_PREFIXES) {
        const m = re.exec(rest);
        if (m && m[0].length > 0) {
          n = m[0].length;
          break;
        }
      }
    }
    if (n === 0) break;
    at += n;
  }
  return at;
}

/** A piece of a physical line that holds one logical line. Columns are of the physical line. */
export interface Segment {
  /** Start of the segment (of its log prefix, if any). */
  start: number;
  /** Start of the content after the prefix. */
  from: number;
  /** End of the segment (exclusive). */
  end: number;
}

/** dmesg time stamps have six decimals; one in the middle of a line is where a newline was lost. */
const DMESG_STAMP = /\[ *\d+\.\d{6}\]/g;

/**
 * Split a physical line at every dmesg time stamp after its first prefix: a capture whose
 * newlines were lost (pasted into a web page, say) holds a whole record on one line.
 */
export function dmesgSegments(raw: string): Segment[] {
  const first = kernelPrefixLength(raw);
  const out: Segment[] = [];
  let start = 0;
  let from = first;
  DMESG_STAMP.lastIndex = first;
  for (let m = DMESG_STAMP.exec(raw); m; m = DMESG_STAMP.exec(raw)) {
    if (m.index < from) continue;
    out.push({ start, from, end: m.index });
    start = m.index;
    from = m.index + kernelPrefixLength(raw.slice(m.index));
    DMESG_STAMP.lastIndex = Math.max(from, m.index + 1);
  }
  out.push({ start, from, end: raw.length });
  return out;
}

/** Split a physical line before every match of `marker` after the first segment's start. */
export function markerSegments(raw: string, marker: RegExp): Segment[] {
  const re = new RegExp(marker.source, marker.flags.includes('g') ? marker.flags : marker.flags + 'g');
  const first = kernelPrefixLength(raw);
  const out: Segment[] = [];
  let start = 0;
  re.lastIndex = first;
  let firstMatch = true;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (firstMatch) {
      firstMatch = false;
      // The content before the first marker belongs to the first segment.
      continue;
    }
    out.push({ start, from: start === 0 ? first : start, end: m.index });
    start = m.index;
  }
  out.push({ start, from: start === 0 ? first : start, end: raw.length });
  return out;
}
