// `kleak analyze` on the issue-7 formats (SLUB debug, vmallocinfo, page_owner, allocinfo, BCC
// memleak): detection by content, the documented JSON contract, records counted as the README
// says, ranked suspects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixturePath } from '../helpers/fixtures';
import { kleak } from '../helpers/cli';

const VERDICTS = ['likely-leak', 'possible-leak', 'cache', 'transient', 'stable'];

const files = (dir: string) => fs.readdirSync(fixturePath(dir)).filter((f) => f.endsWith('.txt')).sort();

/**
 * What `records` counts (per the README), counted by hand in each fixture: SLUB TRACE records,
 * BUG reports and alloc/free_traces sites; vmallocinfo areas; page_owner records (a sorted block
 * is one); allocinfo sites over every dump; BCC stacks over every dump, slabratetop cache rows.
 */
const RECORDS: Record<string, Record<string, number>> = {
  'slub-debug': {
    'slub_alloc_traces_15_kernel_doc_examples.txt': 2, // two documented sites
    'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt': 2, // a TRACE alloc, an Objects remaining BUG
    'slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt': 1,
    'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt': 2, // double free, wrong object count
    'slub_debug_07_arm64_uos_4.19_trace_alloc_free_syslog_interleaved.txt': 3, // two allocs, one free
    'slub_debug_09_x86_64_rhel7_trace_free_newlines_collapsed.txt': 1,
    'slub_debug_11_x86_64_amdgpu_poison_overwritten_mailwrapped.txt': 1,
    'slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt': 1,
    'slub_debug_19_arm32_3.4_trace_backtrace_module_registers_reconstructed.txt': 3, // two allocs, one free
    'slub_debug_20_arm32_2.6.35_trace_function_entered_no_kallsyms_reconstructed.txt': 1,
    'slub_debug_21_arm32_4.4_trace_unwinder_no_backtrace_header_reconstructed.txt': 1,
    'slub_debug_22_x86_64_5.19_object_padding_overwritten_reconstructed.txt': 1,
    'slub_free_traces_17_kernel_doc_example.txt': 2, // <not-available> and a kfree site
  },
  vmallocinfo: {
    'vmallocinfo_01_x86_64_4.x_docker_host_elided.txt': 25, // the rest elided ("... *total* 674 lines ...")
    'vmallocinfo_03_x86_64_ebtables_newlines_collapsed.txt': 5, // all on one line
    'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt': 50,
    'vmallocinfo_07_arm32_4.x_ftl_kbox_unpurged_fragments.txt': 5,
    'vmallocinfo_09_x86_64_6.18_generated_socketpair_hashed.txt': 1098,
  },
  'page-owner': {
    'page_owner_01_x86_qemu_5.x_head_with_prompt.txt': 3,
    'page_owner_03_arm32_5.x_null_frame_linewrapped.txt': 1,
    'page_owner_05_arm64_mtk_dump_page_owner_dmesg_mailwrapped.txt': 1,
    'page_owner_07_i386_2.6_original_patch_sorted_mask.txt': 1, // one "4819 times:" block
  },
  allocinfo: {
    'allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt': 45, // three `tail -n 15`
    'allocinfo_03_x86_64_6.10_doc_example_numfmt_mailwrapped.txt': 11,
    'allocinfo_05_x86_64_netfs_cephfs_numfmt_wrapped_collapsed.txt': 10,
    'allocinfo_07_handmade_full_format_two_dumps.txt': 20, // two dumps of 10
  },
  'bcc-memleak': {
    'bcc_memleak_01_bcc_example_kernel_allocators_4.x.txt': 4,
    'bcc_memleak_03_libbpf_tools_kylin_4.19_static_truncated.txt': 9, // 5 + 4 in two dumps
    'bcc_memleak_05_android_arm64_adeb_unknown_syms_truncated.txt': 1,
    'bcc_memleak_07_percpu_allocator_5.x_tabs.txt': 2,
    'bcc_memleak_09_python3_bytes_repr_bug_bcc_pr2316.txt': 2,
    'bcc_slabratetop_11_iovisor_example_4.x.txt': 20, // cache rows
  },
};

describe('kleak analyze --json on every issue-7 capture', () => {
  for (const format of Object.keys(RECORDS)) {
    it(`${format}: detected by content, records as documented, suspects ranked with 1-based lines`, () => {
      const names = files(format);
      assert.deepEqual(names, Object.keys(RECORDS[format]).sort(), 'every fixture has its hand count');
      const list = names.map((n) => fixturePath(format, n));
      const r = kleak('analyze', '--json', ...list);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.length, list.length);
      out.forEach((rep: any, i: number) => {
        const text = fs.readFileSync(list[i], 'utf8');
        const lines = text.split('\n');
        assert.deepEqual(Object.keys(rep).sort(), ['file', 'format', 'problems', 'records', 'suspects']);
        assert.equal(rep.format, format, list[i]);
        assert.equal(rep.records, RECORDS[format][names[i]], `${names[i]}: records`);
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
