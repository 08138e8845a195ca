// Moving a .ko's code sections apart for one addr2line run: the layout of the real kmem_test.ko.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readElf } from '../../../../server/src/analysis/symbolize/elf';
import { codeSectionLayout, objcopyMoveArgs } from '../../../../server/src/analysis/symbolize/sectionLayout';
import { buildKmemTestModule, moduleSections } from '../../../helpers/kmemTestModule';

describe('code section layout', () => {
  it('every code section of kmem_test.ko gets its own page-aligned range, none overlapping, none at 0', async () => {
    const mod = await buildKmemTestModule();
    const elf = await readElf(mod.ko);
    const layout = codeSectionLayout(elf.sections)!;
    assert.deepEqual([...layout.keys()].sort(), ['.exit.text', '.init.text', '.text', '.text.unlikely']);
    const ranges = [...layout].map(([name, base]) => ({ name, base, end: base + BigInt(moduleSections(mod.ko).find((s) => s.name === name)!.size) }));
    for (const a of ranges) {
      assert.ok(a.base > 0n && a.base % 0x1000n === 0n, a.name);
      for (const b of ranges) if (a !== b) assert.ok(a.end <= b.base || b.end <= a.base, `${a.name} and ${b.name} overlap`);
    }
    assert.deepEqual(objcopyMoveArgs(new Map([['.text', 0x10000000n]]), 'in.ko', 'out.ko'), ['--change-section-address=.text=0x10000000', 'in.ko', 'out.ko']);
  });

  it('two code sections of one name (objcopy could not tell them apart): no layout', async () => {
    const mod = await buildKmemTestModule();
    const elf = await readElf(mod.ko);
    const text = elf.sections.find((s) => s.name === '.text')!;
    assert.equal(codeSectionLayout([...elf.sections, { ...text, index: 999 }]), undefined);
    assert.equal(codeSectionLayout([{ ...text, name: '.text*' }]), undefined, 'a wildcard is no section name');
  });
});
