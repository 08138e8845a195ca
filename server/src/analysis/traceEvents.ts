// What perf script and ftrace captures have in common: kmem events (kmalloc, kmem_cache_alloc,
// kfree, mm_page_alloc, …) with printed fields, optional call chains, and a collector that turns
// them into a ledger of outstanding objects grouped by normalised stack. The two parsers only
// recognise their own line syntax and hand events here.
import { Frame, Problem, Range, Severity, Token, TokenKind, range } from './model';
import { AddressSpace, Ledger, LedgerResult } from './ledger';
import { suspectKeyIndex } from './stacks';
import { EventRecorder, RecordedEvents, replay } from './eventRecording';
import { baseSymbol } from './symbols';
import { ForeignLines } from './views/viewKit';

export type EventRole = 'alloc' | 'free' | 'other';

export interface EventKind {
  role: EventRole;
  space: AddressSpace;
  /** Page events: size is PAGE_SIZE << order. */
  pages?: boolean;
}

const KINDS: Record<string, EventKind> = {
  kmalloc: { role: 'alloc', space: 'slab' },
  kmalloc_node: { role: 'alloc', space: 'slab' },
  kmem_cache_alloc: { role: 'alloc', space: 'slab' },
  kmem_cache_alloc_node: { role: 'alloc', space: 'slab' },
  kfree: { role: 'free', space: 'slab' },
  kmem_cache_free: { role: 'free', space: 'slab' },
  mm_page_alloc: { role: 'alloc', space: 'page', pages: true },
  mm_page_free: { role: 'free', space: 'page', pages: true },
  mm_page_free_batched: { role: 'free', space: 'page', pages: true },
  percpu_alloc_percpu: { role: 'alloc', space: 'percpu' },
  percpu_free_percpu: { role: 'free', space: 'percpu' },
};
const OTHER: EventKind = { role: 'other', space: 'slab' };
export const OTHER_KIND = OTHER;

/**
 * Role of an event by name: `kmem:kmalloc`, `kmalloc`, `probe:kmem_cache_alloc`,
 * `probe_foo:my_alloc`, `p_kmem_cache_alloc_0`. Known kmem/percpu tracepoints by name; probes
 * by whether their name says alloc or free.
 */
const kindCache = new Map<string, EventKind>();

export function classifyEvent(name: string): EventKind {
  let k = kindCache.get(name);
  if (k === undefined) {
    k = classify(name);
    if (kindCache.size < 4096) kindCache.set(name, k);
  }
  return k;
}

function classify(name: string): EventKind {
  const colon = name.indexOf(':');
  const subsystem = colon >= 0 ? name.slice(0, colon) : '';
  const base = colon >= 0 ? name.slice(colon + 1) : name;
  const known = KINDS[base];
  if (known && (subsystem === '' || subsystem === 'kmem' || subsystem === 'percpu' || isProbeSubsystem(subsystem))) return known;
  if (subsystem === '' || isProbeSubsystem(subsystem)) {
    if (/free/i.test(base)) return { role: 'free', space: 'slab' };
    if (/alloc/i.test(base)) return { role: 'alloc', space: 'slab' };
  }
  return OTHER;
}

function isProbeSubsystem(s: string): boolean {
  return s === 'probe' || s.startsWith('probe_') || s === 'kprobes' || s === 'kprobe' || s === 'fprobes';
}

// ---- field values -----------------------------------------------------------------------------

/**
 * A pointer as printed (`0xffff888102caf3c0`, `000000009fdf3923` hashed, `c147dd20`, `(null)`,
 * `(nil)`, `0x0`) → a numeric key: its low 52 bits, exact in a double and unique for kernel
 * addresses. `null` for a NULL pointer, undefined when it is not a pointer.
 */
export function pointerKey(text: string): number | null | undefined {
  if (text === '(null)' || text === '(nil)') return null;
  const from = text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 32) === 120 ? 2 : 0;
  const digits = text.length - from;
  if (digits <= 0 || digits > 16) return undefined;
  let v = 0;
  for (let i = from; i < text.length; i++) {
    const d = hexDigit(text.charCodeAt(i));
    if (d < 0) return undefined;
    // Only the low 13 digits (52 bits) count: exact in a double.
    if (text.length - i <= 13) v = v * 16 + d;
  }
  return v === 0 ? null : v;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** A page frame number as printed by mm_page_alloc/free (`pfn=1493252` or `pfn=0x21ac7e`). */
export function pfnKey(text: string): number | undefined {
  if (/^0x[0-9a-fA-F]{1,13}$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d{1,15}$/.test(text)) return Number(text);
  return undefined;
}

export function sizeValue(text: string | undefined): number {
  if (text === undefined || text.length === 0 || text.length > 15) return NaN;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * A call site as printed: `sock_alloc_inode+0x1e`, `__fput+0x141/0x2a0` (%pS), `ffffffff8784d10c`,
 * `c104deff` (hex), or perf trace's signed decimal `-2124873685`. Returns the grouping key
 * (base function or `0x…` address) and the symbol when there is one.
 */
const siteCache = new Map<string, { key: string; symbol?: string } | undefined>();

export function callSiteOf(text: string): { key: string; symbol?: string } | undefined {
  if (siteCache.has(text)) return siteCache.get(text);
  const r = readCallSite(text);
  if (siteCache.size < 65536) siteCache.set(text, r);
  return r;
}

function readCallSite(text: string): { key: string; symbol?: string } | undefined {
  if (text.length === 0 || text.length > 256) return undefined;
  if (/^-\d{1,20}$/.test(text)) {
    const hex = (BigInt.asUintN(64, BigInt(text))).toString(16);
    return { key: `0x${hex}` };
  }
  const plus = text.indexOf('+');
  const sym = plus > 0 ? text.slice(0, plus) : text;
  if (/^(?:0x)?[0-9a-fA-F]{6,16}$/.test(sym) && /\d/.test(sym)) {
    return { key: `0x${sym.replace(/^0x/, '').toLowerCase()}` };
  }
  if (!/^[A-Za-z_.$][\w.$]*$/.test(sym)) return undefined;
  return { key: baseSymbol(sym), symbol: sym };
}

export interface FieldHit {
  value: string;
  /** Column of the value in the line. */
  at: number;
}

/**
 * `key=value` in the printed fields of an event, from column `from`. The key must start a field
 * (after a space, `(` or at `from`). Values end at a space; `ptr=  (null)` (old kernels pad
 * NULL pointers) and quoted values (`name="kmalloc-4096"`) are read whole.
 */
const fieldNeedles = new Map<string, string>();
const argNeedles = new Map<string, string>();

function needleOf(key: string, sep: '=' | ': '): string {
  const map = sep === '=' ? fieldNeedles : argNeedles;
  let n = map.get(key);
  if (n === undefined) map.set(key, (n = key + sep));
  return n;
}

export function readField(text: string, key: string, from: number): FieldHit | undefined {
  const needle = needleOf(key, '=');
  let at = text.indexOf(needle, from);
  while (at >= 0) {
    const before = at === from ? ' ' : text[at - 1];
    if (before === ' ' || before === '(' || before === '\t') break;
    at = text.indexOf(needle, at + 1);
  }
  if (at < 0) return undefined;
  let v = at + needle.length;
  if (text.charCodeAt(v) === 32) {
    // `ptr=  (null)`: padding before a parenthesised value.
    let w = v;
    while (text.charCodeAt(w) === 32) w++;
    if (text[w] === '(') v = w;
  }
  if (text[v] === '"') {
    const close = text.indexOf('"', v + 1);
    if (close > v) return { value: text.slice(v + 1, close), at: v + 1 };
  }
  let end = text.indexOf(' ', v);
  if (end < 0) end = text.length;
  return { value: text.slice(v, end), at: v };
}

/**
 * perf trace's argument syntax: `kmem:kmalloc(call_site: -2124873685, ptr: 0xffff…, name: "filp")`.
 * Returns the value of `key` within the parenthesised arguments starting at `from`.
 */
export function readArg(text: string, key: string, from: number): FieldHit | undefined {
  const needle = needleOf(key, ': ');
  let at = text.indexOf(needle, from);
  while (at >= 0) {
    const before = text[at - 1];
    if (before === '(' || before === ' ') break;
    at = text.indexOf(needle, at + 1);
  }
  if (at < 0) return undefined;
  let v = at + needle.length;
  if (text[v] === '"') {
    const close = text.indexOf('"', v + 1);
    if (close > v) return { value: text.slice(v + 1, close), at: v + 1 };
    v++;
  }
  let end = v;
  while (end < text.length) {
    const c = text[end];
    if (c === ',' || c === ')' || c === ' ') break;
    end++;
  }
  return { value: text.slice(v, end), at: v };
}

// ---- stacks -----------------------------------------------------------------------------------

/** Stack groups kept before new distinct stacks fold into their suspect function's group. */
export const MAX_GROUPS = 50_000;

export interface StackGroup {
  id: number;
  /** Normalised stack (allocator and tracer frames stripped), innermost first. */
  stack: string[];
  /** Frames that were stripped on top of it (allocator, tracer). */
  stripped: string[];
  /** The stack is only the event's call site: the capture had no call chain for it. */
  fromCallSite: boolean;
  /** Distinct stacks beyond MAX_GROUPS were folded into this group by suspect function. */
  folded: boolean;
  /** First cache name (`name=`) and call site seen, and event name. */
  cache?: string;
  otherCaches: boolean;
  callSite?: string;
  event?: string;
}

export class StackTable {
  readonly groups: StackGroup[] = [];
  private readonly bySignature = new Map<string, number>();

  private readonly bySite = new Map<string, number>();

  /** The group of a captured stack (frame keys, innermost first). */
  group(keys: readonly string[], fromCallSite: boolean): number {
    // Call-site groups (one key) come by the million in flat captures: remembered by key.
    if (fromCallSite && keys.length === 1) {
      const known = this.bySite.get(keys[0]);
      if (known !== undefined) return known;
      const id = this.make(keys, true);
      this.bySite.set(keys[0], id);
      return id;
    }
    return this.make(keys, fromCallSite);
  }

  /**
   * The group of another table's group (a part of the capture read by another thread): the same
   * normalised stack gives the same group. Groups that table folded stay folded by suspect.
   */
  adopt(g: StackGroup): number {
    let signature = g.folded ? `folded\n${g.stack[0]}` : (g.fromCallSite ? 'site\n' : 'stack\n') + g.stack.join('\n');
    let id = this.bySignature.get(signature);
    if (id !== undefined) return id;
    let folded = g.folded;
    if (!folded && this.groups.length >= MAX_GROUPS) {
      signature = `folded\n${g.stack[0]}`;
      id = this.bySignature.get(signature);
      if (id !== undefined) return id;
      folded = true;
    }
    id = this.groups.length;
    this.groups.push({ id, stack: folded ? [g.stack[0]] : g.stack, stripped: g.stripped, fromCallSite: g.fromCallSite, folded, otherCaches: false });
    this.bySignature.set(signature, id);
    return id;
  }

  private make(keys: readonly string[], fromCallSite: boolean): number {
    const s = keys.length > 0 ? suspectKeyIndex(keys) : -1;
    const stack = s >= 0 ? keys.slice(s) : ['(unknown)'];
    let signature = (fromCallSite ? 'site\n' : 'stack\n') + stack.join('\n');
    let id = this.bySignature.get(signature);
    if (id !== undefined) return id;
    let folded = false;
    if (this.groups.length >= MAX_GROUPS) {
      signature = `folded\n${stack[0]}`;
      id = this.bySignature.get(signature);
      if (id !== undefined) return id;
      folded = true;
    }
    id = this.groups.length;
    this.groups.push({
      id,
      stack: folded ? [stack[0]] : stack,
      stripped: s > 0 ? keys.slice(0, s) : [],
      fromCallSite,
      folded,
      otherCaches: false,
    });
    this.bySignature.set(signature, id);
    return id;
  }
}

// ---- the collector ----------------------------------------------------------------------------

export interface TraceOptions {
  /** Keep only events at or after this timestamp (seconds, as printed in the capture). */
  since?: number;
  /** Keep only events at or before this timestamp. */
  until?: number;
  /**
   * Keep what an editor needs (tokens, frames, folds, per-event details for hovers) for the
   * head of the capture. Off for files analysed from disk: only the ledger and aggregates.
   */
  detail?: boolean;
}

/** Lines for which tokens, frames and folds are kept (the editor's view; files stream without). */
export const DETAIL_LINES = 100_000;
/** Events whose details (pairing, sizes, ages) are kept for hovers. */
export const DETAIL_EVENTS = 100_000;
/** Problems kept per kind; the rest are counted in one summary problem. */
export const PROBLEMS_PER_CODE = 100;

/** The call chain of an event that printed none (shared: never written to). */
export const NO_KEYS: string[] = [];

const symbolKeys = new Map<string, string>();

/** Grouping key of a printed kernel symbol (`getname_flags.part.0` → `getname_flags`), memoised. */
export function symbolKey(symbol: string): string {
  let k = symbolKeys.get(symbol);
  if (k === undefined) {
    k = baseSymbol(symbol);
    if (symbolKeys.size < 65536) symbolKeys.set(symbol, k);
  }
  return k;
}

/** A parsed event on its way to the ledger. */
export interface ParsedEvent {
  line: number;
  endLine: number;
  /** Length of the event's last line (where its range ends). */
  endCharacter: number;
  name: string;
  kind: EventKind;
  /** Seconds; NaN when the capture prints no time. */
  ts: number;
  /** Pointer key; null for NULL; undefined when the event prints none. */
  ptr: number | null | undefined;
  ptrText?: string;
  bytes: number;
  requested: number;
  cache?: string;
  callSite?: string;
  callSiteKey?: string;
  comm?: string;
  pid?: number;
  cpu?: number;
  /** Kernel frames of its call chain, innermost first (empty: none printed). */
  keys: string[];
  /** A group already known (the parsers' block cache), instead of `keys`. */
  group?: number;
  /** Columns of the event's header line for diagnostics (from the first non-blank to its end). */
  headerStart: number;
  headerEnd: number;
  /** Lines of its call chain, when printed apart from the header (ftrace `<stack trace>`). */
  stackLines?: [number, number];
}

/** A fresh event with every field present (one object shape for all parsers). */
export function newEvent(line: number, endCharacter: number, name: string, kind: EventKind): ParsedEvent {
  return {
    line,
    endLine: line,
    endCharacter,
    name,
    kind,
    ts: NaN,
    ptr: undefined,
    ptrText: undefined,
    bytes: NaN,
    requested: NaN,
    cache: undefined,
    callSite: undefined,
    callSiteKey: undefined,
    comm: undefined,
    pid: undefined,
    cpu: undefined,
    keys: NO_KEYS,
    group: undefined,
    headerStart: 0,
    headerEnd: endCharacter,
    stackLines: undefined,
  };
}

export type EventFate = 'outstanding' | 'freed' | 'lost-free' | 'paired' | 'unmatched' | 'null' | 'unpaired';

/** What a hover tells about one event (kept for the first DETAIL_EVENTS events in detail mode). */
export interface EventInfo {
  seq: number;
  line: number;
  endLine: number;
  endCharacter: number;
  headerRange: Range;
  name: string;
  role: 'alloc' | 'free';
  ts: number;
  ptrText?: string;
  bytes: number;
  requested: number;
  cache?: string;
  comm?: string;
  pid?: number;
  cpu?: number;
  callSite?: string;
  group: number;
  fate: EventFate;
  /** Sequence number of the paired free (for an allocation) or allocation (for a free); -1 if none. */
  partner: number;
  stackLines?: [number, number];
}

export interface TraceFacts {
  lines: number;
  /** kmem events seen (allocations and frees), before the time window. */
  events: number;
  /** Events kept by the time window (all when there is none). */
  inWindow: number;
  outsideWindow: number;
  /** Events of other kinds (other tracepoints, syscalls) that were skipped. */
  otherEvents: number;
  /** Allocation/free events printed with a call chain, and without one. */
  withChain: number;
  withoutChain: number;
  /** Events the tracer reported lost, and where. */
  lostEvents: number;
  lostAt: number[];
  /** The capture aggregates identical events (perf report): counts are of distinct lines. */
  aggregated: boolean;
  window?: { since?: number; until?: number };
}

export interface TraceCapture {
  facts: TraceFacts;
  ledger: LedgerResult;
  groups: StackGroup[];
  problems: Problem[];
  tokens: Token[];
  frames: { frame: Frame; group: number; suspect: boolean }[];
  folds: { startLine: number; endLine: number }[];
  events: EventInfo[];
  detail: boolean;
}

interface ProblemCount {
  count: number;
  first: number;
  more?: string;
}

/** Attributes of a group that its events fill in (first seen wins, otherCaches once two differ). */
type GroupAttributes = Pick<StackGroup, 'id' | 'event' | 'callSite' | 'cache' | 'otherCaches'>;

/**
 * What a recording collector gathered over one part of a capture, for the collector of the
 * whole capture (`absorb`, in file order). Plain data: it crosses threads. Lines count from the
 * part's first line.
 */
export interface CollectedPart {
  facts: Omit<TraceFacts, 'lines' | 'window'>;
  foreign: { count: number; first: number };
  problems: Problem[];
  counts: [string, ProblemCount][];
  /** Groups first seen in this part; their ids continue those of the recorder's earlier parts. */
  groups: StackGroup[];
  /** Attributes of the recorder's earlier groups that this part changed. */
  changed: GroupAttributes[];
  events: RecordedEvents;
}

function emptyFacts(): TraceFacts {
  return { lines: 0, events: 0, inWindow: 0, outsideWindow: 0, otherEvents: 0, withChain: 0, withoutChain: 0, lostEvents: 0, lostAt: [], aggregated: false };
}

export class TraceCollector {
  readonly detail: boolean;
  readonly stacks = new StackTable();
  private readonly ledger: Ledger;
  private problems: Problem[] = [];
  private problemCounts = new Map<string, ProblemCount>();
  readonly tokens: Token[] = [];
  readonly frames: { frame: Frame; group: number; suspect: boolean }[] = [];
  readonly folds: { startLine: number; endLine: number }[] = [];
  private readonly events: EventInfo[] = [];
  private seq = 0;
  facts: TraceFacts = emptyFacts();
  /** Lines that are neither events nor their stacks (other output mixed in). */
  foreign = new ForeignLines();
  /** Recording mode (a part of the capture read by a worker): ledger calls are recorded instead. */
  private readonly recorder: EventRecorder | undefined;
  /** Recording mode: groups of earlier parts whose attributes changed, and where this part's groups start. */
  private readonly changed = new Set<number>();
  private partGroups = 0;

  constructor(
    private readonly options: TraceOptions = {},
    recording = false,
  ) {
    this.detail = options.detail !== false && !recording;
    if (recording) this.recorder = new EventRecorder();
    if (options.since !== undefined || options.until !== undefined) this.facts.window = { since: options.since, until: options.until };
    this.ledger = new Ledger(
      this.detail
        ? {
            paired: (a, f) => this.settle(a, 'freed', f, 'paired'),
            lostFree: (a, r) => this.settle(a, 'lost-free', r),
            unmatched: (f) => this.settle(f, 'unmatched', -1),
          }
        : {},
    );
  }

  private settle(seq: number, fate: EventFate, partner: number, partnerFate?: EventFate): void {
    const e = this.events[seq];
    if (e) {
      e.fate = fate;
      e.partner = partner;
    }
    if (partnerFate && partner >= 0) {
      const p = this.events[partner];
      if (p) {
        p.fate = partnerFate;
        p.partner = seq;
      }
    }
  }

  /** Keep tokens, frames and folds for this line? */
  keeps(line: number): boolean {
    return this.detail && line < DETAIL_LINES;
  }

  token(line: number, character: number, length: number, kind: TokenKind): void {
    if (length > 0 && this.keeps(line)) this.tokens.push({ line, character, length, kind });
  }

  fold(startLine: number, endLine: number): void {
    if (endLine > startLine && this.keeps(endLine)) this.folds.push({ startLine, endLine });
  }

  /** A problem of the input; after PROBLEMS_PER_CODE of a kind, the rest are only counted. */
  /** The part of a line the parsers examine (its first `max` characters); a longer line is a hint. */
  examined(rawLine: string, line: number, max: number): string {
    if (rawLine.length <= max) return rawLine;
    this.problem('long-line', 'hint', { start: { line, character: 0 }, end: { line, character: 0 } }, `Line of ${rawLine.length} characters: only its first ${max} were examined.`);
    return rawLine.slice(0, max);
  }

  /** `more`: what the summary says after the number of problems not kept (`12 more lines are …`). */
  problem(code: string, severity: Severity, r: Range, message: string, more?: string): void {
    const c = this.problemCounts.get(code);
    if (!c) this.problemCounts.set(code, { count: 1, first: r.start.line, more });
    else c.count++;
    if (!c || c.count <= PROBLEMS_PER_CODE) this.problems.push({ range: r, severity, message, code });
  }

  /** `CPU:1 [LOST 124 EVENTS]`, `PERF_RECORD_LOST lost 4`, `# Total Lost Samples: 2549`. */
  lost(line: number, count: number, r: Range, what: string): void {
    this.facts.lostEvents += count;
    if (this.facts.lostAt.length < PROBLEMS_PER_CODE) this.facts.lostAt.push(line);
    this.problem(
      'lost-events',
      'warning',
      r,
      `${what}: ${count} event${count === 1 ? '' : 's'} lost here. Frees among them leave objects looking outstanding, allocations among them make frees look unmatched.`,
    );
  }

  other(): void {
    this.facts.otherEvents++;
  }

  /** Group of an event: its call chain, or its call site when it has none. */
  groupOf(e: ParsedEvent): number {
    if (e.group !== undefined) return e.group;
    if (e.keys.length > 0) return this.stacks.group(e.keys, false);
    return this.stacks.group(e.callSiteKey ? [e.callSiteKey] : [], true);
  }

  /** An allocation or free event, complete with its call chain. Returns its group (allocations; -1 otherwise). */
  event(e: ParsedEvent): number {
    const f = this.facts;
    f.events++;
    const o = this.options;
    if ((o.since !== undefined || o.until !== undefined) && !(e.ts >= (o.since ?? -Infinity) && e.ts <= (o.until ?? Infinity))) {
      f.outsideWindow++;
      return -1;
    }
    f.inWindow++;
    const chained = e.keys.length > 0 || (e.group !== undefined && !this.stacks.groups[e.group].fromCallSite);
    if (chained) f.withChain++;
    else f.withoutChain++;
    const group = e.kind.role === 'alloc' ? this.groupOf(e) : -1;
    if (group >= 0) {
      const g = this.stacks.groups[group];
      let changed = false;
      if (g.event === undefined) {
        g.event = e.name;
        changed = true;
      }
      if (g.callSite === undefined && e.callSite !== undefined) {
        g.callSite = e.callSite;
        changed = true;
      }
      if (e.cache !== undefined) {
        if (g.cache === undefined) {
          g.cache = e.cache;
          changed = true;
        } else if (g.cache !== e.cache && !g.otherCaches) {
          g.otherCaches = true;
          changed = true;
        }
      }
      // Recording: a group of an earlier part changed; the whole capture's collector must know.
      if (changed && this.recorder && group < this.partGroups) this.changed.add(group);
    }
    const seq = this.seq++;
    if (this.detail && seq < DETAIL_EVENTS && e.kind.role !== 'other') {
      this.events.push({
        seq,
        line: e.line,
        endLine: e.endLine,
        endCharacter: e.endCharacter,
        headerRange: range(e.line, e.headerStart, e.headerEnd),
        name: e.name,
        role: e.kind.role,
        ts: e.ts,
        ptrText: e.ptrText,
        bytes: e.bytes,
        requested: e.requested,
        cache: e.cache,
        comm: e.comm,
        pid: e.pid,
        cpu: e.cpu,
        callSite: e.callSite,
        group,
        fate: e.kind.role === 'alloc' ? (e.ptr === undefined ? 'unpaired' : 'outstanding') : e.ptr === null ? 'null' : 'unmatched',
        partner: -1,
        stackLines: e.stackLines,
      });
    }
    const sink = this.recorder ?? this.ledger;
    if (e.kind.role === 'alloc') {
      if (e.ptr === undefined || e.ptr === null) sink.allocUnpaired(group, e.ts, e.bytes, e.requested, e.line);
      else sink.alloc(group, e.kind.space, e.ptr, e.ts, e.bytes, e.requested, e.line, seq);
    } else if (e.kind.role === 'free') {
      sink.free(e.kind.space, e.ptr === null ? undefined : e.ptr, e.ts, seq);
      if (e.ptr === undefined) {
        this.problem('free-without-pointer', 'hint', range(e.line, e.headerStart, e.headerEnd), `This ${e.name} event prints no pointer: it cannot be paired with an allocation.`);
      }
    }
    return group;
  }

  /** Recording mode: what was gathered since the last call, as plain data; starts the next part afresh. */
  takePart(): CollectedPart {
    if (!this.recorder) throw new Error('takePart: this collector does not record (construct it with recording = true)');
    const groups = this.stacks.groups.slice(this.partGroups);
    const changed = [...this.changed].map((id) => {
      const g = this.stacks.groups[id];
      return { id, event: g.event, callSite: g.callSite, cache: g.cache, otherCaches: g.otherCaches };
    });
    const { lines: _lines, window: _window, ...facts } = this.facts;
    const part: CollectedPart = {
      facts,
      foreign: { count: this.foreign.count, first: this.foreign.first },
      problems: this.problems,
      counts: [...this.problemCounts],
      groups,
      changed,
      events: this.recorder.take(),
    };
    this.foreign = new ForeignLines();
    this.partGroups = this.stacks.groups.length;
    this.changed.clear();
    this.problems = [];
    this.problemCounts = new Map();
    this.facts = { ...emptyFacts(), aggregated: this.facts.aggregated, window: this.facts.window };
    return part;
  }

  /**
   * Take in a part of the capture that another collector recorded (`takePart`), in file order:
   * its groups (mapped to this one's through `groupOf`, which this extends), its events replayed
   * into this ledger, its facts and problems — lines shifted by `lineOffset`.
   */
  absorb(part: CollectedPart, lineOffset: number, groupOf: number[]): void {
    for (const g of part.groups) {
      const id = this.stacks.adopt(g);
      groupOf[g.id] = id;
      this.mergeAttributes(id, g);
    }
    for (const a of part.changed) this.mergeAttributes(groupOf[a.id], a);
    replay(part.events, this.ledger, groupOf, lineOffset, this.seq);
    this.seq += part.events.count;
    const f = this.facts;
    const p = part.facts;
    f.events += p.events;
    f.inWindow += p.inWindow;
    f.outsideWindow += p.outsideWindow;
    f.otherEvents += p.otherEvents;
    f.withChain += p.withChain;
    f.withoutChain += p.withoutChain;
    f.lostEvents += p.lostEvents;
    for (const l of p.lostAt) if (f.lostAt.length < PROBLEMS_PER_CODE) f.lostAt.push(l + lineOffset);
    f.aggregated ||= p.aggregated;
    this.foreign.absorb(part.foreign, lineOffset);
    const shift = (r: Range): Range => ({ start: { line: r.start.line + lineOffset, character: r.start.character }, end: { line: r.end.line + lineOffset, character: r.end.character } });
    const counts = new Map(part.counts);
    const kept = new Map<string, number>();
    for (const pr of part.problems) {
      const code = pr.code ?? '';
      kept.set(code, (kept.get(code) ?? 0) + 1);
      this.problem(code, pr.severity, shift(pr.range), pr.message, counts.get(code)?.more);
    }
    // Problems the part only counted (beyond its own cap) count here too.
    for (const [code, c] of counts) {
      const rest = c.count - (kept.get(code) ?? 0);
      if (rest <= 0) continue;
      const mine = this.problemCounts.get(code);
      if (mine) mine.count += rest;
      else this.problemCounts.set(code, { count: rest, first: c.first + lineOffset, more: c.more });
    }
  }

  private mergeAttributes(id: number, a: GroupAttributes): void {
    const g = this.stacks.groups[id];
    if (g.event === undefined) g.event = a.event;
    if (g.callSite === undefined) g.callSite = a.callSite;
    if (a.cache !== undefined) {
      if (g.cache === undefined) g.cache = a.cache;
      else if (g.cache !== a.cache) g.otherCaches = true;
    }
    if (a.otherCaches) g.otherCaches = true;
  }

  /**
   * The capture: `foreign` names what the other lines are not (for the problem that counts them),
   * `noEvents` is the warning when the input held no event at all.
   */
  finish(lines: number, say: { foreign: string; noEvents: string }): TraceCapture {
    this.facts.lines = lines;
    const other = this.foreign.problem(say.foreign);
    if (other) this.problem(other.code!, other.severity, other.range, other.message);
    for (const [code, c] of this.problemCounts) {
      if (c.count > PROBLEMS_PER_CODE && c.more) {
        this.problems.push({ range: range(c.first, 0, 0), severity: 'information', message: `${c.count - PROBLEMS_PER_CODE} ${c.more}`, code: `${code}-more` });
      }
    }
    const ledger = this.ledger.result();
    const outstanding = new Set<number>();
    if (this.detail) for (const s of this.ledger.outstandingSeqs()) outstanding.add(s);
    for (const e of this.events) if (e.role === 'alloc' && e.fate === 'outstanding' && !outstanding.has(e.seq)) e.fate = 'unpaired';
    if (this.facts.events === 0 && this.facts.otherEvents === 0) {
      this.problems.push({ range: range(0, 0, 0), severity: 'warning', message: say.noEvents, code: 'no-events' });
    }
    return {
      facts: this.facts,
      ledger,
      groups: this.stacks.groups,
      problems: this.problems,
      tokens: this.tokens,
      frames: this.frames,
      folds: this.folds,
      events: this.events,
      detail: this.detail,
    };
  }
}

/**
 * Call-chain blocks seen before, recognised from their raw bytes: candidates of the same length
 * are compared byte for byte (natively). Files with millions of identical chains are read
 * without decoding them again. Bounded in entries, bytes and candidates per length.
 */
export class BlockCache<T> {
  private readonly byLength = new Map<number, { bytes: Buffer; value: T }[]>();
  private entries = 0;
  private bytes = 0;

  constructor(
    private readonly maxEntries = 20_000,
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly perLength = 16,
  ) {}

  get(buf: Buffer, start: number, end: number): T | undefined {
    const list = this.byLength.get(end - start);
    if (!list) return undefined;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (buf.compare(e.bytes, 0, e.bytes.length, start, end) === 0) {
        // Most recently matched first: runs of the same chain are common.
        if (i > 0) {
          list[i] = list[0];
          list[0] = e;
        }
        return e.value;
      }
    }
    return undefined;
  }

  /** Remember a block (the caller passes a copy), unless the cache is full. */
  set(bytes: Buffer, value: T): void {
    if (this.entries >= this.maxEntries || this.bytes + bytes.length > this.maxBytes) return;
    const list = this.byLength.get(bytes.length);
    if (list && list.length >= this.perLength) return;
    if (list) list.push({ bytes, value });
    else this.byLength.set(bytes.length, [{ bytes, value }]);
    this.entries++;
    this.bytes += bytes.length;
  }
}

const utf8Slice: ((this: Buffer, start: number, end: number) => string) | undefined = (Buffer.prototype as unknown as { utf8Slice?: (s: number, e: number) => string }).utf8Slice;

/** Decode `buf[start, end)` as UTF-8 (Buffer's own slice method when there is one: it skips toString's argument handling). */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  return utf8Slice ? utf8Slice.call(buf, start, end) : buf.toString('utf8', start, end);
}

const latin1Slice: ((this: Buffer, start: number, end: number) => string) | undefined = (Buffer.prototype as unknown as { latin1Slice?: (s: number, e: number) => string }).latin1Slice;

/** Decode `buf[start, end)` byte by byte (ASCII text: faster than UTF-8, the same string). */
export function decodeLatin1(buf: Buffer, start: number, end: number): string {
  return latin1Slice ? latin1Slice.call(buf, start, end) : buf.toString('latin1', start, end);
}

/** Page size assumed for mm_page_alloc/free sizes (PAGE_SIZE << order). */
export const PAGE_SIZE = 4096;

/** The fields that matter of a kmem event, in either syntax, with their tokens. */
export function readEventFields(ev: ParsedEvent, kind: EventKind, text: string, from: number, style: 'fields' | 'args', c: TraceCollector, line: number): void {
  const read = style === 'fields' ? readField : readArg;
  const keep = c.keeps(line);
  // `(get_empty_filp+0x5c) call_site=…`: old perf resolves the call site in front of the fields.
  let site: { value: string; at: number } | undefined;
  if (style === 'fields') {
    let p = from;
    while (text[p] === ' ') p++;
    if (text[p] === '(') {
      const close = text.indexOf(')', p);
      if (close > p + 1) site = { value: text.slice(p + 1, close), at: p + 1 };
    }
  }
  const printed = read(text, 'call_site', from);
  const siteOf = site && callSiteOf(site.value)?.symbol !== undefined ? site : printed ?? site;
  if (siteOf) {
    const cs = callSiteOf(siteOf.value);
    if (cs) {
      ev.callSite = siteOf.value;
      ev.callSiteKey = cs.key;
      if (keep) c.token(line, siteOf.at, cs.symbol !== undefined ? cs.symbol.length : siteOf.value.length, cs.symbol !== undefined ? 'function' : 'address');
    }
  }
  if (kind.pages) {
    const pfn = read(text, 'pfn', from) ?? read(text, 'page', from);
    if (pfn) {
      const k = pfnKey(pfn.value) ?? pointerKey(pfn.value) ?? undefined;
      ev.ptr = k;
      ev.ptrText = pfn.value;
      if (keep) c.token(line, pfn.at, pfn.value.length, 'address');
    }
    const order = read(text, 'order', from);
    if (order && /^\d{1,2}$/.test(order.value)) ev.bytes = PAGE_SIZE * 2 ** Number(order.value);
    return;
  }
  const ptr = read(text, 'ptr', from);
  if (ptr) {
    ev.ptr = pointerKey(ptr.value);
    ev.ptrText = ptr.value;
    if (keep) c.token(line, ptr.at, ptr.value.length, 'address');
  } else if (style === 'args' && kind.role === 'free' && printed) {
    // perf trace leaves out zero arguments: kfree(NULL) prints no ptr.
    ev.ptr = null;
  }
  const alloc = read(text, kind.space === 'percpu' ? 'size' : 'bytes_alloc', from);
  if (alloc) {
    ev.bytes = sizeValue(alloc.value);
    if (keep) c.token(line, alloc.at, alloc.value.length, 'size');
  }
  const req = read(text, 'bytes_req', from);
  if (req) {
    ev.requested = sizeValue(req.value);
    if (keep) c.token(line, req.at, req.value.length, 'size');
  }
  if (Number.isNaN(ev.bytes) && !Number.isNaN(ev.requested)) ev.bytes = ev.requested;
  const name = read(text, 'name', from);
  if (name) {
    ev.cache = name.value;
    if (keep) c.token(line, name.at, name.value.length, 'cache');
  }
}

/** Range of a whole line's text, for problems at a line. */
export function textRange(line: number, text: string, from = 0): Range {
  return range(line, Math.min(from, text.length), text.length);
}
