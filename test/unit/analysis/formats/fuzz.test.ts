// A seed-fixed, small fuzz budget for every run of the suite; `npm run fuzz` runs 100,000
// cases per parser.
import { it } from 'node:test';
import { fuzzFormats } from '../../../fuzz/captureFuzz';

const RUNS = Number(process.env.KLEAK_FUZZ_RUNS ?? 150);

it(`every format parser survives ${RUNS} mutated real captures (seed 42)`, () => {
  const results = fuzzFormats(RUNS, 42);
  console.log(`fuzz: ${results.map((r) => `${r.format} ${r.runs}`).join(', ')} cases`);
});
