// Property-based fuzzing of every registered capture format with mutations of the real
// fixtures (cut, duplicated, shuffled and dropped lines, random characters, invalid UTF-8, CRLF,
// NUL, 1 MB lines, deep repetition, everything on one line): no exception escapes, every range
// stays inside the document. Every other case is analysed as a file from disk would be (no editor
// detail: kmemleak's streaming analyzer; the byte path of perf script and ftrace).
//
// Each case is cheap so that `npm run fuzz` can run 100,000 per parser: the corpus is split into
// lines once, the 1 MB lines are slices of two strings built once, mutations copy arrays with
// loops (no spreads of big arrays), and lines are re-split only when a mutation may have put a
// newline in one (before, every case joined and re-split its whole text, 1 MB lines included).
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { CaptureFormat, FORMATS } from '../../server/src/analysis/formats/registry';
import { CaptureView, OutlineItem } from '../../server/src/analysis/views/captureView';
import { Range } from '../../server/src/analysis/model';
import { MAX_LINE_CHARS } from '../../server/src/analysis/lineReader';
import { FIXTURES } from '../helpers/fixtures';

/** Every text fixture of every format: each parser also gets the others' input. */
export function fixtureCorpus(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.txt') || /\.(trace|kmemleak|perf-script|slabinfo|meminfo)$/.test(e.name)) out.push(fs.readFileSync(p, 'latin1'));
    }
  };
  walk(FIXTURES);
  return out;
}

const MB = 1 << 20;
/** Copies of one line made by deep repetition. */
export const DEEP_REPETITION = 2000;
/** Characters deep repetition may add (a 1 MB line is repeated 4 times, not 2000). */
const DEEP_REPETITION_MAX_CHARS = 4 * MB;

/** The two fillers of 1 MB lines, built once: hex-dump-like bytes and frame-like tokens. */
const FILLERS = [' 0x6b'.repeat(MB / 5 + 1).slice(0, MB), 'kmalloc+0x1/0x2 '.repeat(MB / 16 + 1).slice(0, MB)];

type Rnd = (n: number) => number;
type Mutation = (lines: string[], rnd: Rnd) => string[];

function copy(src: string[], from: number, to: number, out: string[]): void {
  for (let i = from; i < to; i++) out.push(src[i]);
}

/** The mutations, by name (the names appear in fast-check's counterexamples). */
export const MUTATIONS: Record<string, Mutation> = {
  cut: (l, r) => l.slice(0, r(l.length + 1)),
  cutMidLine: (l, r) => {
    const i = r(l.length);
    const out = l.slice(0, i);
    out.push((l[i] ?? '').slice(0, r((l[i]?.length ?? 0) + 1)));
    return out;
  },
  duplicate: (l, r) => {
    const i = r(l.length);
    const j = i + r(l.length - i + 1);
    const out: string[] = [];
    copy(l, 0, j, out);
    copy(l, i, j, out);
    copy(l, j, l.length, out);
    return out;
  },
  shuffle: (l, r) => {
    const c = l.slice();
    for (let i = c.length - 1; i > 0; i--) {
      const j = r(i + 1);
      const t = c[i];
      c[i] = c[j];
      c[j] = t;
    }
    return c;
  },
  dropLines: (l, r) => l.filter(() => r(4) !== 0),
  randomBytes: (l, r) => l.map((x) => (r(5) === 0 ? x.slice(0, r(x.length + 1)) + String.fromCharCode(r(0x10000)) + x.slice(r(x.length + 1)) : x)),
  invalidUtf8: (l, r) => l.map((x) => (r(6) === 0 ? Buffer.from([0xff, 0xfe, 0xc3, ...Buffer.from(x.slice(0, 4096))]).toString('utf8') + x.slice(4096) : x)),
  crlf: (l, r) => l.map((x) => (r(8) === 0 ? `${x}\r\r` : `${x}\r`)),
  nul: (l, r) => l.map((x) => (r(4) === 0 ? x.replace(/ /g, '\u0000') : x)),
  hugeLine: (l, r) => {
    const at = r(l.length + 1);
    const base = l[r(l.length)] ?? 'x';
    const huge = base.length >= MB ? base : base + FILLERS[r(2)].slice(base.length);
    const out = l.slice(0, at);
    out.push(huge);
    copy(l, at, l.length, out);
    return out;
  },
  deepRepetition: (l, r) => {
    const i = r(l.length);
    const line = l[i] ?? '';
    const times = Math.max(1, Math.min(DEEP_REPETITION, Math.floor(DEEP_REPETITION_MAX_CHARS / (line.length + 1))));
    const out = l.slice(0, i);
    for (let k = 0; k < times; k++) out.push(line);
    copy(l, i, l.length, out);
    return out;
  },
  joinLines: (l) => [l.join(' ')],
};

/** What a document holds after the editor splits it: no line holds a newline. Only lines that do are split. */
export function splitNewlines(lines: string[]): string[] {
  let out: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.indexOf('\n') < 0) {
      out?.push(l);
      continue;
    }
    out ??= lines.slice(0, i);
    for (const piece of l.split(/\r?\n/)) out.push(piece);
  }
  return out ?? lines;
}

/** Ranges of the byte path count bytes, not characters: only their lines are checked against the text. */
let linesOnly = false;

function checkRange(r: Range, lines: string[], what: string): void {
  const { start, end } = r;
  const ok =
    start.line >= 0 && end.line < Math.max(lines.length, 1) && start.line <= end.line &&
    start.character >= 0 && end.character >= 0 &&
    (start.line !== end.line || start.character <= end.character) &&
    (linesOnly || end.character <= (lines[end.line]?.length ?? 0) + 1);
  if (!ok) throw new Error(`${what} range out of the document: ${JSON.stringify(r)}`);
}

export function checkView(view: CaptureView, lines: string[]): void {
  for (const f of view.findings) {
    checkRange(f.range, lines, `finding ${f.code}`);
    for (const r of f.related) checkRange(r.range, lines, 'related');
  }
  const walk = (items: OutlineItem[]) => {
    for (const i of items) {
      checkRange(i.range, lines, 'outline');
      checkRange(i.selectionRange, lines, 'outline selection');
      walk(i.children);
    }
  };
  walk(view.outline);
  for (const f of view.folds) if (f.startLine < 0 || f.endLine >= lines.length || f.startLine > f.endLine) throw new Error(`fold out of range ${JSON.stringify(f)}`);
  for (const t of view.tokens) {
    if (t.line < 0 || t.line >= lines.length || t.character < 0 || t.length < 0 || (!linesOnly && t.character + t.length > lines[t.line].length)) {
      throw new Error(`token out of range ${JSON.stringify(t)}`);
    }
  }
  for (const { frame } of view.frames) checkRange(frame.symbolRange, lines, 'frame');
  for (const l of view.lenses) checkRange(l.range, lines, 'lens');
  for (const s of view.suspects) if (!(s.line >= 0 && s.line < lines.length)) throw new Error(`suspect line ${s.line} out of range`);
  // Hovers anywhere must not throw either.
  for (let i = 0; i < Math.min(lines.length, 200); i++) view.hover({ line: i, character: Math.min(lines[i].length, 8) });
}

/** The lines as a document (detail on) or a file from disk (detail off) hands them to the analyzer. */
function analyzeText(format: CaptureFormat, lines: string[], detail: boolean): CaptureView {
  const a = format.create({ detail });
  for (const l of lines) a.push(l);
  return a.finish();
}

/**
 * The lines as a file read from disk reaches the byte path: one buffer, each line handed over
 * without its newline (nor a CR before it) and cut at MAX_LINE_CHARS bytes, as feedByteLines
 * does; the sink may consume following lines itself. Returns the view and the document lines.
 */
function analyzeBytes(format: CaptureFormat, lines: string[]): { view: CaptureView; lines: string[] } {
  const a = format.create({ detail: false });
  const sink = a.bytes!;
  const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
  for (let pos = 0; pos < buf.length; ) {
    const nl = buf.indexOf(10, pos);
    let end = nl;
    if (end > pos && buf[end - 1] === 13) end--;
    if (end - pos > MAX_LINE_CHARS) end = pos + MAX_LINE_CHARS;
    pos = Math.max(nl + 1, sink.line(buf, pos, end, nl + 1, buf.length));
  }
  return { view: a.finish(), lines: lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)) };
}

export interface FuzzResult {
  format: string;
  runs: number;
  /** Cases analysed as a file from disk (detail off; the byte path of perf script and ftrace). */
  diskRuns: number;
  ms: number;
}

let corpusCache: string[][] | undefined;
function corpus(): string[][] {
  corpusCache ??= fixtureCorpus().map((t) => t.split('\n'));
  return corpusCache;
}

/** Runs `runs` mutated inputs through one format; throws (with fast-check's counterexample) on failure. */
export function fuzzFormat(format: CaptureFormat, runs: number, seed: number): FuzzResult {
  const docs = corpus();
  const names = Object.keys(MUTATIONS);
  const hasBytes = format.create().bytes !== undefined;
  let diskRuns = 0;
  const t0 = performance.now();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: docs.length - 1 }),
      fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }),
      fc.integer(),
      (doc, mutations, s) => {
        let state = s >>> 0 || 1;
        const rnd = (n: number) => {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          return n <= 0 ? 0 : (state >>> 0) % n;
        };
        let lines = docs[doc];
        for (const m of mutations) lines = MUTATIONS[m](lines, rnd);
        // Only random characters can put a newline inside a line (the corpus is split on them).
        if (mutations.includes('randomBytes')) lines = splitNewlines(lines);
        if ((s & 1) === 0) {
          checkView(analyzeText(format, lines, true), lines);
        } else if (hasBytes) {
          diskRuns++;
          const b = analyzeBytes(format, lines);
          linesOnly = true;
          try {
            checkView(b.view, b.lines);
          } finally {
            linesOnly = false;
          }
        } else {
          diskRuns++;
          checkView(analyzeText(format, lines, false), lines);
        }
      },
    ),
    { numRuns: runs, seed },
  );
  return { format: format.id, runs, diskRuns, ms: performance.now() - t0 };
}

/** Every registered format (or those named), one after the other. */
export function fuzzFormats(runs: number, seed: number, ids?: string[]): FuzzResult[] {
  return FORMATS.filter((f) => !ids || ids.includes(f.id)).map((f) => fuzzFormat(f, runs, seed));
}
