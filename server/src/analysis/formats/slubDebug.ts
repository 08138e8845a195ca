// Parser for SLUB debug output in kernel logs (dmesg, journalctl -k, /var/log/messages) and
// for /sys/kernel/debug/slab/<cache>/{alloc,free}_traces:
//   slub_debug=T trace records
//     TRACE kmalloc-128 alloc 0x000000006069c5b0 inuse=25 fp=0x          (null)
//     CPU: 3 PID: 723 Comm: Xorg … / Call trace: / frames (also ppc64, old ARM "Backtrace:")
//   error reports
//     BUG kmalloc-4096 (Tainted: G        W   ): Redzone overwritten
//     INFO: 0xffff…-0xffff…. First byte 0x0 instead of 0xcc
//     INFO: Allocated in open+0xb8/0x190 age=18922 cpu=1 pid=7095  + tab-indented frames
//     INFO: Freed in …, INFO: Slab …, INFO: Object 0x… @offset=…, Redzone/Object/Padding hex rows,
//     CPU:/Call Trace:, FIX kmalloc-4096: …
//   alloc_traces / free_traces
//     1085 populate_error_injection_list+0x97/0x110 age=166678/166680/166682 pid=1 cpus=1
//        3 kmem_test_new_item.isra.0+0x18/0x60 [kmem_test] age=… pid=31 cpus=0   (module code)
//         __slab_alloc+0x6d/0x90 …
// Lines of other subsystems may be interleaved (two CPUs printing at once), newlines lost
// (a whole record on one line) and lines wrapped by mail; all of it is handled, nothing throws.
import { Frame, Problem, Range, Token, range } from '../model';
import { Segment, dmesgSegments } from '../kernelLines';
import { isJournalSeparator } from '../logPrefix';
import { frameTokens } from '../frames';
import { isArmOldFrameLine, isArmRegisterLine, isStackMarker, parseStackLine } from '../stackLine';
import { ForeignLines } from '../views/viewKit';

export type SlubBugKind = 'poison-overwritten' | 'redzone-overwritten' | 'padding-overwritten' | 'double-free' | 'objects-remaining' | 'slab-corruption' | 'other';

export interface HexRow {
  line: number;
  label: string;
  address: string;
  bytes: number[];
  /** Range of the hex bytes. */
  range: Range;
  /** Range of the label and address (`Redzone 00000000781d3b96`). */
  labelRange: Range;
}

export interface SlubTrack {
  kind: 'alloc' | 'free';
  line: number;
  /** `Allocated in sym+off/len … pid=N` (to the end of what was printed). */
  range: Range;
  caller?: Frame;
  age?: number;
  cpu?: number;
  pid?: number;
  frames: Frame[];
  endLine: number;
  /** The object (`INFO: Object 0x…`) this track was printed for, in "Objects remaining" reports. */
  object?: string;
  /** Its header was wrapped (mail) and completed from the next line. */
  wrapped: boolean;
}

export interface SlubStack {
  line: number;
  frames: Frame[];
  /** Printed for `kmem_cache_destroy …: Slab cache still has objects` rather than the report. */
  destroyWarning?: boolean;
}

interface RecordBase {
  line: number;
  endLine: number;
  cache: string;
  cacheRange: Range;
  comm?: string;
  pid?: number;
  cpu?: number;
  stacks: SlubStack[];
  hex: HexRow[];
  /** dmesg time stamp of the header, seconds. */
  time?: number;
}

export interface SlubTrace extends RecordBase {
  kind: 'trace';
  op: 'alloc' | 'free';
  address: string;
  addressRange: Range;
  /** `TRACE … inuse=…` phrase. */
  headerRange: Range;
  inuse: number;
  fp?: string;
}

export interface SlubBug extends RecordBase {
  kind: 'bug';
  bug: SlubBugKind;
  taint?: string;
  message: string;
  messageRange: Range;
  /** `BUG cache (…): message` on its line. */
  headerRange: Range;
  /** Line of the `=====` rule printed before it (or its own line). */
  startLine: number;
  corruption?: { line: number; range: Range; start?: string; end?: string; offset?: number; first?: number; expected?: number; firstRange?: Range; expectedRange?: Range };
  tracks: SlubTrack[];
  objects: { address: string; offset?: number; line: number; range: Range }[];
  slab?: { line: number; range: Range; objects?: number; used?: number };
  fixes: { line: number; text: string }[];
  /** `kmem_cache_destroy <cache>: Slab cache still has objects` lines that go with it. */
  destroyWarnings: number[];
}

/** One line of alloc_traces / free_traces (/sys/kernel/debug/slab/<cache>/). */
export interface SlubLocation {
  kind: 'location';
  line: number;
  range: Range;
  count: number;
  countRange: Range;
  caller?: Frame;
  /** `<not-available>`: objects never freed before (free_traces) or no track. */
  notAvailable: boolean;
  waste?: { total: number; each: number };
  age: { min: number; avg?: number; max?: number };
  pids: { min: number; max: number };
  cpus?: string;
  nodes?: string;
  frames: Frame[];
  endLine: number;
}

export interface SlubReport {
  format: 'slub-debug';
  traces: SlubTrace[];
  bugs: SlubBug[];
  locations: SlubLocation[];
  problems: Problem[];
  tokens: Token[];
  lineCount: number;
}

const TRACE = /^[ \t]*TRACE (\S+) (alloc|free) 0x([0-9a-fA-F]+) inuse=(\d+)(?: fp=(0x[0-9a-fA-F]+|0x +\(null\)|\(null\)))?/;
const BUG = /^[ \t]*BUG ([^\s:]+(?::[^\s:]+)*?)(?: \(((?:Not tainted|Tainted:)[^)]*)\))?: (.+)$/;
const RULE = /^[ \t]*={10,}[ \t]*$/;
const DASHES = /^[ \t]*-{10,}[ \t]*$/;
const TRACK = /(?:INFO: )?(Allocated|Freed) in (\S+)(?: \[([\w-]+)\])?/;
const TRACK_FIELDS = /^[ \t]*(?:(?:age|cpu|pid)=\d+[ \t]*)+$/;
const CORRUPTION = /^[ \t]*(?:INFO: )?(?:0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)(?: @offset=(\d+))?\.? ?)?First byte 0x([0-9a-fA-F]+)(?: instead of 0x([0-9a-fA-F]+))?/;
const INSTEAD = /^[ \t]*instead of 0x([0-9a-fA-F]+)/;
const SLAB_INFO = /^[ \t]*(?:INFO: )?Slab 0x([0-9a-fA-F]+) objects=(\d+) used=(\d+)/;
const OBJECT_INFO = /^[ \t]*(?:INFO: )?Object 0x([0-9a-fA-F]+) @offset=(\d+)/;
const HEX_ROW = /^[ \t]*(Redzone|Object|Padding|Bytes b4|Left Redzone|Right Redzone)[ \t]+\(?(?:0x)?([0-9a-fA-F]{8,16})\)?: ((?:[0-9a-fA-F]{2} )*[0-9a-fA-F]{2})(?= |$)/;
const CPU_LINE = /^[ \t]*CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)/;
const CALL_TRACE = /^[ \t]*(?:Call [Tt]race|Backtrace):[ \t]*$/;
const FIX = /^[ \t]*FIX (\S+): (.*)$/;
const DESTROY = /kmem_cache_destroy (\S+): Slab cache still has objects/;
const CONTEXT = /^[ \t]*(?:Hardware name:|Workqueue:|Disabling lock debugging|Tainted: \[|Modules linked in:|[RE]IP: |Code: |[RE]?[A-Z0-9]{2,3}: [0-9a-fA-F]{4,}|R\d{1,2}: |pc : |lr : |sp : |x\d{1,2}: |CR2: |NIP |LR |REGS: |MSR: |Kdump:)/;
// The caller is `%pS`: a module function carries ` [mod]`.
const LOCATION = /^[ \t]*(\d+) (\S+(?: \[[\w-]+\])?)(?: waste=(\d+)\/(\d+))? age=(\d+)(?:\/(\d+)\/(\d+))? pid=(\d+)(?:-(\d+))?(?: cpus=(\S+))?(?: nodes=(\S+))?[ \t]*$/;
const STAMP = /^\[ *(\d+\.\d+)\]/;
const MAX_EXAMINED = 64 * 1024;

export function bugKind(message: string): SlubBugKind {
  if (/Poison overwritten/i.test(message)) return 'poison-overwritten';
  if (/Redzone overwritten/i.test(message)) return 'redzone-overwritten';
  if (/Padding overwritten|Object padding/i.test(message)) return 'padding-overwritten';
  if (/Object already free|double free/i.test(message)) return 'double-free';
  if (/Objects remaining/i.test(message)) return 'objects-remaining';
  if (/Wrong object count|Freechain corrupt|Freepointer corrupt|Invalid object pointer|Wrong number of objects|Freelist Pointer|objects .{0,40} > max|Not a valid slab page|Freelist cycle/i.test(message)) return 'slab-corruption';
  return 'other';
}

type Sink = { frames: Frame[]; owner: SlubTrace | SlubBug | SlubLocation };

export class SlubDebugParser {
  private readonly traces: SlubTrace[] = [];
  private readonly bugs: SlubBug[] = [];
  private readonly locations: SlubLocation[] = [];
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly foreign = new ForeignLines();
  private lineNo = 0;
  /** The record whose header came last (context lines and hex rows go to it). */
  private latest: SlubTrace | SlubBug | SlubLocation | undefined;
  /** Where frames go: the last Call Trace or track opened. */
  private sink: Sink | undefined;
  private pendingForeign: { line: number; start: number; end: number }[] = [];
  private ruleLine: number | undefined;
  private pendingTrack: SlubTrack | undefined;
  private pendingCorruption: SlubBug | undefined;
  private collapsed = { count: 0, first: -1 };
  private wrapped = { count: 0, first: -1 };

  push(rawLine: string): void {
    const line = this.lineNo++;
    const raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    if (isJournalSeparator(raw)) {
      // journalctl's "-- Boot … --": whatever was open ended with the previous boot.
      this.flushForeign(false);
      this.sink = undefined;
      this.latest = undefined;
      return;
    }
    const segs = dmesgSegments(raw);
    if (segs.length > 1 && this.collapsed.count++ === 0) this.collapsed.first = line;
    for (const s of segs) this.segment(line, raw.slice(0, s.end), s, s.from);
  }

  finish(): SlubReport {
    this.flushForeign(false);
    this.closeCheck();
    const f = this.foreign.problem('SLUB records');
    if (f && this.records() > 0) this.problems.push(f);
    if (this.collapsed.count > 0) {
      this.problems.push({
        range: range(this.collapsed.first, 0, 0),
        severity: 'hint',
        message: `${this.collapsed.count} line${this.collapsed.count === 1 ? ' holds' : 's hold'} several log lines (newlines lost in the capture); they were read one by one.`,
        code: 'collapsed-lines',
      });
    }
    if (this.wrapped.count > 0) {
      this.problems.push({
        range: range(this.wrapped.first, 0, 0),
        severity: 'hint',
        message: `${this.wrapped.count} line${this.wrapped.count === 1 ? ' was' : 's were'} wrapped (mail) and joined with the next.`,
        code: 'wrapped-line',
      });
    }
    for (const t of this.traces) {
      if (t.stacks.length === 0 || t.stacks[0].frames.length === 0) {
        this.problems.push({
          range: t.headerRange,
          severity: 'warning',
          message: `The stack of this TRACE ${t.op} of 0x${t.address} never came (interleaved with another CPU's output, or the capture was cut).`,
          code: 'truncated-record',
        });
      }
    }
    if (this.records() === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message:
          'No SLUB debug records found: expected "TRACE <cache> alloc|free 0x…" lines (slub_debug=T), "BUG <cache> (…): …" reports, or alloc_traces/free_traces lines.',
        code: 'no-records',
      });
    }
    return { format: 'slub-debug', traces: this.traces, bugs: this.bugs, locations: this.locations, problems: this.problems, tokens: this.tokens, lineCount: this.lineNo };
  }

  private records(): number {
    return this.traces.length + this.bugs.length + this.locations.length;
  }

  private segment(line: number, text: string, s: Segment, from: number): void {
    if (from === s.from && s.from > s.start) this.tokens.push({ line, character: s.start, length: s.from - s.start, kind: 'prefix' });
    const content = text.slice(from);
    let m: RegExpExecArray | null;

    if (this.pendingCorruption) {
      const bug = this.pendingCorruption;
      this.pendingCorruption = undefined;
      if ((m = INSTEAD.exec(content)) && bug.corruption) {
        const at = from + m.index + m[0].length - m[1].length;
        bug.corruption.expected = parseInt(m[1], 16);
        bug.corruption.expectedRange = range(line, at - 2, at + m[1].length);
        this.tokens.push({ line, character: at - 2, length: m[1].length + 2, kind: 'number' });
        bug.endLine = line;
        this.note(this.wrapped, line - 1);
        const rest = at + m[1].length;
        if (text.slice(rest).trim() !== '') this.segment(line, text, s, rest);
        return;
      }
    }
    if (this.pendingTrack) {
      const t = this.pendingTrack;
      this.pendingTrack = undefined;
      if (content.trim() !== '' && (m = TRACK_FIELDS.exec(content))) {
        this.trackFields(t, line, text, from, content);
        this.note(this.wrapped, t.line);
        t.wrapped = true;
        return;
      }
    }

    if ((m = TRACE.exec(content))) {
      this.flushForeign(false);
      this.trace(line, text, from, content, m);
      return;
    }
    if ((m = BUG.exec(content))) {
      this.flushForeign(false);
      this.bug(line, text, from, content, m);
      return;
    }
    if (RULE.test(content)) {
      this.flushForeign(false);
      this.ruleLine = line;
      this.sink = undefined;
      return;
    }
    if ((m = LOCATION.exec(content))) {
      this.flushForeign(false);
      this.location(line, text, from, content, m);
      return;
    }
    const latest = this.latest;
    if (latest && latest.kind === 'bug' && (m = CORRUPTION.exec(content))) {
      this.corruption(latest, line, text, from, content, m);
      return;
    }
    if ((m = HEX_ROW.exec(content)) && latest && latest.kind !== 'location') {
      const labelAt = from + content.indexOf(m[1]);
      const bytesAt = from + m.index + m[0].length - m[3].length;
      latest.hex.push({
        line,
        label: m[1],
        address: m[2].toLowerCase(),
        bytes: m[3].split(' ').map((b) => parseInt(b, 16)),
        range: range(line, bytesAt, bytesAt + m[3].length),
        labelRange: range(line, labelAt, bytesAt - 2),
      });
      this.tokens.push({ line, character: labelAt, length: m[1].length, kind: 'keyword' });
      this.tokens.push({ line, character: from + content.indexOf(m[2], m[1].length), length: m[2].length, kind: 'address' });
      this.tokens.push({ line, character: bytesAt, length: m[3].length, kind: 'number' });
      latest.endLine = line;
      return;
    }
    if (latest && latest.kind === 'bug') {
      const tm = TRACK.exec(content);
      if (tm && /^[ \t]*(?:INFO: )?(?:Allocated|Freed) in /.test(content)) {
        this.track(latest, line, text, from + tm.index, content.slice(tm.index), tm);
        return;
      }
      if ((m = SLAB_INFO.exec(content))) {
        latest.slab = { line, range: range(line, from + m.index, text.trimEnd().length), objects: Number(m[2]), used: Number(m[3]) };
        this.tokens.push({ line, character: from + content.indexOf('Slab'), length: 4, kind: 'keyword' });
        this.tokens.push({ line, character: from + content.indexOf(m[1]) - 2, length: m[1].length + 2, kind: 'address' });
        latest.endLine = line;
        this.sink = undefined;
        return;
      }
      if ((m = OBJECT_INFO.exec(content))) {
        const at = from + content.indexOf(m[1]) - 2;
        latest.objects.push({ address: m[1].toLowerCase(), offset: Number(m[2]), line, range: range(line, from + m.index + (m[0].length - m[0].trimStart().length), text.trimEnd().length) });
        this.tokens.push({ line, character: at - 7, length: 6, kind: 'keyword' });
        this.tokens.push({ line, character: at, length: m[1].length + 2, kind: 'address' });
        latest.endLine = line;
        this.sink = undefined;
        return;
      }
      if ((m = FIX.exec(content))) {
        latest.fixes.push({ line, text: m[2] });
        this.tokens.push({ line, character: from + content.indexOf('FIX'), length: 3, kind: 'keyword' });
        latest.endLine = line;
        this.sink = undefined;
        return;
      }
      if ((m = DESTROY.exec(content)) && (latest.cache === m[1] || latest.bug === 'objects-remaining')) {
        latest.destroyWarnings.push(line);
        latest.endLine = line;
        this.sink = undefined;
        return;
      }
    }
    if ((m = CPU_LINE.exec(content))) {
      if (latest && latest.kind !== 'location') {
        latest.cpu ??= Number(m[1]);
        latest.pid ??= Number(m[2]);
        latest.comm ??= m[3];
        const commAt = from + content.indexOf(`Comm: ${m[3]}`) + 6;
        this.tokens.push({ line, character: commAt, length: m[3].length, kind: 'process' });
        latest.endLine = Math.max(latest.endLine, line);
        return;
      }
    }
    // ARM kernels with the unwinder (3.10+) print no "Backtrace:" before their first frame.
    const headless = !this.sink && latest && latest.kind !== 'location' && isArmOldFrameLine(content);
    if ((headless || CALL_TRACE.test(content)) && latest && latest.kind !== 'location') {
      this.flushForeign(false);
      const destroyWarning = latest.kind === 'bug' && latest.destroyWarnings.length > 0 && latest.destroyWarnings[latest.destroyWarnings.length - 1] > (latest.stacks[latest.stacks.length - 1]?.line ?? -1);
      const stack: SlubStack = { line, frames: [], destroyWarning };
      latest.stacks.push(stack);
      this.sink = { frames: stack.frames, owner: latest };
      latest.endLine = Math.max(latest.endLine, line);
      if (!headless) {
        this.tokens.push({ line, character: from + content.search(/\S/), length: content.trim().length, kind: 'keyword' });
        return;
      }
    }
    if (this.sink) {
      const parsed = parseStackLine(text, from, line);
      if (parsed && !parsed.terminator) {
        this.flushForeign(true);
        this.sink.frames.push(parsed.frame);
        this.tokens.push(...frameTokens(parsed.frame));
        const owner = this.sink.owner;
        owner.endLine = Math.max(owner.endLine, line);
        return;
      }
      if (isStackMarker(content)) return;
      // Old ARM prints the registers each frame saved between the frames (backtrace.S).
      if (isArmRegisterLine(content)) {
        this.sink.owner.endLine = Math.max(this.sink.owner.endLine, line);
        return;
      }
    }
    if (content.trim() === '') {
      this.flushForeign(false);
      this.sink = undefined;
      return;
    }
    if (latest && latest.kind !== 'location' && (CONTEXT.test(content) || DASHES.test(content))) {
      latest.endLine = Math.max(latest.endLine, line);
      return;
    }
    if (latest && latest.kind === 'bug' && DESTROY.test(content)) {
      latest.endLine = line;
      return;
    }
    // Not ours. Inside a stack it is "interleaved" only if the stack goes on after it.
    if (this.sink) {
      if (this.pendingForeign.length >= 16) {
        // A run this long is not interleaving: the stack is over.
        this.flushForeign(false);
        this.sink = undefined;
        this.foreign.add(line);
        return;
      }
      this.pendingForeign.push({ line, start: from, end: text.length });
      return;
    }
    this.foreign.add(line);
  }

  private note(counter: { count: number; first: number }, line: number): void {
    if (counter.count++ === 0) counter.first = line;
  }

  private flushForeign(stackContinues: boolean): void {
    const list = this.pendingForeign;
    if (list.length === 0) return;
    this.pendingForeign = [];
    for (const f of list) {
      if (stackContinues) {
        this.problems.push({
          range: range(f.line, f.start, f.end),
          severity: 'hint',
          message: 'Not part of this stack: another log line printed in between; ignored.',
          code: 'interleaved-line',
        });
      } else {
        this.foreign.add(f.line);
      }
    }
  }

  private closeCheck(): void {
    this.pendingTrack = undefined;
    this.pendingCorruption = undefined;
  }

  private stamp(text: string, start: number): number | undefined {
    const m = STAMP.exec(text.slice(start));
    return m ? Number(m[1]) : undefined;
  }

  private trace(line: number, text: string, from: number, content: string, m: RegExpExecArray): void {
    const at = from + content.indexOf('TRACE');
    const cacheAt = at + 6;
    const addrAt = cacheAt + m[1].length + 1 + m[2].length + 1;
    const t: SlubTrace = {
      kind: 'trace',
      op: m[2] as 'alloc' | 'free',
      cache: m[1],
      cacheRange: range(line, cacheAt, cacheAt + m[1].length),
      address: m[3].toLowerCase(),
      addressRange: range(line, addrAt, addrAt + 2 + m[3].length),
      headerRange: range(line, at, from + m.index + m[0].length),
      inuse: Number(m[4]),
      fp: m[5] === undefined ? undefined : m[5].replace(/ +/, ''),
      line,
      endLine: line,
      stacks: [],
      hex: [],
      time: this.stamp(text, 0),
    };
    this.traces.push(t);
    this.latest = t;
    this.tokens.push({ line, character: at, length: 5, kind: 'keyword' });
    this.tokens.push({ line, character: cacheAt, length: m[1].length, kind: 'cache' });
    this.tokens.push({ line, character: cacheAt + m[1].length + 1, length: m[2].length, kind: 'keyword' });
    this.tokens.push({ line, character: addrAt, length: m[3].length + 2, kind: 'address' });
  }

  private bug(line: number, text: string, from: number, content: string, m: RegExpExecArray): void {
    const at = from + content.indexOf('BUG');
    const cacheAt = at + 4;
    const msgAt = from + m.index + m[0].length - m[3].length;
    const message = m[3].trimEnd();
    const b: SlubBug = {
      kind: 'bug',
      bug: bugKind(message),
      cache: m[1],
      cacheRange: range(line, cacheAt, cacheAt + m[1].length),
      taint: m[2],
      message,
      messageRange: range(line, msgAt, msgAt + message.length),
      headerRange: range(line, at, msgAt + message.length),
      startLine: this.ruleLine !== undefined && this.ruleLine >= line - 1 ? this.ruleLine : line,
      line,
      endLine: line,
      stacks: [],
      hex: [],
      tracks: [],
      objects: [],
      fixes: [],
      destroyWarnings: [],
      time: this.stamp(text, 0),
    };
    this.bugs.push(b);
    this.latest = b;
    this.sink = undefined;
    this.tokens.push({ line, character: at, length: 3, kind: 'keyword' });
    this.tokens.push({ line, character: cacheAt, length: m[1].length, kind: 'cache' });
    this.tokens.push({ line, character: msgAt, length: message.length, kind: 'keyword' });
  }

  private corruption(b: SlubBug, line: number, text: string, from: number, content: string, m: RegExpExecArray): void {
    const firstAt = from + content.indexOf(`First byte 0x${m[4]}`) + 11;
    b.corruption = {
      line,
      range: range(line, from + m.index + (m[0].length - m[0].trimStart().length), from + m.index + m[0].length),
      start: m[1]?.toLowerCase(),
      end: m[2]?.toLowerCase(),
      offset: m[3] !== undefined ? Number(m[3]) : undefined,
      first: parseInt(m[4], 16),
      expected: m[5] !== undefined ? parseInt(m[5], 16) : undefined,
      firstRange: range(line, firstAt, firstAt + 2 + m[4].length),
    };
    this.tokens.push({ line, character: firstAt, length: m[4].length + 2, kind: 'number' });
    if (m[5] !== undefined) {
      const expAt = from + m.index + m[0].length - m[5].length - 2;
      b.corruption.expectedRange = range(line, expAt, expAt + m[5].length + 2);
      this.tokens.push({ line, character: expAt, length: m[5].length + 2, kind: 'number' });
    } else {
      this.pendingCorruption = b;
    }
    if (m[1] !== undefined) this.tokens.push({ line, character: from + content.indexOf(m[1]) - 2, length: m[1].length + 2, kind: 'address' });
    b.endLine = line;
    this.sink = undefined;
    // "First byte 0x6c instead of 0x6b Allocated in …" when mail joined two lines.
    const rest = from + m.index + m[0].length;
    const tm = TRACK.exec(text.slice(rest));
    if (tm) this.track(b, line, text, rest + tm.index, text.slice(rest + tm.index), tm);
  }

  private track(b: SlubBug, line: number, text: string, at: number, content: string, m: RegExpExecArray): void {
    const kind = m[1] === 'Allocated' ? 'alloc' : 'free';
    const start = at + (content.length - content.trimStart().length);
    const t: SlubTrack = { kind, line, range: range(line, start, text.trimEnd().length), frames: [], endLine: line, wrapped: false };
    const callerAt = at + m[0].indexOf(' in ') + 4;
    const callerText = m[2] + (m[3] !== undefined ? ` [${m[3]}]` : '');
    const parsed = parseStackLine(text.slice(0, callerAt + callerText.length), callerAt, line);
    if (parsed) {
      t.caller = parsed.frame;
      this.tokens.push(...frameTokens(parsed.frame));
    }
    const infoAt = content.indexOf(m[1]);
    this.tokens.push({ line, character: at + infoAt, length: m[1].length, kind: 'keyword' });
    const fieldsAt = callerAt + callerText.length;
    const fields = text.slice(fieldsAt);
    this.trackFields(t, line, text, fieldsAt, fields);
    // "… age=22 cpu=1" with "pid=2485" wrapped onto the next line (mail).
    if (t.pid === undefined) this.pendingTrack = t;
    if (b.bug === 'objects-remaining' && b.objects.length > 0) t.object = b.objects[b.objects.length - 1].address;
    b.tracks.push(t);
    b.endLine = line;
    this.sink = { frames: t.frames, owner: b };
  }

  private trackFields(t: SlubTrack, line: number, text: string, from: number, fields: string): void {
    const num = (name: string): number | undefined => {
      const m = new RegExp(`\\b${name}=(\\d+)`).exec(fields);
      if (!m) return undefined;
      const at = from + m.index + name.length + 1;
      this.tokens.push({ line, character: at, length: m[1].length, kind: name === 'pid' ? 'process' : 'number' });
      return Number(m[1]);
    };
    t.age ??= num('age');
    t.cpu ??= num('cpu');
    t.pid ??= num('pid');
    if (line !== t.line) t.endLine = Math.max(t.endLine, line);
    if (line === t.line || t.range.end.line < line) t.range = { start: t.range.start, end: { line, character: text.trimEnd().length } };
  }

  private location(line: number, text: string, from: number, content: string, m: RegExpExecArray): void {
    const at = from + m.index + (m[0].length - m[0].trimStart().length);
    const callerAt = at + m[1].length + 1;
    let caller: Frame | undefined;
    if (m[2] !== '<not-available>') {
      const parsed = parseStackLine(text.slice(0, callerAt + m[2].length), callerAt, line);
      if (parsed) {
        caller = parsed.frame;
        this.tokens.push(...frameTokens(parsed.frame));
      }
    } else this.tokens.push({ line, character: callerAt, length: m[2].length, kind: 'keyword' });
    const loc: SlubLocation = {
      kind: 'location',
      line,
      range: range(line, at, text.trimEnd().length),
      count: Number(m[1]),
      countRange: range(line, at, at + m[1].length),
      caller,
      notAvailable: m[2] === '<not-available>',
      waste: m[3] !== undefined ? { total: Number(m[3]), each: Number(m[4]) } : undefined,
      age: { min: Number(m[5]), avg: m[6] !== undefined ? Number(m[6]) : undefined, max: m[7] !== undefined ? Number(m[7]) : undefined },
      pids: { min: Number(m[8]), max: m[9] !== undefined ? Number(m[9]) : Number(m[8]) },
      cpus: m[10],
      nodes: m[11],
      frames: [],
      endLine: line,
    };
    this.tokens.push({ line, character: at, length: m[1].length, kind: 'size' });
    this.locations.push(loc);
    this.latest = loc;
    this.sink = { frames: loc.frames, owner: loc };
  }
}

export function parseSlubDebug(lines: Iterable<string>): SlubReport {
  const p = new SlubDebugParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

/** Does this line identify SLUB debug output (for format detection)? */
export function isSlubDebugSignature(line: string): boolean {
  return (
    /\bTRACE \S+ (?:alloc|free) 0x[0-9a-fA-F]+ inuse=\d/.test(line) ||
    /\bBUG [^\s:]+ \((?:Not tainted|Tainted: [^)]*)\): /.test(line) ||
    /\bBUG [^\s:]+: (?:Left |Right )?(?:Redzone|Poison|Padding) overwritten/.test(line) ||
    /(?:Allocated|Freed) in \S+ age=\d+ cpu=\d+ pid=\d+/.test(line) ||
    /^[ \t]*\d+ (?:<not-available>|[A-Za-z_.$][\w.$]*\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+(?: \[[\w-]+\])?) (?:waste=\d+\/\d+ )?age=\d+(?:\/\d+\/\d+)? pid=\d+/.test(line)
  );
}
