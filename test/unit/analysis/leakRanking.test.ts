// Accuracy on the labelled captures of ../shared/captures/generated (see its README): the leak
// is the socketpair path; dentries of lookups, buffer heads, page-cache nodes are caches; the
// no-leak capture holds nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { analyzeCaptureFile } from '../../../server/src/analysis/captureFile';
import { analyzeLines, formatById } from '../../../server/src/analysis/formats/registry';
import { parsePerfScript } from '../../../server/src/analysis/formats/perfScript';
import { cacheReason, inclusiveByFrame, judge, rankTrace } from '../../../server/src/analysis/leakRanking';
import { Suspect } from '../../../server/src/analysis/model';
import { StackGroup } from '../../../server/src/analysis/traceEvents';
import { fixtureLines, generatedPath } from '../../helpers/fixtures';

/** The ground truth's leak: stacks through __sys_socketpair / sock_alloc / unix_create1 / sk_alloc (call sites without chains). */
const SOCKETPAIR = ['__sys_socketpair', 'sock_alloc', 'unix_create1', 'sk_alloc'];
const SOCKETPAIR_SITES = ['sk_prot_alloc', 'sock_alloc_inode'];
const isSocketpair = (s: Suspect) => s.stack.some((k) => SOCKETPAIR.includes(k)) || (s.stack.length === 1 && SOCKETPAIR_SITES.includes(s.site));
/** Without call chains: the other objects each held socketpair keeps (file, LSM blobs, dentry). */
const HELD_SITES = [...SOCKETPAIR_SITES, 'alloc_empty_file', 'security_file_alloc', 'security_inode_alloc', '__d_alloc'];
const isHeld = (s: Suspect) => isSocketpair(s) || (s.stack.length === 1 && HELD_SITES.includes(s.site));

async function suspectsOf(name: string): Promise<Suspect[]> {
  const r = await analyzeCaptureFile(generatedPath(name));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.view.suspects;
}

const SOCKETPAIR_CAPTURES = [
  'perf-kmem-socketpair-task.txt.gz',
  'perf-kmem-socketpair-system.txt.gz',
  'perf-kmem-socketpair-system-flat.txt.gz',
  'ftrace-kmem-socketpair-stacktrace.trace.gz',
];

describe('leak ranking on the generated captures', () => {
  for (const name of SOCKETPAIR_CAPTURES) {
    it(`${name}: the top likely leak is a socketpair stack, caches are set aside`, async () => {
      const suspects = await suspectsOf(name);
      const leaks = suspects.filter((s) => s.verdict === 'likely-leak');
      assert.ok(leaks.length > 0, 'no likely leak');
      assert.equal(suspects[0], leaks[0], 'likely leaks rank first');
      assert.ok(isSocketpair(leaks[0]), `top likely leak: ${leaks[0].stack.join(' < ')}`);
      assert.ok(leaks.every(isHeld), `a likely leak off the socketpair path: ${leaks.filter((s) => !isHeld(s)).map((s) => s.site)}`);
      const lookups = suspects.filter((s) => s.stack.includes('__lookup_slow') || s.site === 'alloc_buffer_head' || s.site === 'xas_alloc');
      assert.ok(lookups.every((s) => s.verdict === 'cache'), lookups.map((s) => `${s.site}: ${s.verdict}`).join());
      assert.match(leaks[0].reason, /grows steadily, \+\d+(?:\.\d)?\/s \(R² 0\.9\d|1\.00\)/);
    });
  }

  it('perf-kmem-no-leak-task.txt.gz: nothing is a likely leak', async () => {
    const suspects = await suspectsOf('perf-kmem-no-leak-task.txt.gz');
    assert.ok(suspects.length > 0);
    assert.deepEqual(suspects.filter((s) => s.verdict === 'likely-leak'), []);
    // The negative dentries of its stat() calls are there, as a cache.
    assert.ok(suspects.some((s) => s.site === '__d_alloc' && s.verdict === 'cache' && s.count > 500));
    // Socket inodes whose RCU frees run outside the traced task: in flight, not leaked.
    const sock = suspects.find((s) => s.site === 'sock_alloc_inode')!;
    assert.notEqual(sock.verdict, 'likely-leak');
  });

  it('ftrace-kmalloc-1024.trace: without free events nothing is more than a possible leak', async () => {
    const suspects = await suspectsOf('ftrace-kmalloc-1024.trace');
    assert.ok(suspects.length > 0);
    assert.ok(suspects.every((s) => s.verdict === 'possible-leak' || s.verdict === 'transient'));
    assert.match(suspects[0].reason, /no free events/);
  });

  it('the byte path for files and the line path for editors agree', async () => {
    const name = 'perf-kmem-socketpair-system.txt.gz';
    const fromFile = await analyzeCaptureFile(generatedPath(name));
    assert.ok(fromFile.ok);
    const text = zlib.gunzipSync(fs.readFileSync(generatedPath(name))).toString('utf8');
    const lines = text.split('\n');
    const fromLines = analyzeLines(formatById('perf-script')!, lines);
    assert.equal(fromFile.view.records, fromLines.records);
    assert.deepEqual(fromFile.view.suspects, fromLines.suspects);
    assert.equal(fromFile.stats.lines, lines.length - (text.endsWith('\n') ? 1 : 0));
  });

  it('a time window keeps the leak and drops what lies outside', async () => {
    const all = await analyzeCaptureFile(generatedPath('perf-kmem-socketpair-task.txt.gz'));
    const half = await analyzeCaptureFile(generatedPath('perf-kmem-socketpair-task.txt.gz'), { since: 1197.9, until: 1198.4 });
    assert.ok(all.ok && half.ok);
    assert.ok(half.view.records < all.view.records * 0.7 && half.view.records > all.view.records * 0.3);
    const top = half.view.suspects[0];
    assert.equal(top.verdict, 'likely-leak');
    assert.ok(isSocketpair(top));
    assert.ok(half.view.findings.some((f) => f.code === 'summary' && /time window 1197\.9–1198\.4 s/.test(f.message)));
  });
});

const group = (stack: string[], extra: Partial<StackGroup> = {}): StackGroup => ({
  id: 0,
  stack,
  stripped: [],
  fromCallSite: false,
  folded: false,
  otherCaches: false,
  ...extra,
});

describe('verdict rules', () => {
  it('reclaimable caches by name and by stack; pseudo-filesystem objects are pinned', () => {
    assert.match(cacheReason(group(['__d_alloc', 'd_alloc_parallel', '__lookup_slow'], { cache: 'dentry' }))!, /dentry/);
    assert.equal(cacheReason(group(['__d_alloc', 'd_alloc_pseudo', 'alloc_file_pseudo', 'sock_alloc_file'], { cache: 'dentry' })), undefined);
    assert.equal(cacheReason(group(['sock_alloc_inode', 'alloc_inode', 'sock_alloc'], { cache: 'sock_inode_cache' })), undefined);
    assert.match(cacheReason(group(['security_inode_alloc', 'inode_init_always_gfp', 'alloc_inode', 'new_inode', '__ext4_new_inode'], { cache: 'lsm_inode_cache' }))!, /inode/);
    assert.match(cacheReason(group(['alloc_buffer_head'], { fromCallSite: true }))!, /buffer heads/);
    assert.match(cacheReason(group(['alloc_slab_obj_exts', 'allocate_slab', '___slab_alloc', 'kmem_cache_alloc_lru_noprof', '__d_alloc']))!, /slab allocator metadata/);
    assert.match(cacheReason(group(['alloc_slab_obj_exts'], { fromCallSite: true }))!, /slab allocator metadata/);
    assert.equal(cacheReason(group(['sk_prot_alloc', 'sk_alloc'], { cache: 'signal_cache' })), undefined);
  });

  it('confidence drops with lost events and aggregated output', () => {
    const lines = fixtureLines('perf_script', 'perf_local_15_report_stdio_sort_trace_6.18.txt');
    const ranked = rankTrace(parsePerfScript(lines));
    assert.ok(ranked.length > 0);
    assert.ok(ranked.every((r) => r.verdict !== 'likely-leak'));
    const steady = { hasTime: true, span: 1, lostShare: 0.2, chains: 'all' as const, aggregated: false };
    const o = {
      group: 0, allocs: 100, frees: 50, lostFrees: 0, unpaired: 0, untracked: 0, allocatedBytes: 6400, outstanding: 50, outstandingBytes: 3200,
      outstandingRequested: NaN, waste: NaN, meanAge: 0.5, maxAge: 1, firstLine: 0, sampleLines: [0], series: [], seriesTimes: [],
      growth: { slope: 50, intercept: 0, r2: 0.99, n: 20 },
    };
    const g = group(['my_leaky_init', 'probe']);
    assert.equal(judge(o, g, { ...steady, lostShare: 0 }, 10).verdict, 'likely-leak');
    const lossy = judge(o, g, steady, 10);
    assert.equal(lossy.verdict, 'possible-leak');
    assert.match(lossy.reason, /20\.0% of events were lost/);
    assert.equal(judge({ ...o, meanAge: 0.01 }, g, { ...steady, lostShare: 0 }, 10).verdict, 'transient');
    assert.equal(judge(o, g, { ...steady, lostShare: 0 }, 0).verdict, 'possible-leak');
    assert.equal(judge({ ...o, lostFrees: 30 }, g, { ...steady, lostShare: 0 }, 10).verdict, 'possible-leak');
    assert.equal(judge({ ...o, growth: { slope: 1, intercept: 0, r2: 0.1, n: 20 } }, g, { ...steady, lostShare: 0 }, 10).verdict, 'transient');
    assert.equal(judge(o, group(['vm_area_alloc', '__mmap_region']), { ...steady, lostShare: 0 }, 10).verdict, 'transient');
  });

  it('bottom-up totals count each stack once per function', async () => {
    const lines = zlib.gunzipSync(fs.readFileSync(generatedPath('perf-kmem-socketpair-system.txt.gz'))).toString('utf8').split('\n');
    const ranked = rankTrace(parsePerfScript(lines, { detail: false }));
    const totals = inclusiveByFrame(ranked);
    const sys = totals.get('__sys_socketpair')!;
    const expected = ranked.filter((r) => r.stack.includes('__sys_socketpair') && r.outcome.outstanding > 0);
    assert.equal(sys.count, expected.reduce((n, r) => n + r.outcome.outstanding, 0));
    assert.equal(sys.groups, expected.length);
    assert.ok(sys.leaks >= 4);
    assert.ok(totals.get('do_syscall_64')!.count >= sys.count);
  });
});
