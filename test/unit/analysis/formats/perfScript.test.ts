import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPerfScriptSignature, parsePerfFrame, parsePerfHeader, parsePerfScript } from '../../../../server/src/analysis/formats/perfScript';
import { isFtraceSignature } from '../../../../server/src/analysis/formats/ftrace';
import { fixtureLines, fixturesIn } from '../../../helpers/fixtures';

// Independent of the parser: a kmem event line of perf script, perf trace or perf report.
const KMEM = /\b(?:kmem:(?:kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|kfree|kmem_cache_free|mm_page_alloc|mm_page_free)|probe:kmem_cache_alloc)\b/;
const REPORT_SAMPLE = /^ +\d+\.\d+% .* (?:call_site|ptr)=/;
const eventLines = (lines: string[]) => lines.filter((l) => (KMEM.test(l) && !l.startsWith('#') && !l.startsWith('[')) || REPORT_SAMPLE.test(l)).length;

const parse = (name: string) => {
  const lines = fixtureLines('perf_script', name);
  return { lines, cap: parsePerfScript(lines) };
};

describe('perf script parser on every real capture', () => {
  for (const name of fixturesIn('perf_script')) {
    it(`${name}: one event per kmem event line, ranges inside the document`, () => {
      const { lines, cap } = parse(name);
      assert.equal(cap.facts.events, eventLines(lines));
      assert.ok(cap.facts.events > 0);
      assert.equal(cap.facts.lines, lines.length);
      for (const t of cap.tokens) assert.ok(t.line < lines.length && t.character + t.length <= lines[t.line].length, `${name}: token past line ${t.line}`);
      for (const { frame: f } of cap.frames) {
        const text = lines[f.range.start.line].slice(f.symbolRange.start.character, f.symbolRange.end.character);
        assert.equal(text, f.symbol ?? f.address, `${name}:${f.range.start.line + 1}`);
      }
      for (const e of cap.events) {
        assert.match(lines[e.line], KMEM.test(lines[e.line]) ? KMEM : / (?:call_site|ptr)=/);
        assert.ok(e.endLine >= e.line && e.endLine < lines.length);
      }
    });
  }
});

describe('perf script variants', () => {
  it('ppc64: dot symbols, [unknown] frames dropped from the stack, allocator stripped', () => {
    const { cap } = parse('perf_kmem_01_ppc64_kmalloc_callchain.txt');
    const [g] = cap.ledger.groups;
    const stack = cap.groups[g.group].stack;
    assert.deepEqual(stack.slice(0, 3), ['ext4_find_extent', 'ext4_ext_map_blocks', 'ext4_map_blocks']);
    assert.equal(stack[stack.length - 1], 'ret_from_kernel_thread');
    assert.equal(cap.groups[g.group].stripped.join(), '__kmalloc');
    assert.equal(cap.events[0].comm, 'jbd2/dm-3-8');
    assert.equal(cap.events[0].pid, 7666);
    assert.equal(cap.events[0].ts, 4666.621521);
    assert.equal(cap.events[0].bytes, 96);
  });

  it('mm_page_alloc: pages keyed by pfn, PAGE_SIZE << order bytes, user frames left out', () => {
    const { cap } = parse('perf_kmem_03_x86_mm_page_alloc_full_callchain.txt');
    assert.equal(cap.ledger.totals.allocsBySpace.page, 1);
    assert.equal(cap.ledger.totals.outstandingBytes, 4096);
    const stack = cap.groups[cap.ledger.groups[0].group].stack;
    assert.equal(stack[0], '__pollwait');
    assert.equal(stack[stack.length - 1], 'entry_SYSCALL_64_after_hwframe');
    assert.ok(!stack.includes('main') && !stack.includes('__poll'));
  });

  it('lines cut at the terminal width: (sym+off) call sites, a pointer allocated three times, cut lines reported', () => {
    const { cap } = parse('perf_kmem_05_x86_rhel7_fio_kmem_cache_alloc_truncated_cols.txt');
    assert.equal(cap.facts.events, 7);
    assert.equal(cap.ledger.totals.lostFrees, 2);
    assert.deepEqual(
      cap.ledger.groups.map((g) => cap.groups[g.group].stack[0]).sort(),
      ['do_io_submit', 'get_empty_filp', 'getname_flags', 'sys_io_setup', 'vx_alloc'],
    );
    const cut = cap.problems.filter((p) => p.code === 'cut-line');
    assert.equal(cut.length, 7);
    assert.ok(cut.every((p) => p.severity === 'hint'));
  });

  it('perf trace with a probe that fetches no pointer: allocations counted, never paired', () => {
    const { cap } = parse('perf_kmem_07_perf_trace_probe_kmem_cache_alloc_maxstack.txt');
    assert.equal(cap.ledger.totals.unpairedAllocs, 6);
    assert.equal(cap.ledger.totals.outstanding, 0);
    assert.equal(cap.facts.otherEvents, 2);
    assert.deepEqual(cap.events.slice(0, 2).map((e) => e.ts), [0, 0.000869]);
    assert.deepEqual([cap.events[4].comm, cap.events[5].comm, cap.events[5].pid], [':0', 'weechat', 6630]);
    const build = cap.ledger.groups.find((g) => cap.groups[g.group].stack[0] === '__build_skb' && cap.groups[g.group].stack[1] === '__napi_alloc_skb')!;
    assert.equal(build.unpaired, 4);
    assert.ok(cap.problems.some((p) => p.code === 'foreign-lines' && /4 lines/.test(p.message)));
  });

  it('-F comm,pid,tid,cpu,time,event,trace,ip,sym: pid/tid, frames without offsets nor DSO', () => {
    const { cap } = parse('perf_local_11_F_ip_sym_pidtid_6.18.txt');
    const e = cap.events[0];
    assert.deepEqual([e.comm, e.pid, e.cpu, e.ts], ['python3', 5190, 1, 1240.172337]);
    const f = cap.frames.find((x) => x.frame.symbol === '__dentry_kill')!;
    assert.equal(f.frame.offset, undefined);
    assert.equal(f.frame.address, 'ffffffff816fbae0');
    // The user-space frame (short address) is shown but is not part of any stack.
    assert.ok(cap.frames.some((x) => x.frame.symbol === '__close'));
  });

  it('-F tid,time,event,trace and -F event,trace: no comm, no time', () => {
    const a = parse('perf_local_12_F_tid_time_event_trace_6.18.txt').cap;
    assert.equal(a.events[0].comm, undefined);
    assert.equal(a.events[0].pid, 5190);
    assert.equal(a.events[0].ts, 1240.172337);
    assert.equal(a.facts.withChain, 0);
    const b = parse('perf_local_14_F_event_trace_6.18.txt').cap;
    assert.ok(b.events.every((e) => Number.isNaN(e.ts) && e.comm === undefined));
    assert.equal(b.ledger.totals.untimed, 30);
  });

  it('--ns timestamps keep their nanoseconds', () => {
    const { cap } = parse('perf_local_13_ns_default_callchain_6.18.txt');
    assert.equal(cap.events[0].ts, 1240.172337027);
  });

  it('perf report --stdio -s trace: aggregated samples, lost samples reported', () => {
    const { lines, cap } = parse('perf_local_15_report_stdio_sort_trace_6.18.txt');
    assert.equal(cap.facts.aggregated, true);
    assert.equal(cap.facts.lostEvents, 2549);
    const lost = cap.problems.find((p) => p.code === 'lost-events')!;
    assert.match(lines[lost.range.start.line], /Total Lost Samples: 2549/);
    assert.ok(cap.events.every((e) => e.name === 'kmem:kmalloc'));
  });

  it('mm_page_alloc and mm_page_free pair by pfn', () => {
    const { cap } = parse('perf_local_16_mm_page_alloc_free_callchain_6.18.txt');
    assert.equal(cap.ledger.totals.allocsBySpace.page, 6);
    assert.equal(cap.ledger.totals.frees, 5);
    const first = cap.events[0];
    assert.equal(first.fate, 'freed');
    assert.equal(cap.events[first.partner].name, 'kmem:mm_page_free');
  });

  it('perf trace argument syntax: signed call sites, pointers, kfree(NULL) without ptr', () => {
    const { cap } = parse('perf_local_17_trace_kmem_maxstack_6.18.txt');
    assert.ok(cap.ledger.totals.frees > 0);
    assert.equal(cap.ledger.totals.nullFrees, 1);
    const alloc = cap.events.find((e) => e.name === 'kmem:kmem_cache_alloc')!;
    assert.equal(alloc.cache, 'names_cache');
    assert.equal(alloc.callSite, '-2123467276');
    assert.equal(alloc.bytes, 4096);
    assert.equal(cap.facts.withChain, cap.facts.events);
  });

  it('PERF_RECORD_LOST between events', () => {
    const { lines, cap } = parse('perf_local_18_show_lost_events_excerpt_6.18.txt');
    assert.equal(cap.facts.lostEvents, 4);
    assert.equal(cap.facts.events, 2);
    const p = cap.problems.find((x) => x.code === 'lost-events')!;
    assert.match(lines[p.range.start.line], /PERF_RECORD_LOST lost 4/);
    assert.equal(p.severity, 'warning');
  });

  it('system-wide flat capture: padded event names, (nil) frees, grouped by call site', () => {
    const { cap } = parse('perf_gen_22_socketpair_system_flat_head.txt');
    assert.equal(cap.facts.withChain, 0);
    assert.ok(cap.ledger.totals.nullFrees >= 1);
    assert.ok(cap.groups.every((g) => g.fromCallSite));
    assert.ok(cap.groups.some((g) => g.stack[0] === 'sk_prot_alloc' && g.cache === 'signal_cache'));
  });

  it('mail-wrapped event lines are joined', () => {
    const lines = [
      'python3 19143 [000]  1197.901491: kmem:kmem_cache_alloc: call_site=sock_alloc_inode+0x1e ptr=0xffff8881b54f56c0 name=sock_inode_cache',
      ' bytes_req=768 bytes_alloc=832 gfp_flags=GFP_KERNEL node=-1 accounted=true',
      '\tffffffff8163603c kmem_cache_alloc_lru_noprof+0x22c ([kernel.kallsyms])',
      '\tffffffff81e2b4be sock_alloc_inode+0x1e ([kernel.kallsyms])',
      '',
    ];
    const cap = parsePerfScript(lines);
    assert.equal(cap.events[0].bytes, 832);
    assert.equal(cap.events[0].requested, 768);
    assert.equal(cap.events[0].endLine, 3);
    assert.ok(cap.problems.some((p) => p.code === 'wrapped-line' && p.range.start.line === 1));
    assert.equal(cap.groups[cap.events[0].group].stack[0], 'sock_alloc_inode');
  });

  it('a file of other output has no events and says what was expected', () => {
    const cap = parsePerfScript(fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'));
    assert.equal(cap.facts.events, 0);
    assert.ok(cap.problems.some((p) => p.code === 'no-events' && /perf record -e kmem:kmalloc/.test(p.message)));
  });
});

describe('perf script lines', () => {
  it('headers: comm with spaces, pid/tid, [cpu], any field set', () => {
    const h = parsePerfHeader('npm exec tsx /t  7462/7463 [001]  1281.594596: kmem:kfree: call_site=x+0x1 ptr=0xffff888102caf3c0')!;
    assert.deepEqual([h.comm, h.pid, h.cpu, h.ts, h.name], ['npm exec tsx /t', 7462, 1, 1281.594596, 'kmem:kfree']);
    const t = parsePerfHeader('    51.905 (         ): weechat/6630 probe:kmem_cache_alloc(__probe_ip: -1842593216)')!;
    assert.deepEqual([t.comm, t.pid, t.ts, t.name, t.style], ['weechat', 6630, 0.051905, 'probe:kmem_cache_alloc', 'args']);
    assert.equal(parsePerfHeader('\tffffffff8163603c kmem_cache_alloc_lru_noprof+0x22c ([kernel.kallsyms])'), undefined);
  });

  it('frames: kernel, module, user, unknown', () => {
    const k = parsePerfFrame('\tffffffff81e2b4be sock_alloc_inode+0x1e ([kernel.kallsyms])', 0)!;
    assert.deepEqual([k.key, k.where, k.frame.offset, k.frame.module], ['sock_alloc_inode', 'kernel', 0x1e, undefined]);
    const m = parsePerfFrame('                                       r8152_poll ([r8152])', 0)!;
    assert.deepEqual([m.key, m.frame.module], ['r8152_poll', 'r8152']);
    assert.equal(parsePerfFrame('\t          10adfa __GI___socketpair+0xa (/usr/lib/x86_64-linux-gnu/libc.so.6)', 0)!.where, 'user');
    assert.equal(parsePerfFrame('\t               0 [unknown] ([unknown])', 0)!.key, undefined);
    assert.equal(parsePerfFrame('                  27f1dc .__kmalloc (/boot/vmlinux)', 0)!.key, '__kmalloc');
    assert.equal(parsePerfFrame(' bytes_alloc=832 gfp_flags=GFP_KERNEL', 0), undefined);
  });

  it('signature: perf lines of kmem events, not other formats', () => {
    assert.ok(isPerfScriptSignature('python3 19143 [000]  1197.901491: kmem:kmem_cache_alloc: call_site=sock_alloc_inode+0x1e ptr=0xffff8881b54f56c0'));
    assert.ok(isPerfScriptSignature("# Samples: 724  of event 'kmem:kmalloc'"));
    assert.ok(isPerfScriptSignature('     0.014 sleep/30543 kmem:kmalloc(call_site: -2124873685, ptr: 0xffff888109cab000)'));
    assert.ok(!isPerfScriptSignature('perf 1 [000] 1.0: sched:sched_switch: prev_comm=a'));
    assert.ok(!isPerfScriptSignature('         init-1     [000] .N..     0.170000: kmalloc: call_site=c104deff ptr=c147dd20 bytes_req=29'));
    assert.ok(!isPerfScriptSignature('unreferenced object 0xffff888101ad8900 (size 184):'));
    assert.ok(!isFtraceSignature('python3 19143 [000]  1197.901491: kmem:kmem_cache_alloc: call_site=sock_alloc_inode+0x1e ptr=0xffff8881b54f56c0'));
  });
});

describe('perf-script layout written by the bpftrace scaffold', () => {
  // As the outstanding mode of client/src/scaffold/templates/bpftrace.ts prints it on Linux 6.18
  // (bpftrace 0.17): perf's field order with gfp_flags in hex, a call site without offset,
  // kstack(perf) frames with decimal offsets and no DSO, a blank line after each stack, and
  // bpftrace's own `Lost N events` line when its perf buffer overflowed.
  const lines = [
    'bpftrace 1435 [001] 5559.843615: kmem:kmem_cache_alloc: call_site=alloc_empty_file ptr=0xffff8881872ecf00 name=filp bytes_req=184 bytes_alloc=192 gfp_flags=0xcc0',
    '\tffffffff81650020 kmem_cache_alloc_noprof+560',
    '\tffffffff816d86bc alloc_empty_file+60',
    '\tffffffff816d8844 alloc_file_pseudo+164',
    '',
    'Lost 553 events',
    'bpftrace 1435 [001] 5559.853615: kmem:kmem_cache_free: call_site=__fput ptr=0xffff8881872ecf00 name=filp',
    '',
  ];
  // The layout of earlier versions of the script: name= after the sizes, no gfp_flags.
  const older = [
    'python3 19143 [000] 1197.901491: kmem:kmem_cache_alloc: call_site=alloc_empty_file+60 ptr=0xffff888188cd9b40 bytes_req=184 bytes_alloc=192 name=filp',
    '\tffffffff816365b7 kmem_cache_alloc_noprof+551',
    '\tffffffff816bbb8c alloc_empty_file+60',
    '\tffffffff816bbd03 alloc_file_pseudo+147',
    '',
    'python3 19143 [000] 1197.911491: kmem:kmem_cache_free: call_site=__fput+321 ptr=0xffff888188cd9b40 name=filp',
    '',
  ];
  for (const detail of [true, false]) {
    const path = detail ? 'editor' : 'file';
    it(`decimal frame offsets, cache name, pairing; no line read as cut short (${path} path)`, () => {
      const cap = parsePerfScript(lines, { detail });
      const g = cap.groups[cap.ledger.groups[0].group];
      assert.deepEqual(g.stack, ['alloc_empty_file', 'alloc_file_pseudo']);
      assert.equal(g.cache, 'filp');
      if (detail) assert.equal(cap.events[0].bytes, 192);
      assert.equal(cap.ledger.totals.frees, 1);
      assert.deepEqual(cap.problems.map((p) => p.code), ['lost-events']);
      if (detail) assert.equal(cap.frames.find((f) => f.frame.symbol === 'alloc_file_pseudo')!.frame.offset, 164);
    });

    it(`bpftrace's "Lost N events" line counts as lost events, a warning at its line (${path} path)`, () => {
      const cap = parsePerfScript(lines, { detail });
      assert.equal(cap.facts.lostEvents, 553);
      const lost = cap.problems.find((p) => p.code === 'lost-events')!;
      assert.equal(lost.severity, 'warning');
      assert.equal(lost.range.start.line, 5);
      assert.match(lost.message, /bpftrace lost events/);
      // Only the exact line: a comm named "Lost" or other text is not taken for it.
      assert.equal(parsePerfScript(['Lost 5 events here', 'Lost many events'], { detail }).facts.lostEvents, 0);
    });

    it(`the older layout (name= after the sizes) still reads (${path} path)`, () => {
      const cap = parsePerfScript(older, { detail });
      const g = cap.groups[cap.ledger.groups[0].group];
      assert.deepEqual(g.stack, ['alloc_empty_file', 'alloc_file_pseudo']);
      assert.equal(g.cache, 'filp');
      assert.equal(cap.ledger.totals.frees, 1);
      if (detail) assert.equal(cap.frames.find((f) => f.frame.symbol === 'alloc_file_pseudo')!.frame.offset, 147);
    });
  }
});
