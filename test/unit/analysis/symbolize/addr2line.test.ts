// Output parsing of the line tools, on output the real tools print for the kmem_test module.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { addr2lineArgs, gdbArgs, parseAddr2lineOutput, parseGdbOutput } from '../../../../server/src/analysis/symbolize/addr2line';
import { BuiltModule, addr2lineOracle, buildKmemTestModule, callSites } from '../../../helpers/kmemTestModule';

describe('addr2line output', () => {
  let mod: BuiltModule;
  before(async () => {
    mod = await buildKmemTestModule();
  });

  it('binutils: one record per address, inline chains, unknown addresses dropped', () => {
    const text = callSites(mod.ko).filter((c) => c.fn.section === '.text');
    const addrs = text.map((c) => BigInt(c.fn.value + c.returnOffset - 1));
    const out = execFileSync('addr2line', addr2lineArgs('addr2line', mod.ko, '.text'), {
      input: [...addrs, 0xfffffn].map((a) => `0x${a.toString(16)}\n`).join(''),
      encoding: 'utf8',
    });
    const chains = parseAddr2lineOutput(out);
    assert.equal(chains.size, new Set(addrs).size, 'the address beyond .text is dropped');
    for (const c of text) {
      const a = BigInt(c.fn.value + c.returnOffset - 1);
      const oracle = addr2lineOracle(mod.ko, '.text', Number(a));
      assert.deepEqual(chains.get(a)!.map((x) => ({ function: x.function, file: x.file, line: x.line })), oracle, `0x${a.toString(16)}`);
    }
    assert.ok([...chains.values()].some((ch) => ch.length >= 2), 'some inline chains');
  });

  it('hand-written edge cases: discriminators, ?? lines, CRLF, trailing garbage', () => {
    const out = [
      '0x0000000000000010',
      'kmem_test_work_fn',
      '/tmp/x/kmem_test_main.c:70 (discriminator 3)',
      '0x0000000000000020',
      '??',
      '??:0',
      '0x30',
      'kmalloc',
      './include/linux/slab.h:568',
      'outer',
      'mm/x.c:?',
      '0x40',
      'truncated-function-without-location',
    ].join('\r\n');
    const chains = parseAddr2lineOutput(out);
    assert.deepEqual([...chains.keys()], [0x10n, 0x30n]);
    assert.deepEqual(chains.get(0x10n), [{ function: 'kmem_test_work_fn', file: '/tmp/x/kmem_test_main.c', line: 70, discriminator: 3 }]);
    assert.deepEqual(chains.get(0x30n), [{ function: 'kmalloc', file: './include/linux/slab.h', line: 568 }, { function: 'outer' }]);
  });

  it('gdb: markers keep answers aligned even when a command fails', () => {
    const queries = [{ address: 1n, expression: "'no_such_symbol'+0x1" }, { address: 2n }];
    const out = ['@@kleak 0', '@@kleak 1', 'Line 38 of "/tmp/x/kmem_test_main.c" starts at address 0x7a <kmem_test_fill+26> and ends at 0x7f.'].join('\n');
    const chains = parseGdbOutput(out, queries);
    assert.equal(chains.has(1n), false);
    assert.deepEqual(chains.get(2n), [{ file: '/tmp/x/kmem_test_main.c', line: 38 }]);
    const args = gdbArgs('/x/kmem_test.ko', queries);
    assert.deepEqual(args.slice(0, 4), ['-q', '-batch', '-nx', '-nh']);
    assert.equal(args.at(-1), '/x/kmem_test.ko');
    assert.ok(args.includes("info line *('no_such_symbol'+0x1)"));
  });
});
