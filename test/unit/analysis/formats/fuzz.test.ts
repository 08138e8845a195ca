// A seed-fixed, small fuzz budget for every run of the suite; `npm run fuzz` runs 100,000 cases
// per parser (with a random seed, in parallel processes).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FORMATS } from '../../../../server/src/analysis/formats/registry';
import { fuzzFormats } from '../../../fuzz/captureFuzz';

const RUNS = Number(process.env.KLEAK_FUZZ_RUNS ?? 150);

it(`every format parser survives ${RUNS} mutated real captures (seed 42)`, () => {
  const results = fuzzFormats(RUNS, 42);
  assert.deepEqual(results.map((r) => r.format), FORMATS.map((f) => f.id), 'every registered format was fuzzed');
  assert.ok(results.every((r) => r.diskRuns > 0 && r.diskRuns < r.runs), 'every format got cases as a document and as a file from disk');
  console.log(
    `fuzz: ${results.map((r) => `${r.format} ${r.runs}${r.diskRuns ? ` (${r.diskRuns} from disk)` : ''}`).join(', ')} cases, ` +
      `${results.reduce((s, r) => s + r.runs, 0)} in all, ${(results.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(1)} s`,
  );
});
