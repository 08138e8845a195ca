// The bpftrace view: maps → entries, stacks ranked by how often they were counted (allocation
// counts, not leaks), @allocs and @bytes of one key joined.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBpftrace } from '../../../../server/src/analysis/formats/bpftrace';
import { bpftraceView } from '../../../../server/src/analysis/views/bpftraceView';
import { fixtureLines } from '../../../helpers/fixtures';

const DIR = 'bpftrace';
const viewOf = (name: string) => {
  const lines = fixtureLines(DIR, name);
  if (lines[lines.length - 1] === '') lines.pop();
  const report = parseBpftrace(lines);
  return { lines, report, view: bpftraceView(report) };
};
const at = (lines: string[], needle: string, from = 0) => {
  const line = lines.findIndex((l, i) => i >= from && l.includes(needle));
  return { line, character: lines[line].indexOf(needle) + 1 };
};

describe('bpftrace view', () => {
  it('01, filp stacks script: stacks ranked by @allocs with their @bytes, a summary that says these are not leaks', () => {
    const { lines, report, view } = viewOf('bpftrace_local_01_filp_stacks_script_6.18.txt');
    assert.equal(view.records, 168);
    const sum = (m: string) => report.entries.filter((e) => e.map === m).reduce((t, e) => t + e.value!, 0);
    assert.equal(view.suspects.reduce((t, s) => t + s.count, 0), sum('@allocs'));
    assert.equal(view.suspects.reduce((t, s) => t + s.bytes, 0), sum('@bytes'));
    assert.ok(view.suspects.every((s, i) => s.verdict === 'transient' && s.rank === i + 1 && (i === 0 || s.count <= view.suspects[i - 1].count)));
    const top = view.suspects[0];
    assert.deepEqual([top.site, top.stack.slice(0, 4), top.count, top.bytes], [
      'alloc_empty_file',
      ['alloc_empty_file', 'path_openat', 'do_filp_open', 'do_sys_openat2'],
      20156,
      3869952,
    ]);
    assert.match(top.reason, /^20156 allocs, 3\.69 MiB counted while bpftrace ran, by .*: an allocation count, not memory left allocated\.$/);
    assert.match(lines[top.line], /^@allocs\[/);

    assert.deepEqual(view.findings.map((f) => [f.severity, f.code]), [['information', 'summary']]);
    const summary = view.findings[0];
    assert.match(summary.message, /^bpftrace: 168 map entries in 2 maps \(@allocs, @bytes\); 84 keys with a stack, 14 distinct stacks, 22676 allocs, 4\.15 MiB \(@bytes\)\./);
    assert.match(summary.message, /Top stacks by @allocs: alloc_empty_file ← path_openat ← do_filp_open ← do_sys_openat2 \(20156 allocs, 3\.69 MiB\);/);
    assert.match(summary.message, /These are allocation counts, not leaks: allocating is not leaking\..*"Outstanding by pointer"/);
    assert.equal(summary.related.length, 14);
    for (const r of summary.related) assert.match(lines[r.range.start.line], /^@allocs\[/);
  });

  it('01: outline maps → entries named by their suspect frame, a fold per entry, a lens joining @allocs and @bytes', () => {
    const { lines, report, view } = viewOf('bpftrace_local_01_filp_stacks_script_6.18.txt');
    assert.deepEqual(view.outline.map((o) => [o.name, o.detail, o.children.length]), [['@allocs', '84 entries', 84], ['@bytes', '84 entries', 84]]);
    assert.deepEqual([view.outline[0].children[0].name, view.outline[0].children[0].detail, view.outline[1].children[0].detail], ['alloc_empty_file', 'pyenv-virtualen · 1', 'pyenv-rehash · 192 B']);
    assert.deepEqual(view.folds.length, 168);
    for (const f of view.folds) assert.ok(/^@(allocs|bytes)\[/.test(lines[f.startLine]) && /^\]: \d+$/.test(lines[f.endLine]), `${f.startLine}-${f.endLine}`);
    assert.equal(view.lenses.length, 168);
    const first = report.entries[0];
    const lens = view.lenses.find((l) => l.range.start.line === first.line)!;
    assert.equal(lens.title, '1 alloc · 192 B · alloc_empty_file');
    const twin = report.entries.find((e) => e.map === '@bytes' && e.key === first.key)!;
    assert.deepEqual(lens.locations.map((r) => r.start.line), [first.line, twin.line]);
    assert.equal(view.lenses.find((l) => l.range.start.line === twin.line)!.title, lens.title);
  });

  it('01: hovers on frames (suspect or not, decimal offsets), and on an entry with its twin in the other map', () => {
    const { lines, view } = viewOf('bpftrace_local_01_filp_stacks_script_6.18.txt');
    const suspect = view.hover(at(lines, 'alloc_empty_file+60'))!.contents;
    assert.match(suspect, /^\*\*alloc\\_empty\\_file\*\*/);
    assert.match(suspect, /Offset 60 \(`0x3c`\) into the function/);
    assert.match(suspect, /\*\*Suspect frame\*\*/);
    assert.match(suspect, /This key: 1 alloc · 192 B\./);
    assert.match(view.hover(at(lines, 'kmem_cache_alloc_noprof+560'))!.contents, /Not the suspect frame \(suspect: `alloc_empty_file`\)/);
    const entry = view.hover({ line: 2, character: 2 })!.contents;
    assert.match(entry, /^\*\*@allocs\*\*\[pyenv-virtualen, 1 stack\]: 1/);
    assert.match(entry, /Same key in \*\*@bytes\*\*: 192 \(192 B\) \(line \d+\)\./);
    // Every kernel frame is a frame of the view (links, references, workspace symbols); one suspect per stack.
    assert.equal(view.frames.length, lines.filter((l) => /^ {4}\S/.test(l)).length);
    assert.equal(view.frames.filter((f) => f.suspect).length, 168);
  });

  it('03 and 04, @[kstack] = count(): hits per stack; kstack(perf) frames keep their addresses', () => {
    const { view } = viewOf('bpftrace_local_04_kstack_perf_kmalloc1024_6.18.txt');
    assert.deepEqual(view.suspects.map((s) => [s.site, s.count, s.bytes]), [['load_elf_phdrs', 820, 0], ['alloc_pipe_info', 694, 0], ['page_reporting_process', 1, 0]]);
    assert.deepEqual(view.lenses.map((l) => l.title), ['1 hit · page_reporting_process', '694 hits · alloc_pipe_info', '820 hits · load_elf_phdrs']);
    assert.ok(view.frames.every((f) => /^ffffffff[0-9a-f]{8}$/.test(f.frame.address!)));
    const count = viewOf('bpftrace_local_03_kstack_count_kmalloc_6.18.txt').view;
    assert.match(count.findings[0].message, /56 map entries in 1 map \(@\); 56 keys with a stack, 38 distinct stacks, 15283 hits\. Top stacks by @: alloc_fdtable ← dup_fd ← copy_process ← kernel_clone \(3903 hits\)/);
  });

  it('05, histograms: no stack to rank, buckets in the outline and their hovers', () => {
    const { lines, view } = viewOf('bpftrace_local_05_hist_lhist_kmalloc_6.18.txt');
    assert.deepEqual(view.suspects, []);
    assert.equal(view.findings[0].message, 'bpftrace: 8 map entries in 2 maps (@by_comm, @bytes_alloc); no entry is keyed by a stack.');
    assert.deepEqual(view.outline.map((o) => [o.name, o.detail]), [['@by_comm', '7 entries'], ['@bytes_alloc', '9 buckets, 15212 values']]);
    assert.deepEqual(view.outline[0].children.map((c) => c.name).slice(0, 3), ['kworker/u8:7', 'kdamond.0', 'date']);
    assert.match(view.hover(at(lines, '[64, 128)', lines.indexOf('@bytes_alloc: ')))!.contents, /^Bucket `\[64, 128\)`: \*\*5660\*\* — 37\.2% of the 15212 values of \*\*@bytes\\_alloc\*\*/);
    assert.equal(view.folds.length, 8);
  });

  it('06: scalars and stats are outline items of their own; @opens keyed by pid and comm has no stack to rank', () => {
    const { view } = viewOf('bpftrace_local_06_scalars_pid_comm_ustack_kstack3_6.18.txt');
    assert.equal(view.records, 768);
    const item = (n: string) => view.outline.find((o) => o.name === n)!;
    assert.deepEqual([item('@total').detail, item('@mode').detail, item('@avg_flags').detail], ['24132', 'count 24132, average 11, total 279444', '481535']);
    assert.deepEqual([item('@opens').children.length, item('@opens').children[0].name, item('@opens').children[0].detail], [756, '10844, bpftrace', '4']);
    assert.deepEqual(view.suspects.map((s) => s.site), ['alloc_empty_file', 'alloc_empty_file', 'alloc_empty_file', '__GI___pipe']);
    assert.deepEqual(view.lenses.filter((l) => l.title.startsWith('@k = ')).length, 7);
  });

  it('user-space frames (ustack(perf)) get hovers but no kernel source links', () => {
    const lines = ['@u[', '\t7fdc706dbb09 __GI___pipe+9 (/usr/lib/x86_64-linux-gnu/libc.so.6)', ']: 31', '@k[', '    alloc_pipe_info+215', ']: 2'];
    const view = bpftraceView(parseBpftrace(lines));
    assert.deepEqual(view.frames.map((f) => f.frame.symbol), ['alloc_pipe_info']);
    const h = view.hover({ line: 1, character: 16 })!.contents;
    assert.match(h, /A user-space frame \(ustack\): no kernel source link\./);
    assert.match(h, /Binary: `libc\.so\.6`/);
    assert.match(view.suspects.find((s) => s.site === '__GI___pipe')!.reason, /\(a user-space stack\)/);
  });

  it('a map printed several times: the last print counts, each print is an outline item', () => {
    const entry = (n: number) => ['@[', '    kmem_cache_alloc_noprof+560', '    alloc_empty_file+60', '    path_openat+64', `]: ${n}`];
    const view = bpftraceView(parseBpftrace(['Attaching 1 probe...', '10:00:01', ...entry(5), '10:00:02', ...entry(9)]));
    assert.deepEqual(view.suspects.map((s) => [s.site, s.count, s.line]), [['alloc_empty_file', 9, 8]]);
    assert.deepEqual(view.outline.map((o) => [o.name, o.detail]), [['@ (print 1)', '1 entry'], ['@ (print 2)', '1 entry · last print']]);
  });

  it('a cut entry: a warning of the input, the entries before it still ranked', () => {
    const lines = fixtureLines(DIR, 'bpftrace_local_04_kstack_perf_kmalloc1024_6.18.txt').slice(0, 14);
    const view = bpftraceView(parseBpftrace(lines));
    assert.deepEqual(view.findings.map((f) => [f.severity, f.code, f.range.start.line]), [['information', 'summary', 0], ['warning', 'truncated-entry', 10]]);
    assert.deepEqual(view.suspects.map((s) => s.site), ['page_reporting_process']);
    assert.equal(view.records, 2);
  });
});
