// `kleak analyze` reading a perf script capture with worker threads (--jobs, parallelCapture):
// whatever the cuts, the report is the one a single thread gives, byte for byte. Small parts
// (KLEAK_PART_BYTES) cut the real captures hundreds of times, through events, chains and problems.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fixturePath, fixturesIn, generatedPath } from '../helpers/fixtures';
import { runCli } from '../helpers/cli';

function analyze(file: string, jobs: number, partBytes?: number, extra: string[] = []) {
  const env = { ...process.env, KLEAK_PART_BYTES: partBytes ? String(partBytes) : '' };
  const r = runCli(['analyze', '--json', '--jobs', String(jobs), ...extra, file], { timeout: 180_000, env });
  assert.equal(r.code, 0, r.stderr);
  const [report] = JSON.parse(r.stdout);
  return report;
}

/** The report without the note of how it was read. */
function content(report: Record<string, unknown>): string {
  const { parts: _parts, ...rest } = report;
  return JSON.stringify(rest);
}

let tmp: string;
const gunzipped = (name: string) => {
  const out = path.join(tmp, name.replace(/\.gz$/, ''));
  fs.writeFileSync(out, zlib.gunzipSync(fs.readFileSync(generatedPath(name))));
  return out;
};

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-parallel-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('kleak analyze --jobs: a perf script capture read in parts by threads', () => {
  for (const name of ['perf-kmem-socketpair-task.txt.gz', 'perf-kmem-socketpair-system.txt.gz', 'perf-kmem-no-leak-task.txt.gz']) {
    it(`${name}: the same report from 1, 2 and 3 threads, cut every 1 MiB and every 64 KiB`, { timeout: 300_000 }, () => {
      const file = gunzipped(name);
      const one = analyze(file, 1);
      assert.equal(one.parts, undefined, 'one thread reads it whole');
      assert.ok(one.suspects.length > 0 && one.records > 10_000, 'a real capture');
      for (const [jobs, partBytes] of [[2, 1 << 20], [3, 1 << 20], [2, 64 << 10]] as const) {
        const many = analyze(file, jobs, partBytes);
        const expected = Math.floor(fs.statSync(file).size / partBytes) - 1;
        assert.ok(many.parts >= expected, `${jobs} threads, ${partBytes} B parts: read in ${many.parts} parts (expected at least ${expected})`);
        assert.equal(content(many), content(one), `${jobs} threads, parts of ${partBytes} B`);
      }
    });
  }

  it('the time window (--since/--until) gives the same report in parts', { timeout: 120_000 }, () => {
    // The capture spans 1197.90 s to 1198.90 s: the middle half of it.
    const file = gunzipped('perf-kmem-socketpair-task.txt.gz');
    const window = ['--since', '1198.15', '--until', '1198.65'];
    const a = analyze(file, 1, undefined, window);
    assert.ok(a.records > 1000 && a.records < analyze(file, 1).records, 'the window keeps part of the capture');
    const b = analyze(file, 2, 256 << 10, window);
    assert.ok(b.parts > 1);
    assert.equal(content(b), content(a));
  });

  it('a capture without call chains has nowhere to cut: one thread reads it, the same report', { timeout: 120_000 }, () => {
    const file = gunzipped('perf-kmem-socketpair-system-flat.txt.gz');
    const one = analyze(file, 1);
    const two = analyze(file, 2, 256 << 10);
    assert.equal(two.parts, undefined, 'no blank line to cut at');
    assert.equal(content(two), content(one));
  });

  it('every perf script fixture (cut lines, lost events, probes, page events, wrapped fields) in one file: the same problems and suspects in parts', { timeout: 120_000 }, () => {
    // Each fixture twice, between copies of a real capture's head, so that cuts fall in all of them.
    const fixtures = fixturesIn('perf_script').filter((f) => !f.includes('report_stdio'));
    const head = fs.readFileSync(fixturePath('perf_script', 'perf_gen_21_socketpair_task_head.txt'), 'utf8');
    const text = [...fixtures, ...fixtures].map((f) => `${head.trimEnd()}\n\n${fs.readFileSync(fixturePath('perf_script', f), 'utf8').trimEnd()}\n\n`).join('');
    const file = path.join(tmp, 'mixed.perf-script');
    fs.writeFileSync(file, text);
    const one = analyze(file, 1);
    assert.ok(one.problems.length > 5, 'the fixtures bring their problems');
    for (const partBytes of [4 << 10, 16 << 10]) {
      const many = analyze(file, 2, partBytes);
      assert.ok(many.parts > 5, `cut into ${many.parts} parts`);
      assert.equal(content(many), content(one), `parts of ${partBytes} B`);
    }
  });

  it('a perf report section (its meaning depends on what came before): read again by one thread, the same report', { timeout: 120_000 }, () => {
    const head = fs.readFileSync(fixturePath('perf_script', 'perf_gen_21_socketpair_task_head.txt'), 'utf8');
    const report = fs.readFileSync(fixturePath('perf_script', 'perf_local_15_report_stdio_sort_trace_6.18.txt'), 'utf8');
    const file = path.join(tmp, 'with-report.perf-script');
    fs.writeFileSync(file, `${head.trimEnd()}\n\n${head.trimEnd()}\n\n${report.trimEnd()}\n\n${head.trimEnd()}\n\n${head}`);
    const one = analyze(file, 1);
    // With 2 threads this one reads every other part itself, with 3 only the workers read: the
    // section is met by either, at every cut size.
    for (const [jobs, partBytes] of [[2, 8 << 10], [2, 4 << 10], [3, 8 << 10], [3, 4 << 10]] as const) {
      const many = analyze(file, jobs, partBytes);
      assert.equal(many.parts, undefined, `${jobs} threads, ${partBytes} B parts: fell back to one thread`);
      assert.equal(content(many), content(one));
    }
  });
});
