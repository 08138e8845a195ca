// kleak's custom LSP messages, typed once for the client, the server and the webview
// (the pattern of rust-analyzer's lsp_ext.ts). Only plain JSON crosses these boundaries.

/** A suspect as sent over the wire (lines are 0-based like LSP). */
export interface SuspectDto {
  rank: number;
  verdict: string;
  reason: string;
  count: number;
  bytes: number;
  site: string;
  stack: string[];
  line: number;
  /** 0-based lines of some of its records. */
  samples?: number[];
}

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
  /** 0-based line of the cache's row in the latest snapshot (-1 when the source is not a document). */
  line: number;
}

export interface SlabSeriesDto {
  /** Where the series came from (uri or path), for titles and links back. */
  source: string;
  /** Seconds per snapshot: epoch seconds, or seconds from the first snapshot when `relativeTimes`. */
  times: number[];
  relativeTimes: boolean;
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

/** Arguments of the `kleak.showLocations` command that code lenses carry. */
export interface ShowLocationsArgs {
  uri: string;
  position: { line: number; character: number };
  locations: { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
}
export const SHOW_LOCATIONS_COMMAND = 'kleak.showLocations';

/** Webview ⇄ extension messages (the slab panel). */
export type HostToWebview = { type: 'init'; title: string };
export type WebviewToHost = { type: 'ready' } | { type: 'reveal'; line: number };

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  if (t === 'ready') return Object.keys(m).length === 1;
  if (t === 'reveal') return Number.isInteger((m as { line?: unknown }).line) && (m as { line: number }).line >= 0;
  return false;
}

export function isHostToWebview(m: unknown): m is HostToWebview {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'init' && typeof (m as { title?: unknown }).title === 'string';
}
