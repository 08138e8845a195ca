// A process of `npm run fuzz` (scripts/fuzz.mjs): fuzzes the chunks of cases it is sent, one at a
// time, and answers each with its result or the failure (fast-check's counterexample).
import { formatById } from '../../server/src/analysis/formats/registry';
import { fuzzFormat } from './captureFuzz';

export interface FuzzJob {
  format: string;
  runs: number;
  seed: number;
}

export type FuzzAnswer = { ok: true; format: string; runs: number; diskRuns: number; ms: number; cpuMs: number } | { ok: false; format: string; seed: number; runs: number; error: string };

process.on('message', (job: FuzzJob) => {
  const format = formatById(job.format);
  let answer: FuzzAnswer;
  try {
    if (!format) throw new Error(`unknown format ${job.format}`);
    const cpu = process.cpuUsage();
    const r = fuzzFormat(format, job.runs, job.seed);
    const used = process.cpuUsage(cpu);
    answer = { ok: true, ...r, cpuMs: (used.user + used.system) / 1000 };
  } catch (e) {
    answer = { ok: false, format: job.format, seed: job.seed, runs: job.runs, error: (e as Error).message };
  }
  process.send!(answer);
});
