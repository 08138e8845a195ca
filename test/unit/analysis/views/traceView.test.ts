import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { analyzeLines, formatById } from '../../../../server/src/analysis/formats/registry';
import { parsePerfScript } from '../../../../server/src/analysis/formats/perfScript';
import { parseFtrace } from '../../../../server/src/analysis/formats/ftrace';
import { perfScriptView } from '../../../../server/src/analysis/views/perfScriptView';
import { ftraceView } from '../../../../server/src/analysis/views/ftraceView';
import { MAX_SUSPECT_FINDINGS } from '../../../../server/src/analysis/views/traceView';
import { CaptureView } from '../../../../server/src/analysis/views/captureView';
import { fixtureLines, fixturesIn, generatedPath } from '../../../helpers/fixtures';

const ALLOC_LINE = /kmem:(?:kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|mm_page_alloc)\b|probe:kmem_cache_alloc|: (?:kmalloc|kmem_cache_alloc|kmalloc_node|kmem_cache_alloc_node|mm_page_alloc): |^ +\d+\.\d+% /;

function checkCommon(view: CaptureView, lines: string[], name: string): void {
  const summary = view.findings.filter((f) => f.code === 'summary');
  assert.equal(summary.length, 1, `${name}: one summary`);
  assert.equal(summary[0].range.start.line, 0);
  assert.equal(summary[0].severity, 'information');
  const perSuspect = view.findings.filter((f) => f.code === 'leak-suspect');
  // One diagnostic per suspect stack, never one per event.
  assert.equal(perSuspect.length, Math.min(view.suspects.length, MAX_SUSPECT_FINDINGS), name);
  assert.ok(perSuspect.length <= view.records);
  for (const f of perSuspect) {
    assert.match(lines[f.range.start.line], ALLOC_LINE, `${name}: suspect diagnostic on line ${f.range.start.line + 1}`);
    assert.ok(f.related.length <= 20);
    assert.equal(f.severity, f.message.includes('likely-leak') ? 'warning' : f.message.includes('possible-leak') ? 'information' : 'hint');
  }
  for (const s of view.suspects) {
    assert.match(lines[s.line], ALLOC_LINE);
    for (const l of s.samples ?? []) assert.match(lines[l], ALLOC_LINE);
  }
  assert.equal(view.lenses.length, perSuspect.length);
  for (const fold of view.folds) assert.ok(fold.startLine < fold.endLine && fold.endLine < lines.length);
}

describe('trace views on every real capture', () => {
  for (const name of fixturesIn('perf_script')) {
    it(`perf script ${name}: one summary, one diagnostic per suspect, lines of allocations`, () => {
      const lines = fixtureLines('perf_script', name);
      checkCommon(perfScriptView(parsePerfScript(lines)), lines, name);
    });
  }
  for (const name of fixturesIn('ftrace')) {
    it(`ftrace ${name}: one summary, one diagnostic per suspect, lines of allocations`, () => {
      const lines = fixtureLines('ftrace', name);
      checkCommon(ftraceView(parseFtrace(lines)), lines, name);
    });
  }
});

describe('trace view of a real 39 MB capture (an editor document)', () => {
  const text = zlib.gunzipSync(fs.readFileSync(generatedPath('perf-kmem-socketpair-system.txt.gz'))).toString('utf8');
  const lines = text.split('\n');
  const view = analyzeLines(formatById('perf-script')!, lines);

  it('summarises the capture and names the leak', () => {
    const s = view.findings.find((f) => f.code === 'summary')!;
    assert.match(s.message, /^perf script: 43599 events \(24521 allocations, 19078 frees\) over 323\.5 ms; \d+ objects .* outstanding in \d+ stacks\./);
    assert.match(s.message, /6 likely leaks; top: sk_prot_alloc \(324 objects, 365 KiB\)/);
    assert.match(s.message, /unmatched frees/);
    const w = view.findings.filter((f) => f.severity === 'warning' && f.code === 'leak-suspect');
    assert.equal(w.length, 6);
    assert.match(w[0].message, /^#1 likely-leak in sk_prot_alloc via sk_alloc ← unix_create1 ← unix_create ← … \[signal_cache\]: 324 objects, 365 KiB\. /);
    assert.equal(w[0].related[0].message, 'suspect frame sk_prot_alloc');
    assert.match(lines[w[0].related[0].range.start.line], /sk_prot_alloc\+0x32/);
    assert.equal(w[0].related.length, 20);
    assert.match(view.lenses[0].title, /^likely-leak · 324 outstanding objects · 365 KiB, \+\d+\/s · same stack$/);
  });

  it('hovers tell whether an event was freed, its age, sizes and waste', () => {
    const top = view.suspects[0];
    const never = view.hover({ line: top.line, character: 40 })!;
    assert.match(never.contents, /\*\*Never freed\*\* in the capture: outstanding for \d+\.\d ms at its end\./);
    assert.match(never.contents, /requested \*\*1152 B\*\*, allocated \*\*1152 B\*\* \(no waste\)/);
    assert.match(never.contents, /Stack group #1 \*\*likely-leak\*\*/);
    // A freed allocation with size-class waste: a socket inode (768 B requested, 832 B allocated).
    const freedLine = lines.findIndex((l, i) => l.includes('call_site=sock_alloc_inode') && view.hover({ line: i, character: 40 })?.contents.includes('Freed by'));
    assert.ok(freedLine > 0);
    const freed = view.hover({ line: freedLine, character: 40 })!.contents;
    assert.match(freed, /requested \*\*768 B\*\*, allocated \*\*832 B\*\* — 64 B \(8%\) lost to the size class/);
    const to = Number(/on line (\d+)/.exec(freed)![1]) - 1;
    assert.match(lines[to], /kmem:kmem_cache_free/);
    assert.match(view.hover({ line: to, character: 40 })!.contents, new RegExp(`Frees the object allocated on line ${freedLine + 1}`));
  });

  it('hovers on frames: suspect frame and bottom-up totals', () => {
    const suspect = view.frames.find((f) => f.suspect && f.frame.symbol === 'sk_prot_alloc')!;
    const h = view.hover(suspect.frame.symbolRange.start)!;
    assert.match(h.contents, /\*\*Suspect frame\*\* of stack group #1 \(likely-leak\)/);
    // Another socket path also allocates there: the bottom-up total is over both stacks.
    assert.match(h.contents, /Bottom-up: 347 outstanding objects \(367 KiB\) in 2 stacks pass through this function, 1 likely leak\./);
    const sys = view.frames.find((f) => f.frame.symbol === '__sys_socketpair')!;
    assert.match(view.hover(sys.frame.symbolRange.start)!.contents, /Bottom-up: \d+ outstanding objects .* in \d+ stacks pass through this function, 6 likely leaks/);
  });

  it('outline: suspects with sample events; folds per event with its chain', () => {
    assert.equal(view.outline[0].name, 'sk_prot_alloc');
    assert.equal(view.outline[0].children.length, 50);
    const child = view.outline[0].children[0];
    assert.equal(child.kind, 'event');
    assert.ok(child.range.end.line > child.range.start.line, 'an event spans its call chain');
    assert.ok(view.folds.some((f) => f.startLine === child.range.start.line && f.endLine === child.range.end.line));
    // Details are kept for the head of a big document only.
    assert.ok(view.tokens.every((t) => t.line < 100_000));
  });
});
