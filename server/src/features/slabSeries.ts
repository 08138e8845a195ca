// `kleak/slabSeries`: a slab/meminfo snapshot series as plain-JSON time series for the slab
// growth panel — from an open document, or from a file or folder on disk. Files and folders are
// read by `fromDisk`, which the server runs in a worker thread (fileAnalysisRunner.ts).
import { fileURLToPath } from 'node:url';
import { analyzeCaptureFile } from '../analysis/captureFile';
import { SlabGrowthReport } from '../analysis/slabGrowth';
import { CaptureView } from '../analysis/views/captureView';
import { slabGrowthOf } from '../analysis/views/slabSeriesView';
import { CaptureService } from '../captureService';
import { ProblemDto, SlabCacheSeriesDto, SlabSeriesDto, SlabSeriesParams, SlabSeriesResult } from '../protocol';

const MAX_PROBLEMS = 200;
const MAX_MESSAGE = 4000;

/** Reads a file or folder on disk into a series DTO (`source` names it in the DTO). */
export type SlabSeriesFromDisk = (source: string, path: string) => Promise<SlabSeriesResult>;

export async function slabSeries(service: CaptureService, params: SlabSeriesParams, fromDisk: SlabSeriesFromDisk): Promise<SlabSeriesResult> {
  if (typeof params?.uri === 'string') {
    const view = service.view(params.uri);
    if (view) return fromView(params.uri, view);
    // Not open: a file: uri of a file or folder on disk.
    if (!params.uri.startsWith('file:')) return null;
    let path: string;
    try {
      path = fileURLToPath(params.uri);
    } catch {
      return null;
    }
    return fromDisk(params.uri, path);
  }
  if (typeof params?.path === 'string') return fromDisk(params.path, params.path);
  return null;
}

/** The series of a file or folder on disk (what the analysis worker runs). */
export async function slabSeriesFromDisk(source: string, path: string, onProgress?: (fraction: number) => void): Promise<SlabSeriesResult> {
  const r = await analyzeCaptureFile(path, { onProgress });
  return r.ok ? fromView(source, r.view) : null;
}

function fromView(source: string, view: CaptureView): SlabSeriesResult {
  const report = slabGrowthOf(view);
  return report ? toSlabSeriesDto(source, report) : null;
}

/** The series as the panel draws it: one entry per analysed snapshot in every array. */
export function toSlabSeriesDto(source: string, report: SlabGrowthReport): SlabSeriesDto {
  const series = report.series;
  const kept = series.snapshots.filter((s) => !s.truncated);
  const at = new Map(kept.map((s, i) => [s.index, i]));
  const n = kept.length;
  const document = series.sources.length === 0;
  const timed = series.time.unit === 'seconds';
  const absolute = timed && kept.every((s) => s.zoneKnown && s.time !== undefined);
  const times = kept.map((s) => (absolute ? s.time! : timed ? series.time.xs[s.index] : s.index));

  const caches: SlabCacheSeriesDto[] = report.caches.map((g) => {
    const bytes: (number | null)[] = new Array(n).fill(null);
    const active: (number | null)[] = new Array(n).fill(null);
    const total: (number | null)[] = new Array(n).fill(null);
    g.idx.forEach((i, k) => {
      const j = at.get(g.series.snap[i]);
      if (j === undefined) return;
      bytes[j] = g.bytes[k];
      active[j] = g.series.active[i];
      total[j] = g.series.total[i];
    });
    return {
      name: g.name,
      bytes,
      activeObjects: active,
      totalObjects: total,
      objectSize: g.objSize,
      reclaimable: g.reclaim.reclaimable,
      verdict: g.verdict,
      reason: clip(g.reason),
      rateBytesPerSecond: finite(g.trend.slope),
      r2: finite(g.trend.r2),
      growthBytes: g.trend.growth,
      ...placeOf(g, series.sources),
    };
  });

  const meminfo: Record<string, (number | null)[]> = {};
  for (const f of series.meminfo) {
    if (f.unit !== 'kB' || f.key.length > 128) continue;
    const values: (number | null)[] = new Array(n).fill(null);
    f.snap.forEach((s, i) => {
      const j = at.get(s);
      if (j !== undefined) values[j] = f.value[i];
    });
    meminfo[f.key] = values;
  }

  const problems: ProblemDto[] = series.problems.slice(0, MAX_PROBLEMS).map((p) => ({
    line: document ? p.range.start.line : -1,
    severity: p.severity,
    message: clip(p.message),
  }));

  return {
    source,
    times,
    relativeTimes: !absolute,
    timeUnit: timed ? 'seconds' : 'snapshot',
    snapshotLines: kept.map((s) => (document ? s.startLine : -1)),
    caches,
    meminfo,
    ...(report.exhaustion ? { secondsUntilExhaustion: report.exhaustion.seconds } : {}),
    problems,
  };
}

/** Where the cache's latest row is: a line of the document, or (folder) a line of one of its files. */
function placeOf(g: SlabGrowthReport['caches'][number], sources: string[]): { line: number; file?: string } {
  const last = g.idx[g.idx.length - 1];
  const line = g.series.line[last];
  if (sources.length === 0) return { line };
  const file = sources[g.series.source?.[last] ?? -1];
  return file === undefined ? { line: -1 } : { line, file };
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s;
}
