// Runs capture-file analyses in worker threads, one worker per request.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancellationToken } from 'vscode-languageserver';
import { AnalyzeFileParams, AnalyzeFileResult } from './protocol';
import type { WorkerMessage, WorkerRequest } from './analysisWorker';

/** Heap limit of one analysis worker: big captures stream, so this bounds a runaway. */
const WORKER_HEAP_MB = 512;

export function runFileAnalysis(
  params: AnalyzeFileParams,
  token: CancellationToken,
  onProgress: (fraction: number) => void,
): Promise<AnalyzeFileResult> {
  return new Promise((resolve) => {
    const worker = new Worker(path.join(__dirname, 'analysisWorker.js'), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const finish = (r: AnalyzeFileResult) => {
      if (settled) return;
      settled = true;
      cancel.dispose();
      void worker.terminate();
      resolve(r);
    };
    const cancel = token.onCancellationRequested(() => finish({ ok: false, reason: 'cancelled' }));
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.fraction);
      else finish(m.result);
    });
    worker.on('error', (e) => finish({ ok: false, reason: `analysis failed: ${e.message}` }));
    worker.on('exit', (code) => finish({ ok: false, reason: `analysis stopped (worker exit ${code})` }));
    const req: WorkerRequest = { path: params.path, format: params.format };
    worker.postMessage(req);
  });
}
