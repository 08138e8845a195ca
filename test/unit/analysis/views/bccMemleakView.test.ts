// The memleak view: stacks ranked by outstanding bytes, growth across periodic dumps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBccMemleak } from '../../../../server/src/analysis/formats/bccMemleak';
import { bccMemleakView } from '../../../../server/src/analysis/views/bccMemleakView';
import { fixtureLines } from '../../../helpers/fixtures';

const DIR = 'bcc-memleak';
const viewOf = (name: string) => {
  const lines = fixtureLines(DIR, name);
  return { lines, view: bccMemleakView(parseBccMemleak(lines)) };
};

describe('memleak view', () => {
  it('01: four stacks ranked by outstanding bytes, a Warning on each, suspect frames outside the allocator', () => {
    const { lines, view } = viewOf('bcc_memleak_01_bcc_example_kernel_allocators_4.x.txt');
    assert.deepEqual(view.suspects.map((s) => [s.site, s.bytes, s.count]), [['alloc_and_copy_ftrace_hash', 8192, 1], ['traceprobe_command', 464, 1], ['perf_mmap', 328, 1], ['bpf_prog_load', 248, 4]]);
    const warnings = view.findings.filter((f) => f.code === 'outstanding-stack');
    assert.equal(warnings.length, 4);
    for (const w of warnings) assert.match(lines[w.range.start.line], /bytes in \d+ allocations from stack/);
    const h = lines.findIndex((l) => l.includes('248 bytes'));
    assert.match(view.hover({ line: h, character: lines[h].indexOf('248') })!.contents, /62 B per allocation/);
    // The hover of the frame after the suspect names it in a code span, underscores as they are.
    const frame = lines.findIndex((l) => /\bbpf_prog_load\b/.test(l) && !/bytes in/.test(l)) + 1;
    const fh = view.hover({ line: frame, character: lines[frame].search(/\S/) + 2 })!.contents;
    assert.match(fh, /suspect: `bpf_prog_load`/);
    assert.ok(fh.split('`').every((part, i) => i % 2 === 0 || !part.includes('\\')), 'no escapes inside code spans');
    assert.deepEqual(view.folds.map((f) => [f.startLine, f.endLine]), [[3, 5], [7, 13], [15, 22], [24, 32]]);
  });

  it('03: two libbpf-tools dumps; stacks that grew; the cut stack reported', () => {
    const { view } = viewOf('bcc_memleak_03_libbpf_tools_kylin_4.19_static_truncated.txt');
    const summary = view.findings.find((f) => f.code === 'summary')!;
    assert.match(summary.message, /9 stacks reported in 2 dumps; the last dump has/);
    assert.match(summary.message, /Grew since the first dump: __alloc_pages_nodemask \+20\.0 KiB/);
    const pages = view.suspects.find((s) => s.site === '__alloc_pages_nodemask')!;
    assert.deepEqual([pages.count, pages.bytes], [1862, 7626752]);
    assert.match(pages.reason, /only allocator frames/);
    assert.ok(view.findings.some((f) => f.code === 'truncated-record'));
    assert.deepEqual(view.outline.map((o) => o.name), ['[10:45:48] dump 1', '[10:45:53] dump 2']);
  });

  it('a stack that grows at every one of three dumps is a likely leak', () => {
    const dump = (t: string, n: number) => [`[${t}] Top 1 stacks with outstanding allocations:`, `\t${n * 64} bytes in ${n} allocations from stack`, '\t\t__kmalloc+0x1a4 [kernel]', '\t\tleaky_open+0x3d [leaky]', '\t\tdo_sys_open+0x1d0 [kernel]'];
    const view = bccMemleakView(parseBccMemleak([...dump('10:00:00', 10), ...dump('10:00:05', 12), ...dump('10:00:10', 15)]));
    assert.deepEqual([view.suspects[0].site, view.suspects[0].verdict, view.suspects[0].count], ['leaky_open', 'likely-leak', 15]);
  });

  it('11: slabratetop rows are allocation rates, ranked as transient', () => {
    const { view } = viewOf('bcc_slabratetop_11_iovisor_example_4.x.txt');
    assert.equal(view.records, 20);
    assert.deepEqual([view.suspects[0].site, view.suspects[0].verdict, view.suspects[0].bytes], ['kmalloc-4096', 'transient', 14557184]);
    assert.match(view.findings.find((f) => f.code === 'summary')!.message, /allocation rates, not memory left allocated/);
  });
});
