import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKmemleak } from '../../../../server/src/analysis/formats/kmemleak';
import { kmemleakView } from '../../../../server/src/analysis/views/kmemleakView';
import { fixtureLines, kmemleakFixtures } from '../../../helpers/fixtures';

const viewOf = (name: string) => {
  const lines = fixtureLines('kmemleak', name);
  return { lines, view: kmemleakView(parseKmemleak(lines)) };
};

describe('kmemleak view', () => {
  for (const name of kmemleakFixtures()) {
    it(`${name}: a warning per object, one summary, a fold per object`, () => {
      const { lines, view } = viewOf(name);
      const headerLines = lines.flatMap((l, i) => (/unreferenced object 0x/.test(l) ? [i] : []));
      const leaks = view.findings.filter((f) => f.code === 'leaked-object');
      assert.deepEqual(leaks.map((f) => f.range.start.line).sort((a, b) => a - b), headerLines);
      assert.ok(leaks.every((f) => f.severity === 'warning'));
      const summary = view.findings.filter((f) => f.code === 'summary');
      assert.equal(summary.length, 1);
      assert.equal(summary[0].range.start.line, 0);
      assert.match(summary[0].message, new RegExp(`${headerLines.length} unreferenced object`));
      assert.equal(view.records, headerLines.length);
      assert.equal(view.outline.reduce((n, g) => n + g.children.length, 0), headerLines.length);
    });
  }

  it('warnings name size, comm, age and suspect, and relate the rest of the group', () => {
    const { view } = viewOf('kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const w = view.findings.find((f) => f.code === 'leaked-object')!;
    assert.match(w.message, /192 bytes/);
    assert.match(w.message, /comm "nvme" pid 3711/);
    assert.match(w.message, /age 2272\.976 s/);
    assert.match(w.message, /suspect blk_iolatency_init\+0x4e\/0x380/);
    assert.match(w.message, /3 objects \(576 B\) share this backtrace/);
    assert.equal(w.related.filter((r) => r.message.startsWith('same backtrace')).length, 2);
    assert.equal(view.lenses[0].title, '3 objects · 576 B · same backtrace');
    assert.equal(view.lenses[0].locations.length, 3);
  });

  it('hovers on a frame tell whether it is the suspect and how many objects pass through it', () => {
    const { lines, view } = viewOf('kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const line = lines.findIndex((l) => l.includes('blk_iolatency_init'));
    const h = view.hover({ line, character: lines[line].indexOf('blk_iolatency_init') + 3 })!;
    assert.match(h.contents, /\*\*Suspect frame\*\*/);
    assert.match(h.contents, /3 leaked objects have this function/);
    const modLine = lines.findIndex((l) => l.includes('[nvme_tcp]'));
    const m = view.hover({ line: modLine, character: lines[modLine].indexOf('nvme_tcp_') + 1 })!;
    assert.match(m.contents, /Module: `nvme_tcp`/);
    assert.match(m.contents, /Not the suspect frame/);
  });

  it('explains 0x6b poison in a hex dump hover', () => {
    const { lines, view } = viewOf('kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt');
    const line = lines.findIndex((l) => /^\s+6b 6b/.test(l));
    const h = view.hover({ line, character: 6 })!;
    assert.match(h.contents, /100% of the dumped bytes are `0x6b` POISON_FREE/);
    const size = view.hover({ line: 1, character: 10 })!;
    assert.match(size.contents, /5678 bytes/);
    assert.match(size.contents, /5\.54 KiB/);
  });
});
