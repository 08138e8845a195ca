// Analyses a capture file from disk as a stream: detects the format from the head, then
// feeds every line to that format's analyzer. Shared by the CLI and (for large files) the server.
import { ReadStream, createReadStream, promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { CaptureFormat, FORMATS, detectFormat, formatById } from './formats/registry';
import { CaptureView } from './views/captureView';
import { LineStats, MAX_LINE_CHARS, feedByteLines, readLines } from './lineReader';
import { binaryReason } from './binaryReason';
import { analyzeSnapshotFolder } from './snapshotFolder';
import { ParallelOptions, readInParallel } from './parallelCapture';
import { GzipCut, fileBytes, gzipCutMessage, isGzipFile } from './gzipSource';
import { InputLineState, inputLine, inputLineState, rewritesLines } from './inputLine';

/** How much of the head of a file may be read to recognise its format. */
export const DETECT_MAX_LINES = 5000;
export const DETECT_MAX_BYTES = 4 * 1024 * 1024;

export type CaptureFileResult =
  | {
      ok: true;
      format: CaptureFormat;
      view: CaptureView;
      stats: LineStats;
      /** Parts read by worker threads, when it was read so. */
      parts?: number;
      /** A folder: its files that are captures of other formats, left out of its series. */
      captures?: string[];
    }
  | { ok: false; reason: string; captures?: string[] };

export interface AnalyzeFileOptions {
  /** Force a format instead of detecting it. */
  format?: string;
  signal?: AbortSignal;
  /** Called as the file is read, with the share of its bytes read so far (0..1). */
  onProgress?: (fraction: number) => void;
  /** Time window for timestamped traces (seconds, the capture's own timestamps). */
  since?: number;
  until?: number;
  /** Read large uncompressed captures with worker threads (see parallelCapture); one thread without. */
  parallel?: ParallelOptions;
  /** Read this stream (standard input, `-` to the CLI) instead of the file at `path`: once, as it comes. */
  input?: Readable;
}

/** Reports progress by the bytes read from disk (for .gz: compressed bytes), about every 1%. */
async function* withProgress(
  source: AsyncIterable<Buffer>,
  stream: { bytesRead: number },
  size: number,
  onProgress: ((fraction: number) => void) | undefined,
): AsyncGenerator<Buffer> {
  let reported = 0;
  for await (const chunk of source) {
    const fraction = Math.min(1, stream.bytesRead / size);
    if (onProgress && fraction - reported >= 0.01) {
      reported = fraction;
      onProgress(fraction);
    }
    yield chunk;
  }
}

function known(): string {
  return FORMATS.map((f) => f.label).join(', ');
}

export async function analyzeCaptureFile(path: string, options: AnalyzeFileOptions = {}): Promise<CaptureFileResult> {
  const r = await analyzeWithFormat(path, options);
  // A forced format that finds nothing is most often the wrong one: say what the file looks like.
  // (read again from its start: a file with a size only; a pipe or a /proc file is read once)
  if (r.ok && options.format !== undefined && r.view.records === 0 && !r.stats.binary && !options.input && await hasSize(path)) {
    const seen = await detectHead(path, options.signal).catch(() => undefined);
    if (seen && seen.format.id !== r.format.id) {
      r.view.findings.push({
        range: { start: { line: seen.line, character: 0 }, end: { line: seen.line, character: 0 } },
        severity: 'warning',
        message:
          `Read as a ${r.format.label} because that format was forced, but this file looks like a ${seen.format.label}: ` +
          `read it without forcing the format, or as "${seen.format.id}".`,
        code: 'forced-format-mismatch',
        related: [],
      });
    }
  }
  return r;
}

/** A file whose size is known (not a pipe, not a procfs/sysfs file): it can be read again. */
async function hasSize(path: string): Promise<boolean> {
  const st = await fs.stat(path).catch(() => undefined);
  return !!st?.isFile() && st.size > 0;
}

const emptyReason = (pipe: boolean) => (pipe ? 'empty input: nothing came through the pipe' : 'empty file');

/**
 * Nothing read. Empty is what /sys/kernel/debug/kmemleak (or a copy named kmemleak*, the
 * language's file pattern) holds when kmemleak suspects nothing: a healthy answer, not a refusal.
 */
function emptyInput(path: string, pipe: boolean, forced: CaptureFormat | undefined): CaptureFileResult {
  const name = basename(path);
  const kmemleak = formatById('kmemleak')!;
  if (!(name.startsWith('kmemleak') || name.endsWith('.kmemleak')) || (forced && forced !== kmemleak)) return { ok: false, reason: emptyReason(pipe) };
  const view = kmemleak.create({ detail: false }).finish();
  view.findings = [{
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'information',
    message: 'Empty: kmemleak suspects no unreferenced object. It scans every 10 minutes; "echo scan > /sys/kernel/debug/kmemleak" scans now, and a leak is reported once it stays unreferenced for a scan or two.',
    code: 'kmemleak-empty',
    related: [],
  }];
  return { ok: true, format: kmemleak, view, stats: { lines: 0, bytes: 0, cutLines: 0, binary: false } };
}

/** A .gz cut short was read as far as it goes: say so on the last line read. */
function withCutWarning(view: CaptureView, cut: GzipCut, stats: LineStats): CaptureView {
  if (!cut.truncated) return view;
  const line = Math.max(0, stats.lines - 1);
  view.findings.push({
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    severity: 'warning',
    message: gzipCutMessage(stats.lines),
    code: 'gzip-truncated',
    related: [],
  });
  return view;
}

/** The format the head of a file looks like, and the (0-based) line that says so. */
async function detectHead(path: string, signal?: AbortSignal): Promise<{ format: CaptureFormat; line: number } | undefined> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20, signal });
  try {
    const { head, format } = await readHead(readLines(fileBytes(path, stream, { truncated: false }), { lines: 0, bytes: 0, cutLines: 0, binary: false }), inputLineState());
    return format && { format, line: head.length - 1 };
  } finally {
    stream.destroy();
  }
}

/**
 * Lines up to the first one with a format's signature, within DETECT_MAX_LINES/BYTES. Iterates
 * by hand: leaving a for-await loop would close the generator, and the caller goes on reading.
 */
async function readHead(lines: AsyncGenerator<string>, input: InputLineState): Promise<{ head: string[]; format?: CaptureFormat }> {
  const head: string[] = [];
  let chars = 0;
  for (let r = await lines.next(); !r.done; r = await lines.next()) {
    const line = inputLine(r.value, input);
    head.push(line);
    chars += line.length;
    const format = detectFormat(line);
    if (format) return { head, format };
    if (head.length >= DETECT_MAX_LINES || chars >= DETECT_MAX_BYTES) break;
  }
  return { head };
}

async function analyzeWithFormat(path: string, options: AnalyzeFileOptions): Promise<CaptureFileResult> {
  // A regular file can be read again from its start, in parts or by its size; a pipe (`-`,
  // /dev/stdin, a FIFO, `<(…)`) is read once, as it comes, and so is a file of procfs, sysfs or
  // debugfs (/proc/slabinfo, /sys/kernel/debug/kmemleak), whose size says 0 whatever it holds.
  let regular = false;
  let pipe = !!options.input;
  let size = Infinity;
  let gzipFile = false;
  if (!options.input) {
    try {
      const st = await fs.stat(path);
      // A folder is a series of slab/meminfo snapshot files (or says why it is not).
      if (st.isDirectory()) return analyzeSnapshotFolder(path, options);
      regular = st.isFile() && st.size > 0;
      pipe = !st.isFile();
      if (regular) size = st.size;
      await fs.access(path, fs.constants.R_OK);
      // (known before reading, since parts are cut from the raw file: gzip data is read by one thread)
      if (regular) gzipFile = await isGzipFile(path);
    } catch (e) {
      return { ok: false, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
  }

  let forced: CaptureFormat | undefined;
  if (options.format !== undefined) {
    forced = formatById(options.format);
    if (!forced) return { ok: false, reason: `unknown format "${options.format}" (known: ${FORMATS.map((f) => f.id).join(', ')})` };
  }

  const stream = options.input ?? createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
  const cut: GzipCut = { truncated: false };
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  const input = inputLineState();
  const lines = readLines(withProgress(fileBytes(path, stream, cut), options.input ? { bytesRead: 0 } : (stream as ReadStream), size, options.onProgress), stats);
  let second: { destroy(): void } | undefined;
  try {
    let format = forced;
    let head: string[] = [];
    if (!format) {
      ({ head, format } = await readHead(lines, input));
      if (stats.binary) return { ok: false, reason: binaryReason(stats, path) };
      if (!format) {
        if (!regular && stats.bytes === 0) return emptyInput(path, pipe, forced);
        if (cut.truncated) return { ok: false, reason: `the gzip data ends early (the file was cut short), and its ${stats.lines} lines before the cut look like no ${known()}` };
        const longLine = stats.cutLines > 0 ? ` (it has lines over ${MAX_LINE_CHARS} characters)` : '';
        return { ok: false, reason: `unknown format${longLine}: no line of the head of the file looks like a ${known()}` };
      }
    }
    let analyzer = format.create({ since: options.since, until: options.until, detail: false });
    // (a journal export or a coloured log is rewritten line by line: never read in parts or as raw bytes)
    if (options.parallel && analyzer.absorbPart && regular && !gzipFile && !rewritesLines(input)) {
      stream.destroy();
      const data = { path, format: format.id, since: options.since, until: options.until };
      let run: Awaited<ReturnType<typeof readInParallel>>;
      try {
        run = await readInParallel(path, size, analyzer, data, options.parallel, options.signal, options.onProgress);
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        // A reader thread failed (could not start, ran out of memory): one thread reads it all.
        run = undefined;
      }
      if (run) {
        if (run.stats.binary) return { ok: false, reason: binaryReason(run.stats, path) };
        return { ok: true, format, view: analyzer.finish(), stats: run.stats, parts: run.parts };
      }
      // Not read in parts after all (no blank lines to cut at, a perf report section, a failed
      // thread): one thread reads it from the start.
      analyzer = format.create({ since: options.since, until: options.until, detail: false });
    }
    if (analyzer.bytes && regular && !rewritesLines(input)) {
      // The byte path reads the file again from its start, without decoding what it recognises.
      stream.destroy();
      const again = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
      second = again;
      const cut2: GzipCut = { truncated: false };
      const stats2: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
      await feedByteLines(withProgress(fileBytes(path, again, cut2), again, size, options.onProgress), stats2, analyzer.bytes);
      if (stats2.binary) return { ok: false, reason: binaryReason(stats2, path) };
      return { ok: true, format, view: withCutWarning(analyzer.finish(), cut2, stats2), stats: stats2 };
    }
    for (const l of head) analyzer.push(l);
    for (let r = await lines.next(); !r.done; r = await lines.next()) analyzer.push(inputLine(r.value, input));
    if (stats.binary) return { ok: false, reason: binaryReason(stats, path) };
    if (!regular && stats.bytes === 0) return emptyInput(path, pipe, forced);
    return { ok: true, format, view: withCutWarning(analyzer.finish(), cut, stats), stats };
  } catch (e) {
    if ((e as Error).name === 'AbortError') return { ok: false, reason: 'cancelled' };
    return { ok: false, reason: `cannot read: ${(e as Error).message}` };
  } finally {
    stream.destroy();
    second?.destroy();
  }
}
