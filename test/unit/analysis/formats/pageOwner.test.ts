// page_owner parser on every real capture.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parsePageOwner } from '../../../../server/src/analysis/formats/pageOwner';
import { fixtureLines, fixturePath, fixtureText } from '../../../helpers/fixtures';

const DIR = 'page-owner';
const files = () => fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort();
const parse = (name: string) => parsePageOwner(fixtureLines(DIR, name));

describe('page_owner parser on every sample', () => {
  for (const name of files()) {
    it(`${name}: one record per "Page allocated via order" header`, () => {
      const text = fixtureText(DIR, name);
      const lines = fixtureLines(DIR, name);
      const r = parse(name);
      assert.equal(r.records.length, (text.match(/[Pp]age (?:last )?allocated via order \d+/g) ?? []).length);
      for (const rec of r.records) {
        assert.ok(rec.frames.length > 0);
        for (const f of rec.frames) assert.equal(lines[f.symbolRange.start.line].slice(f.symbolRange.start.character, f.symbolRange.end.character), f.symbol);
      }
      for (const t of r.tokens) assert.ok(t.character + t.length <= lines[t.line].length);
    });
  }
});

describe('page_owner details', () => {
  it('01: order, GFP mask with names, pid, ts, PFN line with migrate types and page flags', () => {
    const r = parse('page_owner_01_x86_qemu_5.x_head_with_prompt.txt');
    const [a, b, c] = r.records;
    assert.deepEqual(
      [a.order, a.mask?.value, a.gfpNames?.value, a.pid, a.tsNs, a.pfn?.value, a.pageType?.value, a.blockType?.value, a.flags?.value, a.flagNames?.value, a.frames.length],
      [2, '0xd20c1', 'GFP_DMA|__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC', 62, 121463164, '1024', 'Unmovable', 'Unmovable', '0x10200', 'slab|head', 16],
    );
    assert.equal(a.frames[7].symbol, 'sr_probe');
    assert.deepEqual([b.order, b.mask?.value, b.gfpNames?.value, b.pid, b.tsNs, b.frames.length], [0, '0x0', '', 1, 285099088, 4]);
    assert.equal(c.pfn?.value, '4097');
  });

  it('03: a header wrapped by mail ("ts" / "67278156558 ns") and a "(null)" frame', () => {
    const r = parse('page_owner_03_arm32_5.x_null_frame_linewrapped.txt');
    const [a] = r.records;
    assert.deepEqual([a.order, a.gfpNames?.value, a.pid, a.tsNs, a.wrapped, a.nullFrames, a.frames.length, a.pfn?.value], [2, 'GFP_USER|__GFP_NOWARN', 1006, 67278156558, true, 1, 3, '543776']);
  });

  it('05: dump_page_owner in dmesg with MTK prefixes, a header wrapped over four lines, the dump reason', () => {
    const r = parse('page_owner_05_arm64_mtk_dump_page_owner_dmesg_mailwrapped.txt');
    const [a] = r.records;
    assert.deepEqual([a.kind, a.order, a.migrateType?.value, a.mask?.value, a.gfpNames?.value, a.pid, a.tsNs, a.frames.length], ['dump_page_owner', 0, 'Unmovable', '0x620042', 'GFP_NOFS|__GFP_HIGHMEM|__GFP_HARDWALL', 261, 174390946312, 16]);
    assert.equal(a.frames[3].symbol, 'fuse_writepages_fill');
    assert.deepEqual(r.dumpReasons.map((d) => d.reason), ['VM_BUG_ON_PAGE(((unsigned int) page_ref_count(page) + 127u <= 127u))']);
    // The mask token sits on the third line of the header.
    assert.equal(a.mask?.range.start.line, 4);
  });

  it('07: the 2005 format — a sorted block of 4819 records, mask without names, decimal offsets', () => {
    const r = parse('page_owner_07_i386_2.6_original_patch_sorted_mask.txt');
    const [a] = r.records;
    assert.deepEqual([a.kind, a.sorted?.times, a.order, a.mask?.value, a.frames.length], ['legacy', 4819, 0, '0x50', 8]);
    assert.deepEqual([a.frames[0].symbol, a.frames[0].offset, a.frames[0].address], ['find_lock_page', 25, 'c012b7b9']);
  });

  it('reads page_owner_sort blocks with pages and the current header format', () => {
    const r = parsePageOwner([
      '2 times, 8 pages:',
      'Page allocated via order 2, mask 0x152c00(GFP_NOIO|__GFP_NORETRY|__GFP_HARDWALL), pid 1, tgid 1 (swapper/0), ts 2263498580 ns',
      'PFN 0x100a4 type Unmovable Block 128 type Unmovable Flags 0x200(workingset|node=0|zone=1)',
      ' post_alloc_hook+0x1ec/0x220',
      ' get_page_from_freelist+0x1c8a/0x1d80',
      '',
    ]);
    const [a] = r.records;
    assert.deepEqual([a.sorted?.times, a.sorted?.pages, a.tgid, a.comm, a.pfn?.value, a.frames.length], [2, 8, 1, 'swapper/0', '0x100a4', 2]);
  });

  it('reports a capture without records', () => {
    assert.equal(parsePageOwner(['page_owner is disabled']).problems.at(-1)?.code, 'no-records');
  });
});
