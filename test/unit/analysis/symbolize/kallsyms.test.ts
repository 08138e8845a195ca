// kallsyms / System.map: bare addresses → `symbol+off/len [mod]`, checked against the
// running kernel's own `%pS` output for real call sites (see test/helpers/liveKmemTrace.ts)
// with this machine's live /proc/kallsyms, against a System.map made of the same kallsyms'
// vmlinux lines, and for module symbols against the kmem_test module's symbol table.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { KallsymsTable, formatSymbolized, parseAddress } from '../../../../server/src/analysis/symbolize/kallsyms';
import { LiveCallSite, liveCallSites } from '../../../helpers/liveKmemTrace';
import { buildKmemTestModule, moduleFunctions, moduleKallsyms } from '../../../helpers/kmemTestModule';

describe('kallsyms and System.map', () => {
  let live: string;
  let sites: LiveCallSite[];

  before(() => {
    live = fs.readFileSync('/proc/kallsyms', 'utf8');
    sites = liveCallSites();
  });

  it("this machine's /proc/kallsyms is readable with real addresses (the tests run as root)", () => {
    const t = KallsymsTable.parse(live);
    assert.equal(t.hidden, false, 'addresses are visible');
    assert.ok(t.size > 10_000, `${t.size} symbols`);
    assert.deepEqual(t.problems, []);
    assert.ok(sites.length >= 5, `the kernel printed ${sites.length} distinct call sites`);
    console.log(`# live kallsyms: ${t.size} symbols; ${sites.length} distinct call sites printed by the kernel (${sites.map((s) => s.symbol).slice(0, 5).join(', ')}, …)`);
  });

  it('live /proc/kallsyms: every real call site gets exactly the symbol+off/len the kernel printed for it', () => {
    const t = KallsymsTable.parse(live);
    for (const s of sites) {
      const r = t.lookup(parseAddress(s.address)!);
      assert.ok(r, `0x${s.address} (${s.symbol}) resolves`);
      assert.equal(
        formatSymbolized(r),
        formatSymbolized({ symbol: s.symbol, offset: s.offset, size: s.size, module: s.module, type: 'T' }),
        `0x${s.address}`,
      );
    }
  });

  it('System.map (the vmlinux lines of the same kallsyms, `nm -n` format): the same answers', () => {
    const systemMap = live
      .split('\n')
      .filter((l) => l && !l.includes('\t['))
      .join('\n');
    const t = KallsymsTable.parse(systemMap);
    assert.equal(t.modules.size, 0);
    for (const s of sites.filter((x) => !x.module)) {
      const r = t.lookup(parseAddress(s.address)!);
      assert.equal(r && formatSymbolized(r), `${s.symbol}+0x${s.offset.toString(16)}/0x${s.size.toString(16)}`, `0x${s.address}`);
    }
  });

  it('addresses read without privilege (all zero) are recognised as hidden, not resolved', () => {
    const hidden = live
      .split('\n')
      .slice(0, 2000)
      .map((l) => l.replace(/^[0-9a-f]+/, '0000000000000000'))
      .join('\n');
    const t = KallsymsTable.parse(hidden);
    assert.equal(t.hidden, true);
    assert.equal(t.lookup(parseAddress(sites[0].address)!), undefined);
  });

  it('module symbols: `[kmem_test]` lines, lengths bounded by the module’s next symbol', async () => {
    const mod = await buildKmemTestModule();
    const { text: moduleLines, sectionBase } = moduleKallsyms(mod.ko);
    const t = KallsymsTable.parse(live + moduleLines);
    assert.ok(t.modules.has('kmem_test'));
    const text = moduleFunctions(mod.ko).filter((f) => f.section === '.text');
    const textEnd = Math.max(...text.map((f) => f.value + f.kallsymsSize));
    for (const f of text) {
      const base = sectionBase.get(f.section)! + BigInt(f.value);
      const r = t.lookup(base + 5n);
      assert.ok(r, f.name);
      assert.equal(r.module, 'kmem_test');
      assert.equal(r.offset, 5);
      // Duplicated static names resolve by address, each to its own.
      assert.equal(r.symbol, f.name);
      // The last function of .text runs to whatever the loader placed next.
      if (f.value + f.kallsymsSize < textEnd) assert.equal(r.size, f.kallsymsSize, `${f.name}: length to the next symbol`);
    }
    // Below the module and between kernel and modules: nothing (no huge offsets into the last symbol).
    assert.equal(t.lookup(0xffffffffc09f0000n), undefined);
    // Which image has a function of that name (for frames printed without `[mod]`).
    assert.deepEqual(t.imagesOf('kmem_test_work_fn'), ['kmem_test']);
    assert.deepEqual(t.imagesOf('kthread'), [undefined]);
    assert.deepEqual(t.imagesOf('kmem_test_no_such_fn'), []);
    assert.ok(t.find('kmem_test_items', 'kmem_test').length === 1 && t.imagesOf('kmem_test_items').length === 0, 'a data symbol is no function');
  });

  it('bad lines are problems, not exceptions; 32-bit addresses work', () => {
    const t = KallsymsTable.parse(['c1000000 T _text', 'c1000000 T startup_32', 'c104de00 t foo', 'c104df00 t bar', 'garbage here', '\u0000\u0001', 'zz T x'].join('\n'));
    assert.equal(t.problems.length, 3);
    assert.equal(formatSymbolized(t.lookup(parseAddress('c104deff')!)!), 'foo+0xff/0x100');
    // Aliases: the first listed wins, as in the kernel.
    assert.equal(t.lookup(parseAddress('c1000010')!)?.symbol, '_text');
    assert.equal(t.lookup(parseAddress('00000000adf25388')!), undefined, 'a hashed pointer resolves to nothing');
  });
});
