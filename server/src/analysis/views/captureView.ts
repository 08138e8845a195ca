// The format-neutral view of an analysed capture. Each format builds one; the LSP feature
// providers and the CLI read only this, so a new format needs no new provider.
import { Frame, Position, Problem, Range, Suspect, Token } from '../model';

export type FormatId = 'kmemleak' | 'slub-debug' | 'vmallocinfo' | 'page-owner' | 'allocinfo' | 'bcc-memleak' | 'bpftrace' | 'slabinfo' | 'slabtop' | 'meminfo' | 'buddyinfo' | 'perf-script' | 'ftrace';

export interface RelatedLocation {
  range: Range;
  message: string;
}

/** A diagnostic-to-be: a finding of the analysis or a problem of the input. */
export interface Finding extends Problem {
  related: RelatedLocation[];
}

/**
 * Codes of the findings of an analysis (what the capture says); every other finding is a problem
 * of the input itself (what the capture lacks or garbles). The CLI and file analysis report
 * only the latter as `problems`.
 */
export const ANALYSIS_FINDING_CODES: ReadonlySet<string> = new Set(['leaked-object', 'summary', 'slab-growth', 'meminfo-growth', 'slub-never-freed', 'vmalloc-growth', 'allocinfo-growth', 'outstanding-stack', 'page-owner-group', 'leak-suspect']);

export function isInputProblem(f: Finding): boolean {
  return !ANALYSIS_FINDING_CODES.has(f.code);
}

export type OutlineKind = 'summary' | 'group' | 'object' | 'frame' | 'event';

export interface OutlineItem {
  name: string;
  detail?: string;
  kind: OutlineKind;
  range: Range;
  selectionRange: Range;
  children: OutlineItem[];
}

export interface FoldRange {
  startLine: number;
  endLine: number;
}

/** A stack frame as it occurs in the capture, with what the analysis knows about it. */
export interface FrameOccurrence {
  frame: Frame;
  /** Is it the suspect frame of its record's group? */
  suspect: boolean;
}

export interface Lens {
  range: Range;
  title: string;
  /** Where the lens leads: the records it summarises. */
  locations: Range[];
  /** A command to run instead (with the document uri as its argument), e.g. `kleak.showSlabGrowth`. */
  command?: string;
}

export interface CaptureView {
  format: FormatId;
  /** Records of the format (kmemleak: objects). */
  records: number;
  findings: Finding[];
  suspects: Suspect[];
  outline: OutlineItem[];
  folds: FoldRange[];
  tokens: Token[];
  frames: FrameOccurrence[];
  lenses: Lens[];
  /** Markdown hover for a position, if there is something to say there. */
  hover(position: Position): { contents: string; range: Range } | undefined;
}
