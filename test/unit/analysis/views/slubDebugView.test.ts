// The SLUB debug view: an Error per error report with its tracks as related information,
// poison explained on hover, TRACE records paired and never-freed stacks ranked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseSlubDebug } from '../../../../server/src/analysis/formats/slubDebug';
import { slubDebugView } from '../../../../server/src/analysis/views/slubDebugView';
import { fixtureLines, fixturePath } from '../../../helpers/fixtures';

const DIR = 'slub-debug';
const viewOf = (name: string) => {
  const lines = fixtureLines(DIR, name);
  return { lines, view: slubDebugView(parseSlubDebug(lines)) };
};
const at = (lines: string[], needle: string, from = 0) => {
  const line = lines.findIndex((l, i) => i >= from && l.includes(needle));
  assert.ok(line >= 0, needle);
  return { line, character: lines[line].indexOf(needle) };
};

describe('SLUB debug view on every sample', () => {
  for (const name of fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort()) {
    it(`${name}: one Error per BUG header, exactly on it; one summary`, () => {
      const { lines, view } = viewOf(name);
      const bugLines = lines.flatMap((l, i) => (/\bBUG [^\s:]+ \(/.test(l) ? [i] : []));
      const errors = view.findings.filter((f) => f.code === 'slub-error');
      assert.deepEqual(errors.map((e) => e.range.start.line), bugLines);
      for (const e of errors) {
        assert.equal(e.severity, 'error');
        assert.ok(lines[e.range.start.line].slice(e.range.start.character).startsWith('BUG '));
      }
      assert.equal(view.findings.filter((f) => f.code === 'summary').length, 1);
      const text = lines.join('\n');
      assert.equal(view.records, (text.match(/\bTRACE \S+ (?:alloc|free) 0x/g) ?? []).length + bugLines.length + (text.match(/^ *\d+ \S+ (?:waste=\S+ )?age=/gm) ?? []).length);
    });
  }
});

describe('SLUB debug view details', () => {
  it('Redzone overwritten: the Error names the corruption and the cache and relates the allocation and free tracks', () => {
    const { lines, view } = viewOf('slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt');
    const [e] = view.findings.filter((f) => f.code === 'slub-error');
    assert.match(e.message, /^SLUB: Redzone overwritten in kmalloc-4096 — .*out-of-bounds write/);
    assert.match(e.message, /First byte 0x0 instead of 0xcc \(0xcc SLUB_RED_ACTIVE\)/);
    assert.match(e.message, /Allocated in open\+0xb8\/0x190 \(pid 7095, cpu 1, age 18922\)\. Freed in seq_release\+0x18\/0x30 \(pid 31203/);
    const alloc = e.related.find((r) => r.message.startsWith('allocation track'))!;
    const free = e.related.find((r) => r.message.startsWith('free track'))!;
    assert.equal(alloc.range.start.line, at(lines, 'INFO: Allocated in open').line);
    assert.equal(free.range.start.line, at(lines, 'INFO: Freed in seq_release').line);
    const c = at(lines, 'instead of 0xcc');
    const h = view.hover({ line: c.line, character: c.character + 12 })!;
    assert.match(h.contents, /Expected: `0xcc` SLUB_RED_ACTIVE/);
  });

  it('Poison overwritten: 0x6b expected, POISON_FREE explained; lenses point at the tracks', () => {
    const { lines, view } = viewOf('slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt');
    const [e] = view.findings.filter((f) => f.code === 'slub-error');
    assert.match(e.message, /Poison overwritten in kmalloc-64 — something wrote to the object after it was freed \(a use after free\)/);
    assert.equal(e.related.filter((r) => /track/.test(r.message)).length, 2);
    const c = at(lines, 'instead of 0x6b');
    const h = view.hover({ line: c.line, character: c.character + 12 })!;
    assert.match(h.contents, /`0x6b` POISON_FREE/);
    const lens = view.lenses.find((l) => l.range.start.line === e.range.start.line)!;
    assert.equal(lens.title, 'allocated in btrfs_encoded_read_regular_fill_pages · freed in btrfs_encoded_read_regular_fill_pages');
    assert.equal(lens.locations.length, 2);
  });

  it('hex rows: 0x6b/0xa5 in the Object row and 0xbb in the Redzone explained', () => {
    const { lines, view } = viewOf('slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt');
    const obj = at(lines, ': 6b 6b');
    assert.match(view.hover({ line: obj.line, character: obj.character + 4 })!.contents, /are `0x6b` POISON_FREE/);
    const red = at(lines, ': bb bb');
    assert.match(view.hover({ line: red.line, character: red.character + 4 })!.contents, /`0xbb` SLUB_RED_INACTIVE/);
    const [dbl] = view.findings.filter((f) => f.code === 'slub-error');
    assert.match(dbl.message, /Object already free in kmalloc-16 — the object was freed a second time \(a double free\)/);
  });

  it('hex rows: 0xa5 closing a 0x6b row is POISON_END; the Padding row is SLUB\'s padding fill, not an allocated object', () => {
    const { lines, view } = viewOf('slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt');
    const obj = at(lines, ': 6b 6b');
    const a5 = { line: obj.line, character: obj.character + 2 + 3 * 15 };
    assert.equal(lines[a5.line].slice(a5.character, a5.character + 2), 'a5');
    const byte = view.hover(a5)!;
    assert.deepEqual([byte.range.start.character, byte.range.end.character], [a5.character, a5.character + 2], 'the hover is on the byte itself');
    assert.match(byte.contents, /^\*\*`0xa5`\*\* at byte 15 of this Object row \(the row's pattern is `0x6b`\)/);
    assert.match(byte.contents, /POISON_END[\s\S]*the object ends here, this byte is not a stray write/);
    const row = view.hover({ line: obj.line, character: obj.character + 2 })!.contents;
    assert.match(row, /are `0x6b` POISON_FREE/);
    assert.match(row, /The row ends with `0xa5` POISON_END/);
    assert.doesNotMatch(row, /break the pattern/);
    const pad = at(lines, 'Padding 00000000df7d5e89: 5a 5a');
    const padHover = view.hover({ line: pad.line, character: lines[pad.line].indexOf(': 5a') + 2 })!.contents;
    assert.match(padHover, /100% of the Padding bytes shown are `0x5a` — SLUB's padding fill/);
    assert.doesNotMatch(padHover, /POISON_INUSE —|never written/);
  });

  it('Object padding overwritten: parser → view → Error; the stray bytes in the Padding row and the expected fill explained', () => {
    const { lines, view } = viewOf('slub_debug_22_x86_64_5.19_object_padding_overwritten_reconstructed.txt');
    const [e] = view.findings.filter((f) => f.code === 'slub-error');
    assert.equal(e.range.start.line, at(lines, 'BUG kmalloc-64').line);
    assert.match(e.message, /^SLUB: Padding overwritten in kmalloc-64 — something wrote into the padding after the object and its metadata \(an out-of-bounds write\)\. First byte 0x0 instead of 0x5a \(0x5a SLUB padding fill\) at 0xffff888104a3c410 \(@offset=1040\)\./);
    assert.match(e.message, /Allocated in demo_start\+0x3a\/0xa0 \[demo_drv\] \(pid 1868, cpu 1, age 212\)\. Freed in kfree_link\+0x9\/0x10 \(pid 1502, cpu 0, age 4380\)\./);
    const related = e.related.map((r) => [r.range.start.line, r.message.split(':')[0]]);
    assert.deepEqual(related.slice(0, 2), [[at(lines, 'Allocated in demo_start').line, 'allocation track'], [at(lines, 'Freed in kfree_link').line, 'free track']]);
    const pad = at(lines, 'Padding  ffff888104a3c408');
    const bytesAt = lines[pad.line].indexOf(': 5a') + 2;
    const row = view.hover({ line: pad.line, character: bytesAt })!.contents;
    assert.match(row, /SLUB's padding fill/);
    assert.match(row, /4 bytes on this row break the pattern/);
    const stray = view.hover({ line: pad.line, character: bytesAt + 3 * 8 })!.contents;
    assert.match(stray, /^\*\*`0x00`\*\* at byte 8 of this Padding row \(the row's pattern is `0x5a`\)[\s\S]*It breaks the `0x5a` fill: something wrote `0x00` here/);
    const c = at(lines, 'instead of 0x5a');
    const expected = view.hover({ line: c.line, character: c.character + 12 })!.contents;
    assert.match(expected, /Expected: `0x5a` — SLUB's padding fill/);
    assert.doesNotMatch(expected, /zeroed memory|POISON_INUSE —/);
    assert.deepEqual(view.suspects, [], 'a corruption is not a leak');
  });

  it('Objects remaining: a likely leak in memleak_task_test, joined with the TRACE alloc of the same object', () => {
    const { lines, view } = viewOf('slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt');
    const [s] = view.suspects;
    assert.deepEqual([s.rank, s.verdict, s.count, s.site, s.stack], [1, 'likely-leak', 2, 'memleak_task_test', ['memleak_task_test', 'kthread', 'ret_from_fork']]);
    assert.equal(s.line, 0, 'the group starts at the TRACE alloc of 0x00000000459b1c3f');
    const [e] = view.findings.filter((f) => f.code === 'slub-error');
    assert.match(e.message, /2 objects remaining in liulangrenaaa_cache when it was destroyed — never freed \(a leak\); allocated in memleak_task_test\+0x70\/0xb0 \[memleak\]/);
    const suspectFrames = view.frames.filter((f) => f.suspect).map((f) => f.frame.range.start.line);
    assert.ok(suspectFrames.includes(at(lines, ']  memleak_task_test+0x70/0xb0 [memleak]').line), 'the reliable memleak_task_test frame of the TRACE stack is the suspect');
  });

  it('TRACE pairing: two allocations never freed, a free of an object allocated before the capture', () => {
    const { view } = viewOf('slub_debug_07_arm64_uos_4.19_trace_alloc_free_syslog_interleaved.txt');
    const summary = view.findings.find((f) => f.code === 'summary')!;
    assert.match(summary.message, /3 TRACE records \(2 allocs, 1 free\): 0 paired, 2 never freed, 1 free of objects allocated before the capture/);
    assert.deepEqual(view.suspects.map((s) => [s.verdict, s.site, s.count, s.bytes]), [['possible-leak', 'alloc_indirect', 1, 128], ['possible-leak', '(stack missing)', 1, 128]]);
    const outline = view.outline.find((o) => o.name.startsWith('TRACE'))!;
    assert.deepEqual(outline.children.map((c) => c.detail), ['never freed', 'never freed', 'allocated before the capture']);
  });

  it('old ARM Backtrace: the module frame past dump_stack/trace/alloc_debug_processing/__kmalloc is the suspect', () => {
    const { lines, view } = viewOf('slub_debug_19_arm32_3.4_trace_backtrace_module_registers_reconstructed.txt');
    assert.deepEqual(view.suspects.map((s) => [s.site, s.count, s.bytes, s.line, s.stack]), [['mymod_init', 1, 128, 21, ['mymod_init', 'do_one_initcall', 'sys_init_module']]]);
    const suspectLines = view.frames.filter((f) => f.suspect).map((f) => f.frame.range.start.line);
    assert.deepEqual(suspectLines, [at(lines, '(mymod_init+0x0/0x100 [mymod]) from').line, at(lines, '(mymod_init+0x0/0x100 [mymod]) from', 21).line]);
    const unwinder = viewOf('slub_debug_21_arm32_4.4_trace_unwinder_no_backtrace_header_reconstructed.txt').view;
    assert.deepEqual(unwinder.suspects.map((s) => [s.site, s.count, s.bytes]), [['demo_probe', 1, 192]]);
  });

  it('pairs an alloc with its free by cache and address, and ranks a stack that never frees', () => {
    const header = (op: string, addr: string, ts: string) => `[ ${ts}] TRACE kmalloc-64 ${op} 0x${addr} inuse=1 fp=0x0000000000000000`;
    const stack = (ts: string, fn: string) => [`[ ${ts}] Call Trace:`, `[ ${ts}]  dump_stack+0x98/0xda`, `[ ${ts}]  alloc_debug_processing+0x53/0x72`, `[ ${ts}]  kmem_cache_alloc_trace+0x23e/0x260`, `[ ${ts}]  ${fn}+0x70/0xb0 [leaky]`, `[ ${ts}]  kthread+0x104/0x140`];
    const lines = [
      header('alloc', '00000000aaaa0001', '10.000001'), ...stack('10.000001', 'leaky_work'),
      header('alloc', '00000000aaaa0002', '11.000001'), ...stack('11.000001', 'leaky_work'),
      header('alloc', '00000000bbbb0001', '12.000001'), ...stack('12.000001', 'tidy_work'),
      header('free', '00000000bbbb0001', '13.000001'), `[ 13.000001] Call Trace:`, `[ 13.000001]  kfree+0x1d8/0x200`, `[ 13.000001]  tidy_work+0x90/0xb0 [leaky]`,
    ];
    const view = slubDebugView(parseSlubDebug(lines));
    assert.deepEqual(view.suspects.map((s) => [s.rank, s.verdict, s.site, s.count, s.bytes]), [[1, 'likely-leak', 'leaky_work', 2, 128]]);
    const w = view.findings.find((f) => f.code === 'slub-never-freed')!;
    assert.equal(w.range.start.line, 0);
    assert.match(w.message, /2 allocations from kmalloc-64 never freed in this capture, same stack \(suspect leaky_work\)/);
  });

  it('alloc_traces sites are ranked; free_traces sites are not suspects', () => {
    assert.deepEqual(viewOf('slub_alloc_traces_15_kernel_doc_examples.txt').view.suspects.map((s) => [s.site, s.count]), [['populate_error_injection_list', 1085], ['pci_alloc_dev', 338]]);
    assert.deepEqual(viewOf('slub_free_traces_17_kernel_doc_example.txt').view.suspects, []);
  });
});
