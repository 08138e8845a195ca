// `npm run fuzz`: 100,000 mutated inputs per format parser (override with KLEAK_FUZZ_RUNS),
// with a random seed that is printed so a failure can be replayed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = process.env.KLEAK_FUZZ_RUNS ?? '100000';
const seed = process.env.KLEAK_FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
console.log(`fuzz: ${runs} runs per format, seed ${seed}`);
execFileSync(
  process.execPath,
  ['--import', 'tsx', '-e', `require('./test/fuzz/captureFuzz').fuzzFormats(${Number(runs)}, ${Number(seed)}).forEach((r) => console.log(r.format, r.runs, 'cases passed'))`],
  { cwd: root, stdio: 'inherit' },
);
