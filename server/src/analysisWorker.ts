// Worker thread entry: runs one job that reads a capture from disk (see analysisJobs.ts), so the
// language server's main loop stays free for hovers and symbols. Terminating the worker cancels
// the work and frees its memory.
import { parentPort } from 'node:worker_threads';
import { analyzeCaptureFile } from './analysis/captureFile';
import { fileAnalysis } from './features/fileAnalysis';
import { readerThreads } from './readerThreads';
import { slabSeriesFromDisk } from './features/slabSeries';
import { JobKind, JobOf, JobResults, WorkerJob, WorkerMessage, failedResult } from './analysisJobs';

type Progress = (fraction: number) => void;

const JOBS: { [K in JobKind]: (job: JobOf<K>, onProgress: Progress) => Promise<JobResults[K]> } = {
  analyzeFile: async (job, onProgress) => {
    const r = await analyzeCaptureFile(job.path, { format: job.format, onProgress, parallel: readerThreads() });
    return r.ok ? { ok: true, analysis: fileAnalysis(job.path, r.view, r.stats) } : { ok: false, reason: r.reason };
  },
  slabSeries: (job, onProgress) => slabSeriesFromDisk(job.source, job.path, onProgress),
};

async function run<K extends JobKind>(job: JobOf<K>, post: (m: WorkerMessage<K>) => void): Promise<void> {
  let result: JobResults[K];
  try {
    const handler = JOBS[job.kind] as (job: JobOf<K>, onProgress: Progress) => Promise<JobResults[K]>;
    result = await handler(job, (fraction) => post({ type: 'progress', fraction }));
  } catch (e) {
    result = failedResult(job.kind, `analysis failed: ${(e as Error).message}`);
  }
  post({ type: 'done', result });
}

parentPort?.once('message', (job: WorkerJob) => {
  void run(job, (m) => parentPort!.postMessage(m));
});
