// Whitespace-separated columns of a line with their positions, for the table-shaped /proc files
// (slabinfo, slabtop, meminfo, buddyinfo). A hand-written scan: linear, no regular expression.

export interface Column {
  text: string;
  /** 0-based UTF-16 offsets in the line, end exclusive. */
  start: number;
  end: number;
}

/** The first `max` whitespace-separated columns of `line` (spaces and tabs). */
export function columns(line: string, max = 64): Column[] {
  const out: Column[] = [];
  let i = 0;
  const n = line.length;
  while (i < n && out.length < max) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    out.push({ text: line.slice(start, i), start, end: i });
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

const DIGITS = /^\d{1,15}$/;

/** A non-negative decimal integer column (at most 15 digits, so it is exact as a number). */
export function uint(c: Column | undefined): number | undefined {
  return c !== undefined && DIGITS.test(c.text) ? Number(c.text) : undefined;
}

export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isSpace(line.charCodeAt(i))) return false;
  return true;
}

/** A highlighted part of one line (the line number is added by whoever keeps it). */
export interface Span {
  character: number;
  length: number;
  kind: import('./model').TokenKind;
}

export function span(c: Column, kind: Span['kind']): Span {
  return { character: c.start, length: c.end - c.start, kind };
}
