// Parser for /proc/vmallocinfo: one line per vmalloc-space area,
//   0xffffb2a680025000-0xffffb2a680036000   69632 alloc_large_system_hash+0x181/0x23e pages=16 vmalloc N0=16
//   0xffffb3c1c000b000-0xffffb3c1c000d000    8192 hpet_enable+0x37/0x2b8 phys=0x00000000fed00000 ioremap
//   0xece7c000-0xece7e000    8192 unpurged vm_area
//   0xece7e000-0xece83000   20480 vm_map_ram
// Several dumps may follow each other in one capture (a recorder printing it every minute,
// separated by date lines or blank lines); newlines may be lost (entries glued together).
import { Frame, Problem, Range, Token, range } from '../model';
import { kernelPrefixLength, markerSegments } from '../kernelLines';
import { frameTokens, parseFrame } from '../frames';
import { ForeignLines } from '../views/viewKit';

export type VmKind = 'vmalloc' | 'vmap' | 'ioremap' | 'vm_map_ram' | 'unpurged' | 'user' | 'other';

export interface VmEntry {
  line: number;
  /** The whole entry on its line (a line may hold several when newlines were lost). */
  range: Range;
  /** `0x…-0x…` range of the area on the line. */
  addressRange: Range;
  start: string;
  end: string;
  /** Size as printed: the area's address space, guard page included. */
  size: number;
  sizeRange: Range;
  /** `caller+off/len [mod]`, absent for `unpurged vm_area` and `vm_map_ram`. */
  caller?: Frame;
  /** Grouping key: base caller name, `unpurged vm_area`, `vm_map_ram` or the bare address. */
  callerKey: string;
  module?: string;
  pages?: number;
  pagesRange?: Range;
  phys?: string;
  physRange?: Range;
  /** Flag words in order (ioremap, vmalloc, vmap, user, vpages, dma-coherent, sparse). */
  flags: { word: string; range: Range }[];
  kind: VmKind;
  numa: { node: number; pages: number; range: Range }[];
  /** Index of the dump this entry belongs to. */
  dump: number;
}

export interface VmallocDump {
  index: number;
  /** Line of the first entry and of the last. */
  firstLine: number;
  lastLine: number;
  entries: number;
  /** The line before the dump that separated it from the previous one, if any. */
  separatorLine?: number;
}

export interface VmallocReport {
  format: 'vmallocinfo';
  entries: VmEntry[];
  dumps: VmallocDump[];
  /** Page size inferred from `pages=` and sizes (areas carry one guard page). */
  pageSize: number;
  /** Lines where the capture was elided (`[..]`, `... *total* 674 lines ...`). */
  elisions: number[];
  problems: Problem[];
  tokens: Token[];
  lineCount: number;
}

const ENTRY_MARK = /0x[0-9a-fA-F]{8,16}-0x[0-9a-fA-F]{8,16}[ \t]+\d/;
const ENTRY = /0x([0-9a-fA-F]{8,16})-0x([0-9a-fA-F]{8,16})([ \t]+)(\d+)/y;
const CALLER = /([A-Za-z_.$][\w.$]*\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+|0x[0-9a-fA-F]{6,16})(?: \[[\w-]+\])?/y;
const WORD = /[ \t]+(\S+)/y;
const ELISION = /^[ \t]*(?:\[ ?\.{2,} ?\]|\.\.\.|…)/;
const MAX_EXAMINED = 64 * 1024;
const FLAG_WORDS = new Set(['ioremap', 'vmalloc', 'vmap', 'user', 'vpages', 'dma-coherent', 'sparse']);

export class VmallocinfoParser {
  private readonly entries: VmEntry[] = [];
  private readonly dumps: VmallocDump[] = [];
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly elisions: number[] = [];
  private readonly foreign = new ForeignLines();
  private lineNo = 0;
  private startsInDump = new Set<string>();
  private breakPending: number | undefined;
  private collapsed = { lines: 0, first: -1 };
  private pageSizes = new Map<number, number>();

  push(rawLine: string): void {
    const line = this.lineNo++;
    const raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    if (!ENTRY_MARK.test(raw)) {
      this.other(line, raw);
      return;
    }
    const segs = markerSegments(raw, ENTRY_MARK);
    if (segs.length > 1 && this.collapsed.lines++ === 0) this.collapsed.first = line;
    for (const s of segs) {
      if (s.from > s.start) this.tokens.push({ line, character: s.start, length: s.from - s.start, kind: 'prefix' });
      const text = raw.slice(0, s.end);
      const at = s.from + (/^[ \t]*/.exec(text.slice(s.from))?.[0].length ?? 0);
      if (!this.entry(line, text, at)) {
        const content = text.slice(s.from);
        if (content.trim() !== '') this.other(line, content);
      }
    }
  }

  finish(): VmallocReport {
    const f = this.foreign.problem('vmallocinfo entries');
    if (f && this.entries.length > 0) this.problems.push(f);
    if (this.collapsed.lines > 0) {
      this.problems.push({
        range: range(this.collapsed.first, 0, 0),
        severity: 'hint',
        message: `${this.collapsed.lines} line${this.collapsed.lines === 1 ? ' holds' : 's hold'} several entries (newlines lost in the capture); each entry was read on its own.`,
        code: 'collapsed-lines',
      });
    }
    if (this.elisions.length > 0) {
      this.problems.push({
        range: range(this.elisions[0], 0, 0),
        severity: 'information',
        message: `The capture was elided at ${this.elisions.length} place${this.elisions.length === 1 ? '' : 's'} ("[..]" or "..."): totals cover only the entries shown.`,
        code: 'elided',
      });
    }
    if (this.entries.length === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message: 'No vmallocinfo entries found: expected lines like "0x…-0x…  8192 caller+0x1/0x2 pages=1 vmalloc" as in /proc/vmallocinfo (read it as root: addresses are hidden otherwise).',
        code: 'no-records',
      });
    }
    return {
      format: 'vmallocinfo',
      entries: this.entries,
      dumps: this.dumps,
      pageSize: this.pageSize(),
      elisions: this.elisions,
      problems: this.problems,
      tokens: this.tokens,
      lineCount: this.lineNo,
    };
  }

  private pageSize(): number {
    let best = 4096;
    let votes = 0;
    for (const [size, n] of this.pageSizes) if (n > votes) (best = size), (votes = n);
    return best;
  }

  private other(line: number, raw: string): void {
    const p = kernelPrefixLength(raw);
    const text = raw.slice(p);
    if (ELISION.test(text)) {
      this.elisions.push(line);
      return;
    }
    if (text.trim() === '') {
      if (this.currentDump()) this.breakPending ??= line;
      return;
    }
    if (this.currentDump()) this.breakPending ??= line;
    this.foreign.add(line);
  }

  private currentDump(): VmallocDump | undefined {
    return this.dumps[this.dumps.length - 1];
  }

  private entry(line: number, text: string, at: number): boolean {
    ENTRY.lastIndex = at;
    const m = ENTRY.exec(text);
    if (!m) return false;
    const start = m[1].toLowerCase();
    let dump = this.currentDump();
    // A new dump: after a separator (or blank) line, or when an area shows up twice.
    if (!dump || this.breakPending !== undefined || this.startsInDump.has(start)) {
      dump = { index: this.dumps.length, firstLine: line, lastLine: line, entries: 0, separatorLine: dump ? this.breakPending : undefined };
      this.dumps.push(dump);
      this.startsInDump = new Set();
    }
    this.breakPending = undefined;
    this.startsInDump.add(start);
    const sizeAt = at + 2 + m[1].length + 3 + m[2].length + m[3].length;
    const size = Number(m[4]);
    const e: VmEntry = {
      line,
      range: range(line, at, text.length),
      addressRange: range(line, at, at + 5 + m[1].length + m[2].length),
      start,
      end: m[2].toLowerCase(),
      size,
      sizeRange: range(line, sizeAt, sizeAt + m[4].length),
      callerKey: '',
      flags: [],
      kind: 'other',
      numa: [],
      dump: dump.index,
    };
    this.tokens.push({ line, character: at, length: 2 + m[1].length, kind: 'address' });
    this.tokens.push({ line, character: at + 3 + m[1].length, length: 2 + m[2].length, kind: 'address' });
    this.tokens.push({ line, character: sizeAt, length: m[4].length, kind: 'size' });
    let pos = sizeAt + m[4].length;
    const rest = text.slice(pos);
    const restAt = pos + (/^[ \t]*/.exec(rest)?.[0].length ?? 0);
    if (text.startsWith('unpurged vm_area', restAt)) {
      e.callerKey = 'unpurged vm_area';
      e.kind = 'unpurged';
      this.tokens.push({ line, character: restAt, length: 16, kind: 'keyword' });
      pos = restAt + 16;
    } else if (text.startsWith('vm_map_ram', restAt)) {
      e.callerKey = 'vm_map_ram';
      e.kind = 'vm_map_ram';
      this.tokens.push({ line, character: restAt, length: 10, kind: 'keyword' });
      pos = restAt + 10;
    } else {
      CALLER.lastIndex = restAt;
      const c = CALLER.exec(text);
      if (c) {
        const parsed = parseFrame(text.slice(0, restAt + c[0].length), restAt, line);
        if (parsed) {
          e.caller = parsed.frame;
          e.module = parsed.frame.module;
          e.callerKey = parsed.frame.symbol ? parsed.frame.symbol.replace(/\.(?:cold|isra|constprop|part)(?:\.\d+)*$/, '') : `0x${parsed.frame.address}`;
          this.tokens.push(...frameTokens(parsed.frame));
        }
        pos = restAt + c[0].length;
      }
    }
    for (WORD.lastIndex = pos; ; ) {
      const w = WORD.exec(text);
      if (!w) break;
      const wordAt = WORD.lastIndex - w[1].length;
      this.word(e, line, w[1], wordAt);
    }
    if (e.kind === 'other') {
      const words = new Set(e.flags.map((f) => f.word));
      e.kind = words.has('ioremap') ? 'ioremap' : words.has('vmalloc') ? 'vmalloc' : words.has('vmap') ? 'vmap' : words.has('user') ? 'user' : e.pages !== undefined ? 'vmalloc' : 'other';
    }
    if (!e.callerKey) e.callerKey = `(no caller, ${e.kind})`;
    if (e.pages !== undefined && e.pages > 0) {
      const guarded = size / (e.pages + 1);
      const ps = Number.isInteger(guarded) && guarded >= 4096 && (guarded & (guarded - 1)) === 0 ? guarded : size / e.pages;
      if (Number.isInteger(ps) && ps >= 4096 && (ps & (ps - 1)) === 0) this.pageSizes.set(ps, (this.pageSizes.get(ps) ?? 0) + 1);
    }
    dump.lastLine = line;
    dump.entries++;
    this.entries.push(e);
    return true;
  }

  private word(e: VmEntry, line: number, word: string, at: number): void {
    let m: RegExpExecArray | null;
    if ((m = /^pages=(\d+)$/.exec(word))) {
      e.pages = Number(m[1]);
      e.pagesRange = range(line, at, at + word.length);
      this.tokens.push({ line, character: at, length: 5, kind: 'keyword' });
      this.tokens.push({ line, character: at + 6, length: m[1].length, kind: 'number' });
    } else if ((m = /^phys=(?:0x)?([0-9a-fA-F]+)$/.exec(word))) {
      e.phys = m[1].toLowerCase();
      e.physRange = range(line, at, at + word.length);
      this.tokens.push({ line, character: at, length: 4, kind: 'keyword' });
      this.tokens.push({ line, character: at + 5, length: word.length - 5, kind: 'address' });
    } else if ((m = /^N(\d+)=(\d+)$/.exec(word))) {
      e.numa.push({ node: Number(m[1]), pages: Number(m[2]), range: range(line, at, at + word.length) });
      this.tokens.push({ line, character: at + word.indexOf('=') + 1, length: m[2].length, kind: 'number' });
    } else if (FLAG_WORDS.has(word)) {
      e.flags.push({ word, range: range(line, at, at + word.length) });
      this.tokens.push({ line, character: at, length: word.length, kind: 'keyword' });
    }
  }
}

export function parseVmallocinfo(lines: Iterable<string>): VmallocReport {
  const p = new VmallocinfoParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

/** Does this line identify /proc/vmallocinfo (for format detection)? */
export function isVmallocinfoSignature(line: string): boolean {
  return /^[ \t]*0x[0-9a-fA-F]{8,16}-0x[0-9a-fA-F]{8,16}[ \t]+\d+[ \t]/.test(line);
}
