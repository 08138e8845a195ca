// Runs the jobs that read captures from disk (analysisJobs.ts) in worker threads, one worker per
// request: the main loop only posts the job and relays progress; cancelling a request terminates
// its worker, which stops the work and frees everything it held.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancellationToken } from 'vscode-languageserver';
import { AnalyzeFileParams, AnalyzeFileResult, SlabSeriesResult } from './protocol';
import { JobKind, JobOf, JobResults, WorkerMessage, failedResult } from './analysisJobs';

/** Heap limit of one analysis worker: big captures stream, so this bounds a runaway. */
const WORKER_HEAP_MB = 512;

/** Runs one job in a fresh worker; resolves with its result, or its failed result when cancelled or crashed. */
export function runInWorker<K extends JobKind>(
  job: JobOf<K>,
  token?: CancellationToken,
  onProgress?: (fraction: number) => void,
): Promise<JobResults[K]> {
  return new Promise((resolve) => {
    if (token?.isCancellationRequested) {
      resolve(failedResult(job.kind, 'cancelled'));
      return;
    }
    const worker = new Worker(path.join(__dirname, 'analysisWorker.js'), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const finish = (r: JobResults[K]) => {
      if (settled) return;
      settled = true;
      cancel?.dispose();
      void worker.terminate();
      resolve(r);
    };
    const cancel = token?.onCancellationRequested(() => finish(failedResult(job.kind, 'cancelled')));
    worker.on('message', (m: WorkerMessage<K>) => {
      if (m.type === 'progress') {
        if (!settled) onProgress?.(m.fraction);
      } else finish(m.result);
    });
    worker.on('error', (e) => finish(failedResult(job.kind, `analysis failed: ${e.message}`)));
    worker.on('exit', (code) => finish(failedResult(job.kind, `analysis stopped (worker exit ${code})`)));
    worker.postMessage(job);
  });
}

/** `kleak/analyzeFile`. */
export function runFileAnalysis(
  params: AnalyzeFileParams,
  token: CancellationToken,
  onProgress: (fraction: number) => void,
): Promise<AnalyzeFileResult> {
  if (typeof params?.path !== 'string' || (params.format !== undefined && typeof params.format !== 'string')) {
    return Promise.resolve({ ok: false, reason: 'invalid request: a path (and an optional format) is expected' });
  }
  return runInWorker({ kind: 'analyzeFile', path: params.path, format: params.format }, token, onProgress);
}

/** `kleak/slabSeries` of a file or folder on disk. */
export function runSlabSeriesFromDisk(source: string, file: string, token?: CancellationToken): Promise<SlabSeriesResult> {
  return runInWorker({ kind: 'slabSeries', source, path: file }, token);
}
