// A folder of slab/meminfo snapshot files as one series: each file (one snapshot, or a series
// of its own; .gz too) streams through the series parser; the files are ordered by the time in
// their snapshots, else in their names, else by their modification times; snapshots of the same
// moment from different files (slabinfo-series.txt beside meminfo-series.txt) are merged.
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { detectFormat, formatById } from './formats/registry';
import { LineStats, readLines } from './lineReader';
import { inputLine, inputLineState } from './inputLine';
import { fileBytes } from './gzipSource';
import { SeriesPart, SnapshotSeriesParser, mergeSeries, naturalCompare, timeFromFileName } from './snapshotSeries';
import { slabSeriesView } from './views/slabSeriesView';
import { FormatId } from './views/captureView';
import { range } from './model';
import type { AnalyzeFileOptions, CaptureFileResult } from './captureFile';

/** Files of a folder read at most (a folder of a week of 10 s snapshots has 60,000). */
export const MAX_FOLDER_FILES = 100_000;
const DETECT_LINES = 2000;
const SLAB_FORMATS = new Set<FormatId>(['slabinfo', 'slabtop', 'meminfo', 'buddyinfo']);

export async function analyzeSnapshotFolder(dir: string, options: AnalyzeFileOptions = {}): Promise<CaptureFileResult> {
  let names: string[];
  try {
    names = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (e) {
    return { ok: false, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  names.sort(naturalCompare);
  const skipped: string[] = [];
  const captures: string[] = [];
  if (names.length > MAX_FOLDER_FILES) {
    skipped.push(`${names.length - MAX_FOLDER_FILES} files past the first ${MAX_FOLDER_FILES}`);
    names = names.slice(0, MAX_FOLDER_FILES);
  }
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  const parts: SeriesPart[] = [];
  let done = 0;
  for (const name of names) {
    if (options.signal?.aborted) return { ok: false, reason: 'cancelled' };
    const file = path.join(dir, name);
    const read = await readSnapshotFile(file, stats, options.signal);
    options.onProgress?.(++done / names.length);
    if (read.kind === 'skip') {
      skipped.push(`${name} (${read.reason})`);
      if (read.capture) captures.push(file);
      continue;
    }
    const fromName = timeFromFileName(name);
    parts.push({ name, series: read.series, fileTime: fromName ?? read.mtime, fileTimeFrom: fromName !== undefined ? 'name' : 'mtime' });
  }
  if (parts.length === 0) {
    const reason = 'is a directory without slab or memory snapshots (slabinfo, slabtop, meminfo or buddyinfo files)';
    return captures.length > 0 ? { ok: false, reason, captures } : { ok: false, reason };
  }
  const merged = mergeSeries(parts);
  if (skipped.length > 0) {
    merged.problems.push({
      range: range(0, 0, 0),
      severity: 'information',
      message: `Not snapshots, left out of the series: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? `, and ${skipped.length - 10} more` : ''}.`,
      code: 'folder-skipped',
    });
  }
  const untimed = parts.filter((p) => p.fileTimeFrom === 'mtime' && p.series.snapshots.some((s) => s.time === undefined));
  if (untimed.length > 1) {
    merged.problems.push({
      range: range(0, 0, 0),
      severity: 'information',
      message: `${untimed.length} files have no time in their snapshots or names: they are ordered by modification time.`,
      code: 'folder-mtime',
    });
  }
  const id: FormatId = merged.caches.some((c) => c.kind === 'slabinfo')
    ? 'slabinfo'
    : merged.caches.length > 0
      ? 'slabtop'
      : merged.meminfo.length > 0
        ? 'meminfo'
        : 'buddyinfo';
  const result: CaptureFileResult = { ok: true, format: formatById(id)!, view: slabSeriesView(merged, id), stats };
  if (captures.length > 0) result.captures = captures;
  return result;
}

type FileRead =
  | { kind: 'series'; series: ReturnType<SnapshotSeriesParser['finish']>; mtime: number }
  /** capture: the file is a capture of another format. */
  | { kind: 'skip'; reason: string; capture?: boolean };

/** Stream one file through the series parser, if its head says it is a slab/meminfo snapshot. */
async function readSnapshotFile(file: string, total: LineStats, signal: AbortSignal | undefined): Promise<FileRead> {
  let mtime: number;
  try {
    const st = await fs.stat(file);
    if (st.size === 0) return { kind: 'skip', reason: 'empty' };
    mtime = st.mtimeMs / 1000;
  } catch (e) {
    return { kind: 'skip', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const stream = createReadStream(file, { highWaterMark: 1 << 20, signal });
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  // (a snapshot cut short would chart as a drop: a .gz that ends early is skipped, with the reason)
  const lines = readLines(fileBytes(file, stream), stats);
  try {
    const input = inputLineState();
    const head: string[] = [];
    let format: FormatId | undefined;
    for (let r = await lines.next(); !r.done; r = await lines.next()) {
      const line = inputLine(r.value, input);
      head.push(line);
      format = detectFormat(line)?.id;
      if (format || head.length >= DETECT_LINES) break;
    }
    if (stats.binary) return { kind: 'skip', reason: stats.utf16 ? 'UTF-16 text, not UTF-8' : 'binary' };
    if (!format) return { kind: 'skip', reason: 'unknown format' };
    if (!SLAB_FORMATS.has(format)) return { kind: 'skip', reason: `a ${format} capture`, capture: true };
    const parser = new SnapshotSeriesParser();
    for (const l of head) parser.push(l);
    for (let r = await lines.next(); !r.done; r = await lines.next()) parser.push(inputLine(r.value, input));
    total.lines += stats.lines;
    total.bytes += stats.bytes;
    total.cutLines += stats.cutLines;
    return { kind: 'series', series: parser.finish(), mtime };
  } catch (e) {
    return { kind: 'skip', reason: (e as Error).name === 'AbortError' ? 'cancelled' : `cannot read: ${(e as Error).message}` };
  } finally {
    stream.destroy();
  }
}
