// Reads a large capture with several threads: the file is cut into parts where an event ends
// (after a blank line), worker threads read the parts (partWorker) and record what they find,
// and this thread takes the parts in, in file order, into one analyzer — the same ledger calls
// in the same order as one reader from start to end, so the same result, in a fraction of the
// time on a machine with more than one core. Memory stays bounded: only a few parts are in
// flight, and a part's record is a few bytes per event.
import { promises as fs } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CaptureAnalyzer } from './formats/registry';
import { LineStats } from './lineReader';

/** How a caller lets analyzeCaptureFile use threads: the bundled worker script and how many. */
export interface ParallelOptions {
  /** The partWorker bundle (dist/partWorker.js next to the CLI and the server). */
  workerScript: string;
  workers: number;
  /** Bytes per part (default PART_BYTES), and the smallest file read in parts (default PARALLEL_MIN_BYTES): tests cut small files many times. */
  partBytes?: number;
  minBytes?: number;
}

/** Files smaller than this are read by one thread (threads cost more than they save). */
export const PARALLEL_MIN_BYTES = 48 * 1024 * 1024;
export const PART_BYTES = 16 * 1024 * 1024;
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
      const { bytesRead } = await fh.read(buf, 0, buf.length, at - 1);
      const blank = buf.subarray(0, bytesRead).indexOf(BLANK_LINE);
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

/**
 * Read `path` in parts with worker threads into `analyzer` (which must take parts). Resolves
 * with the merged line statistics, or undefined when the file cannot be read this way (then the
 * caller reads it with one thread). Rejects on cancellation (AbortError) or a worker failure.
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
  if (!absorb || parallel.workers < 1 || size < (parallel.minBytes ?? PARALLEL_MIN_BYTES)) return undefined;
  if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  const cuts = await partBoundaries(path, size, parallel.partBytes ?? PART_BYTES);
  if (!cuts || cuts.length < 3) return undefined;
  const parts = cuts.length - 1;
  const workers = Array.from({ length: Math.min(parallel.workers, parts) }, () => new Worker(parallel.workerScript, { workerData: data }));
  // Each worker's group ids → the analyzer's.
  const groupOf = workers.map(() => [] as number[]);
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  // Two parts queued per worker (it never waits for the next), and a bounded lead over the
  // part being taken in: enough to keep them busy, few enough to bound memory.
  const window = workers.length * 3;
  const inFlight = workers.map(() => 0);
  try {
    return await new Promise<ParallelRun | undefined>((resolve, reject) => {
      const done = new Map<number, { worker: number; reply: Extract<PartReply, { type: 'part' }> }>();
      let nextToSend = 0;
      let nextToTake = 0;
      let settled = false;
      const fail = (e: Error) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      };
      // Parts go out in file order, to the worker with the fewest queued.
      const fill = () => {
        while (nextToSend < parts && nextToSend < nextToTake + window) {
          const w = inFlight.indexOf(Math.min(...inFlight));
          if (inFlight[w] >= 2) return;
          const index = nextToSend++;
          const req: PartRequest = { index, start: cuts[index], end: cuts[index + 1] };
          workers[w].postMessage(req);
          inFlight[w]++;
        }
      };
      const take = () => {
        for (let r = done.get(nextToTake); r; r = done.get(nextToTake)) {
          done.delete(nextToTake);
          // A perf report section began inside a part: its meaning depends on what came before.
          if (r.reply.modeChanged) {
            settled = true;
            resolve(undefined);
            return;
          }
          absorb(r.reply.part, groupOf[r.worker]);
          stats.lines += r.reply.stats.lines;
          stats.bytes += r.reply.stats.bytes;
          stats.cutLines += r.reply.stats.cutLines;
          stats.binary ||= r.reply.stats.binary;
          nextToTake++;
          onProgress?.(cuts[nextToTake] / size);
        }
        if (nextToTake === parts) {
          settled = true;
          resolve({ stats, parts });
          return;
        }
        fill();
      };
      signal?.addEventListener('abort', () => fail(Object.assign(new Error('cancelled'), { name: 'AbortError' })), { once: true });
      workers.forEach((worker, w) => {
        worker.on('message', (reply: PartReply) => {
          if (settled) return;
          if (reply.type === 'error') return fail(new Error(reply.message));
          done.set(reply.index, { worker: w, reply });
          inFlight[w]--;
          fill();
          try {
            take();
          } catch (e) {
            fail(e as Error);
          }
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (!settled && code !== 0) fail(new Error(`a reader thread stopped (exit code ${code})`));
        });
      });
      fill();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
