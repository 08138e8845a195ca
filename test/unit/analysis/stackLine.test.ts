import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStackMarker, parseStackLine } from '../../../server/src/analysis/stackLine';

const parse = (text: string, opts = {}) => parseStackLine(text, 0, 0, opts)?.frame;

describe('stack lines in every spelling', () => {
  it('ppc64 "[sp] [ip] sym+off/len (unreliable)"', () => {
    const f = parse('[c000001fefdef800] [c000000000644278] dump_stack+0xec/0x144 (unreliable)')!;
    assert.deepEqual([f.symbol, f.offset, f.size, f.address, f.unreliable], ['dump_stack', 0xec, 0x144, 'c000000000644278', true]);
  });
  it('old ARM "[<pc>] (sym+off/len) from [<lr>] (caller)"', () => {
    const text = '[<c00128d8>] (unwind_backtrace+0x0/0xf0) from [<c000ff14>] (show_stack+0x10/0x14)';
    const f = parse(text)!;
    assert.deepEqual([f.symbol, f.address], ['unwind_backtrace', 'c00128d8']);
    assert.equal(text.slice(f.symbolRange.start.character, f.symbolRange.end.character), 'unwind_backtrace');
  });
  it('2.6 page_owner "[0xaddr] sym+decimal"', () => {
    const f = parse('[0xc012b7b9] find_lock_page+25')!;
    assert.deepEqual([f.symbol, f.offset, f.address], ['find_lock_page', 25, 'c012b7b9']);
  });
  it('libbpf-tools "N [<addr>] sym+off" and BCC "sym [kernel]", "0x… [unknown]"', () => {
    const a = parse('        0 [<ffffffffad44ab78>] __alloc_pages_nodemask+0x1e8')!;
    assert.deepEqual([a.symbol, a.offset, a.address], ['__alloc_pages_nodemask', 0x1e8, 'ffffffffad44ab78']);
    assert.equal(parse('                 bpf_prog_load [kernel]'), undefined, 'not a frame without the BCC option');
    const b = parse('                 bpf_prog_load [kernel]', { bareSymbolWithModule: true })!;
    assert.deepEqual([b.symbol, b.module], ['bpf_prog_load', undefined]);
    const c = parse('                0xffffffe1294db528      [unknown]')!;
    assert.deepEqual([c.symbol, c.address], [undefined, 'ffffffe1294db528']);
  });
  it('tab-indented SLUB track frames; prose is not a frame', () => {
    assert.equal(parse('\t__slab_alloc+0x51/0x90')?.symbol, '__slab_alloc');
    assert.equal(parse('pci_irq_map_dispose at arch/powerpc/kernel/pci-common.c:456'), undefined);
    assert.equal(parse('Disabling lock debugging due to kernel taint'), undefined);
    assert.ok(isStackMarker(' <TASK>'));
  });
});
