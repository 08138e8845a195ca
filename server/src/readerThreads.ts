// Where the bundled part worker is and how many to run: shared by the CLI and the language
// server's analysis worker (both bundles sit in dist/ next to dist/partWorker.js).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ParallelOptions } from './analysis/parallelCapture';

/** More threads than this gain little (the reader of the whole file takes the parts in one by one), and each holds its own caches of call chains (up to 32 MB). */
const MAX_THREADS = 3;

/**
 * How analyzeCaptureFile may use threads: `jobs` of them, the caller's included (default: one
 * per core, at most MAX_THREADS); none with one job or without the worker bundle (sources run
 * by tsx in tests).
 * KLEAK_PART_BYTES cuts files into smaller parts, from any size (tests: many cuts in small files).
 */
export function readerThreads(jobs?: number): ParallelOptions | undefined {
  const threads = jobs ?? Math.min(availableParallelism(), MAX_THREADS);
  const workerScript = path.join(__dirname, 'partWorker.js');
  if (threads <= 1 || !existsSync(workerScript)) return undefined;
  const partBytes = Number(process.env.KLEAK_PART_BYTES);
  return partBytes > 0 ? { workerScript, threads, partBytes, minBytes: 0 } : { workerScript, threads };
}
