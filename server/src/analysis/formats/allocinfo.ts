// Parser for /proc/allocinfo (memory allocation profiling, Linux 6.10+), one line per
// allocation call site:
//   allocinfo - version: 1.0
//   #     <size>  <calls> <tag info>
//       45409728   236509 fs/dcache.c:1681 func:__d_alloc
//      115470992   101647 fs/ext4/super.c:1388 [ext4] func:ext4_alloc_inode
// and as people post it: `sort -g /proc/allocinfo | tail`, sizes through `numfmt --to=iec`
// (`2.8M`), lines wrapped by mail (`…/ice_txrx.c:681` + `[ice] func:ice_alloc_mapped_page`),
// several dumps in one capture (separated by prompts, blank lines or a new header).
import { Frame, Problem, Range, Token, range } from '../model';
import { kernelPrefixLength } from '../kernelLines';
import { ForeignLines } from '../views/viewKit';

export interface AllocSite {
  line: number;
  range: Range;
  /** Bytes currently allocated from this site (exact, or from a `numfmt` size). */
  bytes: number;
  /** The size was printed rounded (`2.8M`): bytes are approximate. */
  approximate: boolean;
  bytesRange: Range;
  calls: number;
  callsRange: Range;
  file: string;
  fileLine: number;
  module?: string;
  func: string;
  /** Anything printed after `func:name` (e.g. `accurate:no` in newer kernels). */
  extra?: string;
  /** The site as a frame: function, source file and line, module — for links. */
  frame: Frame;
  /** The line was wrapped (its `func:` part came on the next line). */
  wrapped: boolean;
  dump: number;
}

export interface AllocinfoDump {
  index: number;
  firstLine: number;
  lastLine: number;
  sites: number;
  version?: string;
}

export interface AllocinfoReport {
  format: 'allocinfo';
  sites: AllocSite[];
  dumps: AllocinfoDump[];
  problems: Problem[];
  tokens: Token[];
  lineCount: number;
}

const HEADER = /^allocinfo - version: (\d+(?:\.\d+)*)/;
const COLUMNS = /^#[ \t]+<size>/;
const SITE = /^([ \t]*)(\d+(?:\.\d+)?)([KMGTPE])?([ \t]+)(\d+) ([\w.+/-]+):(\d+)/;
const MODULE = / \[([\w-]+)\]/y;
const FUNC = /[ \t]*func:([A-Za-z_.$][\w.$]*)/y;
const CONTINUATION = /^([ \t]*)(?:\[([\w-]+)\] ?)?func:([A-Za-z_.$][\w.$]*)/;
const MAX_EXAMINED = 64 * 1024;
const UNIT: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/** A site line whose `func:` part has not come yet (it may be wrapped onto the next line). */
type Pending = Pick<AllocSite, 'line' | 'bytes' | 'approximate' | 'bytesRange' | 'calls' | 'callsRange' | 'file' | 'fileLine' | 'module'> & {
  start: number;
  fileRange: Range;
  moduleRange?: Range;
};

export class AllocinfoParser {
  private readonly sites: AllocSite[] = [];
  private readonly dumps: AllocinfoDump[] = [];
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly foreign = new ForeignLines();
  private lineNo = 0;
  private keysInDump = new Set<string>();
  private breakPending = false;
  private version: string | undefined;
  private pending: Pending | undefined;
  private wrapped = { count: 0, first: -1 };
  private collapsed = { count: 0, first: -1 };

  push(rawLine: string): void {
    const line = this.lineNo++;
    const raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    const p = kernelPrefixLength(raw);
    if (p > 0) this.tokens.push({ line, character: 0, length: p, kind: 'prefix' });
    let at = p;
    if (this.pending) {
      const c = CONTINUATION.exec(raw.slice(p));
      const pend = this.pending;
      this.pending = undefined;
      if (c) {
        this.note(this.wrapped, pend.line);
        let col = p + c[1].length;
        let moduleRange: Range | undefined;
        if (c[2] !== undefined) {
          moduleRange = range(line, col + 1, col + 1 + c[2].length);
          col += c[2].length + 2 + (raw[col + c[2].length + 2] === ' ' ? 1 : 0);
        }
        const funcAt = raw.indexOf('func:', col) + 5;
        this.complete(pend, { module: c[2] ?? pend.module, moduleRange: moduleRange ?? pend.moduleRange, func: c[3], funcRange: range(line, funcAt, funcAt + c[3].length), endLine: line, wrapped: true });
        at = funcAt + c[3].length;
        // A lost newline may glue the next entry to this continuation.
        const rest = raw.slice(at);
        if (SITE.test(rest)) {
          this.note(this.collapsed, line);
          this.site(line, raw, at);
          return;
        }
        this.extraAfter(raw, at);
        return;
      }
      this.complete(pend, { endLine: pend.line, wrapped: false });
    }
    const text = raw.slice(p);
    let m: RegExpExecArray | null;
    if ((m = HEADER.exec(text))) {
      this.version = m[1];
      if (this.dumps.length > 0) this.breakPending = true;
      this.tokens.push({ line, character: p, length: 9, kind: 'keyword' });
      this.tokens.push({ line, character: p + m[0].length - m[1].length, length: m[1].length, kind: 'number' });
      return;
    }
    if (COLUMNS.test(text)) {
      this.tokens.push({ line, character: p, length: text.length, kind: 'keyword' });
      return;
    }
    if (this.site(line, raw, at)) return;
    if (text.trim() === '') {
      if (this.dumps.length > 0) this.breakPending = true;
      return;
    }
    if (this.dumps.length > 0) this.breakPending = true;
    this.foreign.add(line);
  }

  finish(): AllocinfoReport {
    if (this.pending) {
      const pend = this.pending;
      this.pending = undefined;
      this.complete(pend, { endLine: pend.line, wrapped: false });
    }
    const f = this.foreign.problem('allocinfo lines');
    if (f && this.sites.length > 0) this.problems.push(f);
    if (this.wrapped.count > 0) {
      this.problems.push({
        range: range(this.wrapped.first, 0, 0),
        severity: 'hint',
        message: `${this.wrapped.count} line${this.wrapped.count === 1 ? ' was' : 's were'} wrapped (mail): the "func:" part came on the next line and was joined.`,
        code: 'wrapped-line',
      });
    }
    if (this.collapsed.count > 0) {
      this.problems.push({
        range: range(this.collapsed.first, 0, 0),
        severity: 'hint',
        message: `${this.collapsed.count} line${this.collapsed.count === 1 ? ' holds' : 's hold'} two entries (a newline was lost); each was read on its own.`,
        code: 'collapsed-lines',
      });
    }
    if (this.sites.length === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message: 'No allocinfo lines found: expected "<bytes> <calls> file.c:line [module] func:name" as in /proc/allocinfo (CONFIG_MEM_ALLOC_PROFILING, Linux 6.10+).',
        code: 'no-records',
      });
    }
    return { format: 'allocinfo', sites: this.sites, dumps: this.dumps, problems: this.problems, tokens: this.tokens, lineCount: this.lineNo };
  }

  private note(counter: { count: number; first: number }, line: number): void {
    if (counter.count++ === 0) counter.first = line;
  }

  /** Parse the site at column `at` and any glued after it (lost newlines); false when there is none. */
  private site(line: number, raw: string, at: number): boolean {
    let next: number | undefined = at;
    let any = false;
    while (next !== undefined) {
      const r = this.oneSite(line, raw, next);
      if (r === false) return any;
      any = true;
      next = r === true ? undefined : r;
    }
    return any;
  }

  /** One site at `at`: false when there is none, true when done, or the column of a glued next site. */
  private oneSite(line: number, raw: string, at: number): boolean | number {
    const m = SITE.exec(raw.slice(at));
    if (!m) return false;
    let col = at + m[1].length;
    const bytesText = m[2] + (m[3] ?? '');
    const approximate = m[3] !== undefined || m[2].includes('.');
    const bytes = Math.round(Number(m[2]) * (m[3] ? UNIT[m[3]] : 1));
    const bytesRange = range(line, col, col + bytesText.length);
    col += bytesText.length + m[4].length;
    const callsRange = range(line, col, col + m[5].length);
    col += m[5].length + 1;
    const fileRange = range(line, col, col + m[6].length + 1 + m[7].length);
    col += m[6].length + 1 + m[7].length;
    const pend: Pending = { line, start: at + m[1].length, bytes, approximate, bytesRange, calls: Number(m[5]), callsRange, file: m[6], fileLine: Number(m[7]), fileRange };
    MODULE.lastIndex = col;
    const mod = MODULE.exec(raw);
    if (mod) {
      pend.module = mod[1];
      pend.moduleRange = range(line, col + 2, col + 2 + mod[1].length);
      col += mod[0].length;
    }
    FUNC.lastIndex = col;
    const fn = FUNC.exec(raw);
    if (!fn) {
      if (raw.slice(col).trim() === '') {
        // Wrapped: the rest comes on the next line.
        this.pending = pend;
        return true;
      }
      return false;
    }
    const funcAt = FUNC.lastIndex - fn[1].length;
    this.complete(pend, { func: fn[1], funcRange: range(line, funcAt, funcAt + fn[1].length), endLine: line, wrapped: false });
    const after = FUNC.lastIndex;
    const rest = raw.slice(after);
    const glued = /^[ \t]*\d/.test(rest) ? SITE.exec(rest) : null;
    if (glued) {
      this.note(this.collapsed, line);
      return after;
    }
    this.extraAfter(raw, after);
    return true;
  }

  private extraAfter(raw: string, at: number): void {
    const extra = raw.slice(at).trim();
    const last = this.sites[this.sites.length - 1];
    if (extra !== '' && last) last.extra = extra;
  }

  private complete(
    p: Pending,
    rest: { module?: string; moduleRange?: Range; func?: string; funcRange?: Range; endLine: number; wrapped: boolean },
  ): void {
    const func = rest.func ?? '(unknown)';
    const key = `${p.file}:${p.fileLine}:${func}`;
    let dump = this.dumps[this.dumps.length - 1];
    if (!dump || this.breakPending || this.keysInDump.has(key)) {
      dump = { index: this.dumps.length, firstLine: p.line, lastLine: p.line, sites: 0, version: this.version };
      this.dumps.push(dump);
      this.keysInDump = new Set();
    }
    this.breakPending = false;
    this.keysInDump.add(key);
    const module = rest.module ?? p.module;
    const moduleRange = rest.moduleRange ?? p.moduleRange;
    const funcRange = rest.funcRange ?? range(p.line, p.fileRange.end.character, p.fileRange.end.character);
    const frame: Frame = {
      symbol: rest.func,
      module,
      file: p.file,
      fileLine: p.fileLine,
      inline: false,
      unreliable: false,
      range: rest.funcRange && rest.funcRange.start.line === p.line ? range(p.line, p.fileRange.start.character, rest.funcRange.end.character) : p.fileRange,
      symbolRange: rest.func ? funcRange : p.fileRange,
      moduleRange,
      fileRange: p.fileRange,
    };
    const endChar = rest.endLine === p.line ? (rest.funcRange?.end.character ?? p.fileRange.end.character) : (rest.funcRange?.end.character ?? 0);
    this.sites.push({
      line: p.line,
      range: { start: { line: p.line, character: p.start }, end: { line: rest.endLine, character: endChar } },
      bytes: p.bytes,
      approximate: p.approximate,
      bytesRange: p.bytesRange,
      calls: p.calls,
      callsRange: p.callsRange,
      file: p.file,
      fileLine: p.fileLine,
      module,
      func,
      frame,
      wrapped: rest.wrapped,
      dump: dump.index,
    });
    dump.lastLine = rest.endLine;
    dump.sites++;
    this.tokens.push({ line: p.line, character: p.bytesRange.start.character, length: p.bytesRange.end.character - p.bytesRange.start.character, kind: 'size' });
    this.tokens.push({ line: p.line, character: p.callsRange.start.character, length: p.callsRange.end.character - p.callsRange.start.character, kind: 'number' });
    this.tokens.push({ line: p.line, character: p.fileRange.start.character, length: p.fileRange.end.character - p.fileRange.start.character, kind: 'file' });
    if (moduleRange) this.tokens.push({ line: moduleRange.start.line, character: moduleRange.start.character, length: moduleRange.end.character - moduleRange.start.character, kind: 'module' });
    if (rest.funcRange) {
      const f = rest.funcRange;
      this.tokens.push({ line: f.start.line, character: f.start.character - 5, length: 4, kind: 'keyword' });
      this.tokens.push({ line: f.start.line, character: f.start.character, length: f.end.character - f.start.character, kind: 'function' });
    }
  }
}

export function parseAllocinfo(lines: Iterable<string>): AllocinfoReport {
  const p = new AllocinfoParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

/** Does this line identify /proc/allocinfo (for format detection)? */
export function isAllocinfoSignature(line: string): boolean {
  return /^allocinfo - version: \d/.test(line) || /^[ \t]*\d+(?:\.\d+)?[KMGTPE]?[ \t]+\d+ [\w.+/-]+\.[chS]:\d+ (?:\[[\w-]+\] )?func:[A-Za-z_]/.test(line);
}
