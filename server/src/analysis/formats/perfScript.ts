// Parser for `perf script` text of kmem tracepoints and probes, and for the same events as
// `perf trace` and `perf report --stdio` print them:
//   python3 19143 [000]  1197.901491: kmem:kmem_cache_alloc: call_site=sock_alloc_inode+0x1e ptr=0xffff… name=sock_inode_cache bytes_req=768 …
//   \tffffffff8163603c kmem_cache_alloc_lru_noprof+0x22c ([kernel.kallsyms])        (-g call chain, blank line after)
//   jbd2/dm-3-8  7666 [000]  4666.621521: kmem:kmalloc: call_site=c0000000003ce108 …  (ppc64, `.__kmalloc` dot symbols)
//   5190  1240.172337:  kmem:kmem_cache_free: …                                      (any -F field set)
//        0.014 sleep/30543 kmem:kmalloc(call_site: -2124873685, ptr: 0xffff…, …)     (perf trace, ms)
//       24.03%  python3  [k] __kmalloc_cache_noprof   call_site=alloc_pipe_info+0x5d ptr=…   (perf report -s trace)
// Lines cut at the terminal width, event lines wrapped by mail, `[unknown]` frames, user-space
// frames and other events in between are handled. Events stream through a TraceCollector: only
// outstanding objects and aggregates are kept, plus (in detail mode) what the editor shows.
import { Frame, range } from '../model';
import { baseSymbol } from '../symbols';
import {
  ParsedEvent,
  TraceCapture,
  TraceCollector,
  TraceOptions,
  classifyEvent,
  pfnKey,
  pointerKey,
  readEventFields,
  readField,
  sizeValue,
  textRange,
} from '../traceEvents';

/** Lines longer than this are examined only up to it (an event line is a few hundred characters). */
const MAX_EXAMINED = 4096;
/** Longest call chain block the byte path looks ahead for (127 frames of ~100 characters). */
const MAX_BLOCK_BYTES = 16 * 1024;
/** Distinct call-chain blocks remembered for the byte path (and their total size). */
const MAX_BLOCKS = 20_000;
const MAX_BLOCK_CHARS = 32 * 1024 * 1024;

const TS_TOKEN = /^(\d{1,12}\.\d{1,12}):$/;
const CPU_TOKEN = /^\[(\d{1,5})\]$/;
const PID_TOKEN = /^(\d{1,10})(?:\/(\d{1,10}))?$/;
const EVENT_TOKEN = /^[A-Za-z_][\w-]{0,63}:[A-Za-z_][\w.-]{0,127}$/;
const PERF_TRACE = /^ *(\d{1,12}\.\d{3,9}) (?:\( *(?:\d{1,12}\.\d{1,9} ms)? *\): +)?(?:([^\s/]{0,64}(?:\/[^\s/]{1,64}){0,3})\/(\d{1,10}) +)?([A-Za-z_][\w-]{0,63}:[A-Za-z_][\w.-]{0,127})\(/;
const REPORT_SAMPLE = /^ +\d{1,3}\.\d\d% /;
const REPORT_EVENT = /^# Samples: +\S{1,20} +of event '([^']{1,200})'/;
const REPORT_LOST = /^# Total Lost Samples: (\d{1,15})/;
const RECORD_LOST = /PERF_RECORD_LOST(?:_SAMPLES)? lost (\d{1,15})/;
const SYMBOL_OFFSET = /^\+0x[0-9a-fA-F]{1,16}$/;
const HEX = /^[0-9a-fA-F]{1,16}$/;
const WRAPPED_FIELDS = /^[ \t]+[a-z_]{1,32}=\S/;

interface PendingEvent {
  ev: ParsedEvent;
  frames: Frame[];
  frameLines: number;
  /** The line was cut before fields that matter; decided when the event completes. */
  text: string;
  fieldsFrom: number;
  style: 'fields' | 'args';
  /** Every line since the header was a frame line (the block can be remembered). */
  clean: boolean;
}

interface Block {
  keys: string[];
  lines: number;
  /** Group of allocations with this chain, once known (-1: not yet). */
  group: number;
}

export interface PerfFrameLine {
  /** Grouping key of a kernel frame; undefined for user-space and unresolved `[unknown]` frames. */
  key?: string;
  where: 'kernel' | 'user' | 'unknown';
  frame: Frame;
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

function isKernelDso(dso: string): boolean {
  if (dso === '[unknown]') return false;
  if (dso.startsWith('[')) return !/^\[(?:vdso|vsyscall|vvar|stack|heap|anon|uprobes)/.test(dso);
  return /vmlinu[xz]|\.ko(?:\.[a-z]{1,4})?$/.test(dso);
}

function moduleOf(dso: string): string | undefined {
  if (dso.startsWith('[') && dso.endsWith(']')) {
    const m = dso.slice(1, -1);
    return m.startsWith('kernel.') || m.startsWith('guest.kernel') ? undefined : m;
  }
  const ko = /([\w-]{1,64})\.ko(?:\.[a-z]{1,4})?$/.exec(dso);
  return ko ? ko[1] : undefined;
}

function looksKernelAddress(hex: string): boolean {
  const h = hex.toLowerCase();
  return (h.length === 16 && h.startsWith('ff')) || (h.length === 8 && h >= 'c0000000');
}

/**
 * One call-chain line: `\t<addr> <sym>+<off> (<dso>)`, `<addr> <sym>` (-F ip,sym),
 * `<sym> (<dso>)` (perf trace), `<addr> [unknown] ([unknown])`. Undefined when the line is not
 * a frame (it must be indented and print an address or a DSO).
 */
export function parsePerfFrame(text: string, line: number): PerfFrameLine | undefined {
  let p = 0;
  while (isSpace(text[p])) p++;
  if (p === 0 || p >= text.length) return undefined;
  let address: string | undefined;
  let addressAt = -1;
  let q = p;
  while (q < text.length && q - p <= 16 && /[0-9a-fA-F]/.test(text[q])) q++;
  if (q > p && q - p <= 16 && text[q] === ' ') {
    address = text.slice(p, q);
    addressAt = p;
    p = q + 1;
    while (text[p] === ' ') p++;
  }
  let end = text.length;
  while (end > p && isSpace(text[end - 1])) end--;
  let dso: string | undefined;
  let dsoAt = -1;
  let symEnd = end;
  if (text[end - 1] === ')') {
    const open = text.lastIndexOf(' (', end);
    if (open >= p) {
      dso = text.slice(open + 2, end - 1);
      dsoAt = open + 2;
      symEnd = open;
    }
  }
  if (dso !== undefined && (dso.includes(': ') || dso.includes('('))) return undefined;
  if (address === undefined && dso === undefined) return undefined;
  const symText = text.slice(p, symEnd);
  if (symText.length === 0 || symText.includes('=') || symText.includes(': ') || /^\d+\.\d+$/.test(symText)) return undefined;
  let symbol = symText;
  let offset: number | undefined;
  const plus = symText.lastIndexOf('+0x');
  if (plus > 0 && SYMBOL_OFFSET.test(symText.slice(plus))) {
    symbol = symText.slice(0, plus);
    offset = parseInt(symText.slice(plus + 3), 16);
  }
  const unresolved = symbol === '[unknown]';
  let where: PerfFrameLine['where'];
  if (dso !== undefined) where = dso === '[unknown]' ? 'unknown' : isKernelDso(dso) ? 'kernel' : 'user';
  else where = address !== undefined && looksKernelAddress(address) && !symbol.includes('@') ? 'kernel' : 'user';
  if (unresolved && where === 'kernel' && (address === undefined || !looksKernelAddress(address))) where = 'unknown';
  const frame: Frame = {
    symbol: unresolved ? undefined : symbol,
    offset,
    address,
    module: dso !== undefined && where === 'kernel' ? moduleOf(dso) : undefined,
    inline: false,
    unreliable: false,
    range: range(line, addressAt >= 0 ? addressAt : p, end),
    symbolRange: unresolved && address !== undefined ? range(line, addressAt, addressAt + address.length) : range(line, p, p + symbol.length),
    addressRange: address !== undefined ? range(line, addressAt, addressAt + address.length) : undefined,
    offsetRange: offset !== undefined ? range(line, p + symbol.length, symEnd) : undefined,
    moduleRange: dso !== undefined && dsoAt >= 0 ? range(line, dsoAt, dsoAt + dso.length) : undefined,
  };
  let key: string | undefined;
  if (where === 'kernel') key = unresolved ? `0x${address!.toLowerCase()}` : baseSymbol(symbol);
  return { key, where, frame };
}

export interface PerfHeader {
  name: string;
  nameAt: number;
  /** Column where the printed fields start. */
  fieldsFrom: number;
  style: 'fields' | 'args';
  comm?: string;
  commAt?: number;
  pid?: number;
  pidAt?: number;
  pidLength?: number;
  cpu?: number;
  cpuAt?: number;
  cpuLength?: number;
  ts: number;
  tsAt?: number;
  tsLength?: number;
}

/** Column of the event token (`kmem:kmalloc:`) of a perf script line, or -1. */
function eventToken(text: string): { start: number; end: number } | undefined {
  let colon = text.indexOf(':');
  for (let tries = 0; colon >= 0 && tries < 64; tries++) {
    const next = text[colon + 1];
    if (next === undefined || next === ' ') {
      let start = colon - 1;
      const floor = Math.max(0, colon - 200);
      while (start >= floor && text[start] !== ' ' && text[start] !== '\t') start--;
      start++;
      const token = text.slice(start, colon);
      if (EVENT_TOKEN.test(token)) return { start, end: colon };
    }
    colon = text.indexOf(':', colon + 1);
  }
  return undefined;
}

/** The header of a perf script event line: comm, pid[/tid], [cpu], time, event. */
export function parsePerfHeader(text: string): PerfHeader | undefined {
  const tok = eventToken(text);
  if (tok) {
    const h: PerfHeader = { name: text.slice(tok.start, tok.end), nameAt: tok.start, fieldsFrom: tok.end + 1, style: 'fields', ts: NaN };
    // Tokens of the prefix, right to left: [time:] [period] [cpu] [pid[/tid]] comm…
    const tokens: { text: string; at: number }[] = [];
    const re = /\S+/g;
    const prefix = text.slice(0, tok.start);
    for (let m = re.exec(prefix); m; m = re.exec(prefix)) tokens.push({ text: m[0], at: m.index });
    let i = tokens.length - 1;
    const tsIndex = tokens.findIndex((t) => TS_TOKEN.test(t.text));
    if (tsIndex >= 0) {
      const t = tokens[tsIndex];
      h.ts = Number(t.text.slice(0, -1));
      h.tsAt = t.at;
      h.tsLength = t.text.length - 1;
      i = tsIndex - 1;
    }
    let m: RegExpExecArray | null;
    if (i >= 0 && (m = CPU_TOKEN.exec(tokens[i].text))) {
      h.cpu = Number(m[1]);
      h.cpuAt = tokens[i].at + 1;
      h.cpuLength = m[1].length;
      i--;
    }
    if (i >= 1 && (m = PID_TOKEN.exec(tokens[i].text))) {
      h.pid = Number(m[1]);
      h.pidAt = tokens[i].at;
      h.pidLength = m[1].length;
      i--;
    } else if (i === 0 && (m = PID_TOKEN.exec(tokens[0].text)) && tsIndex >= 0) {
      // `-F tid,time,…`: a lone number before the time is the tid, not a comm.
      h.pid = Number(m[1]);
      h.pidAt = tokens[0].at;
      h.pidLength = m[1].length;
      i--;
    }
    if (i >= 0) {
      h.commAt = tokens[0].at;
      h.comm = text.slice(tokens[0].at, tokens[i].at + tokens[i].text.length);
    }
    return h;
  }
  const t = PERF_TRACE.exec(text);
  if (t) {
    const nameAt = t.index + t[0].length - 1 - t[4].length;
    const h: PerfHeader = { name: t[4], nameAt, fieldsFrom: nameAt + t[4].length + 1, style: 'args', ts: Number(t[1]) / 1000 };
    h.tsAt = text.indexOf(t[1]);
    h.tsLength = t[1].length;
    if (t[3] !== undefined) {
      h.comm = t[2];
      h.pid = Number(t[3]);
      h.commAt = text.lastIndexOf(`${t[2]}/${t[3]}`, nameAt);
      h.pidAt = h.commAt + t[2].length + 1;
      h.pidLength = t[3].length;
    }
    return h;
  }
  return undefined;
}

export class PerfScriptParser {
  private readonly c: TraceCollector;
  private lineNo = 0;
  private pending: PendingEvent | undefined;
  /** Call-chain lines of an event that is not analysed (another tracepoint) are skipped. */
  private skippingChain = false;
  /** perf report: the event of the samples that follow. */
  private reportEvent: string | undefined;
  private foreign = { count: 0, first: -1 };
  private readonly blocks = new Map<string, Block>();
  private blockChars = 0;
  private learning: { key: string; lines: number; block?: Block } | undefined;
  private current: Block | undefined;
  /** The last line was an event header: a call chain may follow. */
  private fresh = false;
  /** Lines consumed beyond the one given, by the last pushBytes call. */
  skipped = 0;

  constructor(options: TraceOptions = {}) {
    this.c = new TraceCollector(options);
  }

  /** Feed the next line (without its newline). */
  push(rawLine: string): void {
    const line = this.lineNo++;
    this.fresh = false;
    const text = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    if (rawLine.length > MAX_EXAMINED) {
      this.c.problem('long-line', 'hint', range(line, 0, 0), `Line of ${rawLine.length} characters: only its first ${MAX_EXAMINED} were examined.`);
    }
    const first = text[0];
    if (isSpace(first) || first === undefined) {
      if (text.trim() === '') {
        this.flush(true);
        this.skippingChain = false;
        return;
      }
      if (this.pending) {
        const f = parsePerfFrame(text, line);
        if (f) {
          this.addFrame(this.pending, f, line);
          return;
        }
        if (WRAPPED_FIELDS.test(text) && this.pending.frameLines === 0 && this.joinWrapped(this.pending, text, line)) return;
      } else if (this.skippingChain && parsePerfFrame(text, line)) {
        return;
      }
    }
    this.flush(false);
    this.skippingChain = false;
    this.header(line, text);
  }

  /**
   * The byte path for files: `buf[start, end)` is one line, `next` the offset after its newline,
   * `limit` the end of the complete lines in `buf`. A call chain seen before is recognised as a
   * whole and skipped without decoding; everything else goes through `push`. Returns the offset
   * where reading resumes; `skipped` says how many more lines that consumed.
   */
  pushBytes(buf: Buffer, start: number, end: number, next: number, limit: number): number {
    this.skipped = 0;
    this.push(buf.toString('utf8', start, end));
    const p = this.pending;
    if (!p || !this.fresh || this.c.detail || next >= limit || buf[next] !== 9) return next;
    const window = buf.subarray(next, Math.min(limit, next + MAX_BLOCK_BYTES));
    const rel = window.indexOf('\n\n');
    if (rel < 0) return next;
    const key = buf.toString('latin1', next, next + rel);
    const block = this.blocks.get(key);
    if (!block) {
      let lines = 1;
      for (let i = key.indexOf('\n'); i >= 0; i = key.indexOf('\n', i + 1)) lines++;
      this.learning = { key, lines };
      return next;
    }
    // A known chain: its frames, its group, its lines, and the blank line that ends it.
    p.ev.keys = block.keys;
    if (block.group >= 0) p.ev.group = block.group;
    p.frameLines = block.lines;
    p.ev.endLine = this.lineNo + block.lines - 1;
    this.lineNo += block.lines + 1;
    this.current = block;
    this.flush(true);
    this.skippingChain = false;
    this.skipped = block.lines + 1;
    return next + rel + 2;
  }

  finish(): TraceCapture {
    this.flush(false);
    if (this.foreign.count > 0) {
      const n = this.foreign.count;
      this.c.problem(
        'foreign-lines',
        'information',
        range(this.foreign.first, 0, 0),
        `${n} line${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} neither a kmem event nor a call chain ${n === 1 ? 'was' : 'were'} ignored (other output).`,
      );
    }
    const capture = this.c.finish(this.lineNo);
    if (capture.facts.events === 0 && capture.facts.otherEvents === 0) {
      capture.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message:
          'No kmem events found: expected perf script lines such as "comm pid [cpu] time: kmem:kmalloc: call_site=… ptr=…". ' +
          'Record with "perf record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -g", then run "perf script".',
        code: 'no-events',
      });
    }
    return capture;
  }

  private addFrame(p: PendingEvent, f: PerfFrameLine, line: number): void {
    p.frameLines++;
    p.ev.endLine = line;
    if (f.key !== undefined) p.ev.keys.push(f.key);
    if (this.c.keeps(line)) {
      p.frames.push(f.frame);
      const fr = f.frame;
      if (fr.addressRange) this.c.token(line, fr.addressRange.start.character, fr.addressRange.end.character - fr.addressRange.start.character, 'address');
      if (fr.symbol !== undefined) this.c.token(line, fr.symbolRange.start.character, fr.symbolRange.end.character - fr.symbolRange.start.character, 'function');
      if (fr.offsetRange) this.c.token(line, fr.offsetRange.start.character, fr.offsetRange.end.character - fr.offsetRange.start.character, 'offset');
      if (fr.moduleRange) this.c.token(line, fr.moduleRange.start.character, fr.moduleRange.end.character - fr.moduleRange.start.character, 'module');
    }
  }

  /** A mail-wrapped event line: its fields continue on the next line. */
  private joinWrapped(p: PendingEvent, text: string, line: number): boolean {
    const ev = p.ev;
    let used = false;
    if (ev.ptr === undefined) {
      const ptr = readField(text, ev.kind.pages ? 'pfn' : 'ptr', 0);
      if (ptr) {
        ev.ptr = ev.kind.pages ? pfnKey(ptr.value) : pointerKey(ptr.value);
        ev.ptrText = ptr.value;
        used = true;
      }
    }
    for (const [key, set] of [
      ['bytes_alloc', (v: number) => (ev.bytes = v)],
      ['bytes_req', (v: number) => (ev.requested = v)],
    ] as const) {
      const hit = readField(text, key, 0);
      if (hit && Number.isNaN(key === 'bytes_alloc' ? ev.bytes : ev.requested)) {
        set(sizeValue(hit.value));
        used = true;
      }
    }
    const name = readField(text, 'name', 0);
    if (name && ev.cache === undefined) {
      ev.cache = name.value;
      used = true;
    }
    if (readField(text, 'gfp_flags', 0)) used = true;
    if (!used) return false;
    p.text += ` ${text.trim()}`;
    ev.endLine = line;
    this.c.problem('wrapped-line', 'hint', range(line, 0, 0), `The fields of the event on line ${ev.line + 1} continue on this line (mail wrap); joined.`);
    return true;
  }

  private header(line: number, text: string): void {
    if (text.length === 0) return;
    if (text.startsWith('#')) {
      this.comment(line, text);
      return;
    }
    const lost = text.includes('PERF_RECORD_LOST') ? RECORD_LOST.exec(text) : null;
    if (lost) {
      this.c.lost(line, Number(lost[1]), textRange(line, text), 'perf lost events (PERF_RECORD_LOST)');
      return;
    }
    const h = parsePerfHeader(text);
    if (h) {
      this.event(line, text, h.name, h, h.fieldsFrom, h.style);
      return;
    }
    if (this.reportEvent !== undefined && REPORT_SAMPLE.test(text)) {
      const from = firstField(text);
      if (from >= 0) {
        this.c.facts.aggregated = true;
        this.event(line, text, this.reportEvent, { name: this.reportEvent, nameAt: -1, fieldsFrom: from, style: 'fields', ts: NaN }, from, 'fields');
        return;
      }
    }
    // perf report call graphs (`|--24.59%--…`, `---entry_SYSCALL…`), prompts, syscalls of perf trace.
    if (this.reportEvent !== undefined || /^\s*[-|]/.test(text)) return;
    if (/^ *\d{1,12}\.\d{3,9} /.test(text)) {
      this.c.other();
      this.skippingChain = true;
      return;
    }
    if (this.foreign.count++ === 0) this.foreign.first = line;
  }

  private comment(line: number, text: string): void {
    let m: RegExpExecArray | null;
    if ((m = REPORT_EVENT.exec(text))) {
      this.reportEvent = m[1];
      this.c.token(line, m.index + m[0].length - m[1].length - 1, m[1].length, 'keyword');
    } else if ((m = REPORT_LOST.exec(text)) && Number(m[1]) > 0) {
      this.c.lost(line, Number(m[1]), textRange(line, text), 'perf report: samples lost while recording');
    }
  }

  private event(line: number, text: string, name: string, h: PerfHeader, fieldsFrom: number, style: 'fields' | 'args'): void {
    const kind = classifyEvent(name);
    if (kind.role === 'other') {
      this.c.other();
      this.skippingChain = true;
      return;
    }
    const c = this.c;
    if (c.keeps(line)) {
      if (h.commAt !== undefined && h.comm) c.token(line, h.commAt, h.comm.length, 'process');
      if (h.pidAt !== undefined && h.pidLength !== undefined) c.token(line, h.pidAt, h.pidLength, 'process');
      if (h.cpuAt !== undefined && h.cpuLength !== undefined) c.token(line, h.cpuAt, h.cpuLength, 'number');
      if (h.tsAt !== undefined && h.tsLength !== undefined) c.token(line, h.tsAt, h.tsLength, 'number');
      if (h.nameAt >= 0) c.token(line, h.nameAt, name.length, 'keyword');
    }
    const ev: ParsedEvent = {
      line,
      endLine: line,
      name,
      kind,
      ts: h.ts,
      ptr: undefined,
      bytes: NaN,
      requested: NaN,
      comm: h.comm,
      pid: h.pid,
      cpu: h.cpu,
      keys: [],
      headerRange: range(line, text.length - text.trimStart().length, text.length),
    };
    readEventFields(ev, kind, text, fieldsFrom, style, c, line);
    this.pending = { ev, frames: [], frameLines: 0, text, fieldsFrom, style, clean: true };
    this.current = undefined;
    this.fresh = true;
  }

  /** The pending event is complete: check what its line lacks, and hand it to the collector. */
  private flush(atBlank: boolean): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const ev = p.ev;
    this.checkCut(p);
    const group = this.c.event(ev);
    if (p.frames.length > 0 && group >= 0) {
      const suspect = this.c.stacks.groups[group].stack[0];
      let marked = false;
      for (const f of p.frames) {
        const isSuspect = !marked && f.symbol !== undefined && baseSymbol(f.symbol) === suspect;
        if (isSuspect) marked = true;
        this.c.frames.push({ frame: f, group, suspect: isSuspect });
      }
    } else if (p.frames.length > 0) {
      for (const f of p.frames) this.c.frames.push({ frame: f, group: -1, suspect: false });
    }
    if (p.frameLines > 0) this.c.fold(ev.line, ev.endLine);
    // Remember a chain seen whole, so the byte path recognises it next time.
    const l = this.learning;
    this.learning = undefined;
    if (this.current) {
      if (group >= 0 && this.current.group < 0) this.current.group = group;
      this.current = undefined;
    } else if (l && atBlank && p.clean && p.frameLines === l.lines && ev.keys.length > 0) {
      if (this.blocks.size < MAX_BLOCKS && this.blockChars + l.key.length <= MAX_BLOCK_CHARS) {
        this.blocks.set(l.key, { keys: ev.keys, lines: l.lines, group: ev.kind.role === 'alloc' ? group : -1 });
        this.blockChars += l.key.length;
      }
    }
  }

  private checkCut(p: PendingEvent): void {
    const ev = p.ev;
    if (ev.name.includes('probe') || this.c.facts.aggregated) return;
    const slabAlloc = ev.kind.role === 'alloc' && ev.kind.space === 'slab' && /k(?:mem_cache_alloc|malloc)/.test(ev.name);
    const lastSpace = p.text.lastIndexOf(' ');
    const last = p.text.slice(lastSpace + 1);
    const cutToken = p.style === 'fields' && last.length > 0 && !last.includes('=') && !last.endsWith(')') && lastSpace >= p.fieldsFrom;
    if (ev.ptr === undefined) {
      this.c.problem(
        'cut-line',
        'warning',
        textRange(ev.line, p.text),
        `This ${ev.name} event line is cut short before its ${ev.kind.pages ? 'pfn' : 'pointer'} (terminal width or truncation): it cannot be paired.`,
        (n) => `${n} more event lines are cut short before their pointer.`,
      );
    } else if (cutToken || (slabAlloc && p.style === 'fields' && !p.text.includes('gfp_flags='))) {
      this.c.problem(
        'cut-line',
        'hint',
        textRange(ev.line, p.text),
        `This event line is cut short at column ${p.text.length} (terminal width?): its last fields are lost; pairing by pointer is unaffected.`,
        (n) => `${n} more event lines are cut short (pairing by pointer is unaffected).`,
      );
    }
  }
}

/** Column of the first printed kmem field of a perf report sample line, or -1. */
function firstField(text: string): number {
  for (const key of ['call_site=', 'ptr=', 'page=', 'pfn=']) {
    const i = text.indexOf(key);
    if (i > 0 && isSpace(text[i - 1])) return i;
  }
  return -1;
}

/** Parse a whole capture given as lines. */
export function parsePerfScript(lines: Iterable<string>, options: TraceOptions = {}): TraceCapture {
  const parser = new PerfScriptParser(options);
  for (const l of lines) parser.push(l);
  return parser.finish();
}
