// The slab panel's data model: what the charts and the table show, computed from the typed DTOs.
// Pure (no DOM, no chart.js): unit-tested in test/unit/webview/model.test.ts.
import type { FleetDto, SlabCacheSeriesDto, SlabSeriesDto, SlabVerdict } from '../../server/src/protocol';

export interface Point {
  x: number;
  y: number;
}

/** One line of a chart: points sorted by x, null values left out (the line spans the gap). */
export interface LineSeries {
  key: string;
  label: string;
  points: Point[];
  verdict?: SlabVerdict;
  /** Charted because the user selected it (drawn thicker). */
  selected: boolean;
}

/** Top caches charted by default. */
export const TOP_CACHES = 8;
/** Top instances charted by default in the fleet view. */
export const TOP_INSTANCES = 6;

// ---- formatting ------------------------------------------------------------------------------

/** 1536 → "1.5 KiB" (signed values keep their sign). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '−' : '';
  let v = Math.abs(bytes);
  if (v < 1024) return `${sign}${Math.round(v)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sign}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export function formatSigned(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** A rate in bytes per second, in the unit that keeps it readable: `+1.2 MiB/h`. */
export function formatRate(perSecond: number, relative = false): string {
  if (relative) return `${formatSigned(perSecond)}/snapshot`;
  const a = Math.abs(perSecond);
  if (a >= 1024 || a === 0) return `${formatSigned(perSecond)}/s`;
  if (a * 3600 >= 1024) return `${formatSigned(perSecond * 3600)}/h`;
  return `${formatSigned(perSecond * 86400)}/day`;
}

/** Seconds since the start, as an axis tick: `45s`, `12m 30s`, `3h 05m`, `2d 4h`. */
export function formatElapsed(seconds: number): string {
  const s = Math.round(seconds);
  const sign = s < 0 ? '−' : '';
  const a = Math.abs(s);
  if (a < 60) return `${sign}${a}s`;
  if (a < 3600) return `${sign}${Math.floor(a / 60)}m${a % 60 ? ` ${String(a % 60).padStart(2, '0')}s` : ''}`;
  if (a < 86400) return `${sign}${Math.floor(a / 3600)}h ${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}m`;
  return `${sign}${Math.floor(a / 86400)}d ${Math.floor((a % 86400) / 3600)}h`;
}

/** A duration in words: `57 s`, `12 min`, `3.5 h`, `2.1 days`. */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds < 3 * 365 * 86400) return `${(seconds / 86400).toFixed(1)} days`;
  return `${Math.round(seconds / (365 * 86400))} years`;
}

/** Epoch seconds as `2026-11-22 01:54:28Z`. */
export function formatEpoch(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

// ---- the x axis ------------------------------------------------------------------------------

/** x of every snapshot: seconds since the first (or the snapshot index when times are relative). */
export function xs(times: number[]): number[] {
  const t0 = times[0] ?? 0;
  return times.map((t) => t - t0);
}

/** Whether the series' x is a snapshot number (a capture without timestamps). */
export const perSnapshot = (s: Pick<SlabSeriesDto, 'timeUnit'> | undefined): boolean => s?.timeUnit === 'snapshot';

/** Label of an x-axis tick. */
export function tickLabel(x: number, snapshots: boolean): string {
  return snapshots ? `#${Math.round(x) + 1}` : formatElapsed(x);
}

/** Tooltip title of a point: absolute time when the series has epoch times. */
export function pointTitle(times: number[], relative: boolean, x: number, snapshots = false): string {
  if (snapshots) return `snapshot ${Math.round(x) + 1}`;
  const rel = formatElapsed(x);
  if (relative || times.length === 0) return `+${rel}`;
  return `${formatEpoch((times[0] ?? 0) + x)} (+${rel})`;
}

export function toPoints(x: number[], ys: (number | null)[]): Point[] {
  const out: Point[] = [];
  const n = Math.min(x.length, ys.length);
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    if (y !== null && Number.isFinite(y)) out.push({ x: x[i], y });
  }
  return out;
}

// ---- charts ----------------------------------------------------------------------------------

/**
 * The caches charted: the ones selected in the table (each at its own scale, not dwarfed by the
 * largest), or else the top `n` that grew, in rank order.
 */
export function chartedCaches(series: SlabSeriesDto, selected: readonly string[], n = TOP_CACHES): SlabCacheSeriesDto[] {
  const chosen = series.caches.filter((c) => selected.includes(c.name));
  return chosen.length ? chosen : series.caches.filter((c) => c.growthBytes > 0).slice(0, n);
}

export function cacheLines(series: SlabSeriesDto, selected: readonly string[], n = TOP_CACHES): LineSeries[] {
  const x = xs(series.times);
  return chartedCaches(series, selected, n).map((c) => ({
    key: `cache:${c.name}`,
    label: c.name,
    points: toPoints(x, c.bytes),
    verdict: c.verdict,
    selected: selected.includes(c.name),
  }));
}

/**
 * The stacked chart: Slab = SReclaimable + SUnreclaim (+ VmallocUsed on top when present). When a
 * capture has Slab but not its split, Slab alone.
 */
export function meminfoStack(meminfo: Record<string, (number | null)[]>, times: number[]): LineSeries[] {
  const x = xs(times);
  const has = (k: string) => Array.isArray(meminfo[k]) && meminfo[k].some((v) => v !== null);
  const keys = has('SReclaimable') || has('SUnreclaim') ? ['SReclaimable', 'SUnreclaim'].filter(has) : has('Slab') ? ['Slab'] : [];
  if (has('VmallocUsed')) keys.push('VmallocUsed');
  return keys.map((k) => ({ key: `meminfo:${k}`, label: k, points: toPoints(x, meminfo[k]), selected: false }));
}

/**
 * What the panel says in place of the stacked chart when it has nothing to stack: no meminfo at
 * all, or meminfo lines without a slab counter (a grep of LowFree or MemFree).
 */
export function meminfoNote(meminfo: Record<string, (number | null)[]>): string {
  const keys = Object.keys(meminfo).filter((k) => meminfo[k].some((v) => v !== null));
  if (keys.length === 0) return 'No /proc/meminfo in this capture: record it beside the slab snapshots to see SReclaimable and SUnreclaim.';
  const shown = keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '');
  return `This capture's /proc/meminfo lines have no Slab, SReclaimable or SUnreclaim (only ${shown}): record /proc/meminfo whole, with /proc/slabinfo, to see which kernel memory grows.`;
}

// ---- the table -------------------------------------------------------------------------------

export interface CacheRow {
  name: string;
  rank: number;
  verdict: SlabVerdict;
  reason: string;
  reclaimable: boolean;
  growth: number;
  rate: number;
  r2: number;
  /** Latest known values. */
  size: number | null;
  active: number | null;
  total: number | null;
  /** Active / total at the latest snapshot, 0..100. */
  use: number | null;
  objectSize: number;
  line: number;
  /** Folder series: the file of the folder that `line` is in. */
  file?: string;
}

/**
 * Does the cache name link to its row, and what its tooltip says. No link without a line (the
 * fleet view), nor into a compressed file of a folder: the editor would show gzip bytes.
 */
export function rowLink(r: Pick<CacheRow, 'line' | 'file'>): { link: boolean; title?: string } {
  if (r.line < 0) return { link: false };
  if (r.file !== undefined && /\.gz$/i.test(r.file)) {
    return { link: false, title: `Latest row: line ${r.line + 1} of ${r.file}, which is compressed (.gz): decompress it to open that line.` };
  }
  return { link: true, title: `Go to line ${r.line + 1} of ${r.file ?? 'the capture'}` };
}

const last = (a: (number | null)[]): number | null => {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== null) return a[i];
  return null;
};

export function cacheRows(series: SlabSeriesDto): CacheRow[] {
  return series.caches.map((c, i) => {
    const active = last(c.activeObjects);
    const total = last(c.totalObjects);
    return {
      name: c.name,
      rank: i + 1,
      verdict: c.verdict,
      reason: c.reason,
      reclaimable: c.reclaimable,
      growth: c.growthBytes,
      rate: c.rateBytesPerSecond,
      r2: c.r2,
      size: last(c.bytes),
      active,
      total,
      use: active !== null && total !== null && total > 0 ? Math.round((100 * active) / total) : null,
      objectSize: c.objectSize,
      line: c.line,
      ...(c.file !== undefined ? { file: c.file } : {}),
    };
  });
}

export const SORT_KEYS = ['rank', 'name', 'verdict', 'growth', 'rate', 'r2', 'size', 'active', 'total', 'use', 'objectSize'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const isSortKey = (k: string): k is SortKey => (SORT_KEYS as readonly string[]).includes(k);

const VERDICT_ORDER: Record<SlabVerdict, number> = { 'likely-leak': 2, cache: 1, stable: 0 };

/** Sorted copy; ties keep the growth rank. Unknown values (null) sort last either way. */
export function sortRows(rows: readonly CacheRow[], key: SortKey, descending: boolean): CacheRow[] {
  const dir = descending ? -1 : 1;
  const value = (r: CacheRow): number | string | null => (key === 'verdict' ? VERDICT_ORDER[r.verdict] : r[key]);
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) return va === vb ? a.rank - b.rank : va === null ? 1 : -1;
    const c = typeof va === 'string' && typeof vb === 'string' ? va.localeCompare(vb) : (va as number) - (vb as number);
    return c !== 0 ? dir * c : a.rank - b.rank;
  });
}

/**
 * Rows whose cache name contains every word of the filter (case-insensitive); a word may also
 * name a verdict (`leak`, `cache`, `stable`) or `reclaimable` / `unreclaimable`.
 */
export function filterRows(rows: readonly CacheRow[], filter: string): CacheRow[] {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (!words.length) return [...rows];
  return rows.filter((r) =>
    words.every((w) => {
      if (r.name.toLowerCase().includes(w)) return true;
      if (r.verdict.includes(w)) return true;
      if (w === 'reclaimable') return r.reclaimable;
      if (w === 'unreclaimable') return !r.reclaimable;
      return false;
    }),
  );
}

// ---- exports ---------------------------------------------------------------------------------

/** A CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The series as CSV: one row per snapshot; time, meminfo fields and every cache's bytes. */
export function seriesCsv(series: SlabSeriesDto): string {
  const fields = Object.keys(series.meminfo);
  const head = [perSnapshot(series) ? 'snapshot' : series.relativeTimes ? 'seconds' : 'epoch_seconds', perSnapshot(series) ? 'index' : 'elapsed_seconds', ...fields.map((f) => `${f}_bytes`), ...series.caches.map((c) => c.name)];
  const x = xs(series.times);
  const lines = [head.map(csvCell).join(',')];
  series.times.forEach((t, i) => {
    const row: (string | number | null)[] = [t, x[i], ...fields.map((f) => series.meminfo[f][i] ?? null), ...series.caches.map((c) => c.bytes[i] ?? null)];
    lines.push(row.map(csvCell).join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name for an export, from the source's base name: `slabtop-series.txt.slab-growth.csv`. */
export function exportName(source: string, ext: '.csv' | '.png'): string {
  const base = source.split(/[/\\]/).filter((p) => p !== '').pop() ?? 'slab';
  let decoded = base;
  try {
    decoded = decodeURIComponent(base);
  } catch {
    /* not URI-encoded */
  }
  const clean = decoded.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '');
  return `${clean.slice(0, 80) || 'slab'}.slab-growth${ext}`;
}

// ---- summary ---------------------------------------------------------------------------------

export function summary(series: SlabSeriesDto): string {
  const n = series.times.length;
  const span = n > 1 ? series.times[n - 1] - series.times[0] : 0;
  const parts = [perSnapshot(series) ? `${n} snapshots (no timestamps)` : `${n} snapshots over ${formatDuration(span)}`];
  const leaks = series.caches.filter((c) => c.verdict === 'likely-leak').length;
  const caches = series.caches.filter((c) => c.verdict === 'cache').length;
  parts.push(`${series.caches.length} caches`, `${leaks} likely leak${leaks === 1 ? '' : 's'}`, `${caches} growing reclaimable`);
  if (series.secondsUntilExhaustion !== undefined) parts.push(`SUnreclaim reaches MemTotal in ~${formatDuration(series.secondsUntilExhaustion)} at this rate`);
  return parts.join(' · ');
}

// ---- the fleet -------------------------------------------------------------------------------

/** One instance of the fleet as a series, so that the series view can show its detail. */
export function instanceSeries(fleet: FleetDto, index: number): SlabSeriesDto | undefined {
  const inst = fleet.instances[index];
  if (!inst) return undefined;
  return {
    source: inst.instance,
    times: fleet.times,
    relativeTimes: false,
    snapshotLines: fleet.times.map(() => -1),
    caches: inst.caches,
    meminfo: inst.meminfo,
    problems: [],
  };
}

/** SUnreclaim of the top `n` instances (fastest growth first), then the selected ones. */
export function fleetLines(fleet: FleetDto, selected: readonly string[], n = TOP_INSTANCES): LineSeries[] {
  const x = xs(fleet.times);
  return fleet.instances
    .filter((inst, i) => i < n || selected.includes(inst.instance))
    .map((inst) => ({
      key: `instance:${inst.job}:${inst.instance}`,
      label: inst.job ? `${inst.instance} (${inst.job})` : inst.instance,
      points: toPoints(x, inst.meminfo.SUnreclaim ?? []),
      selected: selected.includes(inst.instance),
    }));
}

export interface InstanceRow {
  index: number;
  instance: string;
  job: string;
  sunreclaim: number | null;
  slab: number | null;
  rate: number;
  r2: number;
  growth: number;
  leaks: number;
}

export function instanceRows(fleet: FleetDto): InstanceRow[] {
  return fleet.instances.map((inst, index) => ({
    index,
    instance: inst.instance,
    job: inst.job,
    sunreclaim: last(inst.meminfo.SUnreclaim ?? []),
    slab: last(inst.meminfo.Slab ?? []),
    rate: inst.rateBytesPerSecond,
    r2: inst.r2,
    growth: inst.growthBytes,
    leaks: inst.caches.filter((c) => c.verdict === 'likely-leak').length,
  }));
}
