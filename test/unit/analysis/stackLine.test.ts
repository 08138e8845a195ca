import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isArmRegisterLine, isStackMarker, parseStackLine } from '../../../server/src/analysis/stackLine';

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
  it('old ARM with the module inside the parentheses, and since 3.15 without the callee offset', () => {
    const text = '[<bf00a000>] (mymod_init+0x0/0x100 [mymod]) from [<c0008b4c>] (do_one_initcall+0x40/0x1a0)';
    const f = parse(text)!;
    assert.deepEqual([f.symbol, f.offset, f.size, f.module, f.address], ['mymod_init', 0, 0x100, 'mymod', 'bf00a000']);
    assert.equal(text.slice(f.moduleRange!.start.character, f.moduleRange!.end.character), 'mymod');
    assert.equal(f.range.end.character, text.length);
    const modern = '[<bf0a2124>] (demo_probe [demo_drv]) from [<c0396cd8>] (platform_drv_probe+0x20/0x50)';
    const g = parse(modern)!;
    assert.deepEqual([g.symbol, g.offset, g.module, g.address], ['demo_probe', undefined, 'demo_drv', 'bf0a2124']);
    assert.equal(modern.slice(g.symbolRange.start.character, g.symbolRange.end.character), 'demo_probe');
    assert.equal(modern.slice(g.moduleRange!.start.character, g.moduleRange!.end.character), 'demo_drv');
    assert.equal(parse('[<c0016484>] (unwind_backtrace) from [<c0012484>] (show_stack+0x10/0x14)')?.symbol, 'unwind_backtrace');
  });
  it('old ARM without kallsyms: "Function entered at [<pc>] from [<lr>]" is the callee address', () => {
    const text = 'Function entered at [<c002c0f4>] from [<c0261d0c>]';
    const f = parse(text)!;
    assert.deepEqual([f.symbol, f.address], [undefined, 'c002c0f4']);
    assert.equal(text.slice(f.symbolRange.start.character, f.symbolRange.end.character), 'c002c0f4');
  });
  it('old ARM saved-register lines are recognised, frames and other lines are not', () => {
    assert.ok(isArmRegisterLine(' r6:c0a1b2c4 r5:00000000 r4:df8b3c00'));
    assert.ok(isArmRegisterLine(' r10:df801e00 r9:00000000 r8:c0a1b2c4 r7:000000d0 r6:00000080'));
    assert.ok(isArmRegisterLine('r5:df8b3c00 r4:c05d2f40'), 'the sixth register starts a line of its own, without a space');
    assert.ok(!isArmRegisterLine('r5: df8b3c00'));
    assert.ok(!isArmRegisterLine('[<c0011a6c>] (dump_backtrace+0x0/0x10c) from [<c03d5b1c>] (dump_stack+0x18/0x1c)'));
    assert.equal(parse(' r6:c0a1b2c4 r5:00000000 r4:df8b3c00'), undefined);
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
