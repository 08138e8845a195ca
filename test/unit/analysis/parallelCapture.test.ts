// Reading a capture in parts (parallelCapture, eventRecording, TraceCollector.absorb) without
// threads: where files are cut, and parts recorded by one parser and taken in by another give
// the report of one parser reading the whole file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { partBoundaries } from '../../../server/src/analysis/parallelCapture';
import { PerfScriptParser } from '../../../server/src/analysis/formats/perfScript';
import { perfScriptView } from '../../../server/src/analysis/views/perfScriptView';
import { fixturePath, fixturesIn, generatedPath } from '../../helpers/fixtures';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-parts-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gunzip = (name: string) => zlib.gunzipSync(fs.readFileSync(generatedPath(name)));

/** One parser over all the lines, and the same lines in parts: recorded, then taken in in order. */
function wholeAndParts(text: string, cuts: number[]) {
  const whole = new PerfScriptParser({ detail: false });
  for (const l of text.split('\n')) whole.push(l);
  const recorder = new PerfScriptParser({ detail: false }, true);
  const reader = new PerfScriptParser({ detail: false });
  const groupOf: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const part = text.slice(cuts[i], cuts[i + 1]);
    // The last part's final newline ends the file, as split('\n') of the whole reads it.
    for (const l of (i + 2 === cuts.length ? part : part.slice(0, -1)).split('\n')) recorder.push(l);
    reader.absorbPart(recorder.takePart(), groupOf);
  }
  return { whole: perfScriptView(whole.finish()), parts: perfScriptView(reader.finish()) };
}

describe('partBoundaries: where a capture is cut', () => {
  it('after a blank line (where an event and its call chain end), about every part size, to the end', async () => {
    const bytes = gunzip('perf-kmem-socketpair-task.txt.gz');
    const file = path.join(tmp, 'task.txt');
    fs.writeFileSync(file, bytes);
    const cuts = await partBoundaries(file, bytes.length, 1 << 20);
    assert.ok(cuts, 'the capture has call chains: it can be cut');
    assert.equal(cuts[0], 0);
    assert.equal(cuts.at(-1), bytes.length);
    assert.ok(cuts.length > bytes.length / (1 << 20) - 1, `${cuts.length - 1} parts`);
    for (let i = 1; i + 1 < cuts.length; i++) {
      assert.ok(cuts[i] > cuts[i - 1]);
      assert.equal(bytes.subarray(cuts[i] - 2, cuts[i]).toString(), '\n\n', `cut ${i} follows a blank line`);
      assert.ok(Math.abs(cuts[i] - i * (1 << 20)) < 64 << 10, `cut ${i} near ${i} MiB`);
    }
  });

  it('nowhere in a capture without call chains (no blank lines): undefined', async () => {
    const bytes = gunzip('perf-kmem-socketpair-system-flat.txt.gz');
    const file = path.join(tmp, 'flat.txt');
    fs.writeFileSync(file, bytes);
    assert.equal(await partBoundaries(file, bytes.length, 256 << 10), undefined);
  });
});

describe('parts recorded by one parser and taken in by another', () => {
  it('a real capture cut at its blank lines: the same suspects, facts and problems as one parser', async () => {
    const bytes = gunzip('perf-kmem-socketpair-system.txt.gz');
    const file = path.join(tmp, 'system.txt');
    fs.writeFileSync(file, bytes);
    const cuts = (await partBoundaries(file, bytes.length, 512 << 10))!;
    const { whole, parts } = wholeAndParts(bytes.toString('latin1'), cuts);
    assert.ok(whole.suspects.length > 3);
    assert.deepEqual(parts.suspects, whole.suspects);
    assert.deepEqual(parts.findings, whole.findings);
    assert.equal(parts.records, whole.records);
    assert.deepEqual(parts.outline, whole.outline);
  });

  it('the perf script fixtures, each cut after every blank line: the same problems at the same lines', () => {
    for (const f of fixturesIn('perf_script').filter((x) => !x.includes('report_stdio'))) {
      const text = fs.readFileSync(fixturePath('perf_script', f), 'utf8');
      const cuts = [0];
      for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n', i + 2)) cuts.push(i + 2);
      cuts.push(text.length);
      const { whole, parts } = wholeAndParts(text, [...new Set(cuts)].sort((a, b) => a - b));
      assert.deepEqual(parts.findings, whole.findings, f);
      assert.deepEqual(parts.suspects, whole.suspects, f);
    }
  });
});
