// Parser for bpftrace's map output: what it prints for its maps on Ctrl-C (or print()),
// saved with `bpftrace -o FILE script.bt` or redirected:
//   Attaching 2 probes...
//   @allocs[bash,                       a key of several parts, one of them a stack:
//       alloc_empty_file+60             kstack frames (decimal offsets), or
//   	ffffffff8164da5f kmalloc+575      kstack(perf)/ustack(perf) frames
//   , sh]: 12                           the key's remaining parts, then the value
//   @[kstack]: …  @name[comm]: 3  @x[pid, comm]: 4  @total: 5  @s: count 3, average 1, total 4
//   @h:                                 hist()/lhist(): bucket lines until a blank line
//   [16, 32)    2352 |@@@@@@@@@         |
// Entries of one map printed one after the other form a block; entries of different maps with
// the same key text are the same key (the view joins them: @allocs and @bytes of one stack).
import { Frame, Problem, Range, Token, range } from '../model';
import { frameTokens } from '../frames';
import { ForeignLines } from '../views/viewKit';
import { parseBpftraceFrame } from './bpftraceFrame';
import { BpftraceStats, HistBucket, parseBucket, parseValue } from './bpftraceValues';

export interface BpftraceKeyPart {
  text: string;
  range: Range;
}

export interface BpftraceStack {
  frames: Frame[];
  /** A user-space stack (ustack): user addresses or binaries. Plain ustack frames look like kstack ones. */
  user: boolean;
  startLine: number;
  endLine: number;
}

export interface BpftraceEntry {
  /** `@allocs`, or `@` for the unnamed map. */
  map: string;
  mapRange: Range;
  /** The key's scalar parts (comm, pid, …) in print order; its stacks are in `stacks`. */
  parts: BpftraceKeyPart[];
  stacks: BpftraceStack[];
  /** The key as printed, as one string (the join key across maps); undefined for a map without key. */
  key?: string;
  /** The value as printed (a string or tuple value is only text). */
  valueText: string;
  valueRange?: Range;
  value?: number;
  stats?: BpftraceStats;
  /** hist()/lhist() buckets. */
  buckets?: HistBucket[];
  line: number;
  endLine: number;
  /** Its key never ended with `]: value`: the capture ends, or other output cuts it. */
  cut: boolean;
  /** Index of its block (a run of entries of one map). */
  block: number;
}

export interface BpftraceBlock {
  index: number;
  map: string;
  /** Index of its first entry; its entries follow one another. */
  first: number;
  count: number;
  line: number;
  endLine: number;
}

export interface BpftraceReport {
  format: 'bpftrace';
  entries: BpftraceEntry[];
  blocks: BpftraceBlock[];
  /** `Attaching N probes...` */
  attach?: { range: Range; probes: number };
  problems: Problem[];
  tokens: Token[];
  lineCount: number;
}

/** Maps whose values are bytes, by name (`@bytes`, `@size`, `@alloc_bytes`). */
export function isBytesMap(map: string): boolean {
  return /byte|size/i.test(map);
}

const MAP_NAME = /^@\w{0,256}/;
const ATTACH = /^Attaching (\d{1,9}) probes?\.\.\.[ \t]*$/;
const LOST = /^Lost (\d{1,20}) events[ \t]*$/;
// The banner bpftrace tools print from BEGIN, and the terminal's echo of Ctrl-C.
const BANNER = /Hit Ctrl-C to end\.?[ \t]*$|^\^C[ \t]*$/;
const NUMBER = /^-?\d{1,20}$/;
const MAX_EXAMINED = 64 * 1024;

interface OpenKey {
  entry: BpftraceEntry;
  text: string[];
  stack?: BpftraceStack;
}

export class BpftraceParser {
  private readonly entries: BpftraceEntry[] = [];
  private readonly blocks: BpftraceBlock[] = [];
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly foreign = new ForeignLines();
  private attach: BpftraceReport['attach'];
  private open: OpenKey | undefined;
  private hist: BpftraceEntry | undefined;
  /** Something other than entries came since the last entry: the next entry starts a block. */
  private broken = true;
  private lost = { lines: 0, events: 0, first: -1 };
  private lineNo = 0;

  push(rawLine: string): void {
    const line = this.lineNo++;
    let raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (this.open && this.keyLine(line, raw)) return;
    if (this.hist) {
      const b = parseBucket(raw, line);
      if (b) {
        this.hist.buckets!.push(b);
        this.hist.endLine = line;
        this.blocks[this.hist.block].endLine = line;
        this.tokens.push({ line, character: 0, length: b.interval.length, kind: 'number' }, { line, character: b.countRange.start.character, length: b.countRange.end.character - b.countRange.start.character, kind: 'number' });
        return;
      }
      this.hist = undefined;
    }
    if (raw.trim() === '') return;
    if (raw.startsWith('@') && this.entryStart(line, raw)) return;
    this.broken = true;
    if (this.knownLine(line, raw)) return;
    this.foreign.add(line);
  }

  finish(): BpftraceReport {
    if (this.open) this.cutOpen();
    this.hist = undefined;
    const f = this.foreign.problem('bpftrace map output');
    if (f && this.entries.length > 0) this.problems.push(f);
    if (this.lost.lines > 0) {
      this.problems.push({
        range: range(this.lost.first, 0, 0),
        severity: 'information',
        message: `bpftrace lost ${this.lost.events} events of its output buffer (${this.lost.lines} "Lost N events" line${this.lost.lines === 1 ? '' : 's'}): printf()/print() output is missing there. Map counts are kept in the kernel and are not affected.`,
        code: 'lost-events',
      });
    }
    if (this.entries.length === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message: 'No bpftrace map entries found: expected lines such as "@name[key]: value" or "@name: value". bpftrace prints its maps when it exits on Ctrl-C (SIGINT); a bpftrace killed otherwise prints none.',
        code: 'no-records',
      });
    }
    return { format: 'bpftrace', entries: this.entries, blocks: this.blocks, attach: this.attach, problems: this.problems, tokens: this.tokens, lineCount: this.lineNo };
  }

  /** `@name[…`, `@name: value`; false when the line is no entry after all. */
  private entryStart(line: number, raw: string): boolean {
    const name = MAP_NAME.exec(raw)![0];
    const next = raw[name.length];
    if (next !== '[' && next !== ':') return false;
    const entry: BpftraceEntry = { map: name, mapRange: range(line, 0, name.length), parts: [], stacks: [], valueText: '', line, endLine: line, cut: false, block: this.blockFor(name, line) };
    this.entries.push(entry);
    this.blocks[entry.block].count++;
    this.tokens.push({ line, character: 0, length: name.length, kind: 'keyword' });
    if (next === ':') {
      this.value(entry, line, raw, name.length + 1);
      return true;
    }
    const close = raw.lastIndexOf(']:');
    if (close > name.length) {
      this.addParts(entry, line, raw, name.length + 1, close);
      entry.key = raw.slice(name.length + 1, close);
      this.value(entry, line, raw, close + 2);
      return true;
    }
    // A key printed over several lines: its stacks follow, one frame a line.
    this.addParts(entry, line, raw, name.length + 1, raw.length);
    this.open = { entry, text: [raw.slice(name.length + 1).trimEnd()] };
    return true;
  }

  /** A line while a key is open: a frame, or the key's continuation (`, comm]: 3`, `]: 3`). */
  private keyLine(line: number, raw: string): boolean {
    const open = this.open!;
    const e = open.entry;
    const c = raw[0];
    if ((c === ' ' || c === '\t') && raw.trim() !== '') {
      const parsed = parseBpftraceFrame(raw, line);
      if (!open.stack) {
        open.stack = { frames: [], user: false, startLine: line, endLine: line };
        e.stacks.push(open.stack);
      }
      open.stack.endLine = line;
      e.endLine = line;
      this.blocks[e.block].endLine = line;
      if (parsed) {
        open.stack.frames.push(parsed.frame);
        if (parsed.user) open.stack.user = true;
        this.tokens.push(...frameTokens(parsed.frame));
        open.text.push(raw.trim());
      } else {
        this.problems.push({ range: range(line, 0, raw.length), severity: 'warning', message: 'This line inside a stack of a bpftrace map key is not a stack frame.', code: 'unparsed-frame' });
        open.text.push('?');
      }
      return true;
    }
    if (c !== ',' && c !== ']') {
      this.cutOpen();
      return false;
    }
    open.stack = undefined;
    e.endLine = line;
    this.blocks[e.block].endLine = line;
    const from = raw.startsWith(', ') ? 2 : c === ',' ? 1 : 0;
    const close = raw.lastIndexOf(']:');
    if (close >= 0) {
      this.addParts(e, line, raw, from, Math.max(from, close));
      open.text.push(raw.slice(0, close));
      e.key = open.text.join('\n');
      this.open = undefined;
      this.value(e, line, raw, close + 2);
    } else {
      this.addParts(e, line, raw, from, raw.length);
      open.text.push(raw.trimEnd());
    }
    return true;
  }

  /** The key's scalar parts between `from` and `to`, separated by ", ". */
  private addParts(e: BpftraceEntry, line: number, raw: string, from: number, to: number): void {
    let at = from;
    while (at < to) {
      let end = raw.indexOf(', ', at);
      if (end < 0 || end > to) end = to;
      const text = raw.slice(at, end).trim();
      if (text !== '') {
        const start = at + raw.slice(at, end).indexOf(text);
        e.parts.push({ text, range: range(line, start, start + text.length) });
        this.tokens.push({ line, character: start, length: text.length, kind: NUMBER.test(text) ? 'number' : 'process' });
      }
      at = end + 2;
    }
  }

  /** The value after `]:` or `:` at `at`; an empty one announces histogram buckets. */
  private value(e: BpftraceEntry, line: number, raw: string, at: number): void {
    const text = raw.slice(at).trim();
    if (text === '') {
      e.buckets = [];
      this.hist = e;
      return;
    }
    const start = at + raw.slice(at).indexOf(text);
    e.valueText = text;
    e.valueRange = range(line, start, start + text.length);
    const v = parseValue(text);
    e.value = v.value;
    e.stats = v.stats;
    if (v.value !== undefined) this.tokens.push({ line, character: start, length: text.length, kind: isBytesMap(e.map) ? 'size' : 'number' });
  }

  private blockFor(map: string, line: number): number {
    const last = this.blocks[this.blocks.length - 1];
    if (last && !this.broken && last.map === map) {
      last.endLine = line;
      return last.index;
    }
    this.broken = false;
    this.blocks.push({ index: this.blocks.length, map, first: this.entries.length, count: 0, line, endLine: line });
    return this.blocks.length - 1;
  }

  private cutOpen(): void {
    const e = this.open!.entry;
    this.open = undefined;
    e.cut = true;
    e.key = undefined;
    this.problems.push({
      range: e.mapRange,
      severity: 'warning',
      message: `This ${e.map} entry is cut short: its key never ends with "]: value" (the capture ends here, or other output cut into it).`,
      code: 'truncated-entry',
    });
  }

  /** Lines bpftrace itself prints around its maps. */
  private knownLine(line: number, raw: string): boolean {
    let m: RegExpExecArray | null;
    if ((m = ATTACH.exec(raw))) {
      this.attach ??= { range: range(line, 0, raw.trimEnd().length), probes: Number(m[1]) };
      this.tokens.push({ line, character: 0, length: 9, kind: 'keyword' }, { line, character: 10, length: m[1].length, kind: 'number' });
      return true;
    }
    if ((m = LOST.exec(raw))) {
      if (this.lost.lines++ === 0) this.lost.first = line;
      this.lost.events += Number(m[1]);
      return true;
    }
    return BANNER.test(raw);
  }
}

export function parseBpftrace(lines: Iterable<string>): BpftraceReport {
  const p = new BpftraceParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

/** Does this line identify bpftrace map output (for format detection)? */
export function isBpftraceSignature(line: string): boolean {
  if (ATTACH.test(line)) return true;
  const name = MAP_NAME.exec(line)?.[0];
  if (name === undefined) return false;
  const rest = line.slice(name.length).trimEnd();
  // `@x: 5`, `@s: count 1, average 1, total 1`, `@h:` (a histogram follows)
  if (rest.startsWith(':')) return rest === ':' || /^: (?:-?\d{1,20}|count -?\d{1,20}, average -?\d{1,20}, total -?\d{1,20})$/.test(rest);
  if (!rest.startsWith('[')) return false;
  // `@x[a, b]: 5`, `@h[a]:`, or the first line of a key printed over several lines: `@x[`, `@x[bash,`
  return /\]:(?: |$)/.test(rest) || rest === '[' || rest.endsWith(',');
}
