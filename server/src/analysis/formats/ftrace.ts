// Parser for ftrace text: /sys/kernel/tracing/trace, trace_pipe and `trace-cmd report`.
//   # tracer: nop
//   # entries-in-buffer/entries-written: 157420/157420   #P:2
//    capture-ftrace.-19871   [001] .....  1280.090885: kmem_cache_free: call_site=__fput+0x141/0x2a0 ptr=000000009fdf3923 name=lsm_file_cache
//            init-1     [000] .N..     0.170000: kmalloc: call_site=c104deff ptr=c147dd20 bytes_req=29 bytes_alloc=32 …
//           kprobe-3892  [002] d... 7888274.478331: kmem_cache_alloc: (kmem_cache_alloc+0x0/0x1b0) name="kmalloc-4096"
//    capture-ftrace.-19871   [001] .....  1280.091041: <stack trace>
//    => trace_event_raw_event_kmem_cache_free
//   CPU:1 [LOST 124 EVENTS]
// The `<stack trace>` of an event is a separate entry of the same CPU's buffer; buffers are
// merged by time, so it can arrive after other CPUs' entries. Stacks are matched to the last
// event of their CPU, and events reach the ledger in file order once their stack is known.
import { Frame, range } from '../model';
import { baseSymbol } from '../symbols';
import { BlockCache, NO_KEYS, decodeUtf8, newEvent, ParsedEvent, TraceCapture, TraceCollector, TraceOptions, classifyEvent, readEventFields, symbolKey, textRange } from '../traceEvents';

const MAX_EXAMINED = 4096;
/** Events waiting for their stack; beyond it the oldest is sent on without one. */
const MAX_WAITING = 4096;
/** Events of one CPU waiting for their stack. */
const PER_CPU_WAITING = 64;
/** A stack trace entry follows its event within microseconds; after this, it is not coming. */
const STACK_WINDOW_SECONDS = 0.5;
const MAX_BLOCK_BYTES = 16 * 1024;
const MAX_BLOCKS = 20_000;
const MAX_BLOCK_CHARS = 32 * 1024 * 1024;

const ENTRY = /^ *(.{0,64}?)-(\d{1,10}) +(?:\( *(?:\d{1,10}|-{1,7})\) +)?\[(\d{1,5})\] +(?:([\w.!]{1,8}) +)?(\d{1,12}\.\d{1,12}): +/;
const EVENT_NAME = /^([A-Za-z_][\w-]{0,63}): */;
const BARE_EVENT = /^ *([a-z_][\w]{0,63}): +(?=call_site=|ptr=|page=|\()/;
const LOST = /^CPU:(\d{1,5}) \[LOST (\d{1,15}) EVENTS\]/;
const ENTRIES = /^# entries-in-buffer\/entries-written: (\d{1,15})\/(\d{1,15})(?: +#P:(\d{1,5}))?/;
const TRACER = /^# tracer: (\S{1,64})/;
const FRAME_SYMBOL = /[A-Za-z_.$][\w.$]{0,255}/y;
const FRAME_OFFSET = /\+0x([0-9a-fA-F]{1,16})(?:\/0x([0-9a-fA-F]{1,16}))?/y;
const FRAME_MODULE = / \[([\w-]{1,64})\]/y;
const FRAME_ADDR = /0x([0-9a-fA-F]{1,16})/y;

interface Waiting {
  ev: ParsedEvent;
  cpu: number;
  /** Not an analysed event (another tracepoint): its stack is read and dropped. */
  skip: boolean;
  text: string;
  fieldsFrom: number;
  done: boolean;
  frames: Frame[];
  stacked: boolean;
}

interface Block {
  keys: string[];
  lines: number;
}

function at(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

export interface FtraceFrameLine {
  key?: string;
  frame?: Frame;
  user: boolean;
}

/** A ` => sym+0x24c/0x6b0 [mod]` line of a `<stack trace>` (or `<user stack trace>`). */
export function parseFtraceFrame(text: string, line: number): FtraceFrameLine | undefined {
  const arrow = text.indexOf('=> ');
  if (arrow < 0 || text.slice(0, arrow).trim() !== '') return undefined;
  const pos = arrow + 3;
  if (text[pos] === '<' || text.startsWith('??', pos)) return { user: true };
  let m = at(FRAME_ADDR, text, pos);
  if (m) {
    const frame: Frame = {
      address: m[1],
      inline: false,
      unreliable: false,
      range: range(line, pos, text.length),
      symbolRange: range(line, pos, pos + m[0].length),
      addressRange: range(line, pos + 2, pos + m[0].length),
    };
    return { key: `0x${m[1].toLowerCase()}`, frame, user: false };
  }
  m = at(FRAME_SYMBOL, text, pos);
  if (!m) return undefined;
  const frame: Frame = {
    symbol: m[0],
    inline: false,
    unreliable: false,
    range: range(line, pos, text.length),
    symbolRange: range(line, pos, pos + m[0].length),
  };
  let p = pos + m[0].length;
  if ((m = at(FRAME_OFFSET, text, p))) {
    frame.offset = parseInt(m[1], 16);
    if (m[2] !== undefined) frame.size = parseInt(m[2], 16);
    frame.offsetRange = range(line, p, p + m[0].length);
    p += m[0].length;
  }
  if ((m = at(FRAME_MODULE, text, p))) {
    frame.module = m[1];
    frame.moduleRange = range(line, p + 2, p + 2 + m[1].length);
    p += m[0].length;
  }
  if (text.slice(p).trim() !== '') return undefined;
  return { key: symbolKey(frame.symbol!), frame, user: false };
}

export class FtraceParser {
  private readonly c: TraceCollector;
  private lineNo = 0;
  private readonly waiting: Waiting[] = [];
  private head = 0;
  /** Per CPU, events still without their stack, oldest first. */
  private readonly unstacked = new Map<number, Waiting[]>();
  /** The event whose `<stack trace>` frames are being read (decided at its first frame). */
  private stackOf: Waiting | undefined;
  private stackCpu = -1;
  private stackDecided = false;
  private stackLine = -1;
  private inStack = false;
  private stackUser = false;
  private stackFrames = 0;
  private lastTs = NaN;
  private readonly blocks = new BlockCache<Block>(MAX_BLOCKS, MAX_BLOCK_CHARS);
  private learning: { bytes: Buffer; lines: number } | undefined;
  private freshStack = false;
  private sawHeader = false;
  /** Lines consumed beyond the one given, by the last pushBytes call. */
  skipped = 0;

  constructor(options: TraceOptions = {}) {
    this.c = new TraceCollector(options);
  }

  push(rawLine: string): void {
    const line = this.lineNo++;
    this.freshStack = false;
    const text = this.c.examined(rawLine, line, MAX_EXAMINED);
    if (this.inStack) {
      const f = text.includes('=> ') ? parseFtraceFrame(text, line) : undefined;
      if (f) {
        this.frame(f, line);
        return;
      }
      this.endStack();
    }
    if (text.trim() === '') return;
    if (text.startsWith('#')) {
      this.comment(line, text);
      return;
    }
    const lost = text.startsWith('CPU:') ? LOST.exec(text) : null;
    if (lost) {
      this.c.lost(line, Number(lost[2]), textRange(line, text), `CPU ${lost[1]}: the ring buffer dropped events`);
      this.c.token(line, 0, lost[0].length, 'keyword');
      return;
    }
    const m = ENTRY.exec(text);
    if (m) {
      this.entry(line, text, m);
      return;
    }
    const bare = BARE_EVENT.exec(text);
    if (bare) {
      this.event(line, text, bare[1], -1, NaN, bare.index + bare[0].length, undefined, undefined, text.indexOf(bare[1]));
      return;
    }
    if (/^ *=> /.test(text) || text.startsWith('#####')) return;
    this.c.foreign.add(line);
  }

  /**
   * The byte path for files (see PerfScriptParser.pushBytes): a `<stack trace>` block seen
   * before is recognised whole and skipped without decoding.
   */
  pushBytes(buf: Buffer, start: number, end: number, next: number, limit: number): number {
    this.skipped = 0;
    this.push(decodeUtf8(buf, start, end));
    if (!this.freshStack || this.c.detail || next >= limit) return next;
    // The frames: lines starting with " => ", up to the first that does not.
    const stop = Math.min(limit, next + MAX_BLOCK_BYTES);
    let pos = next;
    let lines = 0;
    while (pos < stop && buf[pos] === 32 && buf[pos + 1] === 61 && buf[pos + 2] === 62 && buf[pos + 3] === 32) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= limit) return next;
      lines++;
      pos = nl + 1;
    }
    if (lines === 0 || pos >= stop) return next;
    const block = this.blocks.get(buf, next, pos - 1);
    if (!block) {
      this.learning = { bytes: Buffer.from(buf.subarray(next, pos - 1)), lines };
      return next;
    }
    const target = this.decideStack(block.keys[0]);
    if (target && !target.skip) {
      target.ev.keys = block.keys;
      target.ev.stackLines = [this.stackLine, this.stackLine + lines];
    }
    this.lineNo += lines;
    this.stackFrames = lines;
    this.endStack();
    this.skipped = lines;
    return pos;
  }

  finish(): TraceCapture {
    if (this.inStack) this.endStack();
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i].done = true;
    this.drain();
    return this.c.finish(this.lineNo, {
      foreign: 'trace entries',
      noEvents:
        'No kmem events found: expected trace entries such as "task-1234 [001] ..... 12.345678: kmalloc: call_site=… ptr=…". ' +
        'Enable them with "echo 1 > /sys/kernel/tracing/events/kmem/enable" (and "echo stacktrace > trace_options" for stacks).',
    });
  }

  private comment(line: number, text: string): void {
    let m: RegExpExecArray | null;
    if ((m = TRACER.exec(text))) {
      this.sawHeader = true;
      this.c.token(line, m.index + m[0].length - m[1].length, m[1].length, 'keyword');
    } else if ((m = ENTRIES.exec(text))) {
      const kept = Number(m[1]);
      const written = Number(m[2]);
      if (written > kept) {
        this.c.problem(
          'overwritten',
          'information',
          textRange(line, text),
          `The ring buffer kept ${kept} of ${written} events: the ${written - kept} oldest were overwritten, so the capture starts later than tracing did (frees of older objects look unmatched).`,
        );
      }
    }
  }

  private entry(line: number, text: string, m: RegExpExecArray): void {
    const rest = m[0].length;
    const cpu = Number(m[3]);
    const ts = Number(m[5]);
    const c = this.c;
    if (c.keeps(line)) {
      const taskAt = text.indexOf(m[1] + '-' + m[2]);
      if (m[1].length > 0) c.token(line, taskAt, m[1].length, 'process');
      c.token(line, taskAt + m[1].length + 1, m[2].length, 'process');
      c.token(line, text.indexOf(`[${m[3]}]`) + 1, m[3].length, 'number');
      c.token(line, text.lastIndexOf(`${m[5]}:`, rest), m[5].length, 'number');
    }
    this.expire(ts);
    if (text.startsWith('<stack trace>', rest) || text.startsWith('<user stack trace>', rest)) {
      this.startStack(line, cpu, text.startsWith('<user', rest));
      c.token(line, rest, text.indexOf('>', rest) + 1 - rest, 'keyword');
      return;
    }
    const n = EVENT_NAME.exec(text.slice(rest, rest + 80));
    if (!n) {
      this.c.foreign.add(line);
      return;
    }
    this.event(line, text, n[1], cpu, ts, rest + n[0].length, m[1], Number(m[2]), rest);
  }

  private event(line: number, text: string, name: string, cpu: number, ts: number, fieldsFrom: number, comm: string | undefined, pid: number | undefined, nameAt: number): void {
    const kind = classifyEvent(name);
    let list = this.unstacked.get(cpu);
    if (!list) this.unstacked.set(cpu, (list = []));
    // An event waits for its stack while its CPU logs a few more (an interrupt can log events,
    // with their stacks, before it); beyond that, or after STACK_WINDOW_SECONDS, none is coming.
    if (list.length >= PER_CPU_WAITING) list.shift()!.done = true;
    const ev = newEvent(line, text.length, name, kind);
    ev.ts = ts;
    ev.comm = comm?.trim();
    ev.pid = pid;
    ev.cpu = cpu >= 0 ? cpu : undefined;
    ev.headerStart = text.length - text.trimStart().length;
    const w: Waiting = { ev, cpu, skip: kind.role === 'other', text, fieldsFrom, done: false, frames: [], stacked: false };
    if (w.skip) this.c.other();
    else {
      this.c.token(line, nameAt, name.length, 'keyword');
      readEventFields(ev, kind, text, fieldsFrom, 'fields', this.c, line);
    }
    list.push(w);
    this.waiting.push(w);
    if (this.waiting.length - this.head > MAX_WAITING) {
      const oldest = this.waiting[this.head];
      oldest.done = true;
      const l = this.unstacked.get(oldest.cpu);
      const k = l ? l.indexOf(oldest) : -1;
      if (k >= 0) l!.splice(k, 1);
    }
    this.drain();
  }

  private startStack(line: number, cpu: number, user: boolean): void {
    this.inStack = true;
    this.stackUser = user;
    this.stackFrames = 0;
    this.freshStack = !user;
    this.stackOf = undefined;
    this.stackCpu = cpu;
    this.stackDecided = user;
    this.stackLine = line;
  }

  /**
   * Which event a stack belongs to: the latest event of its CPU still without one — or, when
   * the stack names its tracepoint (`trace_event_raw_event_kmalloc`), the latest of that name:
   * an interrupt may log events (with their stacks) between an event and its own stack.
   */
  private decideStack(firstKey: string | undefined): Waiting | undefined {
    if (this.stackDecided) return this.stackOf;
    this.stackDecided = true;
    const list = this.unstacked.get(this.stackCpu);
    const tp = firstKey !== undefined && firstKey.startsWith('trace_event_raw_event_') ? firstKey.slice(22) : undefined;
    let i = list ? list.length - 1 : -1;
    if (tp !== undefined && list) {
      let j = i;
      while (j >= 0 && list[j].ev.name !== tp) j--;
      if (j >= 0) i = j;
    }
    if (!list || i < 0) {
      this.c.problem('orphan-stack', 'hint', range(this.stackLine, 0, 0), 'A stack trace without an event of its CPU before it (the capture starts here, or its event was lost): ignored.');
      return undefined;
    }
    const target = list.splice(i, 1)[0];
    target.stacked = true;
    target.ev.stackLines = [this.stackLine, this.stackLine];
    this.stackOf = target;
    return target;
  }

  private frame(f: { key?: string; frame?: Frame; user: boolean }, line: number): void {
    this.stackFrames++;
    const w = this.stackFrames === 1 ? this.decideStack(f.key) : this.stackOf;
    if (!w || this.stackUser || f.user) return;
    if (w.ev.stackLines) w.ev.stackLines[1] = line;
    if (w.skip) return;
    if (f.key !== undefined) {
      if (w.ev.keys === NO_KEYS) w.ev.keys = [];
      w.ev.keys.push(f.key);
    }
    if (f.frame && this.c.keeps(line)) {
      w.frames.push(f.frame);
      const fr = f.frame;
      const tok = (r: typeof fr.symbolRange | undefined, kind: 'function' | 'offset' | 'module' | 'address') => {
        if (r) this.c.token(line, r.start.character, r.end.character - r.start.character, kind);
      };
      tok(fr.symbolRange, fr.symbol !== undefined ? 'function' : 'address');
      tok(fr.offsetRange, 'offset');
      tok(fr.moduleRange, 'module');
    }
  }

  private endStack(): void {
    const w = this.stackOf;
    const l = this.learning;
    this.learning = undefined;
    if (w && w.ev.stackLines) this.c.fold(w.ev.stackLines[0], w.ev.stackLines[1]);
    if (w && l && !w.skip && this.stackFrames === l.lines && w.ev.keys.length > 0) {
      this.blocks.set(l.bytes, { keys: w.ev.keys, lines: l.lines });
    }
    if (w) w.done = true;
    this.inStack = false;
    this.stackOf = undefined;
    this.drain();
  }

  /** Events older than the stack window will not get a stack any more. */
  private expire(ts: number): void {
    if (Number.isNaN(ts)) return;
    if (!(ts > this.lastTs)) {
      if (Number.isNaN(this.lastTs)) this.lastTs = ts;
      return;
    }
    this.lastTs = ts;
    for (let i = this.head; i < this.waiting.length; i++) {
      const w = this.waiting[i];
      if (w.done || w === this.stackOf) continue;
      if (ts - w.ev.ts > STACK_WINDOW_SECONDS) {
        w.done = true;
        const list = this.unstacked.get(w.cpu);
        const k = list ? list.indexOf(w) : -1;
        if (k >= 0) list!.splice(k, 1);
      } else break;
    }
  }

  /** Send completed events on, in file order. */
  private drain(): void {
    while (this.head < this.waiting.length && this.waiting[this.head].done) {
      const w = this.waiting[this.head];
      this.waiting[this.head] = undefined as unknown as Waiting;
      this.head++;
      if (!w.skip) this.emit(w);
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  private emit(w: Waiting): void {
    const ev = w.ev;
    this.checkCut(w);
    const group = this.c.event(ev);
    if (w.frames.length > 0) {
      const suspect = group >= 0 ? this.c.stacks.groups[group].stack[0] : undefined;
      let marked = false;
      for (const f of w.frames) {
        const isSuspect = !marked && suspect !== undefined && f.symbol !== undefined && baseSymbol(f.symbol) === suspect;
        if (isSuspect) marked = true;
        this.c.frames.push({ frame: f, group, suspect: isSuspect });
      }
    }
  }

  private checkCut(w: Waiting): void {
    const ev = w.ev;
    if (ev.ptr !== undefined) return;
    // kprobe events (`kmem_cache_alloc: (kmem_cache_alloc+0x0/0x1b0) name=…`) print no pointer by design.
    const printed = w.text.slice(w.fieldsFrom).trimStart();
    if (printed.startsWith('(') || !printed.includes('call_site=')) return;
    this.c.problem(
      'cut-line',
      'warning',
      textRange(ev.line, w.text),
      `This ${ev.name} entry is cut short before its ${ev.kind.pages ? 'pfn' : 'pointer'}: it cannot be paired.`,
      'more entries are cut short before their pointer.',
    );
  }
}

/** Parse a whole capture given as lines. */
export function parseFtrace(lines: Iterable<string>, options: TraceOptions = {}): TraceCapture {
  const parser = new FtraceParser(options);
  for (const l of lines) parser.push(l);
  return parser.finish();
}

/** Does this line identify ftrace text (a trace header, a lost-events line, or a kmem entry)? */
export function isFtraceSignature(line: string): boolean {
  const text = line.length > MAX_EXAMINED ? line.slice(0, MAX_EXAMINED) : line;
  if (text.startsWith('#')) return TRACER.test(text) || ENTRIES.test(text);
  if (text.startsWith('CPU:')) return LOST.test(text);
  const m = ENTRY.exec(text);
  if (!m) return false;
  const n = EVENT_NAME.exec(text.slice(m[0].length, m[0].length + 80));
  return n !== null && classifyEvent(n[1]).role !== 'other';
}
