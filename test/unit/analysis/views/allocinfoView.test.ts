// The allocinfo view: sites ranked by bytes, linked to their source line, growth between dumps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllocinfo } from '../../../../server/src/analysis/formats/allocinfo';
import { allocinfoView } from '../../../../server/src/analysis/views/allocinfoView';
import { fixtureLines } from '../../../helpers/fixtures';

const DIR = 'allocinfo';
const viewOf = (name: string) => {
  const lines = fixtureLines(DIR, name);
  return { lines, view: allocinfoView(parseAllocinfo(lines)) };
};

describe('allocinfo view', () => {
  it('01: the ice Rx pages grew at every dump (1.03 → 2.37 → 3.11 GiB): the top likely leak', () => {
    const { lines, view } = viewOf('allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt');
    const [top] = view.suspects;
    assert.deepEqual([top.rank, top.verdict, top.site, top.stack, top.bytes, top.count], [1, 'likely-leak', 'ice_alloc_mapped_page', ['drivers/net/ethernet/intel/ice/ice_txrx.c:681'], 3341238272, 412215]);
    const growth = view.findings.filter((f) => f.code === 'allocinfo-growth');
    assert.match(growth[0].message, /^ice_alloc_mapped_page \(drivers\/net\/ethernet\/intel\/ice\/ice_txrx\.c:681\) grew by 2\.08 GiB \(139252 → 412215 live allocations, 1\.03 GiB → 3\.11 GiB\) between the first and the last of 3 dumps, at every dump\./);
    assert.equal(growth[0].related.length, 1);
    assert.ok(lines[growth[0].related[0].range.start.line].includes('1105125376'));
    // Page cache and user memory grow too, but they are not kernel leaks.
    const filemap = view.suspects.find((s) => s.site === '__filemap_get_folio')!;
    assert.equal(filemap.verdict, 'cache');
    assert.ok(!growth.some((g) => g.message.startsWith('__filemap_get_folio')));
  });

  it('frames link to the source line: function, file and line, module', () => {
    const { lines, view } = viewOf('allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt');
    const ice = view.frames.find((f) => f.frame.symbol === 'ice_alloc_mapped_page')!.frame;
    assert.deepEqual([ice.file, ice.fileLine, ice.module], ['drivers/net/ethernet/intel/ice/ice_txrx.c', 681, 'ice']);
    assert.equal(lines[ice.symbolRange.start.line].slice(ice.symbolRange.start.character, ice.symbolRange.end.character), 'ice_alloc_mapped_page');
    assert.equal(view.frames.length, 45);
  });

  it('03: one dump ranked by bytes; the boot-time page_ext is stable; hover gives the average size', () => {
    const { lines, view } = viewOf('allocinfo_03_x86_64_6.10_doc_example_numfmt_mailwrapped.txt');
    assert.deepEqual([view.suspects[0].site, view.suspects[0].verdict], ['alloc_slab_page', 'possible-leak']);
    assert.equal(view.suspects.find((s) => s.site === 'page_cache_ra_unbounded')?.verdict, 'cache');
    assert.equal(view.suspects.find((s) => s.site === 'alloc_page_ext')?.verdict, 'stable');
    // As the README documents: possible leaks, then cache, then stable, each group by bytes.
    const order = ['possible-leak', 'cache', 'stable'];
    for (let i = 1; i < view.suspects.length; i++) {
      const [a, b] = [view.suspects[i - 1], view.suspects[i]];
      const [ga, gb] = [order.indexOf(a.verdict), order.indexOf(b.verdict)];
      assert.ok(ga >= 0 && gb >= 0 && (ga < gb || (ga === gb && a.bytes >= b.bytes)), `#${a.rank} ${a.site} (${a.verdict}, ${a.bytes}) before #${b.rank} ${b.site} (${b.verdict}, ${b.bytes})`);
    }
    const l = lines.findIndex((x) => x.includes('func:alloc_slab_page'));
    assert.match(view.hover({ line: l, character: lines[l].indexOf('55M') + 1 })!.contents, /≈55\.0 MiB\*\* allocated from this site.*rounded by `numfmt`/s);
    assert.match(view.hover({ line: l, character: lines[l].indexOf('mm/slub.c') + 2 })!.contents, /`mm\/slub\.c:2259`/);
    assert.equal(view.lenses[0].title, '#1 · ≈122 MiB · 31168 live allocations');
  });

  it('07: a full dump with its header; growth between the two', () => {
    const { view } = viewOf('allocinfo_07_handmade_full_format_two_dumps.txt');
    assert.equal(view.records, 20);
    assert.deepEqual(view.suspects.filter((s) => s.verdict === 'likely-leak').map((s) => s.site), ['ice_alloc_mapped_page']);
    assert.deepEqual(view.outline.map((o) => o.name), ['dump 1', 'dump 2']);
    // Lines 4–13 and 17–26 of the file (1-based) are the two dumps' sites; dates and headers stay out.
    assert.deepEqual(view.folds, [{ startLine: 3, endLine: 12 }, { startLine: 16, endLine: 25 }]);
  });
});
