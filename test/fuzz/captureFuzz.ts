// Property-based fuzzing of every registered capture format with mutations of the real
// fixtures: no exception escapes, every range stays inside the document.
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { FORMATS, analyzeLines } from '../../server/src/analysis/formats/registry';
import { CaptureView, OutlineItem } from '../../server/src/analysis/views/captureView';
import { Range } from '../../server/src/analysis/model';
import { FIXTURES } from '../helpers/fixtures';

/** Every text fixture of every format: each parser also gets the others' input. */
export function fixtureCorpus(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.txt') || /\.(trace|kmemleak|perf-script|slabinfo|meminfo)$/.test(e.name)) out.push(fs.readFileSync(p, 'latin1'));
    }
  };
  walk(FIXTURES);
  return out;
}

type Mutation = (lines: string[], rnd: (n: number) => number) => string[];

const MUTATIONS: Record<string, Mutation> = {
  cut: (l, r) => l.slice(0, r(l.length + 1)),
  cutMidLine: (l, r) => {
    const i = r(l.length);
    return [...l.slice(0, i), l[i]?.slice(0, r((l[i]?.length ?? 0) + 1)) ?? ''];
  },
  duplicate: (l, r) => {
    const i = r(l.length);
    const j = i + r(l.length - i + 1);
    return [...l.slice(0, j), ...l.slice(i, j), ...l.slice(j)];
  },
  shuffle: (l, r) => {
    const c = [...l];
    for (let i = c.length - 1; i > 0; i--) {
      const j = r(i + 1);
      [c[i], c[j]] = [c[j], c[i]];
    }
    return c;
  },
  dropLines: (l, r) => l.filter(() => r(4) !== 0),
  randomBytes: (l, r) => l.map((x) => (r(5) === 0 ? x.slice(0, r(x.length + 1)) + String.fromCharCode(r(0x10000)) + x.slice(r(x.length + 1)) : x)),
  invalidUtf8: (l, r) => l.map((x) => (r(6) === 0 ? Buffer.from([0xff, 0xfe, 0xc3, ...Buffer.from(x)]).toString('utf8') : x)),
  crlf: (l) => l.map((x) => x + '\r'),
  nul: (l, r) => l.map((x) => (r(4) === 0 ? x.replace(/ /g, '\u0000') : x)),
  hugeLine: (l, r) => {
    const c = [...l];
    c.splice(r(c.length + 1), 0, (c[r(c.length)] ?? 'x').padEnd(1 << 20, r(2) ? ' 0x6b' : 'kmalloc+0x1/0x2 '));
    return c;
  },
  deepRepetition: (l, r) => {
    const i = r(l.length);
    return [...l.slice(0, i), ...Array<string>(2000).fill(l[i] ?? ''), ...l.slice(i)];
  },
  joinLines: (l) => [l.join(' ')],
};

function checkRange(r: Range, lines: string[], what: string): void {
  const { start, end } = r;
  const ok =
    start.line >= 0 && end.line < Math.max(lines.length, 1) && start.line <= end.line &&
    start.character >= 0 && end.character >= 0 &&
    (start.line !== end.line || start.character <= end.character) &&
    end.character <= (lines[end.line]?.length ?? 0) + 1;
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
    if (t.line < 0 || t.line >= lines.length || t.character < 0 || t.length < 0 || t.character + t.length > lines[t.line].length) {
      throw new Error(`token out of range ${JSON.stringify(t)}`);
    }
  }
  for (const { frame } of view.frames) checkRange(frame.symbolRange, lines, 'frame');
  for (const l of view.lenses) checkRange(l.range, lines, 'lens');
  for (const s of view.suspects) if (!(s.line >= 0 && s.line < lines.length)) throw new Error(`suspect line ${s.line} out of range`);
  // Hovers anywhere must not throw either.
  for (let i = 0; i < Math.min(lines.length, 200); i++) view.hover({ line: i, character: Math.min(lines[i].length, 8) });
}

export interface FuzzResult {
  format: string;
  runs: number;
}

/** Runs `runs` mutated inputs through each format; throws (with fast-check's counterexample) on failure. */
export function fuzzFormats(runs: number, seed: number): FuzzResult[] {
  const corpus = fixtureCorpus().map((t) => t.split('\n'));
  const names = Object.keys(MUTATIONS);
  const results: FuzzResult[] = [];
  for (const format of FORMATS) {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: corpus.length - 1 }),
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
          let lines = corpus[doc];
          for (const m of mutations) lines = MUTATIONS[m](lines, rnd);
          // What a document holds after the editor splits it: no embedded newlines.
          lines = lines.join('\n').split(/\r?\n/);
          checkView(analyzeLines(format, lines), lines);
        },
      ),
      { numRuns: runs, seed },
    );
    results.push({ format: format.id, runs });
  }
  return results;
}
