// Worker thread entry: analyses one capture file so the language server's main loop stays
// free for hovers and symbols. Terminating the worker cancels the work and frees its memory.
import { parentPort } from 'node:worker_threads';
import { analyzeCaptureFile } from './analysis/captureFile';
import { fileAnalysis } from './features/fileAnalysis';
import { AnalyzeFileResult } from './protocol';

export type WorkerRequest = { path: string; format?: string };
export type WorkerMessage = { type: 'progress'; fraction: number } | { type: 'done'; result: AnalyzeFileResult };

parentPort?.once('message', async (req: WorkerRequest) => {
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  try {
    const r = await analyzeCaptureFile(req.path, { format: req.format, onProgress: (fraction) => post({ type: 'progress', fraction }) });
    post({ type: 'done', result: r.ok ? { ok: true, analysis: fileAnalysis(req.path, r.view, r.stats) } : { ok: false, reason: r.reason } });
  } catch (e) {
    post({ type: 'done', result: { ok: false, reason: `analysis failed: ${(e as Error).message}` } });
  }
});
