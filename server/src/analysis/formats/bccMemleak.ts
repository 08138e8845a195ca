// Parser for the kernel-mode output of BCC's memleak.py and libbpf-tools' memleak:
//   [10:45:48] Top 5 stacks with outstanding allocations:
//   	8 bytes in 1 allocations from stack
//   		pcpu_alloc+0x3d8 [kernel]                          (bcc; old bcc: "bpf_prog_load [kernel]")
//   7606272 bytes in 1857 allocations from stack
//           0 [<ffffffffad44ab78>] __alloc_pages_nodemask+0x1e8   (libbpf-tools)
//                   0xffffffe1294db528      [unknown]          (unresolved)
//   		b'pcpu_alloc+0x3d8 [kernel]\n\t\tpcpu_alloc+…'      (python3 bytes-repr bug, bcc before PR #2316)
// and slabratetop's tables (CACHE ALLOCS BYTES), which the same toolkit prints.
import { Frame, Problem, Range, Token, range } from '../model';
import { logPrefixLength } from '../logPrefix';
import { frameTokens } from '../frames';
import { parseStackLine } from '../stackLine';
import { ForeignLines } from '../views/viewKit';

export interface BccStack {
  headerLine: number;
  /** `N bytes in M allocations from stack` on its line. */
  headerRange: Range;
  bytes: number;
  bytesRange: Range;
  allocations: number;
  allocationsRange: Range;
  frames: Frame[];
  endLine: number;
  /** Its frames were printed as a Python bytes literal on one line. */
  bytesRepr: boolean;
  /** A frame line was cut short (truncated capture). */
  cut: boolean;
  dump: number;
}

export interface BccDump {
  index: number;
  /** `[hh:mm:ss]` of the dump header, when printed. */
  time?: string;
  headerLine?: number;
  headerRange?: Range;
  /** N of "Top N stacks". */
  declared?: number;
  stacks: number;
}

export interface SlabRateRow {
  line: number;
  range: Range;
  cache: string;
  cacheRange: Range;
  allocs: number;
  bytes: number;
  table: number;
  time?: string;
}

export interface BccMemleakReport {
  format: 'bcc-memleak';
  stacks: BccStack[];
  dumps: BccDump[];
  slabRates: SlabRateRow[];
  problems: Problem[];
  tokens: Token[];
  lineCount: number;
}

const DUMP = /^(?:\[(\d\d:\d\d:\d\d)\] )?Top (\d+) stacks with outstanding allocations:/;
const STACK = /^([ \t]*)(\d+) bytes in (\d+) allocations? from stack/;
const SHOW_ALLOC = /^[ \t]*addr = (?:0x)?[0-9a-fA-F]+ size = \d+/;
const NULL_SYM = /^[ \t]*\d{1,4} \[<([0-9a-fA-F]{1,16})>\] (?:<null sym>|\[[^\]]*\])[ \t]*$/;
const CUT_FRAME = /^[ \t]*(?:\d{1,4} )?\[<[0-9a-fA-F]*$|^[ \t]*\d{1,4} \[<[0-9a-fA-F]+>\][ \t]*$/;
const BYTES_REPR = /^[ \t]*b(['"])/;
const SLAB_TIME = /^(\d\d:\d\d:\d\d) loadavg: /;
const SLAB_HEADER = /^CACHE[ \t]+ALLOCS[ \t]+BYTES[ \t]*$/;
const SLAB_ROW = /^(\S+)[ \t]+(\d+)[ \t]+(\d+)[ \t]*$/;
const MAX_EXAMINED = 64 * 1024;

export class BccMemleakParser {
  private readonly stacks: BccStack[] = [];
  private readonly dumps: BccDump[] = [];
  private readonly slabRates: SlabRateRow[] = [];
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly foreign = new ForeignLines();
  private current: BccStack | undefined;
  private lineNo = 0;
  private inTable = false;
  private tables = 0;
  private tableTime: string | undefined;
  private bytesReprLines = { count: 0, first: -1 };

  push(rawLine: string): void {
    const line = this.lineNo++;
    const raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    // memleak's own "[hh:mm:ss]" is part of its dump header, not a log prefix.
    const p = logPrefixLength(raw);
    if (p > 0) this.tokens.push({ line, character: 0, length: p, kind: 'prefix' });
    const text = raw.slice(p);
    let m: RegExpExecArray | null;
    if ((m = DUMP.exec(text))) {
      this.close();
      this.inTable = false;
      const dump: BccDump = { index: this.dumps.length, time: m[1], headerLine: line, headerRange: range(line, p, p + m[0].length), declared: Number(m[2]), stacks: 0 };
      this.dumps.push(dump);
      if (m[1]) this.tokens.push({ line, character: p, length: m[1].length + 2, kind: 'prefix' });
      const topAt = p + (m[1] ? m[1].length + 3 : 0);
      this.tokens.push({ line, character: topAt, length: 3, kind: 'keyword' });
      this.tokens.push({ line, character: topAt + 4, length: m[2].length, kind: 'number' });
      return;
    }
    if ((m = STACK.exec(text))) {
      this.close();
      this.inTable = false;
      let dump = this.dumps[this.dumps.length - 1];
      if (!dump) {
        dump = { index: 0, stacks: 0 };
        this.dumps.push(dump);
      }
      dump.stacks++;
      const at = p + m[1].length;
      const bytesRange = range(line, at, at + m[2].length);
      const allocAt = at + m[2].length + 10;
      this.current = {
        headerLine: line,
        headerRange: range(line, at, p + m[0].length),
        bytes: Number(m[2]),
        bytesRange,
        allocations: Number(m[3]),
        allocationsRange: range(line, allocAt, allocAt + m[3].length),
        frames: [],
        endLine: line,
        bytesRepr: false,
        cut: false,
        dump: dump.index,
      };
      this.stacks.push(this.current);
      this.tokens.push({ line, character: at, length: m[2].length, kind: 'size' });
      this.tokens.push({ line, character: allocAt, length: m[3].length, kind: 'number' });
      return;
    }
    if (this.current) {
      if (this.frameLine(line, raw, p, text)) return;
      if (text.trim() === '') {
        this.close();
        return;
      }
    }
    if (this.slabTable(line, raw, p, text)) return;
    if (text.trim() !== '') this.foreign.add(line);
  }

  finish(): BccMemleakReport {
    this.close();
    const f = this.foreign.problem('memleak stacks');
    if (f && (this.stacks.length > 0 || this.slabRates.length > 0)) this.problems.push(f);
    if (this.bytesReprLines.count > 0) {
      this.problems.push({
        range: range(this.bytesReprLines.first, 0, 0),
        severity: 'hint',
        message: `${this.bytesReprLines.count} stack${this.bytesReprLines.count === 1 ? ' was' : 's were'} printed as a Python bytes literal on one line (a memleak.py bug under Python 3, fixed in bcc PR #2316); its frames were split.`,
        code: 'bytes-repr',
      });
    }
    if (this.stacks.length === 0 && this.slabRates.length === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message: 'No memleak stacks found: expected "N bytes in M allocations from stack" lines followed by frames, as printed by BCC memleak or libbpf-tools memleak.',
        code: 'no-records',
      });
    }
    return { format: 'bcc-memleak', stacks: this.stacks, dumps: this.dumps, slabRates: this.slabRates, problems: this.problems, tokens: this.tokens, lineCount: this.lineNo };
  }

  private frameLine(line: number, raw: string, p: number, text: string): boolean {
    const s = this.current!;
    const repr = BYTES_REPR.exec(text);
    if (repr) {
      this.bytesRepr(line, raw, p + repr[0].length, repr[1]);
      return true;
    }
    const parsed = parseStackLine(raw, p, line, { bareSymbolWithModule: true });
    if (parsed) {
      s.frames.push(parsed.frame);
      this.tokens.push(...frameTokens(parsed.frame));
      s.endLine = line;
      return true;
    }
    let m: RegExpExecArray | null;
    if ((m = NULL_SYM.exec(text))) {
      const addrAt = p + text.indexOf('[<') + 2;
      const f: Frame = { address: m[1], inline: false, unreliable: false, range: range(line, p, raw.length), symbolRange: range(line, addrAt, addrAt + m[1].length) };
      s.frames.push(f);
      this.tokens.push({ line, character: addrAt, length: m[1].length, kind: 'address' });
      s.endLine = line;
      return true;
    }
    if (SHOW_ALLOC.test(text)) {
      s.endLine = line;
      return true;
    }
    if (CUT_FRAME.test(text)) {
      s.cut = true;
      s.endLine = line;
      this.problems.push({ range: range(line, p, raw.length), severity: 'warning', message: 'This frame line is cut short (truncated capture).', code: 'cut-line' });
      return true;
    }
    return false;
  }

  /** `b'frame\n\t\tframe\n\t\tframe'`: split at the escaped newlines, keep columns. */
  private bytesRepr(line: number, raw: string, from: number, quote: string): void {
    const s = this.current!;
    s.bytesRepr = true;
    s.endLine = line;
    if (this.bytesReprLines.count++ === 0) this.bytesReprLines.first = line;
    const close = raw.lastIndexOf(quote);
    const end = close >= from ? close : raw.length;
    let start = from;
    while (start < end) {
      let next = raw.indexOf('\\n', start);
      if (next < 0 || next > end) next = end;
      const parsed = parseStackLine(raw.slice(0, next), start, line, { bareSymbolWithModule: true });
      if (parsed) {
        s.frames.push(parsed.frame);
        this.tokens.push(...frameTokens(parsed.frame));
      }
      start = next + 2;
      while (raw.startsWith('\\t', start)) start += 2;
    }
  }

  private slabTable(line: number, raw: string, p: number, text: string): boolean {
    let m: RegExpExecArray | null;
    if ((m = SLAB_TIME.exec(text))) {
      this.tableTime = m[1];
      this.tokens.push({ line, character: p, length: 8, kind: 'prefix' });
      return true;
    }
    if (SLAB_HEADER.test(text)) {
      this.close();
      this.inTable = true;
      this.tables++;
      this.tokens.push({ line, character: p, length: text.trimEnd().length, kind: 'keyword' });
      return true;
    }
    if (this.inTable && (m = SLAB_ROW.exec(text))) {
      const allocsAt = p + text.indexOf(m[2], m[1].length);
      const bytesAt = p + text.indexOf(m[3], allocsAt - p + m[2].length);
      this.slabRates.push({
        line,
        range: range(line, p, raw.length),
        cache: m[1],
        cacheRange: range(line, p, p + m[1].length),
        allocs: Number(m[2]),
        bytes: Number(m[3]),
        table: this.tables - 1,
        time: this.tableTime,
      });
      this.tokens.push({ line, character: p, length: m[1].length, kind: 'cache' });
      this.tokens.push({ line, character: allocsAt, length: m[2].length, kind: 'number' });
      this.tokens.push({ line, character: bytesAt, length: m[3].length, kind: 'size' });
      return true;
    }
    if (this.inTable && text.trim() === '') {
      this.inTable = false;
      return true;
    }
    return false;
  }

  private close(): void {
    const s = this.current;
    this.current = undefined;
    if (!s) return;
    if (s.frames.length === 0) {
      this.problems.push({
        range: s.headerRange,
        severity: 'warning',
        message: s.cut ? 'The stack of this allocation group is cut short: no frame survived.' : 'This allocation group has no stack frames (the capture ends or was cut here).',
        code: 'truncated-record',
      });
    }
  }
}

export function parseBccMemleak(lines: Iterable<string>): BccMemleakReport {
  const p = new BccMemleakParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

/** Does this line identify BCC/libbpf-tools memleak or slabratetop output (for format detection)? */
export function isBccMemleakSignature(line: string): boolean {
  return (
    / bytes in \d+ allocations? from stack/.test(line) ||
    /Top \d+ stacks with outstanding allocations:/.test(line) ||
    /Attaching to kernel allocators/.test(line) ||
    /^(?:# )?\S{0,64}slabratetop(?:\.py)?(?: |$)/.test(line) ||
    /^CACHE[ \t]+ALLOCS[ \t]+BYTES[ \t]*$/.test(line)
  );
}
