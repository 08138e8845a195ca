// BCC / libbpf-tools memleak parser on every real capture.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseBccMemleak } from '../../../../server/src/analysis/formats/bccMemleak';
import { fixtureLines, fixturePath, fixtureText } from '../../../helpers/fixtures';

const DIR = 'bcc-memleak';
const files = () => fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort();
const parse = (name: string) => parseBccMemleak(fixtureLines(DIR, name));

describe('memleak parser on every sample', () => {
  for (const name of files()) {
    it(`${name}: one stack per "bytes in … allocations from stack" line`, () => {
      const text = fixtureText(DIR, name);
      const lines = fixtureLines(DIR, name);
      const r = parse(name);
      assert.equal(r.stacks.length, (text.match(/ bytes in \d+ allocations from stack/g) ?? []).length);
      for (const s of r.stacks) for (const f of s.frames) assert.equal(lines[f.symbolRange.start.line].slice(f.symbolRange.start.character, f.symbolRange.end.character), f.symbol ?? `0x${f.address}`);
      for (const t of r.tokens) assert.ok(t.character + t.length <= lines[t.line].length);
    });
  }
});

describe('memleak details', () => {
  it('01: bcc frames without offsets ("bpf_prog_load [kernel]")', () => {
    const r = parse('bcc_memleak_01_bcc_example_kernel_allocators_4.x.txt');
    assert.deepEqual(r.stacks.map((s) => [s.bytes, s.allocations, s.frames.length]), [[248, 4, 2], [328, 1, 6], [464, 1, 7], [8192, 1, 8]]);
    assert.deepEqual([r.stacks[0].frames[0].symbol, r.stacks[0].frames[0].module], ['bpf_prog_load', undefined]);
  });

  it('03: libbpf-tools frames, two dumps, the last frame cut mid-address', () => {
    const r = parse('bcc_memleak_03_libbpf_tools_kylin_4.19_static_truncated.txt');
    assert.deepEqual(r.dumps.map((d) => [d.time, d.declared, d.stacks]), [['10:45:48', 5, 5], ['10:45:53', 8, 4]]);
    const f = r.stacks[0].frames[0];
    assert.deepEqual([f.symbol, f.offset, f.address], ['__alloc_pages_nodemask', 0x1e8, 'ffffffffad44ab78']);
    const last = r.stacks.at(-1)!;
    assert.deepEqual([last.bytes, last.allocations, last.frames.length, last.cut], [6000, 17, 0, true]);
    assert.ok(r.problems.some((p) => p.code === 'cut-line'));
  });

  it('05: unresolved "[unknown]" frames', () => {
    const r = parse('bcc_memleak_05_android_arm64_adeb_unknown_syms_truncated.txt');
    const [s] = r.stacks;
    assert.deepEqual([s.bytes, s.allocations, s.frames.length], [771040, 610, 17]);
    assert.ok(s.frames.every((f) => f.symbol === undefined && /^ffffffe1/.test(f.address!)));
  });

  it('07: tab-indented --percpu stacks', () => {
    const r = parse('bcc_memleak_07_percpu_allocator_5.x_tabs.txt');
    assert.deepEqual(r.stacks.map((s) => [s.bytes, s.frames.length, s.frames[2].symbol]), [[8, 10, 'perf_trace_event_init'], [16, 12, 'bpf_prog_alloc']]);
  });

  it('09: the Python 3 bytes-repr bug — a whole stack in b\'…\\n\\t\\t…\' on one line', () => {
    const r = parse('bcc_memleak_09_python3_bytes_repr_bug_bcc_pr2316.txt');
    assert.deepEqual(r.stacks.map((s) => [s.bytesRepr, s.frames.length]), [[true, 10], [true, 17]]);
    assert.deepEqual(r.stacks[1].frames.slice(0, 3).map((f) => [f.symbol, f.offset]), [['pcpu_alloc', 0x3d8], ['pcpu_alloc', 0x3d8], ['bpf_prog_alloc', 0x33]]);
    assert.ok(r.problems.some((p) => p.code === 'bytes-repr'));
  });

  it('11: a slabratetop table', () => {
    const r = parse('bcc_slabratetop_11_iovisor_example_4.x.txt');
    assert.equal(r.slabRates.length, 20);
    assert.deepEqual([r.slabRates[0].cache, r.slabRates[0].allocs, r.slabRates[0].bytes, r.slabRates[0].time], ['kmalloc-4096', 3554, 14557184, '07:01:35']);
  });
});
