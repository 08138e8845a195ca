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
import { REPO_ROOT, fixturePath, fixturesIn, generatedPath } from '../../helpers/fixtures';
import { analyzeCaptureFile } from '../../../server/src/analysis/captureFile';

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

describe('analyzeCaptureFile with threads, when things go wrong', () => {
  const cut = { threads: 2, partBytes: 256 << 10, minBytes: 0 };
  let file: string;
  let alone: Awaited<ReturnType<typeof analyzeCaptureFile>>;
  before(async () => {
    file = path.join(tmp, 'task-threads.txt');
    fs.writeFileSync(file, gunzip('perf-kmem-socketpair-task.txt.gz'));
    alone = await analyzeCaptureFile(file);
    assert.ok(alone.ok && alone.parts === undefined);
  });

  for (const [what, script] of [
    ['cannot start', 'throw new Error("no such module")'],
    ['stops on its first part', 'require("node:worker_threads").parentPort.on("message", () => process.exit(3))'],
    ['answers with an error', 'const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage({ type: "error", index: m.index, message: "disk on fire" }))'],
  ] as const) {
    it(`a reader thread that ${what}: one thread reads the file, the same report`, async () => {
      const workerScript = path.join(tmp, `worker-${what.replace(/\W+/g, '-')}.js`);
      fs.writeFileSync(workerScript, script);
      const r = await analyzeCaptureFile(file, { parallel: { workerScript, ...cut } });
      assert.ok(r.ok && alone.ok);
      assert.equal(r.parts, undefined, 'read by one thread');
      assert.deepEqual(r.view.suspects, alone.view.suspects);
      assert.deepEqual(r.view.findings, alone.view.findings);
    });
  }

  it('cancelled while the threads read: "cancelled", and no thread left running', async () => {
    const workerScript = path.join(REPO_ROOT, 'dist', 'partWorker.js');
    assert.ok(fs.existsSync(workerScript), 'dist/ is built before the tests (npm test builds it)');
    const abort = new AbortController();
    const r = await analyzeCaptureFile(file, { parallel: { workerScript, ...cut }, signal: abort.signal, onProgress: (f) => f > 0.2 && abort.abort() });
    assert.deepEqual(r, { ok: false, reason: 'cancelled' });
    const done = await analyzeCaptureFile(file, { parallel: { workerScript, ...cut } });
    assert.ok(done.ok && alone.ok && done.parts !== undefined && done.parts > 10, 'read in parts when nothing goes wrong');
    assert.deepEqual(done.view.suspects, alone.view.suspects);
  });
});
