// kleak's custom LSP messages, typed once for the client, the server and the webview
// (the pattern of rust-analyzer's lsp_ext.ts). Only plain JSON crosses these boundaries.

import type { Suspect } from './analysis/model';

/** A suspect as sent over the wire (lines are 0-based like LSP); plain JSON already. */
export type SuspectDto = Suspect;

export interface CaptureSummaryParams {
  uri: string;
}

export interface CaptureSummary {
  uri: string;
  format: string;
  records: number;
  bytes: number;
  suspects: SuspectDto[];
}

/** `kleak/captureSummary`: the analysis of an open capture, for the status bar and views. */
export const CaptureSummaryRequest = {
  method: 'kleak/captureSummary',
} as const;
export type CaptureSummaryResult = CaptureSummary | null;

export interface ProblemDto {
  line: number;
  severity: string;
  message: string;
}

/** `kleak/analyzeFile`: analyse a capture on disk (any size, .gz too) off the server's main loop. */
export interface AnalyzeFileParams {
  path: string;
  /** Skip detection. */
  format?: string;
  /** Echoed in progress notifications. */
  progressId: string;
}

export interface FileAnalysis {
  path: string;
  format: string;
  records: number;
  bytes: number;
  lines: number;
  suspects: SuspectDto[];
  /** Problems of the input, 0-based lines, capped. */
  problems: ProblemDto[];
  problemCount: number;
}

export type AnalyzeFileResult = { ok: true; analysis: FileAnalysis } | { ok: false; reason: string };

export const AnalyzeFileRequest = { method: 'kleak/analyzeFile' } as const;

export interface AnalyzeFileProgress {
  progressId: string;
  /** Share of the file read, 0..1. */
  fraction: number;
}
export const AnalyzeFileProgressNotification = { method: 'kleak/analyzeFileProgress' } as const;

/**
 * `kleak/slabSeries`: the slab/meminfo snapshots of an open series file (or a folder of
 * snapshot files, by path) as time series, for the slab growth panel. Produced by
 * server/src/features/slabSeries.ts; consumed by the panel host and the webview.
 */
export interface SlabSeriesParams {
  /** An open document, or a file/folder path on disk (exactly one of the two). */
  uri?: string;
  path?: string;
}

export type SlabVerdict = 'likely-leak' | 'cache' | 'stable';

export interface SlabCacheSeriesDto {
  name: string;
  /** Memory of the cache per snapshot in bytes (slabs × pages per slab × page size, or objects × size); null where absent. */
  bytes: (number | null)[];
  activeObjects: (number | null)[];
  totalObjects: (number | null)[];
  objectSize: number;
  reclaimable: boolean;
  verdict: SlabVerdict;
  reason: string;
  /** Least-squares growth rate (bytes per second) and its R². */
  rateBytesPerSecond: number;
  r2: number;
  /** Bytes at the last snapshot minus bytes at the first. */
  growthBytes: number;
  /** 0-based line of the cache's row in the latest snapshot (-1 when unknown: the fleet view). */
  line: number;
  /** Folder series: the file of the folder (a name in it) holding that row, i.e. the latest
   * snapshot file with this cache; `line` is a line of that file. Absent for one file. */
  file?: string;
}

export interface SlabSeriesDto {
  /** Where the series came from (uri or path), for titles and links back. */
  source: string;
  /** Seconds per snapshot: epoch seconds, or seconds from the first snapshot when `relativeTimes`. */
  times: number[];
  relativeTimes: boolean;
  /** `snapshot` when the capture has no timestamps: `times` are then snapshot numbers and rates are per snapshot. */
  timeUnit?: 'seconds' | 'snapshot';
  /** 0-based line where each snapshot starts (-1 when the source is not a document). */
  snapshotLines: number[];
  /** Ranked by growth, largest first. */
  caches: SlabCacheSeriesDto[];
  /** meminfo fields in bytes per snapshot when present: MemTotal, Slab, SReclaimable, SUnreclaim, VmallocUsed … */
  meminfo: Record<string, (number | null)[]>;
  /** Seconds until SUnreclaim reaches MemTotal at the fitted rate; absent when it does not grow. */
  secondsUntilExhaustion?: number;
  problems: ProblemDto[];
}

export const SlabSeriesRequest = { method: 'kleak/slabSeries' } as const;
export type SlabSeriesResult = SlabSeriesDto | null;
/** Command of the "Show Slab Growth" code lens over a series; its argument is the document uri. */
export const SHOW_SLAB_GROWTH_COMMAND = 'kleak.showSlabGrowth';

/** Arguments of the `kleak.showLocations` command that code lenses carry. */
export interface ShowLocationsArgs {
  uri: string;
  position: { line: number; character: number };
  locations: { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
}
export const SHOW_LOCATIONS_COMMAND = 'kleak.showLocations';

// ---- the slab panel: webview ⇄ extension messages ---------------------------------------------
// Both sides validate every message with the guards below (the webview trusts nothing from the
// host, the host nothing from the webview); unknown or malformed messages are dropped and logged.
// Only plain JSON: numbers (never BigInt), strings, booleans, null, arrays and objects.

/** One instance of a Prometheus fleet (node_exporter metrics), aligned on `FleetDto.times`. */
export interface FleetInstanceDto {
  instance: string;
  job: string;
  /** node_memory_<Field>_bytes per point (SUnreclaim, SReclaimable, Slab, VmallocUsed); null where there was no sample. */
  meminfo: Record<string, (number | null)[]>;
  /** SUnreclaim: least-squares rate in bytes per second, its R², and last − first. */
  rateBytesPerSecond: number;
  r2: number;
  growthBytes: number;
  /** Caches from node_slabinfo_* (objects × object size), ranked by growth; empty without the slabinfo collector. */
  caches: SlabCacheSeriesDto[];
}

/** A fleet of machines from a Prometheus server (`kleak: Import Slab Metrics from Prometheus`). */
export interface FleetDto {
  /** The Prometheus base URL that was queried (credentials removed). */
  url: string;
  /** The label matchers added to every query (`kleak.prometheus.selector`), may be empty. */
  selector: string;
  /** Epoch seconds of the query_range grid. */
  times: number[];
  step: number;
  /** Ranked by SUnreclaim growth rate, fastest first. */
  instances: FleetInstanceDto[];
  /** Whether any instance exported node_slabinfo_* series (node_exporter --collector.slabinfo). */
  slabinfo: boolean;
  /** What the user should know: collector off, instances left out, Prometheus warnings. */
  warnings: string[];
}

/** What a slab panel shows: enough to rebuild it after a window reload (WebviewPanelSerializer). */
export type SlabPanelOrigin =
  | { kind: 'series'; uri?: string; path?: string }
  | { kind: 'fleet'; url: string; rangeSeconds: number };

/** The webview's own state (acquireVsCodeApi().setState), handed back to the serializer after a reload. */
export interface SlabPanelState {
  origin: SlabPanelOrigin;
  /** Caches charted on request (table selection). */
  selected: string[];
  filter: string;
  sort: { key: string; descending: boolean };
  /** Fleet mode: the instance shown in detail. */
  instance?: string;
}

export type HostToWebview =
  | { type: 'series'; title: string; origin: SlabPanelOrigin; series: SlabSeriesDto; live: boolean }
  | { type: 'fleet'; title: string; origin: SlabPanelOrigin; fleet: FleetDto }
  | { type: 'status'; title: string; message: string; severity: 'info' | 'error' };

export type WebviewToHost =
  | { type: 'ready' }
  /** Reveal a 0-based line of the panel's capture (of `file` in a folder series). */
  | { type: 'reveal'; line: number; file?: string }
  | { type: 'exportCsv'; fileName: string; csv: string }
  /** `data:image/png;base64,…` of the charts. */
  | { type: 'exportPng'; fileName: string; dataUrl: string }
  /** Query the panel's source again (fleet mode). */
  | { type: 'refresh' };

/** Upper bounds of what the webview may hand to the host. */
export const WEBVIEW_LIMITS = { csvChars: 64 * 1024 * 1024, pngChars: 48 * 1024 * 1024, name: 1024 } as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasOnly = (o: Obj, keys: readonly string[]): boolean => Object.keys(o).every((k) => keys.includes(k));
const isStr = (v: unknown, max: number = WEBVIEW_LIMITS.name): v is string => typeof v === 'string' && v.length <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown, min = -1): v is number => Number.isInteger(v) && (v as number) >= min;
function isArrayOf<T>(v: unknown, each: (x: unknown) => x is T, length?: number): v is T[] {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length)) return false;
  for (const x of v) if (!each(x)) return false;
  return true;
}
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isStrItem = (v: unknown): v is string => isStr(v);
const isIntItem = (v: unknown): v is number => isInt(v);
const SLAB_VERDICTS: readonly string[] = ['likely-leak', 'cache', 'stable'] satisfies SlabVerdict[];
/** A file name the webview may propose for an export: no folders, a known extension. */
const isExportName = (v: unknown, ext: string): v is string =>
  isStr(v, 200) && v.endsWith(ext) && v.length > ext.length && !/[/\\\0]/.test(v) && !v.startsWith('.');

function isSeriesRecord(v: unknown, length: number): v is Record<string, (number | null)[]> {
  if (!isObj(v)) return false;
  for (const [k, a] of Object.entries(v)) if (k.length > 128 || !isArrayOf(a, isNumOrNull, length)) return false;
  return true;
}

export function isSlabCacheSeriesDto(v: unknown, length: number): v is SlabCacheSeriesDto {
  return (
    isObj(v) && isStr(v.name) && isArrayOf(v.bytes, isNumOrNull, length) && isArrayOf(v.activeObjects, isNumOrNull, length) &&
    isArrayOf(v.totalObjects, isNumOrNull, length) && isNum(v.objectSize) && typeof v.reclaimable === 'boolean' &&
    SLAB_VERDICTS.includes(v.verdict as string) && isStr(v.reason, 4096) && isNum(v.rateBytesPerSecond) && isNum(v.r2) &&
    isNum(v.growthBytes) && isInt(v.line) && (v.file === undefined || isFolderFileName(v.file))
  );
}

/** A file name inside a folder: no path separators, not `.` or `..`. */
export function isFolderFileName(v: unknown): v is string {
  return isStr(v, 255) && v !== '' && v !== '.' && v !== '..' && !/[\\/\u0000]/.test(v);
}

const isProblemDto = (v: unknown): v is ProblemDto => isObj(v) && isInt(v.line) && isStr(v.severity, 32) && isStr(v.message, 4096);

/** A SlabSeriesDto whose per-snapshot arrays all have one entry per snapshot. */
export function isSlabSeriesDto(v: unknown): v is SlabSeriesDto {
  if (!isObj(v) || !isStr(v.source, 8192) || !isArrayOf(v.times, isNum) || typeof v.relativeTimes !== 'boolean') return false;
  const n = v.times.length;
  return (
    (v.timeUnit === undefined || v.timeUnit === 'seconds' || v.timeUnit === 'snapshot') &&
    isArrayOf(v.snapshotLines, isIntItem, n) &&
    Array.isArray(v.caches) && v.caches.every((c) => isSlabCacheSeriesDto(c, n)) &&
    isSeriesRecord(v.meminfo, n) &&
    (v.secondsUntilExhaustion === undefined || isNum(v.secondsUntilExhaustion)) &&
    isArrayOf(v.problems, isProblemDto)
  );
}

export function isFleetDto(v: unknown): v is FleetDto {
  if (!isObj(v) || !isStr(v.url, 8192) || !isStr(v.selector, 8192) || !isArrayOf(v.times, isNum) || !isNum(v.step)) return false;
  const n = v.times.length;
  const isInstance = (i: unknown): i is FleetInstanceDto =>
    isObj(i) && isStr(i.instance) && isStr(i.job) && isSeriesRecord(i.meminfo, n) && isNum(i.rateBytesPerSecond) && isNum(i.r2) &&
    isNum(i.growthBytes) && Array.isArray(i.caches) && i.caches.every((c) => isSlabCacheSeriesDto(c, n));
  return isArrayOf(v.instances, isInstance) && typeof v.slabinfo === 'boolean' && isArrayOf(v.warnings, (w): w is string => isStr(w, 4096));
}

export function isSlabPanelOrigin(v: unknown): v is SlabPanelOrigin {
  if (!isObj(v)) return false;
  if (v.kind === 'series') {
    return hasOnly(v, ['kind', 'uri', 'path']) && (isStr(v.uri, 8192) !== isStr(v.path, 8192)) &&
      (v.uri === undefined || isStr(v.uri, 8192)) && (v.path === undefined || isStr(v.path, 8192));
  }
  if (v.kind === 'fleet') return hasOnly(v, ['kind', 'url', 'rangeSeconds']) && isStr(v.url, 8192) && isNum(v.rangeSeconds) && v.rangeSeconds > 0;
  return false;
}

export function isSlabPanelState(v: unknown): v is SlabPanelState {
  return (
    isObj(v) && isSlabPanelOrigin(v.origin) && isArrayOf(v.selected, isStrItem) && v.selected.length <= 1000 && isStr(v.filter) &&
    isObj(v.sort) && isStr(v.sort.key, 64) && typeof v.sort.descending === 'boolean' && (v.instance === undefined || isStr(v.instance))
  );
}

export function isHostToWebview(m: unknown): m is HostToWebview {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'series':
      return isStr(m.title) && isSlabPanelOrigin(m.origin) && typeof m.live === 'boolean' && isSlabSeriesDto(m.series);
    case 'fleet':
      return isStr(m.title) && isSlabPanelOrigin(m.origin) && isFleetDto(m.fleet);
    case 'status':
      return isStr(m.title) && isStr(m.message, 8192) && (m.severity === 'info' || m.severity === 'error');
    default:
      return false;
  }
}

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'ready':
    case 'refresh':
      return hasOnly(m, ['type']);
    case 'reveal':
      return hasOnly(m, ['type', 'line', 'file']) && isInt(m.line, 0) && (m.file === undefined || isFolderFileName(m.file));
    case 'exportCsv':
      return hasOnly(m, ['type', 'fileName', 'csv']) && isExportName(m.fileName, '.csv') && isStr(m.csv, WEBVIEW_LIMITS.csvChars);
    case 'exportPng':
      return (
        hasOnly(m, ['type', 'fileName', 'dataUrl']) && isExportName(m.fileName, '.png') && isStr(m.dataUrl, WEBVIEW_LIMITS.pngChars) &&
        m.dataUrl.startsWith('data:image/png;base64,') && /^[A-Za-z0-9+/]*={0,2}$/.test(m.dataUrl.slice('data:image/png;base64,'.length))
      );
    default:
      return false;
  }
}

// ---- symbol sources (issue 8) -----------------------------------------------------------------

/** `initializationOptions` the client sends: whether the workspace is trusted (no external tool runs if not). */
export interface KleakInitializationOptions {
  trusted?: boolean;
}

/** `kleak/workspaceTrust` (client → server): the workspace's trust changed. */
export const WorkspaceTrustNotification = { method: 'kleak/workspaceTrust' } as const;
export interface WorkspaceTrustParams {
  trusted: boolean;
}

export interface SymbolSourceDto {
  setting: 'vmlinux' | 'moduleSearchPaths' | 'kernelSourceRoot' | 'kallsyms' | 'systemMap';
  state: 'unset' | 'ok' | 'error';
  path?: string;
  detail: string;
}

export interface SymbolSourcesStatus {
  trusted: boolean;
  sources: SymbolSourceDto[];
  /** Line tools found on PATH, in the order they are tried. */
  tools: { kind: string; path: string }[];
  /** Settings that could not be used (not absolute, missing, wrong kind). */
  errors: string[];
  /** External tools will run (trusted workspace and a tool found). */
  runsTools: boolean;
}

/** `kleak/symbolSources` (client → server): which symbol sources are in use. */
export const SymbolSourcesRequest = { method: 'kleak/symbolSources' } as const;
/** `kleak/symbolSourcesChanged` (server → client): sent after settings or trust changed. */
export const SymbolSourcesChangedNotification = { method: 'kleak/symbolSourcesChanged' } as const;

export function isWorkspaceTrustParams(m: unknown): m is WorkspaceTrustParams {
  return typeof m === 'object' && m !== null && typeof (m as { trusted?: unknown }).trusted === 'boolean';
}
