// Reads a large capture with several threads: the file is cut into parts where an event ends
// (after a blank line), worker threads read the parts (partWorker) and record what they find,
// and this thread takes the parts in, in file order, into one analyzer (beside a single worker
// it also reads every other part itself) — the same ledger calls
// in the same order as one reader from start to end, so the same result, in a fraction of the
// time on a machine with more than one core. Memory stays bounded: only a few parts are in
// flight, and a part's record is a few bytes per event.
import { promises as fs } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CaptureAnalyzer } from './formats/registry';
import { LineStats, feedByteLines } from './lineReader';
import { readRange } from './fileRange';

/** How a caller lets analyzeCaptureFile use threads: the bundled worker script and how many. */
export interface ParallelOptions {
  /** The partWorker bundle (dist/partWorker.js next to the CLI and the server). */
  workerScript: string;
  /** Threads reading the file, this one included (so at least 2). */
  threads: number;
  /** Bytes per part (default PART_BYTES), and the smallest file read in parts (default PARALLEL_MIN_BYTES): tests cut small files many times. */
  partBytes?: number;
  minBytes?: number;
}

/** Files smaller than this are read by one thread (threads cost more than they save). */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;
export const PART_BYTES = 32 * 1024 * 1024;
/** How far after a cut point to look for the blank line that ends an event. */
const SEEK_BYTES = 1024 * 1024;
const BLANK_LINE = Buffer.from('\n\n');

/** Messages between this thread and a part worker. */
export interface PartRequest {
  index: number;
  start: number;
  end: number;
}
export interface PartWorkerData {
  path: string;
  format: string;
  since?: number;
  until?: number;
}
export type PartReply =
  | { type: 'part'; index: number; part: unknown; stats: LineStats; modeChanged: boolean }
  | { type: 'error'; index: number; message: string };

/**
 * Where to cut `path` into parts of about `partBytes`: offsets just after a blank line (where a
 * perf script event with its call chain ends). Undefined when some cut point has no blank line
 * after it within SEEK_BYTES (captures without call chains): then one thread reads the file.
 */
export async function partBoundaries(path: string, size: number, partBytes: number): Promise<number[] | undefined> {
  const cuts = [0];
  const fh = await fs.open(path, 'r');
  try {
    const buf = Buffer.alloc(SEEK_BYTES + 1);
    for (let at = partBytes; at < size - partBytes / 4; at += partBytes) {
      if (at <= cuts[cuts.length - 1]) continue;
      // A call chain is a few KB: look a little way first, then up to SEEK_BYTES.
      let { bytesRead } = await fh.read(buf, 0, 64 * 1024, at - 1);
      let blank = buf.subarray(0, bytesRead).indexOf(BLANK_LINE);
      if (blank < 0) {
        ({ bytesRead } = await fh.read(buf, 0, buf.length, at - 1));
        blank = buf.subarray(0, bytesRead).indexOf(BLANK_LINE);
      }
      if (blank < 0) return undefined;
      const cut = at - 1 + blank + 2;
      if (cut < size) cuts.push(cut);
    }
  } finally {
    await fh.close();
  }
  cuts.push(size);
  return cuts;
}

export interface ParallelRun {
  stats: LineStats;
  parts: number;
}

const cancelled = () => Object.assign(new Error('cancelled'), { name: 'AbortError' });

/**
 * Read `path` in parts with threads into `analyzer` (which must take parts). Resolves with the
 * merged line statistics, or undefined when the file cannot be read this way (then the caller
 * reads it with one thread). Rejects on cancellation (AbortError) or a worker failure.
 */
export async function readInParallel(
  path: string,
  size: number,
  analyzer: CaptureAnalyzer,
  data: PartWorkerData,
  parallel: ParallelOptions,
  signal?: AbortSignal,
  onProgress?: (fraction: number) => void,
): Promise<ParallelRun | undefined> {
  const absorb = analyzer.absorbPart;
  const sink = analyzer.bytes;
  if (!absorb || !sink || parallel.threads < 2 || size < (parallel.minBytes ?? PARALLEL_MIN_BYTES)) return undefined;
  if (signal?.aborted) throw cancelled();
  const cuts = await partBoundaries(path, size, parallel.partBytes ?? PART_BYTES);
  if (!cuts || cuts.length < 3) return undefined;
  const parts = cuts.length - 1;
  const workers = Array.from({ length: Math.min(parallel.threads - 1, parts - 1) }, () => new Worker(parallel.workerScript, { workerData: data }));
  // With one worker beside it, this thread reads every other part itself: taking a part in
  // costs a fraction of reading one, and its own parts need no taking in. With more, it only
  // takes theirs in.
  const mine = (i: number) => workers.length === 1 && i % 2 === 0;
  const theirs: number[] = [];
  for (let i = 0; i < parts; i++) if (!mine(i)) theirs.push(i);
  // Each worker's group ids → the analyzer's.
  const groupOf = workers.map(() => [] as number[]);
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  const add = (s: LineStats) => {
    stats.lines += s.lines;
    stats.bytes += s.bytes;
    stats.cutLines += s.cutLines;
    stats.binary ||= s.binary;
  };

  // Parts go out in file order, to the worker with the fewest queued (up to three each: it
  // never waits for the next), at most `window` parts ahead of the one being taken in.
  const window = 3 * workers.length + 2;
  const inFlight = workers.map(() => 0);
  const replies = new Map<number, { worker: number; reply: Extract<PartReply, { type: 'part' }> }>();
  let sent = 0;
  let taking = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const dispatch = () => {
    while (sent < theirs.length && theirs[sent] < taking + window) {
      const w = inFlight.indexOf(Math.min(...inFlight));
      if (inFlight[w] >= 3) return;
      const index = theirs[sent++];
      workers[w].postMessage({ index, start: cuts[index], end: cuts[index + 1] } satisfies PartRequest);
      inFlight[w]++;
    }
  };
  const fail = (e: Error) => {
    failure ??= e;
    wake?.();
  };
  workers.forEach((worker, w) => {
    worker.on('message', (reply: PartReply) => {
      if (reply.type === 'error') return fail(new Error(reply.message));
      replies.set(reply.index, { worker: w, reply });
      inFlight[w]--;
      dispatch();
      wake?.();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`a reader thread stopped (exit code ${code})`));
    });
  });
  const onAbort = () => fail(cancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  const replyOf = async (i: number) => {
    for (;;) {
      if (failure) throw failure;
      const r = replies.get(i);
      if (r) {
        replies.delete(i);
        return r;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  try {
    dispatch();
    for (let i = 0; i < parts; i++) {
      taking = i;
      dispatch();
      if (mine(i)) {
        const own: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
        await feedByteLines(readRange(path, cuts[i], cuts[i + 1]), own, sink, { checkBinary: i === 0 });
        if (failure) throw failure;
        add(own);
        // A perf report section began: what follows depends on it (the workers cannot know).
        if (analyzer.partsUsable && !analyzer.partsUsable()) return undefined;
      } else {
        const { worker, reply } = await replyOf(i);
        if (reply.modeChanged) return undefined;
        absorb(reply.part, groupOf[worker]);
        add(reply.stats);
      }
      onProgress?.(cuts[i + 1] / size);
    }
    return { stats, parts };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
