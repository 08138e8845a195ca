// Slab growth over a snapshot series: per cache its memory over time, the least-squares rate
// and R², how monotonic it is, whether it is reclaimable, and a verdict with its reason —
//   likely-leak  steady growth of unreclaimable memory,
//   cache        growth of a reclaimable cache (dentries, inodes, buffer heads, kmalloc-rcl-*),
//   stable       no significant growth (or growth too irregular to be a trend).
// With /proc/meminfo in the series: SUnreclaim/SReclaimable trends corroborate reclaimability
// and project when SUnreclaim would reach MemTotal.
import { fit } from './growth';
import { CacheSeries, FieldSeries, SnapshotSeries } from './snapshotSeries';
import { formatBytes } from './units';

export type SlabVerdict = 'likely-leak' | 'cache' | 'stable';

export interface Reclaim {
  reclaimable: boolean;
  /** How it was decided. */
  basis: 'name' | 'kmalloc-rcl' | 'pinned' | 'meminfo' | 'default';
  reason: string;
}

/** Growth of one series of numbers over the series' time axis. */
export interface Trend {
  points: number;
  first: number;
  last: number;
  /** last − first. */
  growth: number;
  /** Least-squares slope per second (or per snapshot when the capture has no times). */
  slope: number;
  intercept: number;
  r2: number;
  /** Share of the steps that changed that went up, 0..1 (1 when nothing changed). */
  monotonic: number;
}

export interface CacheGrowth {
  name: string;
  kind: 'slabinfo' | 'slabtop';
  series: CacheSeries;
  /** Indices into the series' columns of the points used (snapshots cut short are left out). */
  idx: number[];
  /** Slab memory per used point: slabs × pages per slab × page size (slabtop: CACHE SIZE). */
  bytes: number[];
  trend: Trend;
  /** Objects × object size at the first and last point. */
  objectBytesFirst: number;
  objectBytesLast: number;
  /** Object counts at the first and last point. */
  active: [number, number];
  total: [number, number];
  objSize: number;
  reclaim: Reclaim;
  verdict: SlabVerdict;
  reason: string;
  /** Rank by growth, 1 = grew most. */
  rank: number;
}

export interface FieldTrend extends Trend {
  key: string;
  series: FieldSeries;
  idx: number[];
}

export interface Exhaustion {
  /** Seconds from the last snapshot until SUnreclaim reaches MemTotal at the fitted rate. */
  seconds: number;
  memTotal: number;
  sunreclaim: number;
  slope: number;
}

export interface SlabGrowthReport {
  series: SnapshotSeries;
  unit: 'seconds' | 'snapshot';
  /** Snapshots analysed (those cut short excluded). */
  snapshots: number;
  /** From the first to the last analysed snapshot, in `unit`s. */
  duration: number;
  /** Ranked by growth in bytes, largest first. */
  caches: CacheGrowth[];
  fields: Map<string, FieldTrend>;
  memTotal?: number;
  exhaustion?: Exhaustion;
}

// ---- reclaimability ----------------------------------------------------------------------------

const SHRINKER = 'freed by the kernel under memory pressure (a shrinker), so growth is not a leak by itself';
const KNOWN_RECLAIMABLE: Record<string, string> = {
  dentry: `dentry cache: unused and negative dentries are ${SHRINKER}`,
  dentry_cache: `dentry cache: unused and negative dentries are ${SHRINKER}`,
  inode_cache: `inode cache: unused inodes are ${SHRINKER}`,
  buffer_head: 'buffer heads of page-cache pages: freed when those pages are reclaimed',
  radix_tree_node: 'page-cache and xarray nodes: freed when the pages they index are reclaimed',
  xfs_buf: `XFS metadata buffers, ${SHRINKER}`,
  xfs_ili: `XFS inode log items, freed with their inodes (${SHRINKER})`,
  ext4_extent_status: `ext4 extent status tree, ${SHRINKER}`,
  extent_status: `ext4 extent status tree, ${SHRINKER}`,
  mbcache: `extended-attribute block cache, ${SHRINKER}`,
  btrfs_extent_buffer: `btrfs metadata buffers, ${SHRINKER}`,
  dquot: `quota structures, ${SHRINKER}`,
  xfs_dquot: `XFS quota structures, ${SHRINKER}`,
  gfs2_glock: `GFS2 glocks, ${SHRINKER}`,
};

/** Accounted reclaimable (SLAB_RECLAIM_ACCOUNT) or inode-like, but held by their owners: reclaim cannot free them. */
const PINNED: Record<string, string> = {
  sock_inode_cache: 'socket inodes: counted in SReclaimable, but each lives as long as its socket — reclaim cannot free it',
  shmem_inode_cache: 'tmpfs/shmem inodes: their files live in memory until deleted',
  hugetlbfs_inode_cache: 'hugetlbfs inodes: pinned by their files',
  mqueue_inode_cache: 'POSIX message queue inodes: pinned by their queues',
  lsm_inode_cache: 'LSM security blobs of inodes: unreclaimable slab (freed only with their inodes)',
  kernfs_node_cache: 'sysfs/kernfs nodes: live as long as the kernel objects they describe',
};

const INODE_LIKE = /(?:inode_cache|_inode|_inode_info)$/;

/** Is a cache reclaimable, by its name alone? */
export function reclaimByName(name: string): Reclaim {
  if (name in PINNED) return { reclaimable: false, basis: 'pinned', reason: PINNED[name] };
  if (name in KNOWN_RECLAIMABLE) return { reclaimable: true, basis: 'name', reason: KNOWN_RECLAIMABLE[name] };
  if (/^(?:dma-)?kmalloc-rcl-/.test(name)) {
    return { reclaimable: true, basis: 'kmalloc-rcl', reason: 'kmalloc-rcl-*: allocations made with __GFP_RECLAIMABLE, accounted in SReclaimable' };
  }
  if (INODE_LIKE.test(name)) return { reclaimable: true, basis: 'name', reason: `filesystem inode cache: unused inodes are ${SHRINKER}` };
  return { reclaimable: false, basis: 'default', reason: 'not a known reclaimable cache: its memory counts in SUnreclaim' };
}

// ---- trends ------------------------------------------------------------------------------------

export function trend(xs: number[], ys: number[]): Trend {
  const n = ys.length;
  const f = fit(xs, ys);
  let up = 0;
  let down = 0;
  for (let i = 1; i < n; i++) {
    if (ys[i] > ys[i - 1]) up++;
    else if (ys[i] < ys[i - 1]) down++;
  }
  return {
    points: n,
    first: n ? ys[0] : 0,
    last: n ? ys[n - 1] : 0,
    growth: n ? ys[n - 1] - ys[0] : 0,
    slope: f.slope,
    intercept: f.intercept,
    r2: f.r2,
    monotonic: up + down > 0 ? up / (up + down) : 1,
  };
}

/** Least R² and share of non-decreasing steps for growth to count as steady. */
export const STEADY_R2 = 0.8;
export const STEADY_MONOTONIC = 0.7;
/** Growth below this is noise whatever its shape (and at least two slabs of the cache). */
export const MIN_GROWTH_BYTES = 64 * 1024;
/** Relative growth that is significant without a steady trend. */
const MIN_RELATIVE = 0.05;

// ---- the analysis ------------------------------------------------------------------------------

export function analyzeSlabGrowth(series: SnapshotSeries): SlabGrowthReport {
  const used = series.snapshots.map((s) => !s.truncated);
  const xsAll = series.time.xs;
  const usedIdx = series.snapshots.map((_, i) => i).filter((i) => used[i]);
  const duration = usedIdx.length > 1 ? xsAll[usedIdx[usedIdx.length - 1]] - xsAll[usedIdx[0]] : 0;
  const unit = series.time.unit;

  const fields = new Map<string, FieldTrend>();
  for (const f of series.meminfo) {
    const idx = f.snap.map((_, i) => i).filter((i) => used[f.snap[i]]);
    const t = trend(idx.map((i) => xsAll[f.snap[i]]), idx.map((i) => f.value[i]));
    fields.set(f.key, { ...t, key: f.key, series: f, idx });
  }
  const memTotalField = fields.get('MemTotal');
  const memTotal = memTotalField && memTotalField.points > 0 ? memTotalField.last : undefined;
  const sunreclaim = fields.get('SUnreclaim');
  const sreclaim = fields.get('SReclaimable');

  // slabinfo rows win over slabtop rows of the same cache (exact numbers).
  const slabinfoNames = new Set(series.caches.filter((c) => c.kind === 'slabinfo').map((c) => c.name));
  const caches: CacheGrowth[] = [];
  for (const c of series.caches) {
    if (c.kind === 'slabtop' && slabinfoNames.has(c.name)) continue;
    const idx = c.snap.map((_, i) => i).filter((i) => used[c.snap[i]]);
    if (idx.length === 0) continue;
    const bytes = idx.map((i) => slabBytes(c, i, series.pageSize));
    const t = trend(idx.map((i) => xsAll[c.snap[i]]), bytes);
    const first = idx[0];
    const last = idx[idx.length - 1];
    const g: CacheGrowth = {
      name: c.name,
      kind: c.kind,
      series: c,
      idx,
      bytes,
      trend: t,
      objectBytesFirst: c.total[first] * c.objSize[first],
      objectBytesLast: c.total[last] * c.objSize[last],
      active: [c.active[first], c.active[last]],
      total: [c.total[first], c.total[last]],
      objSize: c.objSize[last],
      reclaim: reclaimByName(c.name),
      verdict: 'stable',
      reason: '',
      rank: 0,
    };
    if (g.reclaim.basis === 'default' && sunreclaim && sunreclaim.points > 1 && t.growth >= 1024 * 1024 && sunreclaim.growth < 0.25 * t.growth) {
      g.reclaim = {
        reclaimable: true,
        basis: 'meminfo',
        reason:
          `accounted reclaimable: SUnreclaim grew only ${signed(sunreclaim.growth)} while this cache grew ${signed(t.growth)}` +
          (sreclaim && sreclaim.points > 1 ? ` (SReclaimable ${signed(sreclaim.growth)})` : ''),
      };
    }
    judge(g, series.pageSize, unit, usedIdx.length);
    caches.push(g);
  }
  caches.sort((a, b) => b.trend.growth - a.trend.growth || a.name.localeCompare(b.name));
  caches.forEach((c, i) => (c.rank = i + 1));

  let exhaustion: Exhaustion | undefined;
  if (unit === 'seconds' && sunreclaim && memTotal !== undefined && sunreclaim.points >= 3 && sunreclaim.slope > 0 && sunreclaim.r2 >= 0.5 && sunreclaim.last < memTotal) {
    exhaustion = { seconds: (memTotal - sunreclaim.last) / sunreclaim.slope, memTotal, sunreclaim: sunreclaim.last, slope: sunreclaim.slope };
  }
  return { series, unit, snapshots: usedIdx.length, duration, caches, fields, memTotal, exhaustion };
}

/** Slab memory of entry i: slabs × pages per slab × page size, or slabtop's CACHE SIZE. */
export function slabBytes(c: CacheSeries, i: number, pageSize: number): number {
  if (c.cacheBytes[i] >= 0) return c.cacheBytes[i];
  return c.numSlabs[i] * c.pagesPerSlab[i] * pageSize;
}

function oneSlab(c: CacheGrowth, pageSize: number): number {
  const i = c.idx[c.idx.length - 1];
  const s = c.series;
  if (s.pagesPerSlab[i] > 0) return s.pagesPerSlab[i] * pageSize;
  return s.numSlabs[i] > 0 && s.cacheBytes[i] > 0 ? s.cacheBytes[i] / s.numSlabs[i] : pageSize;
}

function judge(g: CacheGrowth, pageSize: number, unit: 'seconds' | 'snapshot', snapshots: number): void {
  const activeDelta = g.active[1] - g.active[0];
  const note = activeDelta !== 0 && g.trend.growth <= 0 ? `; active objects ${activeDelta > 0 ? '+' : '−'}${Math.abs(activeDelta)} within its slabs` : '';
  const v = verdictFor(g.trend, g.reclaim, Math.max(MIN_GROWTH_BYTES, 2 * oneSlab(g, pageSize)), unit, snapshots, note);
  g.verdict = v.verdict;
  g.reason = v.reason;
}

/** The verdict on a growing (or not) quantity of kernel memory, with its reason. */
export function verdictFor(
  t: Trend,
  reclaim: Reclaim,
  minBytes: number,
  unit: 'seconds' | 'snapshot',
  snapshots: number,
  /** Appended to a "no growth" reason, e.g. what the object counts did meanwhile. */
  note = '',
): { verdict: SlabVerdict; reason: string } {
  if (t.points < 2) {
    return { verdict: 'stable', reason: snapshots < 2 ? 'One snapshot: growth needs two or more.' : `Seen in only one of ${snapshots} snapshots: no growth to measure.` };
  }
  const shape = shapeOf(t, unit);
  if (t.growth <= 0) {
    return { verdict: 'stable', reason: t.growth === 0 ? `No growth: ${formatBytes(t.last)} at the first and the last snapshot${note}.` : `Shrank by ${formatBytes(-t.growth)} (${shape})${note}.` };
  }
  const steady = t.points === 2 || (t.r2 >= STEADY_R2 && t.monotonic >= STEADY_MONOTONIC);
  const significant = t.growth >= minBytes && (t.first === 0 || t.growth >= MIN_RELATIVE * t.first || (steady && t.points >= 4));
  if (!significant) {
    return {
      verdict: 'stable',
      reason: `Grew only ${formatBytes(t.growth)}${t.first > 0 ? ` (${percent(t.growth / t.first)})` : ''}: below what counts as growth (${formatBytes(minBytes)} and 5%).`,
    };
  }
  if (reclaim.reclaimable) return { verdict: 'cache', reason: `Grew ${signed(t.growth)} (${shape}), but it is reclaimable — ${reclaim.reason}.` };
  if (!steady) return { verdict: 'stable', reason: `Net ${signed(t.growth)}, but irregular (${shape}): not a steady trend.` };
  return {
    verdict: 'likely-leak',
    reason:
      t.points === 2
        ? `Grew ${signed(t.growth)} between the two snapshots and is unreclaimable (${reclaim.reason}); two snapshots cannot show a steady trend — take more.`
        : `Steady unreclaimable growth: ${signed(t.growth)} (${shape}); ${reclaim.reason}.`,
  };
}

// ---- kernel counters of /proc/meminfo ---------------------------------------------------------

/** meminfo counters of kernel memory, and whether their memory is reclaimable. */
const COUNTERS: Record<string, Reclaim> = {
  SUnreclaim: { reclaimable: false, basis: 'name', reason: 'SUnreclaim is slab memory the kernel cannot reclaim' },
  VmallocUsed: { reclaimable: false, basis: 'name', reason: 'vmalloc memory is freed only by its owner (see /proc/vmallocinfo)' },
  Percpu: { reclaimable: false, basis: 'name', reason: 'per-CPU allocations are freed only by their owner' },
  KernelStack: { reclaimable: false, basis: 'name', reason: 'kernel stacks belong to live threads (a thread leak shows here)' },
  PageTables: { reclaimable: false, basis: 'name', reason: 'page tables belong to live processes' },
  SecPageTables: { reclaimable: false, basis: 'name', reason: 'secondary (KVM/IOMMU) page tables are freed by their owner' },
  SReclaimable: { reclaimable: true, basis: 'name', reason: 'SReclaimable is slab memory of caches with shrinkers' },
  KReclaimable: { reclaimable: true, basis: 'name', reason: 'KReclaimable is kernel memory reclaimable under pressure' },
};

/** The meminfo counters kleak attributes kernel memory by. */
export const KERNEL_COUNTERS: readonly string[] = Object.keys(COUNTERS);

export interface CounterGrowth extends FieldTrend {
  reclaim: Reclaim;
  verdict: SlabVerdict;
  reason: string;
}

/** The kernel-memory counters of the series' meminfo with their verdicts, largest growth first. */
export function counterGrowth(report: SlabGrowthReport): CounterGrowth[] {
  const out: CounterGrowth[] = [];
  for (const [key, reclaim] of Object.entries(COUNTERS)) {
    // KReclaimable includes SReclaimable: one of the two is enough.
    if (key === 'KReclaimable' && report.fields.has('SReclaimable')) continue;
    const t = report.fields.get(key);
    if (!t || t.points < 2 || t.series.unit !== 'kB') continue;
    out.push({ ...t, reclaim, ...verdictFor(t, reclaim, MIN_GROWTH_BYTES, report.unit, report.snapshots) });
  }
  return out.sort((a, b) => b.growth - a.growth || a.key.localeCompare(b.key));
}

function shapeOf(t: Trend, unit: 'seconds' | 'snapshot'): string {
  if (t.points < 3) return `${formatRate(t.slope, unit)}`;
  return `${formatRate(t.slope, unit)}, R² ${t.r2.toFixed(2)}, ${Math.round(t.monotonic * 100)}% of changes upward`;
}

// ---- formatting --------------------------------------------------------------------------------

export function signed(bytes: number): string {
  return `${bytes < 0 ? '−' : '+'}${formatBytes(Math.abs(Math.round(bytes)))}`;
}

function percent(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100) < 10 ? Math.abs(x * 100).toFixed(1) : Math.round(Math.abs(x * 100))}%`;
}

/** A growth rate, in the unit that keeps it readable: `+134 KiB/s`, `+7.4 MiB/h`, `+2 KiB/snapshot`. */
export function formatRate(perUnit: number, unit: 'seconds' | 'snapshot'): string {
  if (unit === 'snapshot') return `${signed(perUnit)}/snapshot`;
  const a = Math.abs(perUnit);
  if (a >= 1024 || a === 0) return `${signed(perUnit)}/s`;
  if (a * 3600 >= 1024) return `${signed(perUnit * 3600)}/h`;
  return `${signed(perUnit * 86400)}/day`;
}

/** A duration in seconds: `61 s`, `12 min`, `3.5 h`, `2.1 days`. */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds < 3 * 365 * 86400) return `${(seconds / 86400).toFixed(1)} days`;
  return `${(seconds / (365 * 86400)).toFixed(0)} years`;
}

export function formatSpan(duration: number, unit: 'seconds' | 'snapshot', snapshots: number): string {
  return unit === 'seconds' ? `${snapshots} snapshots over ${formatDuration(duration)}` : `${snapshots} snapshots (no timestamps)`;
}
