// Where the bundled part worker is and how many to run: shared by the CLI and the language
// server's analysis worker (both bundles sit in dist/ next to dist/partWorker.js).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ParallelOptions } from './analysis/parallelCapture';

/** More threads than this gain little: the reader of the whole file takes the parts in one by one. */
const MAX_WORKERS = 4;

/**
 * How analyzeCaptureFile may use threads: `jobs` of them (default: one per core, at most
 * MAX_WORKERS); none with one job or without the worker bundle (sources run by tsx in tests).
 * KLEAK_PART_BYTES cuts files into smaller parts, from any size (tests: many cuts in small files).
 */
export function partWorkers(jobs?: number): ParallelOptions | undefined {
  const workers = jobs ?? Math.min(availableParallelism(), MAX_WORKERS);
  const workerScript = path.join(__dirname, 'partWorker.js');
  if (workers <= 1 || !existsSync(workerScript)) return undefined;
  const partBytes = Number(process.env.KLEAK_PART_BYTES);
  return partBytes > 0 ? { workerScript, workers, partBytes, minBytes: 0 } : { workerScript, workers };
}
