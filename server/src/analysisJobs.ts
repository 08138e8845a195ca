// The jobs the analysis worker (analysisWorker.ts) runs off the language server's main loop:
// everything that reads a capture from disk. Shared by the worker and its runner
// (fileAnalysisRunner.ts); holds no analysis code itself, so the server bundle stays small.
import { AnalyzeFileResult, SlabSeriesResult } from './protocol';

export type WorkerJob =
  /** `kleak/analyzeFile`: a capture file (or snapshot folder) streamed through its format. */
  | { kind: 'analyzeFile'; path: string; format?: string }
  /** `kleak/slabSeries` of a file or folder on disk; `source` is echoed in the DTO. */
  | { kind: 'slabSeries'; source: string; path: string };

export type JobKind = WorkerJob['kind'];
export type JobOf<K extends JobKind> = Extract<WorkerJob, { kind: K }>;

export interface JobResults {
  analyzeFile: AnalyzeFileResult;
  slabSeries: SlabSeriesResult;
}

export type WorkerMessage<K extends JobKind = JobKind> = { type: 'progress'; fraction: number } | { type: 'done'; result: JobResults[K] };

/** What a job answers when it could not run to the end (cancelled, crashed, out of memory). */
export function failedResult<K extends JobKind>(kind: K, reason: string): JobResults[K] {
  const failed: { [J in JobKind]: (reason: string) => JobResults[J] } = {
    analyzeFile: (r) => ({ ok: false, reason: r }),
    slabSeries: () => null,
  };
  return failed[kind](reason);
}
