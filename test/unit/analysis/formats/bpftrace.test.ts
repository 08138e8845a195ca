// bpftrace map output parser on every real capture (bpftrace 0.17, Linux 6.18, see
// test/fixtures/SOURCES.md), and on what goes wrong with real files: cut short, other output
// in between, CRLF, binary garbage.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BpftraceReport, isBpftraceSignature, parseBpftrace } from '../../../../server/src/analysis/formats/bpftrace';
import { fixtureLines, fixtureText, fixturesIn } from '../../../helpers/fixtures';

const DIR = 'bpftrace';
const FILP = 'bpftrace_local_01_filp_stacks_script_6.18.txt';
const PERF = 'bpftrace_local_04_kstack_perf_kmalloc1024_6.18.txt';
const HIST = 'bpftrace_local_05_hist_lhist_kmalloc_6.18.txt';
const MIXED = 'bpftrace_local_06_scalars_pid_comm_ustack_kstack3_6.18.txt';
const STDOUT = 'bpftrace_local_07_filp_stacks_stdout_stderr_6.18.txt';
const lines = (name: string) => {
  const l = fixtureLines(DIR, name);
  if (l[l.length - 1] === '') l.pop();
  return l;
};
const parse = (name: string) => parseBpftrace(lines(name));
const codes = (r: BpftraceReport) => r.problems.map((p) => `${p.range.start.line + 1} ${p.severity} ${p.code}`);

describe('bpftrace parser on every real capture', () => {
  for (const name of fixturesIn(DIR)) {
    it(`${name}: one entry per "@map[" or "@map:" line, frames and tokens where the text is`, () => {
      const text = lines(name);
      const r = parse(name);
      assert.equal(r.entries.length, text.filter((l) => /^@\w*[[:]/.test(l)).length);
      for (const e of r.entries) {
        assert.equal(text[e.line].slice(e.mapRange.start.character, e.mapRange.end.character), e.map);
        assert.ok(!e.cut);
        for (const s of e.stacks) {
          for (const f of s.frames) {
            const shown = text[f.symbolRange.start.line].slice(f.symbolRange.start.character, f.symbolRange.end.character);
            assert.equal(shown, f.symbol ?? f.address, `line ${f.symbolRange.start.line + 1}`);
          }
        }
      }
      for (const t of r.tokens) assert.ok(t.length > 0 && t.character + t.length <= text[t.line].length, `token on line ${t.line + 1}`);
      // Only bpftrace's own stderr line in the one capture that redirected stderr too.
      assert.deepEqual(codes(r), name === STDOUT ? ['1 information foreign-lines'] : []);
    });
  }
});

describe('bpftrace parser details', () => {
  it('01, the generated stacks script for filp: @allocs and @bytes keyed by comm and a kernel stack (decimal offsets)', () => {
    const r = parse(FILP);
    assert.deepEqual(r.attach?.probes, 2);
    assert.deepEqual(r.blocks.map((b) => [b.map, b.count]), [['@allocs', 84], ['@bytes', 84]]);
    const first = r.entries[0];
    assert.deepEqual([first.map, first.parts.map((p) => p.text), first.value, first.line, first.endLine], ['@allocs', ['pyenv-virtualen'], 1, 2, 15]);
    assert.equal(first.stacks.length, 1);
    assert.deepEqual(first.stacks[0].frames.slice(0, 2).map((f) => [f.symbol, f.offset]), [['kmem_cache_alloc_noprof', 560], ['alloc_empty_file', 60]]);
    assert.equal(first.stacks[0].frames.length, 12);
    assert.equal(first.stacks[0].user, false);
    const last = r.entries[r.entries.length - 1];
    assert.deepEqual([last.map, last.parts[0].text, last.value, last.endLine], ['@bytes', 'cat', 2444544, 1811]);
    // The same keys in both maps: the key text is what joins them.
    const bytesKeys = new Set(r.entries.filter((e) => e.map === '@bytes').map((e) => e.key));
    assert.ok(r.entries.filter((e) => e.map === '@allocs').every((e) => bytesKeys.has(e.key)));
  });

  it('04, kstack(perf): each frame\'s address, then the symbol and its decimal offset', () => {
    const r = parse(PERF);
    const pipe = r.entries.find((e) => e.value === 694)!;
    const f = pipe.stacks[0].frames[1];
    assert.deepEqual([f.address, f.symbol, f.offset, pipe.stacks[0].user], ['ffffffff816e4c97', 'alloc_pipe_info', 215, false]);
    assert.deepEqual(f.addressRange, { start: { line: f.range.start.line, character: 1 }, end: { line: f.range.start.line, character: 17 } });
  });

  it('05, hist() and lhist(): buckets up to the blank line, keyed and not', () => {
    const r = parse(HIST);
    assert.deepEqual(r.blocks.map((b) => [b.map, b.count]), [['@by_comm', 7], ['@bytes_alloc', 1]]);
    const h = r.entries.find((e) => e.map === '@bytes_alloc')!;
    assert.equal(h.key, undefined);
    assert.deepEqual(h.buckets!.map((b) => b.interval), ['[16, 32)', '[32, 64)', '[64, 128)', '[128, 256)', '[256, 512)', '[512, 1K)', '[1K, 2K)', '[2K, 4K)', '[4K, 8K)']);
    assert.equal(h.buckets!.reduce((t, b) => t + b.count, 0), 15212);
    const ls = r.entries.find((e) => e.parts[0]?.text === 'ls')!;
    assert.deepEqual(ls.buckets!.map((b) => [b.interval, b.count]).at(-1), ['[1K, ...)', 62]);
    assert.equal(ls.key, 'ls');
  });

  it('06: scalars, stats(), keys of several parts, a stack before the comm, ustack', () => {
    const r = parse(MIXED);
    const byMap = (m: string) => r.entries.filter((e) => e.map === m);
    assert.deepEqual([byMap('@avg_flags')[0].value, byMap('@total')[0].value], [481535, 24132]);
    assert.deepEqual(byMap('@mode')[0].stats, { count: 24132, average: 11, total: 279444 });
    assert.equal(byMap('@opens').length, 756);
    assert.deepEqual(byMap('@opens')[0].parts.map((p) => p.text), ['10844', 'bpftrace']);
    const k = byMap('@k')[0];
    assert.deepEqual([k.parts.map((p) => p.text), k.stacks[0].frames.map((f) => f.symbol), k.value], [['churn.sh'], ['kmem_cache_alloc_noprof', 'alloc_empty_file', 'alloc_file_clone'], 660]);
    const u = byMap('@u');
    assert.deepEqual(u.map((e) => [e.stacks[0].frames[0].symbol, e.stacks[0].frames[0].offset, e.value]), [['__GI___pipe', 9, 59], ['__GI___pipe', 9, 590]]);
  });

  it('07, stdout with stderr: bpftrace\'s ERROR line is other output, blank lines are nothing', () => {
    const r = parse(STDOUT);
    assert.equal(r.entries.length, 54);
    assert.equal(r.problems[0].range.start.line, 0);
    assert.match(r.problems[0].message, /1 line outside bpftrace map output was ignored/);
  });

  it('perf-mode user frames (ustack(perf)), unresolved addresses, modules, text values', () => {
    const r = parseBpftrace([
      '@u[',
      '\t7fdc706dbb09 __GI___pipe+9 (/usr/lib/x86_64-linux-gnu/libc.so.6)',
      '\t7fdc706dbb10 [unknown] ([unknown])',
      ']: 31',
      '@k[',
      '    0xffffffffc0a1b2c3',
      '    e1000_xmit_frame+1234 [e1000]',
      '    ffffffff81311621',
      ', sshd]: 2',
      '@name: bash',
    ]);
    assert.deepEqual(codes(r), []);
    const [u, k, s] = r.entries;
    assert.equal(u.stacks[0].user, true);
    assert.deepEqual(u.stacks[0].frames.map((f) => [f.symbol, f.offset, f.address, f.module]), [['__GI___pipe', 9, '7fdc706dbb09', 'libc.so.6'], [undefined, undefined, '7fdc706dbb10', undefined]]);
    assert.equal(k.stacks[0].user, false);
    assert.deepEqual(k.stacks[0].frames.map((f) => [f.symbol, f.offset, f.address, f.module]), [[undefined, undefined, 'ffffffffc0a1b2c3', undefined], ['e1000_xmit_frame', 1234, undefined, 'e1000'], [undefined, undefined, 'ffffffff81311621', undefined]]);
    assert.deepEqual([k.parts.map((p) => p.text), k.value], [['sshd'], 2]);
    assert.deepEqual([s.valueText, s.value, s.key], ['bash', undefined, undefined]);
  });

  it('a map printed again after other output (print() in an interval) starts a new block', () => {
    const r = parseBpftrace(['Attaching 2 probes...', '10:00:01', '@[bash]: 1', '@[sh]: 2', '', '10:00:02', '@[bash]: 3', '@n: 7']);
    assert.deepEqual(r.blocks.map((b) => [b.map, b.count, b.line, b.endLine]), [['@', 2, 2, 3], ['@', 1, 6, 6], ['@n', 1, 7, 7]]);
    assert.deepEqual(codes(r), ['2 information foreign-lines']);
  });
});

describe('bpftrace parser on bad input: clear problems, no crash', () => {
  const filp = () => lines(FILP);

  it('a capture cut in the middle of a stack: the last entry is cut short, the others are whole', () => {
    const all = filp();
    const cutAt = all.findIndex((l, i) => i > 100 && l.trim() === 'do_filp_open+262');
    const r = parseBpftrace(all.slice(0, cutAt + 1));
    const last = r.entries[r.entries.length - 1];
    assert.deepEqual([last.cut, last.key, last.value], [true, undefined, undefined]);
    assert.ok(r.entries.slice(0, -1).every((e) => !e.cut && e.value !== undefined));
    assert.deepEqual(codes(r), [`${last.line + 1} warning truncated-entry`]);
    assert.match(r.problems[0].message, /@allocs entry is cut short/);
  });

  it('another program\'s line inside a stack: that entry is cut, the line is other output, the next entries parse', () => {
    const all = filp();
    const at = all.indexOf('    alloc_empty_file+60', 20);
    const mixed = [...all.slice(0, at), '[ 1234.5678] kworker: some kernel log line', ...all.slice(at)];
    const r = parseBpftrace(mixed);
    const whole = parse(FILP);
    assert.equal(r.entries.length, whole.entries.length);
    assert.deepEqual(r.entries.filter((e) => e.cut).map((e) => e.line), [whole.entries.find((e) => e.line < at && e.endLine >= at)!.line]);
    assert.deepEqual(codes(r).map((c) => c.split(' ').slice(1).join(' ')), ['warning truncated-entry', 'information foreign-lines']);
    // The rest of the cut stack's frames belong to no key: they are other output too.
    assert.match(r.problems[1].message, /^\d+ lines outside bpftrace map output/);
  });

  it('CRLF line ends: the same entries, keys and values', () => {
    const crlf = parseBpftrace(filp().map((l) => `${l}\r`));
    const lf = parse(FILP);
    assert.deepEqual(crlf.entries.map((e) => [e.map, e.key, e.value]), lf.entries.map((e) => [e.map, e.key, e.value]));
    assert.deepEqual(codes(crlf), []);
  });

  it('binary garbage: no entries, a warning that says what was expected', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)).toString('latin1').split('\n');
    const r = parseBpftrace(garbage);
    assert.equal(r.entries.length, 0);
    assert.deepEqual(codes(r), ['1 warning no-records']);
    assert.match(r.problems[0].message, /No bpftrace map entries found/);
  });

  it('NUL and control characters inside a stack: not frames, reported at their line', () => {
    const r = parseBpftrace(['@[', '    alloc_empty_file+60', '    \u0000\u0001\u0002garbage', ']: 3']);
    assert.deepEqual(codes(r), ['3 warning unparsed-frame']);
    assert.deepEqual([r.entries[0].value, r.entries[0].stacks[0].frames.length], [3, 1]);
  });

  it('an empty file, and bpftrace killed before printing its maps', () => {
    assert.deepEqual(codes(parseBpftrace([])), ['1 warning no-records']);
    const r = parseBpftrace(['Attaching 2 probes...', 'Tracing allocations from the slab cache filp... Hit Ctrl-C to end.']);
    assert.deepEqual(codes(r), ['1 warning no-records']);
    assert.match(r.problems[0].message, /exits on Ctrl-C/);
  });

  it('"Lost N events" lines: said once, with what they do not affect', () => {
    const r = parseBpftrace(['Attaching 1 probe...', 'Lost 12 events', '@[sh]: 4', 'Lost 3 events']);
    assert.deepEqual(codes(r), ['2 information lost-events']);
    assert.match(r.problems[0].message, /lost 15 events .*Map counts are kept in the kernel/);
  });
});

describe('bpftrace signature (format detection from the head of a file)', () => {
  it('recognises bpftrace\'s own lines and map entries of every real capture', () => {
    for (const name of fixturesIn(DIR)) assert.ok(fixtureLines(DIR, name).some(isBpftraceSignature), name);
    for (const l of ['Attaching 1 probe...', 'Attaching 12 probes...', '@[', '@allocs[bash, ', '@x[1, sh]: 4', '@h:', '@h: ', '@n: -3', '@s: count 1, average 2, total 2', '@by_comm[cat]: ']) {
      assert.ok(isBpftraceSignature(l), l);
    }
  });

  it('leaves other text alone', () => {
    for (const l of ['@bob: thanks for the patch', '@@ -1,3 +1,4 @@', 'hello', '@', '@x', 'Attaching to kernel allocators, Ctrl+C to quit.', 'unreferenced object 0xffff888101ad8900 (size 184):', fixtureText(DIR, FILP).slice(0, 10).replace('A', 'a')]) {
      assert.ok(!isBpftraceSignature(l), l);
    }
  });
});
