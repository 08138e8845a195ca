import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeLines, detectFormat, formatById } from '../../../../server/src/analysis/formats/registry';
import { CaptureView } from '../../../../server/src/analysis/views/captureView';
import { slabGrowthOf } from '../../../../server/src/analysis/views/slabSeriesView';
import { SHOW_SLAB_GROWTH_COMMAND } from '../../../../server/src/protocol';
import { Range } from '../../../../server/src/analysis/model';
import { fixtureLines } from '../../../helpers/fixtures';
import { generatedLines, snapshotFixtures } from '../../../helpers/slabFixtures';

const textAt = (lines: string[], r: Range) => lines[r.start.line].slice(r.start.character, r.end.character);
const view = (id: string, lines: string[]): CaptureView => analyzeLines(formatById(id)!, lines);

describe('slab series view of the socketpair slabinfo series', () => {
  const lines = generatedLines('slabinfo-series.txt.gz');
  const v = view('slabinfo', lines);
  const report = slabGrowthOf(v)!;
  const dates = lines.flatMap((l, i) => (/^[A-Z][a-z]{2} [A-Z][a-z]{2} /.test(l) ? [i] : []));
  const lastSnapshot = dates[dates.length - 1];

  it('records are snapshots; the format is slabinfo', () => {
    assert.equal(v.format, 'slabinfo');
    assert.equal(v.records, 58);
  });

  it('a diagnostic per growing cache, on its name in the latest snapshot, with rate, R² and verdict', () => {
    const growth = v.findings.filter((f) => f.code === 'slab-growth');
    const growing = report.caches.filter((c) => c.verdict !== 'stable');
    assert.equal(growth.length, growing.length);
    assert.equal(growth.length, 10);
    for (const f of growth) {
      const name = textAt(lines, f.range);
      const c = report.caches.find((x) => x.name === name)!;
      assert.ok(c, `diagnostic on "${name}"`);
      assert.ok(f.range.start.line > lastSnapshot, `${name} on line ${f.range.start.line}, in the last snapshot`);
      assert.equal(f.severity, c.verdict === 'likely-leak' ? 'warning' : 'information');
      assert.match(f.message, new RegExp(`^${name}: ${c.verdict === 'likely-leak' ? 'likely leak' : 'reclaimable cache'} — `));
      assert.match(f.message, /\/s/);
      assert.ok(f.related.length === 1 && f.related[0].range.start.line < dates[1], 'related: the first snapshot');
    }
    const signal = growth.find((f) => textAt(lines, f.range) === 'signal_cache')!;
    assert.match(signal.message, /Steady unreclaimable growth: \+7\.88 MiB \(\+1\d\d KiB\/s, R² 1\.00/);
  });

  it('one summary on the first line: span, leaks, reclaimable growth', () => {
    const [summary] = v.findings.filter((f) => f.code === 'summary');
    assert.deepEqual(summary.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    assert.match(summary.message, /^Slab series: 58 snapshots over 61 s\. 6 caches grow steadily and are unreclaimable \(likely leaks\): signal_cache \+7\.88 MiB/);
    assert.match(summary.message, /4 reclaimable caches grow: dentry \+45\.3 MiB/);
    assert.equal(v.findings.filter((f) => f.severity === 'error').length, 0);
  });

  it('suspects: caches ranked by growth, site = cache, bytes = growth, line = its latest row', () => {
    assert.equal(v.suspects.length, 235);
    const top = v.suspects.slice(0, 4).map((s) => [s.rank, s.site, s.verdict]);
    assert.deepEqual(top, [[1, 'dentry', 'cache'], [2, 'ext4_inode_cache', 'cache'], [3, 'signal_cache', 'likely-leak'], [4, 'sock_inode_cache', 'likely-leak']]);
    const s = v.suspects[2];
    assert.equal(s.bytes, 8257536);
    assert.equal(s.count, 7308 - 252);
    assert.ok(lines[s.line].startsWith('signal_cache ') && s.line > lastSnapshot);
    assert.deepEqual(s.stack, []);
  });

  it('outline: snapshots named by their time, caches inside; a fold per snapshot', () => {
    assert.equal(v.outline.length, 58);
    assert.equal(v.outline[0].name, 'Sun Nov 22 01:54:28 UTC 2026');
    assert.equal(v.outline[0].kind, 'event');
    assert.equal(v.outline[0].selectionRange.start.line, 0);
    assert.equal(v.outline[0].children.length, 235);
    const dentry = v.outline[57].children.find((c) => c.name === 'dentry')!;
    assert.match(dentry.detail!, /cache$/);
    for (const item of v.outline) for (const c of item.children) assert.ok(c.range.start.line >= item.range.start.line && c.range.end.line <= item.range.end.line);
    assert.equal(v.folds.length, 58);
    assert.deepEqual(v.folds.map((f) => f.startLine), dates);
    assert.equal(v.folds[0].endLine, dates[1] - 1);
  });

  it('hover on a cache row: memory, objects, growth, reclaimability, verdict', () => {
    const row = lines.findIndex((l, i) => i > dates[2] && l.startsWith('dentry '));
    const h = v.hover({ line: row, character: 20 })!;
    assert.ok(h);
    assert.match(h.contents, /^\*\*dentry\*\* — slab cache, Sun Nov 22 01:54:30 UTC 2026 \(snapshot 3 of 58\)/);
    assert.match(h.contents, /Slab memory: \*\*[\d.]+ MiB\*\* = \d+ slabs × 1 page × 4\.00 KiB/);
    assert.match(h.contents, /Reclaimable: \*\*yes\*\*/);
    assert.match(h.contents, /Verdict: \*\*cache\*\*/);
    const sig = lines.findIndex((l) => l.startsWith('signal_cache '));
    const hs = v.hover({ line: sig, character: 2 })!.contents;
    assert.match(hs, /Verdict: \*\*likely-leak\*\*/);
    assert.match(hs, /slab_nomerge/);
    assert.match(v.hover({ line: 0, character: 3 })!.contents, /^\*\*Snapshot 1 of 58\*\*/);
    assert.equal(v.hover({ line: 1, character: 3 }), undefined, 'nothing to say on the version header');
  });

  it('a "Show Slab Growth" lens over the series runs the panel command', () => {
    assert.equal(v.lenses.length, 1);
    const [lens] = v.lenses;
    assert.equal(lens.command, SHOW_SLAB_GROWTH_COMMAND);
    assert.equal(lens.title, 'Show Slab Growth · 58 snapshots · 6 likely leaks');
    assert.equal(lens.range.start.line, 0);
  });

  it('tokens: cache names, sizes, numbers, timestamps — inside their lines', () => {
    const kinds = new Set(v.tokens.map((t) => t.kind));
    for (const k of ['cache', 'size', 'number', 'keyword', 'prefix']) assert.ok(kinds.has(k as never), k);
    for (const t of v.tokens) assert.ok(t.character + t.length <= lines[t.line].length);
    const name = v.tokens.find((t) => t.kind === 'cache')!;
    assert.equal(lines[name.line].slice(name.character, name.character + name.length), lines[name.line].split(/\s+/)[0]);
  });
});

describe('slab series views of the other captures', () => {
  it('meminfo series: SUnreclaim growth on its latest line, with the projection to MemTotal', () => {
    const lines = generatedLines('meminfo-series.txt');
    const v = view('meminfo', lines);
    const su = v.findings.filter((f) => f.code === 'meminfo-growth' && textAt(lines, f.range) === 'SUnreclaim');
    assert.equal(su.length, 1);
    assert.equal(su[0].severity, 'warning');
    assert.equal(su[0].range.start.line, lines.lastIndexOf(lines.filter((l) => l.startsWith('SUnreclaim:')).pop()!));
    assert.match(su[0].message, /cannot reclaim\. At this rate it reaches MemTotal \(23\.5 GiB\) in 41\.7 h\.$/);
    assert.deepEqual(v.suspects.slice(0, 2).map((s) => [s.site, s.verdict]), [['SReclaimable', 'cache'], ['SUnreclaim', 'likely-leak']]);
  });

  it('a single snapshot: no suspects, a note that growth needs more, the biggest caches in the summary', () => {
    const v = view('slabinfo', fixtureLines('slabinfo', 'slabinfo_03_x86_64_5.x_ubuntu_vm_full_jc_fixture.txt'));
    assert.equal(v.records, 1);
    assert.deepEqual(v.suspects, []);
    assert.deepEqual(v.lenses, []);
    assert.ok(v.findings.some((f) => f.code === 'single-snapshot'));
    assert.match(v.findings[0].message, /^Slab snapshot: 145 caches, [\d.]+ MiB of slab memory; largest inode_cache/);
    const m = view('meminfo', fixtureLines('meminfo', 'meminfo_03_x86_64_5.x_vm_jc_fixture.txt'));
    assert.match(m.findings[0].message, /meminfo: MemTotal 3\.81 GiB, Slab 281 MiB \(SReclaimable 184 MiB, SUnreclaim 97\.5 MiB\)/);
    const lines = fixtureLines('meminfo', 'meminfo_03_x86_64_5.x_vm_jc_fixture.txt');
    const su = lines.findIndex((l) => l.startsWith('SUnreclaim:'));
    assert.match(m.hover({ line: su, character: 2 })!.contents, /^\*\*SUnreclaim\*\*: \*\*97\.5 MiB\*\* \(99880 kB\)/);
  });

  it('a grep series of LowFree (no kernel counter): says it cannot attribute the fall, by how much it fell, and what to record', () => {
    const lines = fixtureLines('meminfo', 'meminfo_01_arm32_lowfree_grep_series_leak.txt');
    const v = view('meminfo', lines);
    assert.deepEqual(v.suspects, []);
    const notes = v.findings.filter((f) => f.code === 'uncounted-series');
    assert.equal(notes.length, 1);
    assert.equal(notes[0].severity, 'information');
    // the fall, from the text: the first and the last LowFree value, in kB
    const kb = lines.map((l) => Number(/^LowFree:\s+(\d+) kB/.exec(l)?.[1])).filter((n) => n > 0);
    const fallMiB = ((kb[0] - kb[kb.length - 1]) / 1024).toFixed(0);
    assert.match(notes[0].message, /^No slab cache or kernel-memory counter in this series \(it has LowFree; none of SUnreclaim, /);
    assert.match(notes[0].message, new RegExp(`LowFree falls: −${fallMiB} MiB \\(`));
    assert.match(notes[0].message, /Record \/proc\/meminfo whole, with \/proc\/slabinfo, e\.g\. "while sleep 10; do date; sudo cat \/proc\/slabinfo \/proc\/meminfo; done > slab-series\.txt"\.$/);
  });

  it('a grep series of MemFree and MemAvailable cut from the generated series: the same note; the whole series has none', () => {
    const whole = generatedLines('meminfo-series.txt');
    const grepped = whole.filter((l) => /^(MemFree|MemAvailable):/.test(l) || /^[A-Z][a-z]{2} [A-Z][a-z]{2} /.test(l));
    const v = view('meminfo', grepped);
    assert.equal(v.records, 58);
    const note = v.findings.find((f) => f.code === 'uncounted-series');
    assert.ok(note, 'the grep series has the note');
    assert.match(note.message, /\(it has MemFree, MemAvailable; none of /);
    assert.equal(view('meminfo', whole).findings.filter((f) => f.code === 'uncounted-series').length, 0, 'SUnreclaim and SReclaimable are in the whole series');
  });

  it('buddyinfo zones: free memory and fragmentation in the hover', () => {
    const lines = fixtureLines('meminfo', 'meminfo_21_x86_64_project_machine_meminfo_buddyinfo_series.txt');
    const v = view('meminfo', lines);
    const normal = lines.findIndex((l) => l.startsWith('Node 0, zone   Normal'));
    const h = v.hover({ line: normal, character: 15 })!.contents;
    assert.match(h, /^\*\*Node 0, zone Normal\*\*: [\d.]+ [MG]iB free/);
    assert.match(h, /Largest free block: order \d+/);
  });

  it('every fixture: ranges of findings, outline and folds inside the document', () => {
    for (const [dir, file] of snapshotFixtures()) {
      const lines = fixtureLines(dir, file);
      const format = lines.map((l) => detectFormat(l)).find((f) => f);
      assert.ok(format, `${file} is detected`);
      const v = analyzeLines(format, lines);
      const inside = (r: Range) => r.start.line >= 0 && r.end.line < lines.length && r.end.character <= Math.max(lines[r.end.line].length, 0);
      for (const f of v.findings) assert.ok(inside(f.range), `${file}: ${f.code} at ${JSON.stringify(f.range)}`);
      for (const o of v.outline) {
        assert.ok(inside(o.range) && inside(o.selectionRange), `${file}: outline ${o.name}`);
        for (const c of o.children) assert.ok(inside(c.range) && inside(c.selectionRange));
      }
      for (const fold of v.folds) assert.ok(fold.startLine < fold.endLine && fold.endLine < lines.length);
    }
  });
});
