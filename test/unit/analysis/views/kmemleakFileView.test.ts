// kmemleak from disk: the streaming analyzer (objects grouped and dropped as their records end)
// reports the same records, suspects and input problems as the editor's view, and its memory does
// not grow with the objects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { analyzeLines, formatById } from '../../../../server/src/analysis/formats/registry';
import { isInputProblem } from '../../../../server/src/analysis/views/captureView';
import { kmemleakFileAnalyzer } from '../../../../server/src/analysis/views/kmemleakFileView';
import { fixtureLines, kmemleakFixtures } from '../../../helpers/fixtures';

const kmemleak = formatById('kmemleak')!;

function fromDisk(lines: string[]) {
  const a = kmemleak.create({ detail: false });
  for (const l of lines) a.push(l);
  return a.finish();
}

describe('kmemleak analysed from disk', () => {
  for (const f of kmemleakFixtures()) {
    it(`${f}: same records, suspects and input problems as the editor's view`, () => {
      const lines = fixtureLines('kmemleak', f);
      const full = analyzeLines(kmemleak, lines);
      const lean = fromDisk(lines);
      assert.equal(lean.records, full.records);
      assert.deepEqual(lean.suspects, full.suspects);
      assert.deepEqual(lean.findings, full.findings.filter(isInputProblem));
      assert.deepEqual(lean.tokens, []);
    });
  }

  it('a report repeated 1,000 times: the same as the editor, samples capped at 20', () => {
    const one = fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt').filter((l) => l !== '');
    const lines = Array.from({ length: 1000 }, () => one).flat();
    const full = analyzeLines(kmemleak, lines);
    const lean = fromDisk(lines);
    assert.equal(lean.records, 3000);
    assert.deepEqual(lean.suspects, full.suspects);
    assert.ok(lean.suspects[0].count > 2000);
    assert.equal(lean.suspects[0].samples?.length, 20);
  });

  it('memory does not grow with the objects: 10,000 objects held in under 16 MB of heap', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const one = fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt').filter((l) => l !== '').map((l) => `[ 2272.976543] ${l}`);
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const measure = (create: () => { push(l: string): void; finish(): unknown }) => {
      const a = create();
      const before = heap();
      for (let i = 0; i < 3334; i++) for (const l of one) a.push(l);
      const held = heap() - before;
      a.finish();
      return held;
    };
    const lean = measure(kmemleakFileAnalyzer);
    const full = measure(() => kmemleak.create());
    console.log(`# 10,000 kmemleak objects: ${(lean / 1048576).toFixed(1)} MB held from disk, ${(full / 1048576).toFixed(1)} MB by the editor's view`);
    assert.ok(lean < 16 * 1048576, `${(lean / 1048576).toFixed(1)} MB`);
    assert.ok(full > 4 * lean, 'the editor view holds every object (the measure can see the difference)');
  });
});
