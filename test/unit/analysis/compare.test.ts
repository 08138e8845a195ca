// Growth between two states: the pure comparison behind multi-dump captures and Compare Captures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareCaptures, compareQuantities, comparisonMarkdown, grewSteadily, steadyGrowth } from '../../../server/src/analysis/compare';
import { FORMATS, analyzeLines } from '../../../server/src/analysis/formats/registry';
import { fixtureLines } from '../../helpers/fixtures';

describe('compare', () => {
  it('classifies every key: grew, new, same, shrank, gone — biggest growth first', () => {
    const rows = compareQuantities(
      [{ key: 'a', label: 'a', count: 1, bytes: 100 }, { key: 'b', label: 'b', count: 2, bytes: 200 }, { key: 'c', label: 'c', count: 1, bytes: 50 }, { key: 'd', label: 'd', count: 1, bytes: 10 }],
      [{ key: 'a', label: 'a', count: 3, bytes: 300 }, { key: 'b', label: 'b', count: 2, bytes: 200 }, { key: 'c', label: 'c', count: 1, bytes: 20 }, { key: 'e', label: 'e', count: 1, bytes: 1000 }],
    );
    assert.deepEqual(rows.map((r) => [r.key, r.status, r.deltaBytes]), [['e', 'new', 1000], ['a', 'grew', 200], ['b', 'same', 0], ['d', 'gone', -10], ['c', 'shrank', -30]]);
  });

  it('steady growth needs every value, and three dumps or 10%', () => {
    assert.equal(grewSteadily([1, 2, 2, 3]), true);
    assert.equal(grewSteadily([1, 3, 2]), false);
    assert.equal(steadyGrowth([100, 101, 102]), true);
    assert.equal(steadyGrowth([100, 101]), false);
    assert.equal(steadyGrowth([100, 120]), true);
    assert.equal(steadyGrowth([100, undefined, 300]), false);
  });

  it('compares two real allocinfo dumps of one machine (fresh boot, then 6 days): the ice pages grew most', () => {
    const lines = fixtureLines('allocinfo', 'allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt');
    const format = FORMATS.find((f) => f.id === 'allocinfo')!;
    const split = lines.findIndex((l) => l.includes('11:46:44 up 6 days'));
    const first = analyzeLines(format, lines.slice(0, lines.findIndex((l) => l.includes('09:33:58 up 4 days'))));
    const last = analyzeLines(format, lines.slice(split));
    const c = compareCaptures({ name: 'boot.txt', format: first.format, records: first.records, suspects: first.suspects }, { name: 'day6.txt', format: last.format, records: last.records, suspects: last.suspects });
    assert.equal(c.mismatch, false);
    assert.deepEqual([c.rows[0].label, c.rows[0].status, c.rows[0].deltaBytes], ['ice_alloc_mapped_page (drivers/net/ethernet/intel/ice/ice_txrx.c:681)', 'grew', 3341238272 - 1105125376]);
    const md = comparisonMarkdown(c);
    assert.match(md, /^# kleak: boot\.txt → day6\.txt/);
    assert.match(md, /## Who grew \(\d+\)/);
    assert.match(md, /alloc\\_slab\\_page \(mm\/slub\.c:2450\)/);
    assert.match(md, /\\_\\_dma\\_direct\\_alloc\\_pages \(kernel\/dma\/direct\.c:141\) \(gone\)/);
    assert.match(md, /\| ice\\_alloc\\_mapped\\_page \(drivers\/net\/ethernet\/intel\/ice\/ice\\_txrx\.c:681\) \| 139252 · 1\.03 GiB \| 412215 · 3\.11 GiB \| \+272963 · \+2\.08 GiB \|/);
  });

  it('compares two vmallocinfo dumps: a real one, and the same with areas added (threads, a tty, a BPF JIT image)', () => {
    const format = FORMATS.find((f) => f.id === 'vmallocinfo')!;
    const before = fixtureLines('vmallocinfo', 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt').filter((l) => l !== '');
    // The later dump: the 50 areas of the real one, then the areas a few minutes of use would add
    // after its last address: 3 kernel stacks of new threads (dup_task_struct, 4 pages each),
    // a tty opened (n_tty_open, 3 pages) and a JIT-compiled BPF program (bpf_jit_binary_alloc, a new caller).
    const after = [
      ...before,
      '0xffffb3c1c00ec000-0xffffb3c1c00f1000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4',
      '0xffffb3c1c00f1000-0xffffb3c1c00f5000   16384 n_tty_open+0x19/0xa0 pages=3 vmalloc N0=3',
      '0xffffb3c1c00f5000-0xffffb3c1c00f7000    8192 bpf_jit_binary_alloc+0x54/0xf0 pages=1 vmalloc N0=1',
      '0xffffb3c1c00f8000-0xffffb3c1c00fd000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4',
      '0xffffb3c1c0100000-0xffffb3c1c0105000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4',
    ];
    const a = analyzeLines(format, before);
    const b = analyzeLines(format, after);
    assert.deepEqual([a.records, b.records], [50, 55]);
    const c = compareCaptures({ name: 'vmallocinfo.before', format: a.format, records: a.records, suspects: a.suspects }, { name: 'vmallocinfo.after', format: b.format, records: b.records, suspects: b.suspects });
    assert.equal(c.mismatch, false);
    const grew = c.rows.filter((r) => r.status === 'grew' || r.status === 'new').map((r) => [r.label, r.status, r.before.count, r.after.count, r.deltaBytes]);
    assert.deepEqual(grew, [
      ['dup_task_struct', 'grew', 20, 23, 3 * 4 * 4096],
      ['n_tty_open', 'grew', 1, 2, 3 * 4096],
      ['bpf_jit_binary_alloc', 'new', 0, 1, 4096],
    ]);
    assert.ok(c.rows.filter((r) => r.status !== 'grew' && r.status !== 'new').every((r) => r.status === 'same'), 'nothing else changed');
    const md = comparisonMarkdown(c);
    assert.match(md, /\| records \| 50 \| 55 \| \+5 \|/);
    assert.match(md, /## Who grew \(3\)/);
    assert.match(md, /\| dup\\_task\\_struct \| 20 · 320 KiB \| 23 · 368 KiB \| \+3 · \+48\.0 KiB \|/);
    assert.match(md, /\| bpf\\_jit\\_binary\\_alloc \(new\) \| 0 · 0 B \| 1 · 4\.00 KiB \| \+1 · \+4\.00 KiB \|/);
    assert.doesNotMatch(md, /## Shrank or gone/);
  });

  it('different formats compare only by totals', () => {
    const c = compareCaptures({ name: 'a', format: 'vmallocinfo', records: 1, suspects: [] }, { name: 'b', format: 'allocinfo', records: 2, suspects: [] });
    assert.equal(c.mismatch, true);
    assert.match(comparisonMarkdown(c), /different formats/);
  });
});
