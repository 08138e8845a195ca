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
import { AsciiStrings, EventLineFields, nameFieldAfter, newEventLineFields, pointerKeyOf, readEventLine, textHash } from './perfEventBytes';
import { isAscii } from 'node:buffer';
import { baseSymbol } from '../symbols';
import {
  BlockCache,
  EventKind,
  OTHER_KIND,
  newEvent,
  decodeUtf8,
  decodeLatin1,
  NO_KEYS,
  ParsedEvent,
  TraceCapture,
  TraceCollector,
  CollectedPart,
  TraceOptions,
  callSiteOf,
  classifyEvent,
  pfnKey,
  pointerKey,
  readEventFields,
  readField,
  sizeValue,
  symbolKey,
  textRange,
} from '../traceEvents';

const NO_FRAMES: Frame[] = [];
/**
 * The usual perf script slab event: `… <time>: <subsystem:event>: [(sym+off)] [call_site=…] ptr=…
 * [name=…] [bytes_req=… bytes_alloc=…] [gfp_flags=…`. Groups: 1 time, 2 event, 3/4 call sites,
 * 5 ptr, 6 cache, 7 bytes_req, 8 bytes_alloc, 9 gfp_flags follows.
 */
export const FAST_EVENT =
  / (\d{1,12}\.\d{1,12}): +([A-Za-z_][\w-]{0,63}:[A-Za-z_][\w.-]{0,127}): (?:\(([^\s()]{1,256})\) )?(?:call_site=(\S{1,256}) )?ptr=([^\s=]{1,32})(?: name=([^\s=]{1,128}))?(?: bytes_req=(\d{1,15}) bytes_alloc=(\d{1,15}))?( gfp_flags=)?/;
const BLANK_LINE = Buffer.from('\n\n');
const HEX16 = /^0x[0-9a-fA-F]{16}$/;

/** Lines longer than this are examined only up to it (an event line is a few hundred characters). */
const MAX_EXAMINED = 4096;
/** Longest call chain block the byte path looks ahead for (127 frames of ~100 characters). */
const MAX_BLOCK_BYTES = 16 * 1024;
/** Distinct call-chain blocks remembered for the byte path (and their total size). */
const MAX_BLOCKS = 20_000;
const MAX_BLOCK_CHARS = 32 * 1024 * 1024;

const PERF_TRACE = /^ *(\d{1,12}\.\d{3,9}) (?:\( *(?:\d{1,12}\.\d{1,9} ms *)?\): +)?(?:([^\s/]{0,64}(?:\/[^\s/]{1,64}){0,3})\/(\d{1,10}) +)?([A-Za-z_][\w-]{0,63}:[A-Za-z_][\w.-]{0,127})\(/;
const REPORT_SAMPLE = /^ +\d{1,3}\.\d\d% /;
const REPORT_EVENT = /^# Samples: +\S{1,20} +of event '([^']{1,200})'/;
const REPORT_LOST = /^# Total Lost Samples: (\d{1,15})/;
const RECORD_LOST = /PERF_RECORD_LOST(?:_SAMPLES)? lost (\d{1,15})/;
/** bpftrace's note in its output (`-o FILE` too) when its perf buffer overflowed. */
const BPFTRACE_LOST = /^Lost (\d{1,15}) events$/;
const SYMBOL_OFFSET = /^\+0x[0-9a-fA-F]{1,16}$/;
const DECIMAL_OFFSET = /^\+\d{1,10}$/;
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
  /** Fast path: `gfp_flags=` follows bytes_alloc (the line is not cut there). */
  gfpFollows: boolean;
  /** Fast path: the printed call site, old perf's resolved one in parentheses, the cache name. */
  site: string | undefined;
  paren: string | undefined;
  cache: string | undefined;
}

/** One part of a capture read by a recording parser (plain data: it crosses threads). */
export interface ParsedPart {
  lines: number;
  collected: CollectedPart;
}

interface Block {
  /** The chain as printed (without its last newline). */
  bytes: Buffer;
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

function firstNonBlank(text: string): number {
  let i = 0;
  while (isSpace(text[i])) i++;
  return i < text.length ? i : 0;
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
  // `+0x22c` (perf), or `+39` (bpftrace's kstack(perf) prints offsets in decimal).
  const plus = symText.lastIndexOf('+');
  if (plus > 0) {
    const off = symText.slice(plus);
    if (SYMBOL_OFFSET.test(off)) offset = parseInt(off.slice(3), 16);
    else if (DECIMAL_OFFSET.test(off)) offset = Number(off.slice(1));
    if (offset !== undefined) symbol = symText.slice(0, plus);
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
  if (where === 'kernel') key = unresolved ? `0x${address!.toLowerCase()}` : symbolKey(symbol);
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

function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** `subsystem:event` (letters, digits, `_`, `-`; `.` too after the colon) between columns. */
function isEventToken(text: string, from: number, to: number): boolean {
  if (to - from < 3 || to - from > 192) return false;
  const inner = text.indexOf(':', from);
  if (inner <= from || inner >= to - 1) return false;
  const a = text.charCodeAt(from);
  const b = text.charCodeAt(inner + 1);
  if (!(isWord(a) && (a < 48 || a > 57)) || !(isWord(b) && (b < 48 || b > 57))) return false;
  for (let i = from; i < to; i++) {
    if (i === inner) continue;
    const c = text.charCodeAt(i);
    if (!isWord(c) && c !== 45 && !(c === 46 && i > inner)) return false;
  }
  return true;
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
      if (isEventToken(text, start, colon)) return { start, end: colon };
    }
    colon = text.indexOf(':', colon + 1);
  }
  return undefined;
}

function isDigits(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A decimal `1197.901491` between columns (validated by the caller), without a substring. */
export function decimalAt(text: string, from: number, to: number): number {
  let int = 0;
  let i = from;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) break;
    int = int * 10 + (c - 48);
  }
  let frac = 0;
  let scale = 1;
  for (i++; i < to; i++) {
    frac = frac * 10 + (text.charCodeAt(i) - 48);
    scale *= 10;
  }
  return int + frac / scale;
}

/** `1197.901491:` (digits, a dot, digits, a colon) between columns from and to. */
function isTimestamp(text: string, from: number, to: number): boolean {
  if (to - from < 4 || to - from > 26 || text[to - 1] !== ':') return false;
  const dot = text.indexOf('.', from);
  return dot > from && dot < to - 2 && isDigits(text, from, dot) && isDigits(text, dot + 1, to - 1);
}

/** The header of a perf script event line: comm, pid[/tid], [cpu], time, event. */
export function parsePerfHeader(text: string): PerfHeader | undefined {
  const tok = eventToken(text);
  if (tok) {
    const h: PerfHeader = { name: text.slice(tok.start, tok.end), nameAt: tok.start, fieldsFrom: tok.end + 1, style: 'fields', ts: NaN };
    // Tokens of the prefix (as column pairs), read right to left: [time:] [period] [cpu] [pid[/tid]] comm…
    const at: number[] = [];
    let p = 0;
    while (p < tok.start) {
      while (p < tok.start && isSpace(text[p])) p++;
      if (p >= tok.start) break;
      const a = p;
      while (p < tok.start && !isSpace(text[p])) p++;
      at.push(a, p);
    }
    const n = at.length >> 1;
    let tsIndex = -1;
    for (let k = 0; k < n; k++) {
      if (isTimestamp(text, at[2 * k], at[2 * k + 1])) {
        tsIndex = k;
        break;
      }
    }
    let i = n - 1;
    if (tsIndex >= 0) {
      h.tsAt = at[2 * tsIndex];
      h.tsLength = at[2 * tsIndex + 1] - 1 - h.tsAt;
      h.ts = decimalAt(text, h.tsAt, h.tsAt + h.tsLength);
      i = tsIndex - 1;
    }
    if (i >= 0 && text[at[2 * i]] === '[' && text[at[2 * i + 1] - 1] === ']' && isDigits(text, at[2 * i] + 1, at[2 * i + 1] - 1)) {
      h.cpuAt = at[2 * i] + 1;
      h.cpuLength = at[2 * i + 1] - 1 - h.cpuAt;
      h.cpu = Number(text.slice(h.cpuAt, h.cpuAt + h.cpuLength));
      i--;
    }
    if (i >= 0 && (i >= 1 || tsIndex >= 0)) {
      // `comm pid[/tid]`, or `-F tid,time,…`: a lone number before the time is the tid, not a comm.
      const a = at[2 * i];
      const b = at[2 * i + 1];
      const slash = text.indexOf('/', a);
      const pidEnd = slash >= 0 && slash < b ? slash : b;
      if (pidEnd - a <= 10 && isDigits(text, a, pidEnd) && (pidEnd === b || isDigits(text, pidEnd + 1, b))) {
        h.pidAt = a;
        h.pidLength = pidEnd - a;
        h.pid = Number(text.slice(a, pidEnd));
        i--;
      }
    }
    if (i >= 0) {
      h.commAt = at[0];
      h.comm = text.slice(at[0], at[2 * i + 1]);
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
  /** perf report: the event of the samples that follow. */
  private reportEvent: string | undefined;
  private readonly blocks = new BlockCache<Block>(MAX_BLOCKS, MAX_BLOCK_CHARS);
  private learning: { bytes: Buffer; lines: number } | undefined;
  /** Consecutive events whose chain did not end with a blank line in reach. */
  private blockMisses = 0;
  /** Groups of events without a call chain, by their printed call site. */
  private readonly siteGroups = new Map<string, number>();
  /** Chains seen after each call site, for the byte path's first guess. */
  private readonly bySite = new Map<number, { bytes: Buffer; block: Block }[]>();
  private current: Block | undefined;
  /** The last line was an event header: a call chain may follow. */
  private fresh = false;
  /** Event names seen (fast path). */
  private readonly names: { name: string; kind: EventKind; bytes: Buffer }[] = [];
  /** The byte path's fields of the last event line read. */
  private readonly fields: EventLineFields = newEventLineFields();
  private readonly strings = new AsciiStrings();
  /** The last buffer the byte path saw, and whether it is ASCII (columns are then bytes; strings the same decoded either way). */
  private plainBuf: Buffer | undefined;
  private plain = false;
  /** The fast path's one pending event, reused. */
  private readonly fastPending: PendingEvent = {
    ev: newEvent(0, 0, '', OTHER_KIND),
    frames: NO_FRAMES,
    frameLines: 0,
    text: '',
    fieldsFrom: 0,
    style: 'fields',
    clean: true,
    gfpFollows: false,
    site: undefined,
    paren: undefined,
    cache: undefined,
  };
  /** Lines consumed beyond the one given, by the last pushBytes call. */
  skipped = 0;

  /** `recording`: this parser reads parts of a capture for another (takePart); see parallelCapture. */
  constructor(options: TraceOptions = {}, recording = false) {
    this.c = new TraceCollector(options, recording);
  }

  /**
   * Recording mode: the part read since the last call (it must end where an event ends: after
   * a blank line, or at the end of the file), as plain data for `absorbPart`.
   */
  takePart(): ParsedPart {
    this.flush(false);
    const part: ParsedPart = { lines: this.lineNo, collected: this.c.takePart() };
    this.lineNo = 0;
    return part;
  }

  /** A perf report section began (`# Samples: … of event`): what follows depends on it. */
  inReportMode(): boolean {
    return this.reportEvent !== undefined;
  }

  /** Take in the next part of the capture, read by a recording parser (in file order). */
  absorbPart(part: ParsedPart, groupOf: number[]): void {
    this.flush(false);
    this.c.absorb(part.collected, this.lineNo, groupOf);
    this.lineNo += part.lines;
  }

  /** Feed the next line (without its newline). */
  push(rawLine: string): void {
    const line = this.lineNo++;
    this.fresh = false;
    const text = this.c.examined(rawLine, line, MAX_EXAMINED);
    const first = text[0];
    // Frame and wrapped-field lines never hold ": " (event lines always do).
    if (first === undefined || (isSpace(first) && !text.includes(': '))) {
      if (text.trim() === '') {
        this.flush(true);
        return;
      }
      if (this.pending) {
        const f = parsePerfFrame(text, line);
        if (f) {
          this.addFrame(this.pending, f, line);
          return;
        }
        if (WRAPPED_FIELDS.test(text) && this.pending.frameLines === 0 && this.joinWrapped(this.pending, text, line)) return;
      } else if (parsePerfFrame(text, line)) {
        // The chain of an event that is not analysed, or of one before the capture began.
        return;
      }
    }
    this.flush(false);
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
    const read = !this.c.detail && this.eventBytes(buf, start, end);
    if (!read) this.push(decodeUtf8(buf, start, end));
    const p = this.pending;
    if (!p || !this.fresh || this.c.detail || next >= limit || buf[next] !== 9) {
      this.decodeText(p, read, false, buf, start, end);
      return next;
    }
    // The chains seen after this call site before: the blank line where one of them would end,
    // then its bytes. Avoids searching for the blank line in the common case.
    const site = read ? (this.fields.siteStart >= 0 ? this.fields.siteHash : p.paren !== undefined ? textHash(p.paren) : undefined) : siteKey(p);
    const known = site !== undefined ? this.bySite.get(site) : undefined;
    if (known) {
      for (let k = 0; k < known.length; k++) {
        const b = known[k];
        const blockEnd = next + b.bytes.length;
        if (blockEnd + 1 < limit && buf[blockEnd] === 10 && buf[blockEnd + 1] === 10 && buf.compare(b.bytes, 0, b.bytes.length, next, blockEnd) === 0) {
          this.decodeText(p, read, true, buf, start, end);
          return this.skipBlock(p, b.block, blockEnd);
        }
      }
    }
    if (this.blockMisses > 8) {
      // Chains here do not end with a blank line: look again after a while.
      if (++this.blockMisses > 1024) this.blockMisses = 0;
      this.decodeText(p, read, false, buf, start, end);
      return next;
    }
    const blank = buf.indexOf(BLANK_LINE, next);
    if (blank < 0 || blank >= limit - 1 || blank - next > MAX_BLOCK_BYTES) {
      this.blockMisses++;
      this.decodeText(p, read, false, buf, start, end);
      return next;
    }
    this.blockMisses = 0;
    const rel = blank - next;
    const block = this.blocks.get(buf, next, blank);
    if (block && site !== undefined) this.rememberSite(site, block);
    if (!block) {
      let lines = 1;
      for (let i = buf.indexOf(10, next); i >= 0 && i < blank; i = buf.indexOf(10, i + 1)) lines++;
      this.learning = { bytes: Buffer.from(buf.subarray(next, blank)), lines };
      this.decodeText(p, read, false, buf, start, end);
      return next;
    }
    this.decodeText(p, read, true, buf, start, end);
    return this.skipBlock(p, block, next + rel);
  }

  /**
   * An event line read from its bytes leaves its text undecoded. Decode it when the event stays
   * pending past this line (its chain is read line by line: `completes` false), or when it
   * completes now and checkCut will look at the text: a line not printed through gfp_flags,
   * unless it is a free with its pointer and no cut last token (nothing to report: the empty
   * text gives the same outcome).
   */
  private decodeText(p: PendingEvent | undefined, read: boolean, completes: boolean, buf: Buffer, start: number, end: number): void {
    if (!read || !p) return;
    if (completes && p.gfpFollows && p.ev.ptr !== undefined) return;
    if (completes && p.ev.kind.role === 'free' && p.ev.ptr !== undefined && !cutLastToken(buf, start, end, start + p.fieldsFrom)) return;
    p.text = decodeUtf8(buf, start, end);
  }

  /**
   * The byte path's event line: read from its bytes, with the outcome the full path would have
   * (the same pending event, the same strings). False when it cannot tell: the full path reads it.
   */
  private eventBytes(buf: Buffer, start: number, end: number): boolean {
    const first = buf[start];
    if (end - start > MAX_EXAMINED || first === 35 /* # */) return false;
    if (buf !== this.plainBuf) {
      this.plainBuf = buf;
      this.plain = isAscii(buf);
    }
    const f = this.fields;
    if (!this.plain || !readEventLine(buf, start, end, f)) return false;
    let kind: EventKind | undefined;
    let name = '';
    const known = this.names;
    const length = f.nameEnd - f.nameStart;
    for (let i = 0; i < known.length && kind === undefined; i++) {
      const b = known[i].bytes;
      if (b.length !== length) continue;
      let same = true;
      for (let j = 0; j < length && same; j++) same = b[j] === buf[f.nameStart + j];
      if (same) {
        kind = known[i].kind;
        name = known[i].name;
      }
    }
    if (kind === undefined) {
      name = decodeLatin1(buf, f.nameStart, f.nameEnd);
      kind = classifyEvent(name);
      if (known.length < 16) known.push({ name, kind, bytes: Buffer.from(buf.subarray(f.nameStart, f.nameEnd)) });
    }
    if (kind.role === 'other' || kind.space === 'page') return false;
    // What push() does before the header, then what fastEvent() does with the expression's groups.
    const line = this.lineNo++;
    this.fresh = false;
    this.flush(false);
    const p = this.startFast(line, name, kind, end - start, f.at - start, f.colon + 1 - start, f.ts, pointerKeyOf(buf, f.ptrStart, f.ptrEnd, pointerKey), f.requested, Number.isNaN(f.bytes) ? f.requested : f.bytes, f.gfpFollows);
    // Decoded when needed (decodeText).
    p.text = '';
    // Only allocations use the call site and cache name (their group's); a free's chain is
    // looked up by the call site's hash.
    const alloc = kind.role === 'alloc';
    p.site = alloc && f.siteStart >= 0 ? this.strings.get(buf, f.siteStart, f.siteEnd, f.siteHash) : undefined;
    p.paren = f.parenStart >= 0 ? decodeLatin1(buf, f.parenStart, f.parenEnd) : undefined;
    p.cache = alloc && f.cacheStart >= 0 ? this.strings.get(buf, f.cacheStart, f.cacheEnd, f.cacheHash) : undefined;
    if (p.cache === undefined && alloc) {
      const at = nameFieldAfter(buf, f.matchEnd, end);
      if (at) p.cache = decodeLatin1(buf, at[0], at[1]);
    }
    return true;
  }

  /** A known chain ending at `end`: its frames, its group, its lines, and the blank line after it. */
  private skipBlock(p: PendingEvent, block: Block, end: number): number {
    p.ev.keys = block.keys;
    if (block.group >= 0) p.ev.group = block.group;
    p.frameLines = block.lines;
    p.ev.endLine = this.lineNo + block.lines - 1;
    p.ev.endCharacter = 0;
    this.lineNo += block.lines + 1;
    this.current = block;
    this.flush(true);
    this.skipped = block.lines + 1;
    return end + 2;
  }

  private rememberSite(site: number, block: Block): void {
    let list = this.bySite.get(site);
    if (!list) {
      if (this.bySite.size >= MAX_BLOCKS) return;
      this.bySite.set(site, (list = []));
    }
    if (list.length < 8 && !list.some((b) => b.block === block)) list.push({ bytes: block.bytes, block });
  }

  finish(): TraceCapture {
    this.flush(false);
    return this.c.finish(this.lineNo, {
      foreign: 'kmem events and their call chains',
      noEvents:
        'No kmem events found: expected perf script lines such as "comm pid [cpu] time: kmem:kmalloc: call_site=… ptr=…". ' +
        'Record with "perf record -e kmem:kmalloc -e kmem:kfree -e kmem:kmem_cache_alloc -e kmem:kmem_cache_free -g", then run "perf script".',
    });
  }

  private addFrame(p: PendingEvent, f: PerfFrameLine, line: number): void {
    p.frameLines++;
    p.ev.endLine = line;
    p.ev.endCharacter = f.frame.range.end.character;
    if (f.key !== undefined) {
      if (p.ev.keys === NO_KEYS) p.ev.keys = [];
      p.ev.keys.push(f.key);
    }
    if (this.c.keeps(line)) {
      if (p.frames === NO_FRAMES) p.frames = [];
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
    ev.endCharacter = text.length;
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
    const dropped = text.startsWith('Lost ') ? BPFTRACE_LOST.exec(text) : null;
    if (dropped) {
      this.c.lost(line, Number(dropped[1]), textRange(line, text), 'bpftrace lost events (its perf buffer was full)');
      return;
    }
    if (!this.c.detail && this.fastEvent(line, text)) return;
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
      return;
    }
    this.c.foreign.add(line);
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
    const ev = newEvent(line, text.length, name, kind);
    ev.ts = h.ts;
    ev.comm = h.comm;
    ev.pid = h.pid;
    ev.cpu = h.cpu;
    ev.headerStart = firstNonBlank(text);
    readEventFields(ev, kind, text, fieldsFrom, style, c, line);
    this.pending = { ev, frames: NO_FRAMES, frameLines: 0, text, fieldsFrom, style, clean: true, gfpFollows: false, site: undefined, paren: undefined, cache: undefined };
    this.current = undefined;
    this.fresh = true;
  }

  /**
   * The common perf script slab event line, read with one regular expression: used when no
   * editor details are kept. Returns false for anything else (the full path handles it).
   */
  private fastEvent(line: number, text: string): boolean {
    const m = FAST_EVENT.exec(text);
    if (!m) return false;
    const name = m[2];
    let kind: EventKind | undefined;
    const known = this.names;
    for (let i = 0; i < known.length; i++) {
      if (known[i].name === name) {
        kind = known[i].kind;
        break;
      }
    }
    if (kind === undefined) {
      kind = classifyEvent(name);
      if (known.length < 16) known.push({ name, kind, bytes: Buffer.from(name, 'utf8') });
    }
    if (kind.role === 'other' || kind.space === 'page') return false;
    const ptr = m[5];
    // 0x + 16 digits (x86_64, arm64): the low 13 digits by parseInt; anything else by pointerKey.
    const key = ptr.length === 18 && ptr.charCodeAt(1) === 120 && HEX16.test(ptr) ? parseInt(ptr.slice(5), 16) || null : pointerKey(ptr);
    const requested = m[7] !== undefined ? Number(m[7]) : NaN;
    // Where the time is: the fields come after it (all checkCut needs to know).
    const p = this.startFast(line, name, kind, text.length, m.index, m.index + m[1].length + 2, Number(m[1]), key, requested, m[8] !== undefined ? Number(m[8]) : requested, m[9] !== undefined);
    p.text = text;
    p.site = m[4];
    p.paren = m[3];
    p.cache = m[6];
    if (m[6] === undefined && kind.role === 'alloc') {
      // bpftrace's perf-script layout prints name= after the sizes.
      const at = text.indexOf(' name=', m.index + m[0].length);
      if (at >= 0) {
        const end = text.indexOf(' ', at + 6);
        p.cache = text.slice(at + 6, end < 0 ? text.length : end);
      }
    }
    return true;
  }

  /**
   * The fast paths' event (from the expression or from the bytes), pending from now on: one
   * object reused (nothing keeps it in this mode), every field set (a stable shape). The caller
   * sets its text and strings.
   */
  private startFast(
    line: number,
    name: string,
    kind: EventKind,
    lineLength: number,
    headerStart: number,
    fieldsFrom: number,
    ts: number,
    ptr: number | null | undefined,
    requested: number,
    bytes: number,
    gfpFollows: boolean,
  ): PendingEvent {
    const p = this.fastPending;
    const ev = p.ev;
    ev.line = line;
    ev.endLine = line;
    ev.endCharacter = lineLength;
    ev.name = name;
    ev.kind = kind;
    ev.ts = ts;
    ev.ptr = ptr;
    ev.requested = requested;
    ev.bytes = bytes;
    ev.keys = NO_KEYS;
    ev.group = undefined;
    ev.callSite = undefined;
    ev.callSiteKey = undefined;
    ev.cache = undefined;
    ev.headerStart = headerStart;
    ev.headerEnd = lineLength;
    p.frameLines = 0;
    p.fieldsFrom = fieldsFrom;
    p.gfpFollows = gfpFollows;
    this.pending = p;
    this.current = undefined;
    this.fresh = true;
    return p;
  }

  /** Fast path: take the call site and cache name, if the event's group needs them. */
  private resolve(p: PendingEvent): void {
    const ev = p.ev;
    const g = ev.group !== undefined ? this.c.stacks.groups[ev.group] : undefined;
    if (ev.keys.length === 0 && p.paren === undefined && p.site !== undefined) {
      // No call chain: the group is the call site's, known by its printed text after the first time.
      const known = this.siteGroups.get(p.site);
      if (known !== undefined) {
        ev.group = known;
        const kg = this.c.stacks.groups[known];
        if (p.cache !== undefined && kg.cache !== p.cache) ev.cache = p.cache;
        return;
      }
    }
    if (g === undefined || g.callSite === undefined || ev.keys.length === 0) {
      // `(get_empty_filp+0x5c) call_site=…`: old perf's resolved call site, when it names a function.
      const paren = p.paren !== undefined ? callSiteOf(p.paren) : undefined;
      const useParen = paren?.symbol !== undefined;
      const text = useParen ? p.paren : p.site;
      const cs = useParen ? paren : text !== undefined ? callSiteOf(text) : undefined;
      if (cs) {
        ev.callSite = text;
        ev.callSiteKey = cs.key;
      }
    }
    if (p.cache !== undefined && g?.cache !== p.cache) ev.cache = p.cache;
  }

  /** The pending event is complete: check what its line lacks, and hand it to the collector. */
  private flush(atBlank: boolean): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const ev = p.ev;
    if (ev.kind.role === 'alloc' && (p.site !== undefined || p.paren !== undefined || p.cache !== undefined)) this.resolve(p);
    this.checkCut(p);
    const group = this.c.event(ev);
    if (group >= 0 && ev.keys.length === 0 && p.site !== undefined && p.paren === undefined && this.siteGroups.size < 65536) this.siteGroups.set(p.site, group);
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
      this.blocks.set(l.bytes, { bytes: l.bytes, keys: ev.keys, lines: l.lines, group: ev.kind.role === 'alloc' ? group : -1 });
    }
  }

  private checkCut(p: PendingEvent): void {
    const ev = p.ev;
    // Printed through gfp_flags: nothing that matters was cut.
    if (p.gfpFollows && ev.ptr !== undefined) return;
    if (this.c.facts.aggregated || ev.name.includes('probe')) return;
    const t = p.text;
    const lastSpace = t.lastIndexOf(' ');
    const cutToken = p.style === 'fields' && lastSpace >= p.fieldsFrom && lastSpace < t.length - 1 && t.indexOf('=', lastSpace) < 0 && !t.endsWith(')');
    const slabAlloc =
      !cutToken &&
      p.gfpFollows !== true &&
      ev.kind.role === 'alloc' &&
      ev.kind.space === 'slab' &&
      p.style === 'fields' &&
      !t.includes('gfp_flags=') &&
      /k(?:mem_cache_alloc|malloc)/.test(ev.name);
    if (ev.ptr === undefined) {
      this.c.problem(
        'cut-line',
        'warning',
        textRange(ev.line, p.text),
        `This ${ev.name} event line is cut short before its ${ev.kind.pages ? 'pfn' : 'pointer'} (terminal width or truncation): it cannot be paired.`,
        'more event lines are cut short before their pointer.',
      );
    } else if (cutToken || slabAlloc) {
      this.c.problem(
        'cut-line',
        'hint',
        textRange(ev.line, p.text),
        `This event line is cut short at column ${p.text.length} (terminal width?): its last fields are lost; pairing by pointer is unaffected.`,
        'more event lines are cut short (pairing by pointer is unaffected).',
      );
    }
  }
}

/** checkCut's cut token, read from the bytes: a last token after the fields with no `=`, not ending in `)`. */
function cutLastToken(buf: Buffer, start: number, end: number, fieldsFrom: number): boolean {
  let lastSpace = end - 1;
  while (lastSpace >= start && buf[lastSpace] !== 32) lastSpace--;
  if (lastSpace < fieldsFrom || lastSpace >= end - 1 || buf[end - 1] === 41) return false;
  for (let i = lastSpace + 1; i < end; i++) if (buf[i] === 61) return false;
  return true;
}

/** The byte path's key of the chains seen after an event's call site. */
function siteKey(p: PendingEvent): number | undefined {
  const site = p.site ?? p.paren;
  return site !== undefined ? textHash(site) : undefined;
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

const SIGNATURE = /(?:^|\s)(?:kmem|percpu|probe|probe_\w{1,64}|kprobes):[a-z_]\w{0,63}(?::(?:\s|$)|\()/;
const SIGNATURE_REPORT = /^# Samples: +\S{1,20} +of event '(?:kmem|percpu|probe\w{0,64}):/;

/** Does this line identify perf script (or perf trace / perf report) output of kmem events? */
export function isPerfScriptSignature(line: string): boolean {
  const text = line.length > MAX_EXAMINED ? line.slice(0, MAX_EXAMINED) : line;
  if (text.startsWith('#')) return SIGNATURE_REPORT.test(text);
  if (!SIGNATURE.test(text)) return false;
  const h = parsePerfHeader(text);
  return h !== undefined && classifyEvent(h.name).role !== 'other';
}
