// The page_owner view: records grouped by stack like page_owner_sort, pages summed, masks and
// migrate types explained on hover.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parsePageOwner } from '../../../../server/src/analysis/formats/pageOwner';
import { pageOwnerView } from '../../../../server/src/analysis/views/pageOwnerView';
import { fixtureLines, fixturePath } from '../../../helpers/fixtures';

const DIR = 'page-owner';
const viewOf = (name: string) => {
  const lines = fixtureLines(DIR, name);
  return { lines, view: pageOwnerView(parsePageOwner(lines)) };
};

describe('page_owner view', () => {
  for (const name of fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort()) {
    it(`${name}: records equal headers; every record in one outline group; a summary`, () => {
      const { lines, view } = viewOf(name);
      const headers = lines.filter((l) => /[Pp]age (?:last )?allocated via order/.test(l)).length;
      assert.equal(view.records, headers);
      assert.equal(view.outline.reduce((n, g) => n + g.children.length, 0), headers);
      assert.equal(view.findings.filter((f) => f.code === 'summary').length, 1);
    });
  }

  it('01: two stacks — the sr_probe slab page (order 2 = 4 pages) and the early-boot pages', () => {
    const { view } = viewOf('page_owner_01_x86_qemu_5.x_head_with_prompt.txt');
    assert.deepEqual(view.suspects.map((s) => [s.site, s.verdict, s.count, s.bytes]), [['sr_probe', 'possible-leak', 1, 4 * 4096], ['register_early_stack', 'stable', 2, 2 * 4096]]);
    assert.match(view.suspects[0].reason, /slab pages/);
    assert.deepEqual(view.outline.map((g) => [g.name, g.detail]), [['sr_probe', '4 pages · 16.0 KiB · 1 record'], ['register_early_stack', '2 pages · 8.00 KiB · 2 records']]);
  });

  it('hovers explain the GFP mask, the migrate types, the order and the PFN', () => {
    const { lines, view } = viewOf('page_owner_01_x86_qemu_5.x_head_with_prompt.txt');
    const h = lines.findIndex((l) => l.startsWith('Page allocated via order 2'));
    const mask = view.hover({ line: h, character: lines[h].indexOf('0xd20c1') + 2 })!.contents;
    assert.match(mask, /`__GFP_NORETRY` — gives up early, no OOM kill/);
    assert.match(mask, /`__GFP_COMP` — compound page/);
    assert.match(view.hover({ line: h, character: lines[h].indexOf('order 2') + 6 })!.contents, /\*\*Order 2\*\*: 4 contiguous pages/);
    const pfn = h + 1;
    assert.match(view.hover({ line: pfn, character: lines[pfn].indexOf('Unmovable') + 2 })!.contents, /cannot be moved/);
    assert.match(view.hover({ line: pfn, character: 5 })!.contents, /physical address `0x400000`/);
    assert.match(view.hover({ line: pfn, character: lines[pfn].indexOf('slab|head') + 1 })!.contents, /`slab` — the page belongs to a slab cache/);
  });

  it('07: a sorted block counts its 4819 records and pages', () => {
    const { view } = viewOf('page_owner_07_i386_2.6_original_patch_sorted_mask.txt');
    assert.deepEqual(view.suspects.map((s) => [s.site, s.count, s.bytes]), [['find_lock_page', 4819, 4819 * 4096]]);
    assert.equal(view.suspects[0].verdict, 'cache');
  });

  it('05: dump_page_owner: the dump reason is in the summary', () => {
    const { view } = viewOf('page_owner_05_arm64_mtk_dump_page_owner_dmesg_mailwrapped.txt');
    assert.match(view.findings.find((f) => f.code === 'summary')!.message, /Page dumped because: VM_BUG_ON_PAGE/);
    assert.equal(view.suspects[0].site, 'fuse_writepages_fill');
  });
});
