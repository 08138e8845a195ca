import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSnapshotSeries } from '../../../server/src/analysis/snapshotSeries';
import {
  analyzeSlabGrowth,
  counterGrowth,
  formatDuration,
  formatRate,
  reclaimByName,
  trend,
  verdictFor,
} from '../../../server/src/analysis/slabGrowth';
import { fit } from '../../../server/src/analysis/growth';
import { fixtureLines } from '../../helpers/fixtures';
import { SOCKETPAIR, generatedLines } from '../../helpers/slabFixtures';

const MiB = 1024 * 1024;

describe('slab growth of the socketpair series (ground truth: ../shared/captures/generated/README.md)', () => {
  const report = analyzeSlabGrowth(parseSnapshotSeries(generatedLines('slabinfo-series.txt.gz')));
  const cache = (name: string) => {
    const c = report.caches.find((x) => x.name === name);
    assert.ok(c, `no cache ${name}`);
    return c;
  };

  it('covers 58 snapshots over 61 s, every cache, ranked by growth', () => {
    assert.equal(report.snapshots, 58);
    assert.equal(report.duration, 61);
    assert.equal(report.unit, 'seconds');
    assert.equal(report.caches.length, 235);
    for (let i = 1; i < report.caches.length; i++) assert.ok(report.caches[i - 1].trend.growth >= report.caches[i].trend.growth);
    assert.deepEqual(report.caches.map((c) => c.rank), [...Array(235).keys()].map((i) => i + 1));
  });

  it('the socket caches are likely leaks: steady, unreclaimable, R² near 1', () => {
    for (const name of SOCKETPAIR.socketCaches) {
      const c = cache(name);
      assert.equal(c.verdict, 'likely-leak', `${name}: ${c.reason}`);
      assert.equal(c.reclaim.reclaimable, false);
      assert.ok(c.trend.r2 >= 0.98, `${name} R² ${c.trend.r2}`);
      assert.ok(c.trend.monotonic >= 0.95);
      assert.ok(c.trend.growth > 5 * MiB, `${name} grew ${c.trend.growth}`);
      // The fitted rate times the duration is the observed growth, within 10%.
      assert.ok(Math.abs(c.trend.slope * report.duration - c.trend.growth) < 0.1 * c.trend.growth, `${name} rate ${c.trend.slope}`);
    }
    // sock_inode_cache is accounted reclaimable by the kernel, but held by its sockets.
    assert.equal(cache('sock_inode_cache').reclaim.basis, 'pinned');
    assert.match(cache('sock_inode_cache').reason, /socket/);
  });

  it('the other objects held per socketpair grow steadily too', () => {
    for (const name of SOCKETPAIR.otherHeld) assert.equal(cache(name).verdict, 'likely-leak', `${name}: ${cache(name).reason}`);
  });

  it('dentry and the inode caches grow but are reclaimable caches, not leaks', () => {
    for (const name of SOCKETPAIR.reclaimableGrowth) {
      const c = cache(name);
      assert.equal(c.verdict, 'cache', `${name}: ${c.reason}`);
      assert.ok(c.reclaim.reclaimable);
      assert.ok(c.trend.growth > MiB);
    }
    const dentry = cache('dentry');
    assert.equal(dentry.rank, 1, 'dentry grew most');
    assert.ok(dentry.trend.growth > 40 * MiB && dentry.trend.r2 > 0.95);
    assert.match(dentry.reason, /reclaimable/);
  });

  it('shrinking and flat caches are stable', () => {
    for (const name of SOCKETPAIR.stable) assert.equal(cache(name).verdict, 'stable', `${name}: ${cache(name).reason}`);
    assert.ok(cache('buffer_head').trend.growth < -30 * MiB);
    assert.match(cache('buffer_head').reason, /Shrank/);
    const leaks = report.caches.filter((c) => c.verdict === 'likely-leak').map((c) => c.name).sort();
    assert.deepEqual(leaks, ['filp', 'kmalloc-192', 'lsm_file_cache', 'lsm_inode_cache', 'signal_cache', 'sock_inode_cache']);
  });

  it('memory is slabs × pages per slab × page size; object bytes are objects × size', () => {
    const c = cache('signal_cache');
    const last = c.idx[c.idx.length - 1];
    assert.equal(c.bytes[c.bytes.length - 1], c.series.numSlabs[last] * c.series.pagesPerSlab[last] * 4096);
    assert.equal(c.objectBytesLast, c.series.total[last] * 1152);
    assert.deepEqual(c.total, [252, 7308]);
  });

  it('the slabtop series of the same run agrees on the verdicts', () => {
    const top = analyzeSlabGrowth(parseSnapshotSeries(generatedLines('slabtop-series.txt')));
    const v = (n: string) => top.caches.find((c) => c.name === n)?.verdict;
    assert.equal(v('signal_cache'), 'likely-leak');
    assert.equal(v('sock_inode_cache'), 'likely-leak');
    assert.equal(v('dentry'), 'cache');
    assert.equal(v('buffer_head'), 'stable');
  });
});

describe('meminfo trends', () => {
  const report = analyzeSlabGrowth(parseSnapshotSeries(generatedLines('meminfo-series.txt')));

  it('SUnreclaim grows steadily; the projection to MemTotal follows from its fit', () => {
    const su = report.fields.get('SUnreclaim')!;
    assert.equal(su.points, 58);
    assert.equal(su.first, 38712 * 1024);
    assert.equal(su.last, 48956 * 1024);
    assert.ok(su.r2 > 0.9);
    const e = report.exhaustion!;
    assert.ok(e, 'a projection');
    assert.equal(e.memTotal, 24684092 * 1024);
    assert.ok(Math.abs(e.seconds - (e.memTotal - su.last) / su.slope) < 1e-6);
    assert.ok(e.seconds > 3600 && e.seconds < 7 * 86400, `${formatDuration(e.seconds)}`);
  });

  it('counters: SUnreclaim is the likely leak, SReclaimable a cache', () => {
    const counters = counterGrowth(report);
    const v = Object.fromEntries(counters.map((c) => [c.key, c.verdict]));
    assert.equal(v.SUnreclaim, 'likely-leak');
    assert.equal(v.SReclaimable, 'cache');
    assert.equal(v.KReclaimable, undefined, 'KReclaimable duplicates SReclaimable');
    assert.equal(v.PageTables, 'stable');
  });

  it('a cache not known by name counts as reclaimable when SUnreclaim does not grow with it', () => {
    // The recorded mix: slabinfo and meminfo in one file (an idle machine: nothing grows).
    const mix = analyzeSlabGrowth(parseSnapshotSeries(fixtureLines('slabinfo', 'slabinfo_21_x86_64_project_machine_recorder_mix_grep_series.txt')));
    assert.ok(mix.caches.every((c) => c.verdict === 'stable'));
    assert.equal(mix.exhaustion, undefined);
  });
});

describe('verdict rules', () => {
  const unreclaimable = reclaimByName('kmalloc-128');
  const xs = [0, 10, 20, 30, 40];

  it('by name: dentry, inode caches, buffer heads, kmalloc-rcl-* reclaimable; socket inodes and LSM blobs not', () => {
    for (const n of ['dentry', 'dentry_cache', 'inode_cache', 'ext4_inode_cache', 'proc_inode_cache', 'xfs_inode', 'buffer_head', 'radix_tree_node', 'kmalloc-rcl-96', 'extent_status']) {
      assert.equal(reclaimByName(n).reclaimable, true, n);
    }
    for (const n of ['sock_inode_cache', 'shmem_inode_cache', 'lsm_inode_cache', 'kernfs_node_cache', 'kmalloc-192', 'signal_cache', 'TCP', 'filp']) {
      assert.equal(reclaimByName(n).reclaimable, false, n);
    }
    assert.equal(reclaimByName('kmalloc-rcl-96').basis, 'kmalloc-rcl');
  });

  it('steady unreclaimable growth is a likely leak; irregular growth is not', () => {
    const steady = trend(xs, [1, 2, 3, 4, 5].map((k) => k * MiB));
    assert.equal(verdictFor(steady, unreclaimable, 65536, 'seconds', 5).verdict, 'likely-leak');
    const jumpy = trend(xs, [1, 9, 1, 8, 2].map((k) => k * MiB));
    const v = verdictFor(jumpy, unreclaimable, 65536, 'seconds', 5);
    assert.equal(v.verdict, 'stable');
    assert.match(v.reason, /irregular/);
    const reclaim = verdictFor(steady, reclaimByName('dentry'), 65536, 'seconds', 5);
    assert.equal(reclaim.verdict, 'cache');
  });

  it('growth below a threshold is noise; two snapshots can name a leak but say they cannot show a trend', () => {
    const small = trend(xs, [100, 101, 102, 103, 104].map((k) => k * 4096));
    assert.equal(verdictFor(small, unreclaimable, 65536, 'seconds', 5).verdict, 'stable');
    const two = verdictFor(trend([0, 1], [MiB, 3 * MiB]), unreclaimable, 65536, 'snapshot', 2);
    assert.equal(two.verdict, 'likely-leak');
    assert.match(two.reason, /two snapshots cannot show a steady trend/);
  });

  it('slabtop_07 (two snapshots, every cache shrinks): all stable', () => {
    const r = analyzeSlabGrowth(parseSnapshotSeries(fixtureLines('slabtop', 'slabinfo_07_slabtop_x86_64_2.6.2rc1_two_snapshots_before_after.txt')));
    assert.equal(r.unit, 'snapshot');
    assert.deepEqual(r.caches.filter((c) => c.trend.points === 2).map((c) => [c.name, c.verdict]), [
      ['buffer_head', 'stable'],
      ['dentry_cache', 'stable'],
      ['reiser_inode_cache', 'stable'],
    ]);
  });

  it('slabinfo_05: dentry gains active objects in the same slabs — no growth in memory, said so', () => {
    const r = analyzeSlabGrowth(parseSnapshotSeries(fixtureLines('slabinfo', 'slabinfo_05_x86_64_dentry_growth_grep_before_after_permission_denied.txt')));
    const d = r.caches.find((c) => c.name === 'dentry')!;
    assert.equal(d.verdict, 'stable');
    assert.match(d.reason, /active objects \+4175/);
  });

  it('least squares and rates', () => {
    const f = fit([0, 1, 2, 3], [1, 3, 5, 7]);
    assert.deepEqual([f.slope, f.intercept, f.r2], [2, 1, 1]);
    assert.equal(fit([1, 1], [1, 2]).r2, 0);
    assert.equal(formatRate(140 * 1024, 'seconds'), '+140 KiB/s');
    assert.equal(formatRate(1, 'seconds'), '+3.52 KiB/h');
    assert.equal(formatRate(0.1, 'seconds'), '+8.44 KiB/day');
    assert.equal(formatRate(-2 * MiB, 'snapshot'), '−2.00 MiB/snapshot');
    assert.equal(formatDuration(150000), '41.7 h');
  });
});
