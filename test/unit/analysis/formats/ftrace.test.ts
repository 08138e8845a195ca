import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isFtraceSignature, parseFtrace, parseFtraceFrame } from '../../../../server/src/analysis/formats/ftrace';
import { isPerfScriptSignature } from '../../../../server/src/analysis/formats/perfScript';
import { fixtureLines, fixturesIn } from '../../../helpers/fixtures';

// Independent of the parser: an ftrace entry of a kmem event.
const KMEM = /: (?:kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|kfree|kmem_cache_free|mm_page_alloc|mm_page_free): /;
const STACK = /: <stack trace>$/;

const parse = (name: string) => {
  const lines = fixtureLines('ftrace', name);
  return { lines, cap: parseFtrace(lines) };
};

describe('ftrace parser on every real capture', () => {
  for (const name of fixturesIn('ftrace')) {
    it(`${name}: one event per kmem entry, stacks on their events, ranges inside the document`, () => {
      const { lines, cap } = parse(name);
      assert.equal(cap.facts.events, lines.filter((l) => KMEM.test(l)).length);
      assert.ok(cap.facts.events > 0);
      for (const t of cap.tokens) assert.ok(t.line < lines.length && t.character + t.length <= lines[t.line].length, `${name}: token past line ${t.line}`);
      for (const { frame: f } of cap.frames) {
        const text = lines[f.range.start.line].slice(f.symbolRange.start.character, f.symbolRange.end.character);
        assert.equal(text, f.symbol ?? `0x${f.address}`);
      }
      for (const e of cap.events) {
        assert.match(lines[e.line], KMEM);
        if (e.stackLines) assert.match(lines[e.stackLines[0]], STACK);
      }
      // Events reach the ledger in file order even when stacks come late.
      for (let i = 1; i < cap.events.length; i++) assert.ok(cap.events[i].line > cap.events[i - 1].line);
    });
  }
});

describe('ftrace variants', () => {
  it('trace header, <idle> and <...> tasks, pointers allocated again', () => {
    const { cap } = parse('ftrace_kmem_01_x86_ubuntu_5.4_kmem_cache_alloc_truncated.txt');
    assert.deepEqual(cap.events.slice(0, 2).map((e) => [e.comm, e.pid, e.cpu]), [['<idle>', 0, 3], ['<...>', 39771, 0]]);
    assert.equal(cap.ledger.totals.lostFrees, 2);
    assert.equal(cap.events[1].callSite, 'getname_flags+0x4f/0x1f0');
    assert.equal(cap.events[1].fate, 'lost-free');
  });

  it('hex call sites and `ptr=  (null)`', () => {
    const { cap } = parse('ftrace_kmem_03_i386_boot_trace_event_kmalloc_kfree_hex_callsite.txt');
    assert.equal(cap.ledger.totals.nullFrees, 1);
    assert.equal(cap.events.find((e) => e.role === 'free')!.fate, 'null');
    assert.ok(cap.groups.some((g) => g.stack[0] === '0xc104deff' && g.fromCallSite));
    assert.equal(cap.events[0].requested, 29);
    assert.equal(cap.events[0].bytes, 32);
  });

  it('kprobe entries with a fetched name and <stack trace> blocks', () => {
    const { cap } = parse('ftrace_kmem_05_x86_kprobe_kmem_cache_alloc_stacktrace_perf-tools.txt');
    assert.equal(cap.ledger.totals.unpairedAllocs, 6);
    assert.equal(cap.facts.withChain, 6);
    const g = cap.groups[cap.events[0].group];
    assert.deepEqual(g.stack.slice(0, 2), ['user_path_at_empty', 'vfs_fstatat']);
    assert.equal(g.cache, 'kmalloc-4096');
    assert.equal(cap.folds.length, 6);
  });

  it('trace-cmd report: other events skipped, no flags column, ptr=0x0', () => {
    const { cap } = parse('ftrace_kmem_07_x86_64_2.6.3x_trace-cmd_report_mixed_events.txt');
    assert.equal(cap.facts.otherEvents, 2);
    assert.equal(cap.ledger.totals.nullFrees, 1);
    assert.equal(cap.events[0].comm, 'trace-cmd');
    assert.equal(cap.events[0].pid, 13543);
  });

  it('trace_pipe with lost events and a task name with spaces', () => {
    const { lines, cap } = parse('ftrace_local_11_trace_pipe_lost_events_6.18.txt');
    assert.equal(cap.facts.lostEvents, 124);
    const lost = cap.problems.find((p) => p.code === 'lost-events')!;
    assert.equal(lost.range.start.line, 0);
    assert.match(lines[0], /CPU:1 \[LOST 124 EVENTS\]/);
    assert.equal(cap.events[0].comm, 'npm exec tsx /t');
    assert.equal(cap.events[0].pid, 7462);
    assert.ok(cap.ledger.totals.frees > 0);
  });

  it('no irq-info column, sym-offset frames, an overwritten ring buffer', () => {
    const { cap } = parse('ftrace_local_12_noirqinfo_symoffset_stacktrace_6.18.txt');
    assert.equal(cap.events[0].comm, 'esbuild');
    assert.equal(cap.events[0].ts, 1262.882941);
    const f = cap.frames.find((x) => x.frame.symbol === 'ext4_htree_store_dirent')!.frame;
    assert.deepEqual([f.offset, f.size], [0x34, 0x120]);
    assert.equal(cap.groups[cap.events[0].group].stack[0], 'ext4_htree_store_dirent');
    assert.ok(cap.problems.some((p) => p.code === 'overwritten' && /kept 1969 of 34372/.test(p.message)));
  });

  it('stacks of two CPUs interleaved go to their own events', () => {
    const { lines, cap } = parse('ftrace_gen_21_socketpair_stacktrace_head.txt');
    // The excerpt ends between the last event and its stack.
    assert.equal(cap.facts.withChain, cap.facts.events - 1);
    assert.equal(cap.events[cap.events.length - 1].stackLines, undefined);
    for (const e of cap.events.slice(0, -1)) {
      const cpu = /\[(\d+)\]/.exec(lines[e.line])![1];
      assert.equal(/\[(\d+)\]/.exec(lines[e.stackLines![0]])![1], cpu, `event line ${e.line + 1}`);
      // The stack names the event's own tracepoint.
      assert.match(lines[e.stackLines![0] + 1], new RegExp(`trace_event_raw_event_${e.name}$`));
    }
  });

  it('an allocation whose stack comes after the frees an interrupt logged', () => {
    const { cap } = parse('ftrace_gen_22_socketpair_stacktrace_nested_irq_excerpt.txt');
    const alloc = cap.events[0];
    assert.equal(alloc.name, 'kmem_cache_alloc');
    assert.deepEqual(alloc.stackLines, [55, 65]);
    assert.equal(cap.groups[alloc.group].stack[0], '__alloc_skb');
    assert.ok(!cap.problems.some((p) => p.code === 'orphan-stack'));
  });

  it('a filtered capture of allocations only: no frees, pointers come back', () => {
    const { cap } = parse('ftrace_gen_23_kmalloc_1024_filter_head.txt');
    assert.equal(cap.ledger.totals.freesBySpace.slab, 0);
    assert.ok(cap.ledger.totals.lostFrees > 50);
  });
});

describe('ftrace lines', () => {
  it('frames: symbol, offset/size, module, address, user', () => {
    const f = parseFtraceFrame(' => __kmalloc_noprof+0x24c/0x6b0 [nvme]', 3)!;
    assert.deepEqual([f.key, f.frame!.offset, f.frame!.size, f.frame!.module], ['__kmalloc_noprof', 0x24c, 0x6b0, 'nvme']);
    assert.equal(parseFtraceFrame(' => 0xffffffffc0a1b2c3', 0)!.key, '0xffffffffc0a1b2c3');
    assert.equal(parseFtraceFrame(' => <00007f0a12345678>', 0)!.user, true);
    assert.equal(parseFtraceFrame(' => kfree and more', 0), undefined);
  });

  it('signature: header, lost-events and kmem entries, not perf script', () => {
    assert.ok(isFtraceSignature('# tracer: nop'));
    assert.ok(isFtraceSignature('# entries-in-buffer/entries-written: 157420/157420   #P:2'));
    assert.ok(isFtraceSignature('CPU:1 [LOST 124 EVENTS]'));
    assert.ok(isFtraceSignature('           trace-cmd-13543 [001] 106260.693809: kmalloc: call_site=81128dd4 ptr=0xffff88003dd83800'));
    assert.ok(!isFtraceSignature('           trace-cmd-13541 [003] 106260.693809: filemap_fault: address=0x128122 offset=0xce'));
    assert.ok(!isFtraceSignature('# comment of another tool'));
    assert.ok(!isPerfScriptSignature('          <idle>-0     [003] ..s. 312444.111637: kmem_cache_alloc: call_site=__build_skb+0x24/0x60 ptr=0000000003218205'));
  });
});
