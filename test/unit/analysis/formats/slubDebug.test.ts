// SLUB debug parser on every real capture: counts come from the text, details from reading it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseSlubDebug, bugKind, isSlubDebugSignature } from '../../../../server/src/analysis/formats/slubDebug';
import { fixtureLines, fixturePath, fixtureText } from '../../../helpers/fixtures';

const DIR = 'slub-debug';
const files = () => fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort();
const parse = (name: string) => {
  const lines = fixtureLines(DIR, name);
  return { lines, r: parseSlubDebug(lines) };
};
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('SLUB debug parser on every sample', () => {
  for (const name of files()) {
    it(`${name}: one record per TRACE header, BUG header and alloc/free_traces line; ranges inside the text`, () => {
      const text = fixtureText(DIR, name);
      const { lines, r } = parse(name);
      assert.equal(r.traces.length, count(text, /\bTRACE \S+ (?:alloc|free) 0x/g));
      assert.equal(r.bugs.length, count(text, /\bBUG [^\s:]+ \(/g));
      assert.equal(r.locations.length, count(text, /^ *\d+ \S+ (?:waste=\S+ )?age=/gm));
      assert.ok(r.traces.length + r.bugs.length + r.locations.length > 0);
      for (const t of r.tokens) assert.ok(t.line < lines.length && t.character >= 0 && t.character + t.length <= lines[t.line].length, `token ${JSON.stringify(t)}`);
      const frames = [...r.traces, ...r.bugs].flatMap((x) => [...x.stacks.flatMap((s) => s.frames), ...('tracks' in x ? x.tracks.flatMap((t) => t.frames) : [])]);
      for (const f of [...frames, ...r.locations.flatMap((l) => l.frames)]) {
        const l = lines[f.symbolRange.start.line];
        // Address-only frames are spelt `0x…` (x86) or bare inside `[<…>]` (old ARM without kallsyms).
        assert.equal(l.slice(f.symbolRange.start.character, f.symbolRange.end.character).replace(/^0x/, ''), f.symbol ?? f.address);
      }
    });
  }
});

describe('SLUB debug details', () => {
  it('01: a TRACE alloc with its call trace, then Objects remaining with two objects and their allocation tracks', () => {
    const { r } = parse('slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt');
    const [t] = r.traces;
    assert.deepEqual([t.op, t.cache, t.address, t.inuse, t.comm, t.pid, t.cpu], ['alloc', 'liulangrenaaa_cache', '00000000459b1c3f', 3, 'memleak_task_te', 4561, 0]);
    assert.equal(t.stacks[0].frames.length, 15);
    assert.equal(t.stacks[0].frames.filter((f) => f.unreliable).length, 7);
    const [b] = r.bugs;
    assert.equal(b.bug, 'objects-remaining');
    assert.equal(b.cache, 'liulangrenaaa_cache');
    assert.deepEqual(b.objects.map((o) => [o.address, o.offset]), [['00000000459b1c3f', 16], ['00000000f693e050', 10640]]);
    assert.deepEqual(b.tracks.map((x) => [x.kind, x.caller?.symbol, x.caller?.module, x.age, x.pid, x.frames.length, x.object]), [
      ['alloc', 'memleak_task_test', 'memleak', 20, 4561, 5, '00000000459b1c3f'],
      ['alloc', 'memleak_task_test', 'memleak', 35, 4561, 5, '00000000f693e050'],
    ]);
    assert.equal(b.slab?.objects, 3);
    assert.equal(b.slab?.used, 2);
    assert.equal(b.comm, 'rmmod');
    // The report's own call trace, then kmem_cache_destroy's warning with its own.
    assert.deepEqual(b.stacks.map((s) => [s.frames.length, s.destroyWarning]), [[11, false], [8, true]]);
    assert.equal(b.destroyWarnings.length, 1);
  });

  it('03: Redzone overwritten, first byte 0x0 instead of 0xcc, tab-indented allocation and free tracks', () => {
    const { r } = parse('slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt');
    const [b] = r.bugs;
    assert.deepEqual([b.bug, b.cache, b.taint?.trim(), b.corruption?.first, b.corruption?.expected, b.corruption?.start], ['redzone-overwritten', 'kmalloc-4096', 'Tainted: G        W', 0x0, 0xcc, 'ffff88006d1a5520']);
    const [alloc, free] = b.tracks;
    assert.deepEqual([alloc.kind, alloc.caller?.symbol, alloc.age, alloc.cpu, alloc.pid, alloc.frames.length], ['alloc', 'open', 18922, 1, 7095, 11]);
    assert.deepEqual([free.kind, free.caller?.symbol, free.age, free.cpu, free.pid, free.frames.length], ['free', 'seq_release', 18947, 0, 31203, 10]);
    assert.equal(b.objects[0].address, 'ffff88006d1a4520');
    assert.equal(b.startLine, 0, 'the ===== rule before BUG starts the report');
  });

  describe('03 as journalctl and dmesg print it: every style finds the same report', () => {
    // The capture's own dmesg stamps replaced by what journalctl -k prints before each line.
    const body = fixtureLines(DIR, 'slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt').map((l) => l.replace(/^\[ *\d+\.\d+\] ?/, ''));
    const styles: [string, string][] = [
      ['short-monotonic', '[  719.294527] testbox kernel: '],
      ['short-precise', 'Jan 26 15:04:11.123456 testbox kernel: '],
      ['short-full', 'Fri 2024-01-26 15:04:11 CST testbox kernel: '],
      ['short-unix', '1706252651.123456 testbox kernel: '],
      ['short-iso-precise', '2024-01-26T15:04:11.123456+0800 testbox kernel: '],
      // and util-linux dmesg's own styles: --time-format iso, -x, -d, -e
      ['dmesg --time-format iso', '2024-01-26T15:04:11,123456+08:00 '],
      ['dmesg -x', 'kern  :err   : [  719.294527] '],
      ['dmesg -d', '[  719.294527 <    0.000031>] '],
      ['dmesg -e', '[  +0.000031] '],
    ];
    for (const [style, prefix] of styles) {
      it(style, () => {
        const lines = ['-- Logs begin at Fri 2024-01-26 09:12:01 CST, end at Fri 2024-01-26 15:30:44 CST. --', '-- Boot 1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6 --', ...body.map((l) => prefix + l)];
        const r = parseSlubDebug(lines);
        assert.equal(r.bugs.length, 1);
        const [b] = r.bugs;
        assert.deepEqual([b.line, b.bug, b.cache, b.corruption?.first, b.corruption?.expected], [3, 'redzone-overwritten', 'kmalloc-4096', 0x0, 0xcc]);
        assert.deepEqual(b.tracks.map((t) => [t.kind, t.caller?.symbol, t.pid, t.frames.length]), [['alloc', 'open', 7095, 11], ['free', 'seq_release', 31203, 10]]);
        assert.equal(b.objects[0].address, 'ffff88006d1a4520');
        assert.deepEqual(r.problems, [], 'the separators and prefixes are not "other output"');
        const prefixTokens = r.tokens.filter((t) => t.kind === 'prefix');
        assert.equal(prefixTokens.length, body.length);
        assert.ok(prefixTokens.every((t) => t.character === 0 && t.length === prefix.length));
      });
    }
  });

  it('05: caller-id prefixes, ppc64 frames, interleaved faddr2line lines, a double free then a wrong object count', () => {
    const { lines, r } = parse('slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt');
    assert.deepEqual(r.bugs.map((b) => [b.bug, b.cache]), [['double-free', 'kmalloc-16'], ['slab-corruption', 'kmalloc-16']]);
    const b = r.bugs[0];
    assert.deepEqual(b.tracks.map((t) => [t.kind, t.caller?.symbol, t.pid, t.frames.length]), [['alloc', 'pcibios_scan_phb', 1, 8], ['free', 'pcibios_remove_bus', 151472, 14]]);
    assert.deepEqual(b.hex.map((h) => h.label), ['Redzone', 'Object', 'Redzone', 'Padding']);
    assert.deepEqual(b.hex[1].bytes.slice(-2), [0x6b, 0xa5]);
    const stack = b.stacks[0].frames;
    assert.equal(stack.length, 18);
    assert.deepEqual([stack[0].symbol, stack[0].address, stack[0].unreliable], ['dump_stack', 'c000000000644278', true]);
    assert.equal(b.fixes[0].text, 'Object at 0x00000000af116201 not freed');
    const faddr = lines.flatMap((l, i) => (/ at arch\/powerpc/.test(l) ? [i] : []));
    assert.deepEqual(r.problems.filter((p) => p.code === 'interleaved-line').map((p) => p.range.start.line), faddr);
    assert.equal(r.bugs[1].message, 'Wrong object count. Counter is 174 but counted were 176');
    const foreign = r.problems.find((p) => p.code === 'foreign-lines')!;
    assert.match(foreign.message, /^12 lines outside/);
  });

  it('07: syslog prefixes, a TRACE header in the middle of another stack, a memcg cache name, object dumps in the free', () => {
    const { r } = parse('slub_debug_07_arm64_uos_4.19_trace_alloc_free_syslog_interleaved.txt');
    assert.deepEqual(r.traces.map((t) => [t.op, t.cache, t.stacks[0]?.frames.length ?? 0, t.hex.length]), [
      ['alloc', 'kmalloc-128', 20, 0],
      ['alloc', 'kmalloc-128', 0, 0],
      ['free', 'kmalloc-128(522:accounts-daemon.service)', 15, 8],
    ]);
    // The frames after the second header continue the first stack (__arm64_sys_ioctl … el0_svc).
    assert.equal(r.traces[0].stacks[0].frames[19].symbol, 'el0_svc');
    assert.equal(r.traces[0].comm, 'Xorg');
    assert.ok(r.problems.some((p) => p.code === 'truncated-record' && p.range.start.line === r.traces[1].line));
    assert.equal(r.traces[2].fp, '0x0000000024f7d5b5');
    assert.equal(r.traces[0].fp, '0x(null)');
  });

  it('09: a whole TRACE free record on one line (newlines lost) is split at its time stamps', () => {
    const { r } = parse('slub_debug_09_x86_64_rhel7_trace_free_newlines_collapsed.txt');
    const [t] = r.traces;
    assert.deepEqual([t.op, t.cache, t.address, t.line], ['free', 'mm_struct', 'ffff88085be9d140', 0]);
    assert.equal(t.stacks[0].frames.length, 18);
    assert.equal(t.stacks[0].frames[0].symbol, 'dump_stack');
    assert.equal(t.stacks[0].frames[9].module, 'binfmt_misc');
    assert.equal(t.hex.length, 1);
    assert.ok(r.problems.some((p) => p.code === 'collapsed-lines'));
  });

  it('11: Poison overwritten wrapped by mail: "instead of" and the pid join the lines before', () => {
    const { r } = parse('slub_debug_11_x86_64_amdgpu_poison_overwritten_mailwrapped.txt');
    const [b] = r.bugs;
    assert.deepEqual([b.bug, b.cache, b.corruption?.first, b.corruption?.expected, b.corruption?.offset], ['poison-overwritten', 'kmalloc-4k', 0x6c, 0x6b, 5352]);
    assert.deepEqual(b.tracks.map((t) => [t.kind, t.caller?.symbol, t.caller?.module, t.age, t.cpu, t.pid, t.frames.length, t.wrapped]), [
      ['alloc', 'amdgpu_driver_open_kms', 'amdgpu', 44, 0, 2343, 16, true],
      ['free', 'amdgpu_driver_postclose_kms', 'amdgpu', 22, 1, 2485, 13, true],
    ]);
  });

  it('13: console [hh:mm:ss] prefixes, FIX before the tracks', () => {
    const { r } = parse('slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt');
    const [b] = r.bugs;
    assert.deepEqual([b.bug, b.cache, b.corruption?.first, b.corruption?.expected, b.corruption?.offset, b.fixes.length], ['poison-overwritten', 'kmalloc-64', 4, 0x6b, 5442, 1]);
    assert.deepEqual(b.tracks.map((t) => [t.kind, t.caller?.symbol, t.pid, t.frames.length]), [['alloc', 'btrfs_encoded_read_regular_fill_pages', 18295, 8], ['free', 'btrfs_encoded_read_regular_fill_pages', 18295, 7]]);
    assert.deepEqual(r.problems.filter((p) => p.severity !== 'hint'), []);
  });

  it('19: old ARM "Backtrace:" stacks with [module] frames and saved-register lines between the frames', () => {
    const { lines, r } = parse('slub_debug_19_arm32_3.4_trace_backtrace_module_registers_reconstructed.txt');
    const names = (t: (typeof r.traces)[number]) => t.stacks[0].frames.map((f) => (f.module ? `${f.symbol} [${f.module}]` : f.symbol));
    assert.deepEqual(r.traces.map((t) => [t.op, t.cache, t.address, t.fp, t.stacks.length, t.stacks[0].frames.length]), [
      ['alloc', 'kmalloc-128', 'df8b3c00', '0x(null)', 1, 9],
      ['alloc', 'kmalloc-128', 'df8b3c80', '0x(null)', 1, 9],
      ['free', 'kmalloc-128', 'df8b3c00', '0x(null)', 1, 8],
    ]);
    assert.deepEqual(names(r.traces[0]), ['dump_backtrace', 'dump_stack', 'trace', 'alloc_debug_processing', '__slab_alloc.constprop.52', '__kmalloc', 'mymod_init [mymod]', 'do_one_initcall', 'sys_init_module']);
    assert.deepEqual(names(r.traces[2]).slice(5, 7), ['kfree', 'mymod_exit [mymod]']);
    assert.equal(r.traces[2].hex.length, 8, 'the freed object is dumped in 8 rows of 16 bytes');
    // The last line of each record is its last register line, and no register line is "interleaved".
    assert.deepEqual(r.traces.map((t) => t.endLine), [20, 39, 62]);
    assert.ok(lines[20].includes(' r7:00000080 r6:00000000'));
    assert.deepEqual(r.problems.filter((p) => p.code === 'interleaved-line'), []);
    assert.deepEqual(r.problems.map((p) => [p.code, p.range.start.line]), [['foreign-lines', 0]], 'only the two lines before the first record are not SLUB\'s');
  });

  it('20: old ARM without kallsyms, "Function entered at" frames: addresses, register lines part of the stack', () => {
    const { r } = parse('slub_debug_20_arm32_2.6.35_trace_function_entered_no_kallsyms_reconstructed.txt');
    const [t] = r.traces;
    assert.deepEqual(t.stacks[0].frames.map((f) => f.address), ['c002c0f4', 'c0261cf4', 'c008f438', 'c00903e4', 'c00909a0', 'bf000000', 'c0027314', 'c0061e3c']);
    assert.equal(t.endLine, 15);
    assert.deepEqual(r.problems, []);
  });

  it('21: ARM with the unwinder prints no "Backtrace:": the frames after the CPU line are the stack, the callee without offset', () => {
    const { r } = parse('slub_debug_21_arm32_4.4_trace_unwinder_no_backtrace_header_reconstructed.txt');
    const [t] = r.traces;
    assert.deepEqual([t.comm, t.pid, t.cpu, t.stacks[0].line], ['modprobe', 1423, 1, 3]);
    assert.deepEqual(t.stacks[0].frames.map((f) => [f.symbol, f.module, f.address]), [
      ['unwind_backtrace', undefined, 'c0016484'],
      ['show_stack', undefined, 'c0012484'],
      ['dump_stack', undefined, 'c05d4a10'],
      ['alloc_debug_processing', undefined, 'c0105e3c'],
      ['__slab_alloc.constprop.50', undefined, 'c05d2734'],
      ['kmem_cache_alloc_trace', undefined, 'c01075c0'],
      ['demo_probe', 'demo_drv', 'bf0a2124'],
      ['platform_drv_probe', undefined, 'c0396cd8'],
    ]);
    assert.deepEqual(r.problems, []);
  });

  it('22: Object padding overwritten: the corruption in the padding, both tracks, the object, Redzone/Object/Padding rows, the FIX', () => {
    const { r } = parse('slub_debug_22_x86_64_5.19_object_padding_overwritten_reconstructed.txt');
    const [b] = r.bugs;
    assert.deepEqual([b.bug, b.cache, b.message, b.corruption?.start, b.corruption?.end, b.corruption?.offset, b.corruption?.first, b.corruption?.expected], ['padding-overwritten', 'kmalloc-64', 'Object padding overwritten', 'ffff888104a3c410', 'ffff888104a3c413', 1040, 0x0, 0x5a]);
    assert.deepEqual(b.tracks.map((t) => [t.kind, t.caller?.symbol, t.caller?.module, t.pid, t.frames.length]), [['alloc', 'demo_start', 'demo_drv', 1868, 8], ['free', 'kfree_link', undefined, 1502, 9]]);
    assert.deepEqual(b.hex.map((h) => [h.label, h.bytes.length]), [['Redzone', 8], ['Object', 16], ['Object', 16], ['Object', 16], ['Object', 16], ['Redzone', 8], ['Padding', 16], ['Padding', 8]]);
    assert.deepEqual(b.hex[6].bytes.slice(7, 13), [0x5a, 0, 0, 0, 0, 0x5a]);
    assert.deepEqual([b.objects[0].address, b.objects[0].offset, b.slab?.objects, b.slab?.used, b.stacks[0].frames.length, b.comm], ['ffff888104a3c378', 888, 23, 17, 11, 'kworker/2:3']);
    assert.deepEqual(b.fixes.map((f) => f.text), ['Restoring Object padding 0xffff888104a3c410-0xffff888104a3c413=0x5a']);
    assert.deepEqual(r.problems, []);
  });

  it('alloc_traces and free_traces (kernel documentation examples)', () => {
    const a = parse('slub_alloc_traces_15_kernel_doc_examples.txt').r;
    assert.deepEqual(a.locations.map((l) => [l.count, l.caller?.symbol, l.frames.length, l.age, l.pids, l.cpus, l.nodes]), [
      [1085, 'populate_error_injection_list', 8, { min: 166678, avg: 166680, max: 166682 }, { min: 1, max: 1 }, '1', undefined],
      [338, 'pci_alloc_dev', 16, { min: 290837, avg: 291891, max: 293509 }, { min: 1, max: 1 }, '106', '0-1'],
    ]);
    assert.deepEqual(a.locations[1].waste, { total: 521872, each: 1544 });
    const f = parse('slub_free_traces_17_kernel_doc_example.txt').r;
    assert.deepEqual(f.locations.map((l) => [l.count, l.notAvailable, l.frames.length]), [[1980, true, 0], [51, false, 16]]);
  });

  it('alloc_traces lines of module code: the caller keeps its [module] (mm/slub.c prints `%7ld %pS`)', () => {
    const lines = [
      '      3 kmem_test_new_item.isra.0+0x18/0x60 [kmem_test] age=1402/1402/1403 pid=31 cpus=0',
      '        __kmalloc_cache_noprof+0x2a0/0x340',
      '        kmem_test_new_item.isra.0+0x18/0x60 [kmem_test]',
      '      1 kmem_test_leak_buffer+0x21/0x80 [kmem_test] waste=96/96 age=1399 pid=31-33 cpus=0-1',
    ];
    const r = parseSlubDebug(lines);
    assert.deepEqual(
      r.locations.map((l) => [l.count, l.caller?.symbol, l.caller?.offset, l.caller?.size, l.caller?.module, l.frames.length, l.pids]),
      [
        [3, 'kmem_test_new_item.isra.0', 0x18, 0x60, 'kmem_test', 2, { min: 31, max: 31 }],
        [1, 'kmem_test_leak_buffer', 0x21, 0x80, 'kmem_test', 0, { min: 31, max: 33 }],
      ],
    );
    const c = r.locations[0].caller!;
    assert.equal(lines[0].slice(c.symbolRange.start.character, c.symbolRange.end.character), 'kmem_test_new_item.isra.0');
    assert.equal(lines[0].slice(c.moduleRange!.start.character, c.moduleRange!.end.character), 'kmem_test');
    assert.ok(isSlubDebugSignature(lines[0]), 'detected as SLUB debug output');
  });

  it('names every SLUB error kind', () => {
    assert.equal(bugKind('Poison overwritten'), 'poison-overwritten');
    assert.equal(bugKind('Right Redzone overwritten'), 'redzone-overwritten');
    assert.equal(bugKind('Padding overwritten. 0xffff-0xffff @offset=1'), 'padding-overwritten');
    assert.equal(bugKind('Object already free'), 'double-free');
    assert.equal(bugKind('Objects remaining in kmalloc-64 on __kmem_cache_shutdown()'), 'objects-remaining');
    assert.equal(bugKind('Freepointer corrupt'), 'slab-corruption');
  });

  it('never throws on hostile input and reports an empty capture', () => {
    const r = parseSlubDebug(['BUG', 'TRACE x alloc 0x', 'BUG a (Not tainted): ', 'INFO: Allocated in', 'age=1', 'First byte 0x', '\u0000'.repeat(10), 'Call Trace:', '[<', '  1 x age=1 pid=2']);
    assert.ok(Array.isArray(r.problems));
    const empty = parseSlubDebug(['nothing here']);
    assert.equal(empty.problems.at(-1)?.code, 'no-records');
  });
});
