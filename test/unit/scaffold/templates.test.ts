// What each generator writes (the real tools check the same files in tools.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SCAFFOLD_KINDS, generateScaffold } from '../../../client/src/scaffold/templates/index';
import { kmemTestModule } from '../../../client/src/scaffold/templates/kmemTest';
import { dallocStap, slabBacktraceStap } from '../../../client/src/scaffold/templates/stap';
import { bpftraceScript } from '../../../client/src/scaffold/templates/bpftrace';
import { captureScript } from '../../../client/src/scaffold/templates/capture';
import { leakedObjectSize, suspectFunction } from '../../../client/src/scaffold/suspect';
import { cachesFromSlabinfo, looksLikeSlabinfo } from '../../../client/src/scaffold/slabinfo';
import { parseKmemleak } from '../../../server/src/analysis/formats/kmemleak';
import { kmemleakView } from '../../../server/src/analysis/views/kmemleakView';
import { fixtureLines, kmemleakFixtures } from '../../helpers/fixtures';

const fileOf = (r: { files: { path: string; content: string }[] }, p: string) => {
  const f = r.files.find((x) => x.path === p);
  assert.ok(f, `no ${p} in ${r.files.map((x) => x.path).join(', ')}`);
  return f.content;
};

describe('the registry', () => {
  it('has each kind once, and every kind generates with its defaults into relative paths', () => {
    const ids = SCAFFOLD_KINDS.map((k) => k.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(ids, [
      'kmem-test-module',
      'dalloc-stap',
      'slab-backtrace-stap',
      'bpftrace',
      'capture-ftrace-kmem',
      'capture-perf-kmem',
      'capture-slub-trace',
      'capture-kmemleak',
      'capture-slab-recorder',
      'capture-drop-caches',
    ]);
    for (const k of SCAFFOLD_KINDS) {
      const r = generateScaffold(k.id);
      assert.ok(r.files.length > 0);
      assert.ok(r.files.some((f) => f.path === r.main), `${k.id}: main ${r.main} is not a generated file`);
      for (const f of r.files) {
        assert.match(f.path, /^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/, f.path);
        assert.ok(!f.path.includes('..') && !f.path.startsWith('/'), f.path);
        assert.ok(f.content.endsWith('\n'), `${f.path} does not end with a newline`);
      }
      for (const o of k.options) {
        if (o.type === 'choice') assert.ok(o.choices.some((c) => c.value === o.default), `${k.id} ${o.name}`);
      }
    }
  });

  it('is deterministic: the same options give the same bytes', () => {
    for (const k of SCAFFOLD_KINDS) assert.deepEqual(generateScaffold(k.id), generateScaffold(k.id));
  });
});

describe('kmem_test module', () => {
  it('has the license, <linux/module.h>, the module parameters and the allocator asked for', () => {
    for (const allocator of ['kmalloc', 'vmalloc', 'kmem_cache'] as const) {
      const r = kmemTestModule({ name: 'kmem_test', allocator, size: 512, count: 10, leak: false });
      assert.deepEqual(r.files.map((f) => f.path), ['kmem_test/kmem_test.c', 'kmem_test/Makefile', 'kmem_test/README.md']);
      assert.equal(r.main, 'kmem_test/kmem_test.c');
      const c = fileOf(r, 'kmem_test/kmem_test.c');
      assert.match(c, /^#include <linux\/module\.h>$/m);
      assert.match(c, /^MODULE_LICENSE\("GPL"\);$/m);
      assert.match(c, /^static unsigned int size = 512;$/m);
      assert.match(c, /^static unsigned int count = 10;$/m);
      assert.match(c, /^static bool leak;$/m);
      for (const p of ['size', 'count', 'leak']) assert.match(c, new RegExp(`^module_param\\(${p}, (uint|bool), 0444\\);$`, 'm'));
      assert.match(c, /^module_init\(kmem_test_init\);$/m);
      const alloc = { kmalloc: 'kmalloc(size, GFP_KERNEL)', vmalloc: 'vmalloc(size)', kmem_cache: 'kmem_cache_alloc(cache, GFP_KERNEL)' }[allocator];
      assert.ok(c.includes(alloc), `${allocator}: ${alloc}`);
      assert.equal(c.includes('kmem_cache_create("kmem_test"'), allocator === 'kmem_cache');
      const mk = fileOf(r, 'kmem_test/Makefile');
      assert.match(mk, /^obj-m \+= kmem_test\.o$/m);
      assert.match(mk, /^KDIR \?= \/lib\/modules\/\$\(shell uname -r\)\/build$/m);
      assert.match(mk, /^\t\$\(MAKE\) -C \$\(KDIR\) M=\$\(PWD\) modules$/m);
      assert.match(mk, /^clean:\n\t\$\(MAKE\) -C \$\(KDIR\) M=\$\(PWD\) clean$/m);
      const readme = fileOf(r, 'kmem_test/README.md');
      assert.match(readme, /sudo insmod kmem_test\.ko size=512 count=10 leak=1/);
      assert.match(readme, /sudo rmmod kmem_test/);
      for (const f of ['/proc/meminfo']) assert.ok(readme.includes(f));
      assert.ok(readme.includes({ kmalloc: '/proc/slabinfo', vmalloc: '/proc/vmallocinfo', kmem_cache: '/proc/slabinfo' }[allocator]));
    }
  });

  it('leak=true makes the leak the default and drops the only reference on exit', () => {
    const c = fileOf(kmemTestModule({ name: 'leaky', allocator: 'kmalloc', size: 64, count: 3, leak: true }), 'leaky/leaky.c');
    assert.match(c, /^static bool leak = true;$/m);
    assert.match(c, /if \(leak\) \{[^}]*kvfree\(objs\);[^}]*return;/s);
  });

  it('refuses sizes the allocator cannot give and names the kernel cannot load', () => {
    assert.throws(() => kmemTestModule({ name: 'k', allocator: 'kmalloc', size: 8 << 20, count: 1, leak: false }), /at most 4194304 bytes/);
    assert.doesNotThrow(() => kmemTestModule({ name: 'k', allocator: 'vmalloc', size: 8 << 20, count: 1, leak: false }));
    assert.throws(() => kmemTestModule({ name: 'a'.repeat(56), allocator: 'kmalloc', size: 1, count: 1, leak: false }), /longer than 55/);
  });
});

describe('stap scripts', () => {
  it('dalloc/dfree: defaults d_alloc/d_free, stap -x PID usage, periodic and final counts with the difference', () => {
    const r = generateScaffold('dalloc-stap');
    assert.equal(r.main, 'd_alloc-d_free.stp');
    const s = r.files[0].content;
    assert.match(s, /^#!\/usr\/bin\/env stap$/m);
    assert.match(s, /sudo stap -x PID d_alloc-d_free\.stp/);
    assert.match(s, /probe kernel\.function\("d_alloc"\)!,\s+kprobe\.function\("d_alloc"\)\s*\{/);
    assert.match(s, /kernel\.function\("d_free"\)!,\s+kprobe\.function\("d_free"\)!,\s+kernel\.function\("dentry_free"\)/);
    assert.match(s, /pid\(\) == target\(\)/);
    assert.match(s, /probe timer\.s\(5\) \{\s+report\("periodic"\)/);
    assert.match(s, /probe end \{\s+report\("final"\)/);
    assert.match(s, /difference=%d\\n", label, .*, allocs, frees, allocs - frees\)$/m);
  });

  it('any pair of functions; the same function twice is refused', () => {
    const s = dallocStap({ alloc: 'alloc_inode', free: 'destroy_inode', interval: 2 }).files[0].content;
    assert.match(s, /kernel\.function\("alloc_inode"\)/);
    assert.match(s, /kernel\.function\("destroy_inode"\)!,\s+kprobe\.function\("destroy_inode"\)\s*\{/);
    assert.ok(!s.includes('dentry_free'));
    assert.match(s, /timer\.s\(2\)/);
    assert.throws(() => dallocStap({ alloc: 'kfree', free: 'kfree', interval: 5 }), /must differ/);
  });

  it('slab backtrace: the tracepoint on 6.1+, the cache compared by name, per-process counts and stacks', () => {
    const r = slabBacktraceStap({ cache: 'f2fs_xattr_entry-259:1', interval: 10, top: 5 });
    assert.equal(r.main, 'slab-f2fs_xattr_entry-259_1-backtrace.stp');
    const s = r.files[0].content;
    assert.match(s, /%\( kernel_v >= "6\.1" %\?\nprobe kernel\.trace\("kmem:kmem_cache_alloc"\)/);
    assert.match(s, /if \(name != "f2fs_xattr_entry-259:1"\) return 0/);
    assert.match(s, /procs\[execname\(\), pid\(\)\]\+\+/);
    assert.match(s, /stacks\[backtrace\(\)\]\+\+/);
    assert.match(s, /foreach \(bt in stacks- limit 5\)/);
    assert.match(s, /print_stack\(bt\)/);
  });
});

describe('bpftrace scripts', () => {
  it('allocations by stack for a cache: the kmem_cache_alloc tracepoint filtered by name', () => {
    const r = bpftraceScript({ mode: 'stacks', by: 'cache', cache: 'filp', size: 64 });
    assert.equal(r.main, 'filp-stacks.bt');
    const s = r.files[0].content;
    assert.match(s, /^tracepoint:kmem:kmem_cache_alloc\n\/str\(args->name\) == "filp"\/\n\{\n  @allocs\[comm, kstack\] = count\(\);/m);
    // Saved under a name kleak reads as bpftrace map output.
    assert.match(s, /^\/\/ Usage: sudo bpftrace -o filp-stacks\.bpftrace\.txt filp-stacks\.bt$/m);
  });

  it('outstanding by size: kmalloc filtered by bytes_alloc, kfree of traced pointers only, perf-script layout', () => {
    const r = bpftraceScript({ mode: 'outstanding', by: 'size', cache: 'x', size: 1024 });
    assert.equal(r.main, 'kmalloc-1024-outstanding.bt');
    const s = r.files[0].content;
    assert.match(s, /sudo bpftrace -q -o kmalloc-1024-outstanding\.perf-script kmalloc-1024-outstanding\.bt/);
    // Not its own allocations: bpftrace allocates 1 KiB to look up each stack it prints.
    assert.match(s, /^tracepoint:kmem:kmalloc\n\/args->bytes_alloc == 1024 && comm != "bpftrace"\/$/m);
    assert.match(s, /^tracepoint:kmem:kfree\n\/@live\[\(uint64\)args->ptr\]\//m);
    // perf's field order, gfp_flags= included (without it kleak reads the line as cut short).
    assert.match(s, /kmem:kmalloc: call_site=%s ptr=0x%lx bytes_req=%lu bytes_alloc=%lu gfp_flags=0x%x%s\\n"/);
    assert.match(bpftraceScript({ mode: 'outstanding', by: 'cache', cache: 'filp', size: 1 }).files[0].content, /kmem:kmem_cache_alloc: call_site=%s ptr=0x%lx name=%s bytes_req=%lu bytes_alloc=%lu gfp_flags=0x%x%s\\n"/);
    assert.match(s, /clear\(@live\);/);
  });
});

describe('capture scripts', () => {
  it('every one is strict bash, refuses to run without root and writes what kleak opens', () => {
    const outputs: Record<string, RegExp> = {
      'ftrace-kmem': /OUT="\$OUT_DIR\/kmem-\$STAMP\.trace"/,
      'perf-kmem': /OUT="\$OUT_DIR\/kmem-\$STAMP\.perf-script"/,
      'slub-trace': /OUT="\$OUT_DIR\/slub-trace-\$\{CACHE\/\/:\/_\}-\$STAMP\.log"/,
      kmemleak: /local out="\$OUT_DIR\/kmemleak-\$STAMP\.kmemleak"/,
      'slab-recorder': /OUT="\$OUT_DIR\/slabinfo-series\.txt"/,
      'drop-caches': /OUT="\$OUT_DIR\/slabinfo-drop-caches-\$STAMP\.txt"/,
    };
    for (const [id, out] of Object.entries(outputs)) {
      const r = captureScript(id as never);
      const s = r.files[0].content;
      assert.ok(r.files[0].executable, id);
      assert.match(s, /^#!\/usr\/bin\/env bash\n/, id);
      assert.match(s, /^set -euo pipefail$/m, id);
      assert.match(s, /^\[ "\$\(id -u\)" -eq 0 \] \|\| die "run it as root: sudo \$0"$/m, id);
      assert.match(s, out, id);
    }
  });

  it('ftrace: the filter is baked in single quotes and applied to the allocation events only', () => {
    const s = captureScript('ftrace-kmem', { filter: 'name == "dentry"', events: 'kmem_cache', seconds: 3 }).files[0].content;
    assert.match(s, /^FILTER='name == "dentry"'/m);
    assert.match(s, /^ALLOC_EVENTS=\(kmem_cache_alloc\)$/m);
    assert.match(s, /^FREE_EVENTS=\(kmem_cache_free\)$/m);
    assert.match(s, /^RECORD_SECONDS=3$/m);
    assert.match(s, /INST="\$T\/instances\/kleak-\$\$"/);
  });

  it('perf: tracepoints by default, a probe on kmem_cache_alloc(_noprof) with call chains on request', () => {
    const t = captureScript('perf-kmem').files[0].content;
    assert.match(t, /for e in kmem:kmalloc kmem:kfree kmem:kmem_cache_alloc kmem:kmem_cache_free; do ARGS\+=\(-e "\$e"\); done/);
    assert.match(t, /^CALLCHAIN=1$/m);
    const p = captureScript('perf-kmem', { mode: 'probe', pid: 1234 }).files[0].content;
    assert.match(p, /for f in kmem_cache_alloc_noprof kmem_cache_alloc; do/);
    assert.match(p, /perf probe -q --add "\$PROBE s->name:string"/);
    assert.match(p, /^PID=1234 /m);
  });

  it('drop_caches: syncs before dropping, asks first and says what it costs', () => {
    const s = captureScript('drop-caches', { level: '3' }).files[0].content;
    assert.ok(s.indexOf('\nsync\n') < s.indexOf('echo "$LEVEL" > /proc/sys/vm/drop_caches'));
    assert.ok(s.indexOf('confirm "Sync and drop caches now?"') < s.indexOf('\nsync\n'));
    assert.match(s, /Cost: the whole machine loses its cached files/);
    assert.match(s, /^LEVEL=3$/m);
  });
});

describe('suspects of leaked-object diagnostics (for the code actions)', () => {
  it('reads the suspect function and size from the real messages of every kmemleak fixture', () => {
    let seen = 0;
    for (const f of kmemleakFixtures()) {
      const report = parseKmemleak(fixtureLines('kmemleak', f));
      const view = kmemleakView(report);
      for (const finding of view.findings.filter((x) => x.code === 'leaked-object')) {
        const fn = suspectFunction(finding.message);
        const obj = report.objects.find((o) => finding.message.startsWith(`Leaked object 0x${o.address}:`))!;
        assert.equal(leakedObjectSize(finding.message), obj.size, finding.message);
        if (/; suspect [A-Za-z_]/.test(finding.message)) {
          assert.ok(fn, finding.message);
          assert.ok(finding.message.includes(`; suspect ${fn}`));
          seen++;
        } else assert.equal(fn, undefined, finding.message);
      }
    }
    assert.ok(seen > 10, `only ${seen} suspects`);
  });

  it('ignores a comm that imitates the text, addresses, and cuts compiler clones', () => {
    assert.equal(suspectFunction('Leaked object 0x1: 8 bytes, comm "a; suspect evil" pid 1; suspect good_fn+0x1/0x2.'), 'good_fn');
    assert.equal(suspectFunction('Leaked object 0x1: 8 bytes; suspect 0xffffffffc08ea070.'), undefined);
    assert.equal(suspectFunction('Leaked object 0x1: 8 bytes; suspect foo.cold.57+0x1/0x2.'), 'foo');
    assert.equal(suspectFunction('Leaked object 0x1: 8 bytes; origin unknown (no backtrace).'), undefined);
  });
});

describe('cache names for the cache prompt', () => {
  // Lines of a real /proc/slabinfo (Linux 6.18, this project's CI machine), twice as a series,
  // plus a hostile line that must never reach a prompt.
  const snap = (dentry: number) =>
    [
      'slabinfo - version: 2.1',
      '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>',
      'btrfs_delayed_node      0      0    312   13    1 : tunables    0    0    0 : slabdata      0      0      0',
      'bio-312               12     12    320   12    1 : tunables    0    0    0 : slabdata      1      1      0',
      `dentry             ${dentry}  ${dentry}    192   21    1 : tunables    0    0    0 : slabdata    200    200      0`,
      'kmalloc-64          2816   2816     64   64    1 : tunables    0    0    0 : slabdata     44     44      0',
      'x;rm${IFS}-rf     9999   9999   4096    8    8 : tunables    0    0    0 : slabdata      0      0      0',
    ].join('\n');
  const text = `Mon Nov 16 10:00:00 UTC 2026\n${snap(4200)}\n\nMon Nov 16 10:00:01 UTC 2026\n${snap(8400)}\n`;

  it('lists the caches largest first, from the last snapshot of a series, without invalid names', () => {
    assert.ok(looksLikeSlabinfo(text));
    assert.ok(!looksLikeSlabinfo('unreferenced object 0xffff (size 64):'));
    const caches = cachesFromSlabinfo(text);
    assert.deepEqual(caches.map((c) => c.name), ['dentry', 'kmalloc-64', 'bio-312', 'btrfs_delayed_node']);
    assert.equal(caches[0].bytes, 8400 * 192);
    assert.deepEqual(cachesFromSlabinfo(text, 2).map((c) => c.name), ['dentry', 'kmalloc-64']);
  });
});
