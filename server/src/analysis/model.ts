// Shared model types of the analysis library. Positions are LSP-shaped (0-based line and
// UTF-16 character) so providers can hand them on unchanged, but nothing here depends on LSP.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** Something wrong or notable in the input itself, found while parsing. */
export interface Problem {
  range: Range;
  severity: Severity;
  message: string;
  /** Stable identifier, e.g. `truncated-record`, for code actions and tests. */
  code: string;
}

/** One frame of a kernel stack, as printed (`[<addr>] sym+off/len [mod] file:line [inline]`). */
export interface Frame {
  /** Function name as printed, including suffixes like `.cold.57`; undefined for a bare address. */
  symbol?: string;
  offset?: number;
  size?: number;
  module?: string;
  /** Printed address (hex digits without 0x) of `[<addr>]` or of a bare `0x…` frame. */
  address?: string;
  /** Source location from a symbolised trace (syzbot, decode_stacktrace.sh). */
  file?: string;
  fileLine?: number;
  inline: boolean;
  /** `? ` marker: the unwinder was not sure of this frame. */
  unreliable: boolean;
  range: Range;
  /** Range of the symbol (or of the bare address) in the line. */
  symbolRange: Range;
  /** Ranges of the other printed parts, for highlighting. */
  addressRange?: Range;
  offsetRange?: Range;
  moduleRange?: Range;
  fileRange?: Range;
}

export type Verdict = 'likely-leak' | 'possible-leak' | 'cache' | 'transient' | 'stable';

/** A ranked suspect, the unit that the CLI prints and diagnostics report. */
export interface Suspect {
  rank: number;
  verdict: Verdict;
  /** Why this verdict, in one sentence. */
  reason: string;
  count: number;
  bytes: number;
  /** What leaks: the suspect frame's function (or cache name for slab series). */
  site: string;
  /** Normalised stack, innermost first, allocator frames stripped. */
  stack: string[];
  /** 0-based line of the first record of this suspect. */
  line: number;
  /** 0-based lines of some records of this suspect (first ones, capped), for navigation. */
  samples?: number[];
}

/** Semantic token kinds kleak emits; the server maps them onto the LSP legend. */
export type TokenKind =
  | 'address'
  | 'function'
  | 'offset'
  | 'module'
  | 'size'
  | 'process'
  | 'number'
  | 'keyword'
  | 'file'
  | 'prefix'
  /** A slab cache name (slabinfo, slabtop) or a buddyinfo zone. */
  | 'cache'
  /** A /proc/meminfo field name. */
  | 'field';

export interface Token {
  line: number;
  character: number;
  length: number;
  kind: TokenKind;
}

export function range(line: number, start: number, end: number): Range {
  return { start: { line, character: start }, end: { line, character: end } };
}

export function lineRange(startLine: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: 0 }, end: { line: endLine, character: endCharacter } };
}
