// `kleak analyze` on the issue-7 formats (SLUB debug, vmallocinfo, page_owner, allocinfo, BCC
// memleak): detection by content, the documented JSON contract, records counted as the README
// says, ranked suspects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixturePath } from '../helpers/fixtures';
import { kleak } from '../helpers/cli';

const VERDICTS = ['likely-leak', 'possible-leak', 'cache', 'transient', 'stable'];


const files = (dir: string) => fs.readdirSync(fixturePath(dir)).filter((f) => f.endsWith('.txt')).sort().map((f) => fixturePath(dir, f));
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

/** What `records` counts, per the README, read from the text with simple rules. */
const RECORDS: Record<string, (text: string) => number> = {
  'slub-debug': (t) => count(t, /\bTRACE \S+ (?:alloc|free) 0x/g) + count(t, /\bBUG [^\s:]+ \(/g) + count(t, /^ *\d+ \S+ (?:waste=\S+ )?age=/gm),
  vmallocinfo: (t) => count(t, /-0x[0-9a-f]{8,16} /g),
  'page-owner': (t) => count(t, /[Pp]age (?:last )?allocated via order \d+/g),
  allocinfo: (t) => count(t, / [\w./-]+\.c:\d+/g),
  'bcc-memleak': (t) => count(t, / bytes in \d+ allocations from stack/g) + (/^CACHE +ALLOCS +BYTES/m.test(t) ? count(t, /^\S+ +\d+ +\d+ *$/gm) : 0),
};

describe('kleak analyze --json on every issue-7 capture', () => {
  for (const format of Object.keys(RECORDS)) {
    it(`${format}: detected by content, records as documented, suspects ranked with 1-based lines`, () => {
      const list = files(format);
      const r = kleak('analyze', '--json', ...list);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.length, list.length);
      out.forEach((rep: any, i: number) => {
        const text = fs.readFileSync(list[i], 'utf8');
        const lines = text.split('\n');
        assert.deepEqual(Object.keys(rep).sort(), ['file', 'format', 'problems', 'records', 'suspects']);
        assert.equal(rep.format, format, list[i]);
        assert.equal(rep.records, RECORDS[format](text), `${path.basename(list[i])}: records`);
        rep.suspects.forEach((s: any, k: number) => {
          assert.equal(s.rank, k + 1);
          assert.ok(VERDICTS.includes(s.verdict));
          assert.ok(s.line >= 1 && s.line <= lines.length);
          assert.ok(typeof s.reason === 'string' && s.reason.length > 0);
        });
        for (const p of rep.problems) assert.ok(p.line >= 1 && p.line <= lines.length);
      });
    });
  }
});

describe('kleak analyze: what each format ranks', () => {
  const one = (dir: string, name: string) => JSON.parse(kleak('analyze', '--json', fixturePath(dir, name)).stdout)[0];

  it('SLUB: objects remaining at cache destroy are the top likely leak; error reports are errors at their BUG line', () => {
    const rep = one('slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt');
    assert.deepEqual([rep.suspects[0].site, rep.suspects[0].verdict, rep.suspects[0].count, rep.suspects[0].line], ['memleak_task_test', 'likely-leak', 2, 1]);
    const redzone = one('slub-debug', 'slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt');
    assert.deepEqual(redzone.suspects, []);
    const errors = redzone.problems.filter((p: any) => p.severity === 'error');
    assert.deepEqual(errors.map((p: any) => p.line), [2]);
    assert.match(errors[0].message, /Redzone overwritten in kmalloc-4096/);
  });

  it('vmallocinfo: callers ranked by the memory they hold', () => {
    const rep = one('vmallocinfo', 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt');
    assert.deepEqual([rep.suspects[0].site, rep.suspects[0].count, rep.suspects[0].bytes], ['dup_task_struct', 20, 327680]);
  });

  it('page_owner: a sorted block counts its records', () => {
    const rep = one('page-owner', 'page_owner_07_i386_2.6_original_patch_sorted_mask.txt');
    assert.deepEqual([rep.records, rep.suspects[0].site, rep.suspects[0].count, rep.suspects[0].bytes], [1, 'find_lock_page', 4819, 4819 * 4096]);
  });

  it('allocinfo: the site that grew at every dump first, with its source line as the stack', () => {
    const rep = one('allocinfo', 'allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt');
    assert.deepEqual([rep.suspects[0].site, rep.suspects[0].verdict, rep.suspects[0].stack], ['ice_alloc_mapped_page', 'likely-leak', ['drivers/net/ethernet/intel/ice/ice_txrx.c:681']]);
    assert.equal(rep.problems.filter((p: any) => /grew/.test(p.message)).length, 0, 'growth findings are suspects, not input problems');
  });

  it('BCC memleak: stacks of the last dump; the cut frame is a problem', () => {
    const rep = one('bcc-memleak', 'bcc_memleak_03_libbpf_tools_kylin_4.19_static_truncated.txt');
    assert.equal(rep.records, 9);
    assert.deepEqual(rep.suspects.map((s: any) => s.site).sort(), ['(stack missing)', '__alloc_pages_nodemask', 'kmem_cache_alloc_node', 'kmem_cache_alloc_trace']);
    assert.ok(rep.problems.some((p: any) => p.line === 26 && /cut short/.test(p.message)));
  });

  it('human output names the format and the top suspect', () => {
    const r = kleak('analyze', fixturePath('allocinfo', 'allocinfo_07_handmade_full_format_two_dumps.txt'));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /allocinfo, 20 records/);
    assert.match(r.stdout, /#1 likely-leak .* ice_alloc_mapped_page/);
  });

  it('--format forces a reading: a SLUB log read as vmallocinfo has no records and says so', () => {
    const [rep] = JSON.parse(kleak('analyze', '--json', '--format', 'vmallocinfo', fixturePath('slub-debug', 'slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt')).stdout);
    assert.equal(rep.format, 'vmallocinfo');
    assert.equal(rep.records, 0);
    assert.match(rep.problems[0].message, /No vmallocinfo entries found/);
  });
});
