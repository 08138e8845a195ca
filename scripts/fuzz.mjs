// `npm run fuzz`: 100,000 mutated real captures per format parser (test/fuzz/captureFuzz.ts),
// spread over one worker process per CPU, with a random seed that is printed so that a failure
// can be replayed. Prints the cases run per parser and how long they took.
//
//   KLEAK_FUZZ_RUNS=N        cases per format (default 100000)
//   KLEAK_FUZZ_SEED=S        seed (default random); chunk i of a format uses seed S+i
//   KLEAK_FUZZ_FORMATS=a,b   only these formats (default all registered)
//   KLEAK_FUZZ_JOBS=N        worker processes (default: available CPUs)
//   KLEAK_FUZZ_CHUNK=N       cases per job sent to a worker (default 10000)
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.KLEAK_FUZZ_RUNS ?? 100_000);
const seed = Number(process.env.KLEAK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const chunk = Number(process.env.KLEAK_FUZZ_CHUNK ?? 10_000);
const jobsWanted = Number(process.env.KLEAK_FUZZ_JOBS ?? os.availableParallelism());
const FORMATS = ['kmemleak', 'perf-script', 'ftrace', 'slabinfo', 'slabtop', 'meminfo', 'buddyinfo', 'slub-debug', 'vmallocinfo', 'page-owner', 'allocinfo', 'bcc-memleak', 'bpftrace'];
const formats = process.env.KLEAK_FUZZ_FORMATS ? process.env.KLEAK_FUZZ_FORMATS.split(',').map((s) => s.trim()).filter(Boolean) : FORMATS;
for (const n of [runs, seed, chunk, jobsWanted]) if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad KLEAK_FUZZ_* value ${n}`);

// Chunks of each format, interleaved so that every worker has work until the end.
const queue = [];
for (let i = 0; i * chunk < runs; i++) for (const format of formats) queue.push({ format, runs: Math.min(chunk, runs - i * chunk), seed: seed + i });
const total = queue.reduce((s, j) => s + j.runs, 0);
const workers = Math.max(1, Math.min(jobsWanted, queue.length));
console.log(`fuzz: ${runs} cases per format × ${formats.length} formats, seed ${seed}, ${workers} worker processes`);

const done = new Map(formats.map((f) => [f, { runs: 0, diskRuns: 0, ms: 0, cpuMs: 0 }]));
let finished = 0;
let failed = false;
const t0 = Date.now();
let lastReport = t0;

function report(a) {
  const d = done.get(a.format);
  d.runs += a.runs;
  d.diskRuns += a.diskRuns;
  d.ms += a.ms;
  d.cpuMs += a.cpuMs;
  finished += a.runs;
  if (d.runs === runs) {
    const bytes = d.diskRuns ? ` (${d.diskRuns} as files from disk)` : '';
    console.log(`fuzz: ${a.format}: ${d.runs} cases passed${bytes} in ${(d.ms / 1000).toFixed(1)} s (${(d.cpuMs / 1000).toFixed(1)} s of CPU, ${((d.runs * 1000) / d.cpuMs).toFixed(0)} cases per CPU second)`);
  } else if (Date.now() - lastReport > 30_000) {
    lastReport = Date.now();
    console.log(`fuzz: ${finished} / ${total} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

await Promise.all(
  Array.from({ length: workers }, () => new Promise((resolve) => {
    const child = fork(path.join(root, 'test/fuzz/fuzzWorker.ts'), [], { cwd: root, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const next = () => {
      const job = failed ? undefined : queue.shift();
      if (job) child.send(job);
      else child.disconnect();
    };
    child.on('message', (a) => {
      if (a.ok) report(a);
      else {
        failed = true;
        console.error(`\nfuzz: ${a.format} FAILED (chunk seed ${a.seed}, ${a.runs} cases)\n${a.error}`);
        console.error(`replay: KLEAK_FUZZ_FORMATS=${a.format} KLEAK_FUZZ_SEED=${a.seed} KLEAK_FUZZ_RUNS=${a.runs} npm run fuzz`);
      }
      next();
    });
    child.on('exit', (code) => {
      if (code !== 0 && !failed) {
        failed = true;
        console.error(`fuzz: a worker process exited with ${code}`);
      }
      resolve();
    });
    next();
  })),
);

const seconds = (Date.now() - t0) / 1000;
if (failed) {
  process.exitCode = 1;
} else {
  const cpu = [...done.values()].reduce((s, d) => s + d.cpuMs, 0) / 1000;
  console.log(`fuzz: ${total} cases passed (${formats.length} formats × ${runs}) in ${seconds.toFixed(0)} s wall time, ${cpu.toFixed(0)} s of CPU, ${(total / seconds).toFixed(0)} cases/s`);
}
