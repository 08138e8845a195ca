// /proc/allocinfo parser on every capture (three real, one hand-made from the documented format).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseAllocinfo } from '../../../../server/src/analysis/formats/allocinfo';
import { fixtureLines, fixturePath, fixtureText } from '../../../helpers/fixtures';

const DIR = 'allocinfo';
const files = () => fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort();
const parse = (name: string) => parseAllocinfo(fixtureLines(DIR, name));

describe('allocinfo parser on every sample', () => {
  for (const name of files()) {
    it(`${name}: one site per "file:line" entry, source locations on the page`, () => {
      const text = fixtureText(DIR, name);
      const lines = fixtureLines(DIR, name);
      const r = parse(name);
      assert.equal(r.sites.length, (text.match(/ [\w./-]+\.c:\d+/g) ?? []).length);
      for (const s of r.sites) {
        const f = s.frame.fileRange!;
        assert.equal(lines[f.start.line].slice(f.start.character, f.end.character), `${s.file}:${s.fileLine}`);
        const fn = s.frame.symbolRange;
        assert.equal(lines[fn.start.line].slice(fn.start.character, fn.end.character), s.func);
      }
      for (const t of r.tokens) assert.ok(t.character + t.length <= lines[t.line].length);
    });
  }
});

describe('allocinfo details', () => {
  it('01: three dumps of one machine (fresh boot, 4 and 6 days), the ice line wrapped by mail in each', () => {
    const r = parse('allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt');
    assert.deepEqual(r.dumps.map((d) => d.sites), [15, 15, 15]);
    const ice = r.sites.filter((s) => s.func === 'ice_alloc_mapped_page');
    assert.deepEqual(ice.map((s) => [s.bytes, s.calls, s.module, s.wrapped, s.dump]), [
      [1105125376, 139252, 'ice', true, 0],
      [2544877568, 315003, 'ice', true, 1],
      [3341238272, 412215, 'ice', true, 2],
    ]);
    assert.equal(ice[0].file, 'drivers/net/ethernet/intel/ice/ice_txrx.c');
    assert.equal(ice[0].fileLine, 681);
  });

  it('03: numfmt sizes are approximate bytes; two lines wrapped by mail', () => {
    const r = parse('allocinfo_03_x86_64_6.10_doc_example_numfmt_mailwrapped.txt');
    const first = r.sites[0];
    assert.deepEqual([first.bytes, first.approximate, first.calls, first.func], [Math.round(2.8 * 2 ** 20), true, 22648, '__kernfs_new_node']);
    assert.deepEqual(r.sites.filter((s) => s.wrapped).map((s) => [s.func, s.module]), [['ctagmod_start', 'ctagmod'], ['nf_ct_alloc_hashtable', undefined]]);
    assert.equal(r.sites.at(-1)?.bytes, 122 * 2 ** 20);
  });

  it('05: a wrapped line glued to the next entry (lost newline), a G size', () => {
    const r = parse('allocinfo_05_x86_64_netfs_cephfs_numfmt_wrapped_collapsed.txt');
    assert.deepEqual(r.sites.slice(0, 2).map((s) => [s.line, s.func, s.module]), [[1, 'zram_meta_alloc', 'zram'], [2, 'execmem_vmalloc', undefined]]);
    assert.equal(r.sites.at(-1)?.bytes, Math.round(2.6 * 2 ** 30));
    assert.ok(r.problems.some((p) => p.code === 'collapsed-lines'));
  });

  it('07: the header and column line, zero sites, a new dump at the second header', () => {
    const r = parse('allocinfo_07_handmade_full_format_two_dumps.txt');
    assert.deepEqual(r.dumps.map((d) => [d.sites, d.version]), [[10, '1.0'], [10, '1.0']]);
    assert.deepEqual([r.sites[0].bytes, r.sites[0].calls, r.sites[0].func], [0, 0, 'do_initcalls']);
  });

  it('thousands of sites glued on one line (lost newlines) are read without recursion', () => {
    const line = '  1024  2 mm/slub.c:2450 func:alloc_slab_page'.repeat(1000);
    const r = parseAllocinfo([line]);
    assert.equal(r.sites.length, 1000);
    assert.equal(r.dumps.length, 1000, 'each repeat of the same site is a new dump');
  });

  it('reports a capture without sites', () => {
    assert.equal(parseAllocinfo(['cat: /proc/allocinfo: No such file or directory']).problems.at(-1)?.code, 'no-records');
  });
});
