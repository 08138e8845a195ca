// Small pieces shared by the views of the issue-7 formats (SLUB debug, vmallocinfo,
// page_owner, allocinfo, BCC memleak): hover lookup by position, problem findings, lenses.
import { Position, Problem, Range, Suspect, Verdict } from '../model';
import { Finding } from './captureView';

/** Related-information entries per diagnostic: enough to navigate, not a wall. */
export const MAX_RELATED = 20;

export function inside(r: Range, pos: Position): boolean {
  if (pos.line < r.start.line || pos.line > r.end.line) return false;
  if (pos.line === r.start.line && pos.character < r.start.character) return false;
  if (pos.line === r.end.line && pos.character > r.end.character) return false;
  return true;
}

/** Hover texts attached to ranges, computed lazily; the narrowest range under the cursor wins. */
export class HoverIndex {
  private readonly byLine = new Map<number, { range: Range; text: () => string }[]>();

  add(range: Range, text: () => string): void {
    if (range.end.line === range.start.line && range.end.character <= range.start.character) return;
    const list = this.byLine.get(range.start.line);
    if (list) list.push({ range, text });
    else this.byLine.set(range.start.line, [{ range, text }]);
  }

  at(pos: Position): { contents: string; range: Range } | undefined {
    const list = this.byLine.get(pos.line);
    if (!list) return undefined;
    let best: { range: Range; text: () => string } | undefined;
    for (const e of list) {
      if (!inside(e.range, pos)) continue;
      if (!best || e.range.end.character - e.range.start.character < best.range.end.character - best.range.start.character) best = e;
    }
    return best ? { contents: best.text(), range: best.range } : undefined;
  }
}

export function problemFindings(problems: Problem[]): Finding[] {
  return problems.map((p) => ({ ...p, related: [] }));
}

/** Counts lines that belong to no record; reported once, as kmemleak does. */
export class ForeignLines {
  count = 0;
  first = -1;

  add(line: number): void {
    if (this.count++ === 0) this.first = line;
  }

  /** Those of a later part of the input, whose lines count from `lineOffset`. */
  absorb(part: { count: number; first: number }, lineOffset: number): void {
    if (part.count === 0) return;
    if (this.count === 0) this.first = part.first + lineOffset;
    this.count += part.count;
  }

  problem(what: string): Problem | undefined {
    if (this.count === 0) return undefined;
    const n = this.count;
    return {
      range: { start: { line: this.first, character: 0 }, end: { line: this.first, character: 0 } },
      severity: 'information',
      message: `${n} line${n === 1 ? '' : 's'} outside ${what} ${n === 1 ? 'was' : 'were'} ignored (other output).`,
      code: 'foreign-lines',
    };
  }
}

const VERDICT_ORDER: Record<Verdict, number> = { 'likely-leak': 0, 'possible-leak': 1, transient: 2, cache: 3, stable: 4 };

/**
 * Rank suspects: leaks before the rest, then by `weight` (bytes unless given: growth when the
 * capture has several dumps), then bytes, count and position.
 */
export function rankSuspects<T extends Omit<Suspect, 'rank'>>(list: T[], weight: (s: T) => number = (s) => s.bytes): (T & { rank: number })[] {
  return list
    .sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || weight(b) - weight(a) || b.bytes - a.bytes || b.count - a.count || a.line - b.line)
    .map((s, i) => ({ ...s, rank: i + 1 }));
}

export function lineStart(line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: 0 } };
}

/** Capture text made safe for Markdown hovers. */
export function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/**
 * Capture text as a Markdown code span. Escapes do not work inside code spans (md()'s
 * backslashes would show), so the text goes in as it is, fenced by more backticks than it holds.
 */
export function code(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  let fence = '`';
  while (flat.includes(fence)) fence += '`';
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * A range from `start` to the start of `endLine`, or to `sameLineEnd` when the record ends on
 * its first line (newlines lost): the end never comes before the start.
 */
export function spanRange(start: Position, endLine: number, sameLineEnd: Position): Range {
  if (endLine > start.line) return { start, end: { line: endLine, character: 0 } };
  const end = sameLineEnd.line > start.line || (sameLineEnd.line === start.line && sameLineEnd.character >= start.character) ? sameLineEnd : start;
  return { start, end };
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

/**
 * Make every outline item's range contain its selection range and its children (VS Code
 * rejects a DocumentSymbol whose selectionRange is outside its range). Works in place.
 */
export function containedOutline<T extends { range: Range; selectionRange: Range; children: T[] }>(items: T[]): T[] {
  for (const i of items) {
    containedOutline(i.children);
    let { start, end } = i.range;
    for (const r of [i.selectionRange, ...i.children.map((c) => c.range)]) {
      if (before(r.start, start)) start = r.start;
      if (before(end, r.end)) end = r.end;
    }
    i.range = { start, end };
  }
  return items;
}
