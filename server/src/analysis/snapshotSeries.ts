// A series of /proc snapshots (slabinfo, slabtop, meminfo, buddyinfo) in one capture file, as
// people record them: snapshots separated by `date` output (default format, `date -Is`,
// `date -R`), epoch seconds, `=== <epoch>` markers, shell prompts or blank lines — or one
// snapshot per file in a folder (see mergeSeries and snapshotFolder.ts). Line-driven: a file
// streams through SnapshotSeriesParser, which keeps per cache only columns of numbers.
import { Problem, Range, Token, TokenKind, range } from './model';
import { Span, isBlank } from './columns';
import { parseSlabinfoLine } from './formats/slabinfo';
import { SummaryField, parseSlabtopLine } from './formats/slabtop';
import { parseMeminfoLine } from './formats/meminfo';
import { parseBuddyinfoLine } from './formats/buddyinfo';

export type SnapshotKind = 'slabinfo' | 'slabtop' | 'meminfo' | 'buddyinfo';
const KINDS: SnapshotKind[] = ['slabinfo', 'slabtop', 'meminfo', 'buddyinfo'];

/** Lines longer than this are examined only up to it (no /proc row is this long). */
const MAX_EXAMINED = 4096;

// ---- timestamps --------------------------------------------------------------------------------

export interface Timestamp {
  /** Seconds since the epoch (UTC). */
  seconds: number;
  /** False when the time zone was an abbreviation kleak does not know (read as UTC). */
  zoneKnown: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);
/** Offsets in minutes of the zone abbreviations `date` commonly prints. */
const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180,
  MSK: 180, IST: 330, PKT: 300, ICT: 420, WIB: 420, HKT: 480, SGT: 480, AWST: 480, JST: 540, KST: 540, ACST: 570,
  AEST: 600, AEDT: 660, NZST: 720, NZDT: 780, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360,
  PST: -480, PDT: -420, AKST: -540, AKDT: -480, HST: -600, BRT: -180, ART: -180,
};

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)? ?(Z|[+-]\d\d(?::?\d\d)?|[A-Z]{2,5})?$/;
const EPOCH = /^@?(\d{10}|\d{13})(?:\.(\d{1,9}))?$/;
const CLOCK = /^(\d{1,2}):(\d\d):(\d\d)(?:[.,](\d{1,9}))?$/;
const OFFSET = /^([+-])(\d\d):?(\d\d)$/;

function zoneMinutes(z: string | undefined): { minutes: number; known: boolean } {
  if (z === undefined) return { minutes: 0, known: false };
  const o = OFFSET.exec(z) ?? /^([+-])(\d\d)()$/.exec(z);
  if (o) return { minutes: (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3] || 0)), known: true };
  if (z in ZONES) return { minutes: ZONES[z], known: true };
  return { minutes: 0, known: false };
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined, zone: { minutes: number; known: boolean }): Timestamp | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo, d, h, mi, s);
  if (!Number.isFinite(ms)) return undefined;
  const f = frac ? Number(`0.${frac}`) : 0;
  return { seconds: ms / 1000 + f - zone.minutes * 60, zoneKnown: zone.known };
}

/**
 * A whole string as a timestamp: ISO 8601 (`date -Is`, `date -Ins`, `2026-11-22 01:54:28`),
 * epoch seconds or milliseconds, `date` in its default and common locale forms
 * (`Sun Nov 22 01:54:28 UTC 2026`, `Sun 22 Nov 2026 01:54:28 AM UTC`) and RFC 2822 (`date -R`).
 */
export function parseTimestamp(text: string): Timestamp | undefined {
  const t = text.trim();
  if (t.length > 80) return undefined;
  const e = EPOCH.exec(t);
  if (e) return { seconds: e[1].length === 13 ? Number(e[1]) / 1000 : Number(e[1]) + (e[2] ? Number(`0.${e[2]}`) : 0), zoneKnown: true };
  const iso = ISO.exec(t);
  if (iso) {
    const zone = iso[8] ? zoneMinutes(iso[8]) : { minutes: 0, known: false };
    return utc(+iso[1], +iso[2] - 1, +iso[3], +iso[4], +iso[5], +(iso[6] ?? 0), iso[7], zone);
  }
  return parseDateWords(t);
}

/** `date`-style timestamps, read word by word (no backtracking regular expression). */
function parseDateWords(t: string): Timestamp | undefined {
  const words = t.replaceAll(',', ' ').split(/\s+/).filter((w) => w !== '');
  if (words.length < 4 || words.length > 8) return undefined;
  let month: number | undefined;
  let day: number | undefined;
  let year: number | undefined;
  let clock: RegExpExecArray | undefined;
  let pm: boolean | undefined;
  let zone: string | undefined;
  for (const w of words) {
    const lower = w.toLowerCase();
    const c = CLOCK.exec(w);
    if (c && !clock) clock = c;
    else if (WEEKDAYS.has(lower.replace(/\.$/, ''))) continue;
    else if (month === undefined && MONTHS.includes(lower.slice(0, 3)) && /^[a-z]{3,9}\.?$/.test(lower)) month = MONTHS.indexOf(lower.slice(0, 3));
    else if (/^\d{4}$/.test(w) && year === undefined) year = Number(w);
    else if (/^\d{1,2}$/.test(w) && day === undefined) day = Number(w);
    else if (lower === 'am' || lower === 'pm') pm = lower === 'pm';
    else if (zone === undefined && (/^[A-Z]{1,5}$/.test(w) || OFFSET.test(w) || /^[+-]\d\d$/.test(w))) zone = w;
    else return undefined;
  }
  if (month === undefined || day === undefined || year === undefined || !clock) return undefined;
  let hour = Number(clock[1]);
  if (pm !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  return utc(year, month, day, hour, Number(clock[2]), Number(clock[3]), clock[4], zoneMinutes(zone));
}

// ---- separators, prompts, errors ---------------------------------------------------------------

export interface Separator {
  time?: Timestamp;
  /** What to call the snapshot it opens: the timestamp as printed, or the marker's text. */
  label: string;
  /** Columns of the separator's text (for highlighting and outline selection). */
  start: number;
  end: number;
  /** `==> file <==` of head/tail: separates the files of one snapshot, not snapshots. */
  soft: boolean;
}

const MARKER_HEAD = /^(?:[=#*~+-]{2,}|>{1,3})[ \t]*/;
const MARKER_CHARS = '=#*~+-<';

/** `inner` without a trailing marker (`… ===`, `… <<`), scanned from the end (no backtracking). */
function withoutMarkerTail(inner: string): string {
  let end = inner.length;
  while (end > 0 && MARKER_CHARS.includes(inner[end - 1])) end--;
  const run = inner.length - end;
  return run >= 2 || (run === 1 && inner.endsWith('<')) ? inner.slice(0, end).trimEnd() : inner;
}
const LABELLED = /^(?:time(?:stamp)?|date|snapshot(?: at)?)\s*[:=]?\s*/i;
const HEAD_TAIL = /^==> (.{1,512}) <==$/;

/** A line that separates snapshots: a timestamp alone, or one behind a marker (`=== 1795312468`). */
export function parseSeparator(line: string): Separator | undefined {
  const text = line.trimEnd();
  if (text.length === 0 || text.length > 160) return undefined;
  const lead = text.length - text.trimStart().length;
  const ht = HEAD_TAIL.exec(text);
  if (ht) return { label: ht[1], start: 0, end: text.length, soft: true };
  const direct = parseTimestamp(text);
  if (direct) return { time: direct, label: text.trim(), start: lead, end: text.length, soft: false };
  const head = MARKER_HEAD.exec(text.slice(lead));
  let inner = text.slice(lead + (head ? head[0].length : 0));
  if (head) inner = withoutMarkerTail(inner);
  const labelled = LABELLED.exec(inner);
  const candidate = labelled ? inner.slice(labelled[0].length) : inner;
  const time = parseTimestamp(candidate);
  if (time && (head || labelled)) return { time, label: candidate.trim(), start: lead, end: text.length, soft: false };
  // A bare marker line ("=== snapshot 3 ===", "-----") separates snapshots without a time.
  if (head && !/^#\s*name\b/.test(text)) return { label: inner.trim() || text.trim(), start: lead, end: text.length, soft: false };
  return undefined;
}

const PROMPT = [
  /^[$#] /, // "$ cmd", "# cmd"
  /^\[[^\]\s]{1,64}@[^\]]{1,128}\][$#] ?/, // "[root@host ~]# "
  /^[\w.-]{1,64}@[\w.-]{1,64}(?::[^\s$#]{0,256})?[$#] ?/, // "root@pi4:~# ", "oli@bert:/tmp$ "
  /^[\w.-]{1,64}:[^\s$#]{0,256} # /, // SUSE "host:~ # "
  /^(?:ba|z|k|da)?sh-\d+(?:\.\d+)*[$#] /, // "sh-5.1# "
];

/** Length of a shell prompt at the start of the line (0 when there is none). */
export function promptLength(line: string): number {
  for (const re of PROMPT) {
    const m = re.exec(line);
    if (m) return m[0].length;
  }
  return 0;
}

const DENIED = /Permission denied|Operation not permitted/;
const PROC_FILE = /\/proc\/(?:slabinfo|meminfo|buddyinfo|vmallocinfo)|slabtop/;

// ---- the model ---------------------------------------------------------------------------------

export interface Snapshot {
  index: number;
  /** Seconds since the epoch, when a separator (or, in a folder, the file) gave it. */
  time?: number;
  zoneKnown: boolean;
  /** Timestamp as printed, marker text, or `snapshot N`. */
  label: string;
  /** Range of the timestamp or marker that opened it. */
  labelRange?: Range;
  startLine: number;
  endLine: number;
  /** Rows of each kind in this snapshot. */
  rows: Record<SnapshotKind, number>;
  slabinfoVersion?: string;
  /** slabtop's summary (`Active / Total Size` etc.), bytes for sizes. */
  slabtop?: Partial<Record<SummaryField, { active: number; total: number }>>;
  /** Cut short at the end of the capture: its rows are left out of the growth analysis. */
  truncated: boolean;
  /** Index into SnapshotSeries.sources (folder series). */
  source: number;
}

/** Where a row is in its capture (line 0-based; columns of the name and end of the row). */
export interface RowPlace {
  line: number;
  nameStart: number;
  nameEnd: number;
  end: number;
}

/** One cache over the snapshots it appears in; columns of numbers, one entry per appearance. */
export interface CacheSeries {
  name: string;
  kind: 'slabinfo' | 'slabtop';
  snap: number[];
  active: number[];
  total: number[];
  objSize: number[];
  objPerSlab: number[];
  /** slabinfo: pages per slab; slabtop: unknown (-1). */
  pagesPerSlab: number[];
  numSlabs: number[];
  /** slabtop: CACHE SIZE in bytes; slabinfo: -1 (computed with the page size). */
  cacheBytes: number[];
  line: number[];
  nameStart: number[];
  nameEnd: number[];
  end: number[];
  /** Folder series: index into SnapshotSeries.sources of the file each entry's row is in (a
   * merged snapshot may take its rows from several files, so the snapshot's own source is not it). */
  source?: number[];
}

export interface FieldSeries {
  key: string;
  unit: 'kB' | '';
  snap: number[];
  /** Bytes for kB fields. */
  value: number[];
  line: number[];
  nameStart: number[];
  nameEnd: number[];
  end: number[];
}

export interface BuddySeries {
  key: string;
  snap: number[];
  counts: number[][];
  line: number[];
  nameStart: number[];
  nameEnd: number[];
  end: number[];
}

export interface TimeAxis {
  unit: 'seconds' | 'snapshot';
  /** Per snapshot: seconds since the first snapshot, or the snapshot index. */
  xs: number[];
  /** Epoch seconds of the first snapshot, when times are known. */
  start?: number;
}

export interface SnapshotSeries {
  /** Kinds of content seen, in order of first appearance. */
  kinds: SnapshotKind[];
  snapshots: Snapshot[];
  caches: CacheSeries[];
  meminfo: FieldSeries[];
  buddyinfo: BuddySeries[];
  problems: Problem[];
  /** Highlighting, materialised on first use (kept compact while parsing). */
  readonly tokens: Token[];
  time: TimeAxis;
  /** Page size in bytes: inferred from slabinfo (objects × size must fit the slab), else 4096. */
  pageSize: number;
  pageSizeInferred: boolean;
  lineCount: number;
  /** File names of a folder series (index = Snapshot.source); [] for one file. */
  sources: string[];
}

// ---- compact token storage ---------------------------------------------------------------------

const TOKEN_KINDS: TokenKind[] = ['address', 'function', 'offset', 'module', 'size', 'process', 'number', 'keyword', 'file', 'prefix', 'cache', 'field'];

/** Tokens as three int32 per token, so a series of 1,000 × 300 rows stays small until asked for. */
export class TokenStore {
  private data = new Int32Array(3 * 256);
  private n = 0;

  push(line: number, s: Span): void {
    if (s.length <= 0) return;
    if (this.n * 3 + 3 > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const k = TOKEN_KINDS.indexOf(s.kind);
    this.data[this.n * 3] = line;
    this.data[this.n * 3 + 1] = s.character;
    this.data[this.n * 3 + 2] = s.length * 16 + (k < 0 ? 6 : k);
    this.n++;
  }

  get size(): number {
    return this.n;
  }

  toTokens(): Token[] {
    const out: Token[] = new Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const packed = this.data[i * 3 + 2];
      out[i] = { line: this.data[i * 3], character: this.data[i * 3 + 1], length: packed >>> 4, kind: TOKEN_KINDS[packed & 15] };
    }
    return out;
  }
}

// ---- the parser --------------------------------------------------------------------------------

type State = 0 | 1 | 2; // nothing of this kind yet, a header of it, rows of it

interface Open {
  snap: Snapshot;
  state: Record<SnapshotKind, State>;
  keys: Record<SnapshotKind, Set<string>>;
  /** Has it any content (rows or headers)? */
  content: boolean;
  cuts: Problem[];
}

function emptyRows(): Record<SnapshotKind, number> {
  return { slabinfo: 0, slabtop: 0, meminfo: 0, buddyinfo: 0 };
}

export class SnapshotSeriesParser {
  private readonly snapshots: Snapshot[] = [];
  private readonly caches = new Map<string, CacheSeries>();
  private readonly fields = new Map<string, FieldSeries>();
  private readonly buddies = new Map<string, BuddySeries>();
  private readonly problems: Problem[] = [];
  private readonly tokens = new TokenStore();
  private readonly kinds: SnapshotKind[] = [];
  private open: Open | undefined;
  private lineNo = 0;
  /** A blank line, prompt or `==>` since the last content line. */
  private pendingBreak = false;
  /** Line of the last prompt since the last content line (a snapshot opened by content starts there). */
  private promptLine: number | undefined;
  private slabinfoMajor: number | undefined;
  private maxPageNeed = 0;
  private foreign = { count: 0, first: -1, last: -1 };
  private emptyMarkers = { count: 0, first: -1, last: -1 };
  private readonly cutsIn = new Map<Snapshot, number>();
  private denied = 0;

  push(rawLine: string): void {
    const line = this.lineNo++;
    const text = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    if (isBlank(text)) {
      this.pendingBreak = true;
      return;
    }
    if (this.content(line, text)) {
      this.pendingBreak = false;
      this.promptLine = undefined;
      return;
    }
    const sep = parseSeparator(text);
    if (sep) {
      this.tokens.push(line, { character: sep.start, length: sep.end - sep.start, kind: 'prefix' });
      if (sep.soft) this.pendingBreak = true;
      else this.startSnapshot(line, sep);
      return;
    }
    const prompt = promptLength(text);
    if (prompt > 0) {
      this.tokens.push(line, { character: 0, length: prompt, kind: 'prefix' });
      this.pendingBreak = true;
      this.promptLine = line;
      return;
    }
    if (DENIED.test(text)) {
      this.pendingBreak = true;
      if (this.denied++ < 20) {
        const what = PROC_FILE.exec(text)?.[0] ?? 'the file';
        this.problems.push({
          range: range(line, 0, text.trimEnd().length),
          severity: 'warning',
          message: `Reading ${what} was refused: this is an error message, not a snapshot. /proc/slabinfo is readable by root only — record with sudo (or as root).`,
          code: 'permission-denied',
        });
      }
      return;
    }
    if (this.foreign.count++ === 0) this.foreign.first = line;
    this.foreign.last = line;
  }

  finish(): SnapshotSeries {
    this.close();
    const snapshots = this.snapshots;
    this.markTruncatedTail();
    if (this.emptyMarkers.count > 0) {
      const n = this.emptyMarkers.count;
      const lastSnap = snapshots[snapshots.length - 1];
      const tail = !lastSnap || this.emptyMarkers.last > lastSnap.endLine;
      this.problems.push({
        range: range(n === 1 ? this.emptyMarkers.last : this.emptyMarkers.first, 0, 0),
        severity: 'information',
        message:
          n === 1 && tail
            ? 'The capture ends with a timestamp and no snapshot after it: the recording stopped there.'
            : `${n} timestamps have no snapshot after them (a read failed${tail ? ', and the last one ends the capture' : ''}); they are skipped.`,
        code: 'empty-snapshot',
      });
    }
    if (this.foreign.count > 0 && snapshots.length > 0) {
      const n = this.foreign.count;
      this.problems.push({
        range: range(this.foreign.first, 0, 0),
        severity: 'information',
        message: `${n} line${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} not slabinfo, slabtop, meminfo or buddyinfo output ${n === 1 ? 'was' : 'were'} ignored (other command output).`,
        code: 'foreign-lines',
      });
    }
    if (snapshots.length === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message:
          'No slab or memory snapshot found: expected /proc/slabinfo rows, slabtop output, /proc/meminfo fields or /proc/buddyinfo lines. ' +
          'Record them with e.g. "while sleep 10; do date; sudo cat /proc/slabinfo; done > slabinfo.txt".',
        code: 'no-records',
      });
    }
    const time = timeAxis(snapshots);
    this.problems.push(...time.problems);
    const pageSize = inferPageSize(this.maxPageNeed);
    if (this.maxPageNeed > 65536) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'information',
        message: 'Some slabinfo rows hold more bytes per slab than 64 KiB pages allow; slab memory is computed with 64 KiB pages.',
        code: 'page-size',
      });
    }
    const tokens = this.tokens;
    let materialised: Token[] | undefined;
    return {
      kinds: this.kinds,
      snapshots,
      caches: [...this.caches.values()],
      meminfo: [...this.fields.values()],
      buddyinfo: [...this.buddies.values()],
      problems: this.problems,
      get tokens() {
        return (materialised ??= tokens.toTokens());
      },
      time: time.axis,
      pageSize,
      pageSizeInferred: this.maxPageNeed > 0,
      lineCount: this.lineNo,
      sources: [],
    };
  }

  // ---- content lines ----

  /** Handle a slabinfo/slabtop/meminfo/buddyinfo line; false if it is none of them. */
  private content(line: number, text: string): boolean {
    const si = parseSlabinfoLine(text, this.slabinfoMajor);
    if (si) {
      if (si.kind === 'version') {
        this.opening('slabinfo', line);
        this.slabinfoMajor = si.major;
        this.current(line).snap.slabinfoVersion = si.version;
      } else if (si.kind === 'columns') {
        this.columnHeader('slabinfo', line);
      } else if (si.kind === 'row') {
        const r = si.row;
        const o = this.row('slabinfo', r.name, line);
        if (r.pagesPerSlab > 0 && r.objPerSlab > 0) this.maxPageNeed = Math.max(this.maxPageNeed, (r.objSize * r.objPerSlab) / r.pagesPerSlab);
        const c = this.cache('slabinfo', r.name);
        pushCache(c, o.snap.index, r.activeObjs, r.numObjs, r.objSize, r.objPerSlab, r.pagesPerSlab, r.numSlabs, -1, { line, nameStart: r.nameStart, nameEnd: r.nameEnd, end: r.end });
      } else {
        if (!this.open || this.open.state.slabinfo === 0) return false;
        this.cutLine(line, si.end, `This slabinfo row of "${si.name}" is cut short (truncated capture or a recording stopped mid-line); it is left out.`);
      }
      for (const s of si.spans) this.tokens.push(line, s);
      return true;
    }
    const st = parseSlabtopLine(text);
    if (st) {
      if (st.kind === 'summary') {
        if (st.field === 'objects') this.opening('slabtop', line);
        else if (!this.open || this.open.state.slabtop === 2) this.opening('slabtop', line);
        const o = this.current(line);
        o.state.slabtop = Math.max(o.state.slabtop, 1) as State;
        (o.snap.slabtop ??= {})[st.field] = { active: st.active, total: st.total };
        this.extend(line);
      } else if (st.kind === 'columns') {
        this.columnHeader('slabtop', line);
      } else if (st.kind === 'row') {
        const r = st.row;
        const o = this.row('slabtop', r.name, line);
        const c = this.cache('slabtop', r.name);
        pushCache(c, o.snap.index, r.activeObjs, r.numObjs, r.objSize, r.objPerSlab, -1, r.numSlabs, r.cacheBytes, { line, nameStart: r.nameStart, nameEnd: r.nameEnd, end: r.end });
      } else {
        if (!this.open || this.open.state.slabtop === 0) return false;
        this.cutLine(line, st.end, 'This slabtop row is cut short (truncated capture or a recording stopped mid-line); it is left out.');
      }
      for (const s of st.spans) this.tokens.push(line, s);
      return true;
    }
    const mi = parseMeminfoLine(text);
    if (mi) {
      if (mi.kind === 'table') {
        if (mi.header) this.opening('meminfo', line);
        else this.columnHeader('meminfo', line);
      } else {
        const f = mi.field;
        const o = this.row('meminfo', f.key, line);
        let s = this.fields.get(f.key);
        if (!s) {
          s = { key: f.key, unit: f.unit, snap: [], value: [], line: [], nameStart: [], nameEnd: [], end: [] };
          this.fields.set(f.key, s);
        }
        s.snap.push(o.snap.index);
        s.value.push(f.value);
        s.line.push(line);
        s.nameStart.push(f.keyStart);
        s.nameEnd.push(f.keyEnd);
        s.end.push(f.end);
      }
      for (const s of mi.spans) this.tokens.push(line, s);
      return true;
    }
    const bi = parseBuddyinfoLine(text);
    if (bi) {
      const r = bi.row;
      const o = this.row('buddyinfo', r.key, line);
      let s = this.buddies.get(r.key);
      if (!s) {
        s = { key: r.key, snap: [], counts: [], line: [], nameStart: [], nameEnd: [], end: [] };
        this.buddies.set(r.key, s);
      }
      s.snap.push(o.snap.index);
      s.counts.push(r.counts);
      s.line.push(line);
      s.nameStart.push(r.keyStart);
      s.nameEnd.push(r.keyEnd);
      s.end.push(r.end);
      for (const sp of bi.spans) this.tokens.push(line, sp);
      return true;
    }
    return false;
  }

  private seen(kind: SnapshotKind): void {
    if (!this.kinds.includes(kind)) this.kinds.push(kind);
  }

  /** A line that starts a dump of `kind` (slabinfo version, slabtop summary, the 2.4 meminfo table). */
  private opening(kind: SnapshotKind, line: number): void {
    if (this.open && this.open.state[kind] !== 0) this.startSnapshot(line);
    const o = this.current(line);
    o.state[kind] = 1;
    o.content = true;
    this.seen(kind);
    this.extend(line);
  }

  private columnHeader(kind: SnapshotKind, line: number): void {
    if (this.open && this.open.state[kind] === 2) this.startSnapshot(line);
    const o = this.current(line);
    o.state[kind] = Math.max(o.state[kind], 1) as State;
    o.content = true;
    this.seen(kind);
    this.extend(line);
  }

  /** A row keyed `key`: a key seen again, or rows after a break, start the next snapshot. */
  private row(kind: SnapshotKind, key: string, line: number): Open {
    const cur = this.open;
    if (cur && (cur.keys[kind].has(key) || (this.pendingBreak && cur.state[kind] === 2))) this.startSnapshot(line);
    const o = this.current(line);
    o.state[kind] = 2;
    o.keys[kind].add(key);
    o.content = true;
    o.snap.rows[kind]++;
    this.seen(kind);
    this.extend(line);
    return o;
  }

  private extend(line: number): void {
    this.open!.snap.endLine = line;
  }

  private cache(kind: 'slabinfo' | 'slabtop', name: string): CacheSeries {
    const id = `${kind}\u0000${name}`;
    let c = this.caches.get(id);
    if (!c) {
      c = { name, kind, snap: [], active: [], total: [], objSize: [], objPerSlab: [], pagesPerSlab: [], numSlabs: [], cacheBytes: [], line: [], nameStart: [], nameEnd: [], end: [] };
      this.caches.set(id, c);
    }
    return c;
  }

  private cutLine(line: number, end: number, message: string): void {
    this.extend(line);
    this.open!.cuts.push({ range: range(line, 0, end), severity: 'warning', message, code: 'cut-line' });
  }

  // ---- snapshots ----

  /** The open snapshot, opening one at `line` if there is none. */
  private current(line: number): Open {
    if (!this.open) this.startSnapshot(line);
    return this.open!;
  }

  /** Close the open snapshot and open the next; a separator gives it its time and label. */
  private startSnapshot(line: number, sep?: Separator): void {
    this.close();
    const start = sep ? line : (this.promptLine ?? line);
    this.open = {
      snap: {
        index: this.snapshots.length,
        time: sep?.time?.seconds,
        zoneKnown: sep?.time?.zoneKnown ?? true,
        label: sep ? sep.label : '',
        labelRange: sep ? range(line, sep.start, sep.end) : undefined,
        startLine: start,
        endLine: line,
        rows: emptyRows(),
        truncated: false,
        source: 0,
      },
      state: { slabinfo: 0, slabtop: 0, meminfo: 0, buddyinfo: 0 },
      keys: { slabinfo: new Set(), slabtop: new Set(), meminfo: new Set(), buddyinfo: new Set() },
      content: false,
      cuts: [],
    };
    this.pendingBreak = false;
    this.promptLine = undefined;
  }

  private close(): void {
    const o = this.open;
    this.open = undefined;
    if (!o) return;
    if (!o.content) {
      // A timestamp and nothing after it (a read that failed, or the end of a killed recording).
      if (o.snap.labelRange) {
        const at = o.snap.labelRange.start.line;
        if (this.emptyMarkers.count++ === 0) this.emptyMarkers.first = at;
        this.emptyMarkers.last = at;
      }
      return;
    }
    if (!o.snap.label) o.snap.label = `snapshot ${o.snap.index + 1}`;
    this.snapshots.push(o.snap);
    this.problems.push(...o.cuts);
    if (o.cuts.length > 0) this.cutsIn.set(o.snap, o.cuts.length);
  }

  /**
   * A recording killed mid-write leaves a last snapshot with fewer rows than the ones before it.
   * It is reported once, and its rows are left out of the growth analysis.
   */
  private markTruncatedTail(): void {
    const snaps = this.snapshots;
    if (snaps.length < 3) return;
    const last = snaps[snaps.length - 1];
    const short: string[] = [];
    for (const kind of KINDS) {
      const before = snaps.slice(0, -1).map((s) => s.rows[kind]).filter((n) => n > 0);
      // A kind the last snapshot lacks counts only if (nearly) every snapshot before had it.
      if (before.length < 2 || (last.rows[kind] === 0 && before.length < 0.8 * (snaps.length - 1))) continue;
      const typical = before.sort((a, b) => a - b)[Math.floor(before.length / 2)];
      if (typical >= 2 && last.rows[kind] < typical * 0.9) short.push(`${last.rows[kind]} of about ${typical} ${kind} rows`);
    }
    if (short.length === 0) return;
    last.truncated = true;
    // The cut line of that snapshot, if any, is part of the same story: one problem, not two.
    let cutCount = this.cutsIn.get(last) ?? 0;
    // The very last line, unreadable right after the cut snapshot, is the row being written: part of the cut.
    if (this.foreign.count > 0 && this.foreign.last === this.lineNo - 1 && this.foreign.last === last.endLine + 1) {
      if (--this.foreign.count === 0) this.foreign.first = -1;
      cutCount++;
    }
    if (cutCount > 0) {
      const inLast = (p: Problem) => p.code === 'cut-line' && p.range.start.line >= last.startLine && p.range.start.line <= last.endLine;
      for (let i = this.problems.length - 1; i >= 0; i--) if (inLast(this.problems[i])) this.problems.splice(i, 1);
    }
    this.problems.push({
      range: last.labelRange ?? range(last.startLine, 0, 0),
      severity: 'warning',
      message: `The last snapshot is cut short (${short.join(', ')}${cutCount > 0 ? ', and its last row is cut' : ''}): the capture stopped while it was written. It is left out of the growth analysis.`,
      code: 'truncated-snapshot',
    });
  }
}

function pushCache(
  c: CacheSeries,
  snap: number,
  active: number,
  total: number,
  objSize: number,
  objPerSlab: number,
  pagesPerSlab: number,
  numSlabs: number,
  cacheBytes: number,
  at: RowPlace,
): void {
  c.snap.push(snap);
  c.active.push(active);
  c.total.push(total);
  c.objSize.push(objSize);
  c.objPerSlab.push(objPerSlab);
  c.pagesPerSlab.push(pagesPerSlab);
  c.numSlabs.push(numSlabs);
  c.cacheBytes.push(cacheBytes);
  c.line.push(at.line);
  c.nameStart.push(at.nameStart);
  c.nameEnd.push(at.nameEnd);
  c.end.push(at.end);
}

const PAGE_SIZES = [4096, 8192, 16384, 65536];

/** The smallest page size in which every slab holds its objects (objsize × objperslab ≤ pages × size). */
export function inferPageSize(maxBytesPerPage: number): number {
  return PAGE_SIZES.find((p) => maxBytesPerPage <= p) ?? 65536;
}

/**
 * The time axis of a series: seconds since the first snapshot when every snapshot has a time
 * and they never go backwards; otherwise snapshot numbers (with a problem saying why).
 */
export function timeAxis(snapshots: Snapshot[]): { axis: TimeAxis; problems: Problem[] } {
  const problems: Problem[] = [];
  const index: TimeAxis = { unit: 'snapshot', xs: snapshots.map((_, i) => i) };
  const timed = snapshots.filter((s) => s.time !== undefined);
  if (snapshots.length < 2 || timed.length === 0) return { axis: index, problems };
  if (timed.length < snapshots.length) {
    const first = snapshots.find((s) => s.time === undefined)!;
    problems.push({
      range: range(first.startLine, 0, 0),
      severity: 'information',
      message: `${snapshots.length - timed.length} of ${snapshots.length} snapshots have no timestamp: growth is measured per snapshot, not per second.`,
      code: 'missing-time',
    });
    return { axis: index, problems };
  }
  for (let i = 1; i < snapshots.length; i++) {
    if (snapshots[i].time! < snapshots[i - 1].time!) {
      const s = snapshots[i];
      problems.push({
        range: s.labelRange ?? range(s.startLine, 0, 0),
        severity: 'warning',
        message: `Time goes backwards at this snapshot (${s.label} after ${snapshots[i - 1].label}): growth is measured per snapshot, not per second.`,
        code: 'time-order',
      });
      return { axis: index, problems };
    }
  }
  const start = snapshots[0].time!;
  return { axis: { unit: 'seconds', xs: snapshots.map((s) => s.time! - start), start }, problems };
}

/** Parse a whole capture given as lines. */
export function parseSnapshotSeries(lines: Iterable<string>): SnapshotSeries {
  const p = new SnapshotSeriesParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

// ---- folders -----------------------------------------------------------------------------------

const NAME_ISO = /(\d{4})-?(\d\d)-?(\d\d)[T_ .-]?(\d\d)[:.-]?(\d\d)(?:[:.-]?(\d\d))?/;
const NAME_EPOCH = /(?:^|\D)(\d{10})(?:\D|$)/;

/** The time in a snapshot file's name (`slabinfo-1795312468`, `meminfo_2026-11-22T01:54:28.txt`). */
export function timeFromFileName(name: string): number | undefined {
  const iso = NAME_ISO.exec(name);
  if (iso) {
    const t = utc(+iso[1], +iso[2] - 1, +iso[3], +iso[4], +iso[5], +(iso[6] ?? 0), undefined, { minutes: 0, known: false });
    if (t && iso[1] >= '1990' && iso[1] <= '2200') return t.seconds;
  }
  const e = NAME_EPOCH.exec(name);
  if (e) return Number(e[1]);
  return undefined;
}

/** Natural order of names: `snap-2` before `snap-10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export interface SeriesPart {
  name: string;
  series: SnapshotSeries;
  /** Time of the file from its name, else its mtime (epoch seconds). */
  fileTime: number;
  fileTimeFrom: 'name' | 'mtime';
}

/**
 * One series from the files of a folder. Each file is a snapshot or a series of its own;
 * snapshots without a time of their own take their file's time (from its name, else its
 * mtime). Snapshots from different files taken at the same moment (within a second, or a
 * quarter of the interval) and holding different kinds (slabinfo + meminfo) become one.
 * When slabinfo is there, slabtop rows are left out (slabinfo has the exact numbers).
 */
export function mergeSeries(parts: SeriesPart[]): SnapshotSeries {
  const problems: Problem[] = [];
  const hasSlabinfo = parts.some((p) => p.series.caches.some((c) => c.kind === 'slabinfo'));
  type Item = { part: number; snap: Snapshot; time: number; kinds: Set<SnapshotKind> };
  const items: Item[] = [];
  parts.forEach((p, pi) => {
    const n = p.series.snapshots.length;
    p.series.snapshots.forEach((s, si) => {
      if (s.truncated) return;
      const kinds = new Set(KINDS.filter((k) => s.rows[k] > 0 && !(k === 'slabtop' && hasSlabinfo)));
      if (kinds.size === 0) return;
      // Untimed snapshots of a multi-snapshot file keep their order, a millisecond apart.
      const time = s.time ?? p.fileTime + (n > 1 ? si / 1000 : 0);
      items.push({ part: pi, snap: s, time, kinds });
    });
  });
  items.sort((a, b) => a.time - b.time || a.part - b.part || a.snap.index - b.snap.index);
  const gaps = items.slice(1).map((it, i) => it.time - items[i].time).filter((g) => g > 0).sort((a, b) => a - b);
  const median = gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0;
  const tolerance = Math.min(5, Math.max(1, median / 4));

  const merged: Snapshot[] = [];
  const mapping = new Map<string, number>(); // `${part}:${snap index}` → merged index
  let group: { snap: Snapshot; kinds: Set<SnapshotKind>; time: number } | undefined;
  for (const it of items) {
    const joins = group && it.time - group.time <= tolerance && [...it.kinds].every((k) => !group!.kinds.has(k));
    if (!joins) {
      const snap: Snapshot = {
        ...it.snap,
        index: merged.length,
        time: it.time,
        label: it.snap.time !== undefined ? it.snap.label : `${parts[it.part].name}${parts[it.part].series.snapshots.length > 1 ? ` #${it.snap.index + 1}` : ''}`,
        rows: emptyRows(),
        source: it.part,
      };
      merged.push(snap);
      group = { snap, kinds: new Set(), time: it.time };
    }
    for (const k of it.kinds) {
      group!.kinds.add(k);
      group!.snap.rows[k] += it.snap.rows[k];
    }
    mapping.set(`${it.part}:${it.snap.index}`, group!.snap.index);
  }

  const caches = new Map<string, CacheSeries>();
  const fields = new Map<string, FieldSeries>();
  const buddies = new Map<string, BuddySeries>();
  let maxPage = 0;
  parts.forEach((p, pi) => {
    maxPage = Math.max(maxPage, p.series.pageSizeInferred ? p.series.pageSize : 0);
    for (const c of p.series.caches) {
      if (c.kind === 'slabtop' && hasSlabinfo) continue;
      const id = `${c.kind}\u0000${c.name}`;
      let out = caches.get(id);
      if (!out) {
        out = { name: c.name, kind: c.kind, snap: [], active: [], total: [], objSize: [], objPerSlab: [], pagesPerSlab: [], numSlabs: [], cacheBytes: [], line: [], nameStart: [], nameEnd: [], end: [], source: [] };
        caches.set(id, out);
      }
      appendMapped(out, c, pi, mapping);
    }
    for (const f of p.series.meminfo) {
      let out = fields.get(f.key);
      if (!out) fields.set(f.key, (out = { key: f.key, unit: f.unit, snap: [], value: [], line: [], nameStart: [], nameEnd: [], end: [] }));
      appendMapped(out, f, pi, mapping);
    }
    for (const b of p.series.buddyinfo) {
      let out = buddies.get(b.key);
      if (!out) buddies.set(b.key, (out = { key: b.key, snap: [], counts: [], line: [], nameStart: [], nameEnd: [], end: [] }));
      appendMapped(out, b, pi, mapping);
    }
    for (const prob of p.series.problems) problems.push({ ...prob, message: `${p.name}: ${prob.message}` });
  });
  const skippedSlabtop = hasSlabinfo ? parts.filter((p) => p.series.caches.some((c) => c.kind === 'slabtop')).map((p) => p.name) : [];
  if (skippedSlabtop.length > 0) {
    problems.push({
      range: range(0, 0, 0),
      severity: 'information',
      message: `slabtop rows of ${skippedSlabtop.join(', ')} are not used: the slabinfo snapshots of the folder have the exact numbers.`,
      code: 'slabtop-skipped',
    });
  }
  const time = timeAxis(merged);
  problems.push(...time.problems);
  const allTokens: Token[] = [];
  return {
    kinds: KINDS.filter((k) => parts.some((p) => p.series.kinds.includes(k))),
    snapshots: merged,
    caches: [...caches.values()].map(sortBySnap),
    meminfo: [...fields.values()].map(sortBySnap),
    buddyinfo: [...buddies.values()].map(sortBySnap),
    problems,
    tokens: allTokens,
    time: time.axis,
    pageSize: maxPage || 4096,
    pageSizeInferred: maxPage > 0,
    lineCount: 0,
    sources: parts.map((p) => p.name),
  };
}

type Columnar = { snap: number[] };
const asRecord = (x: Columnar) => x as unknown as Record<string, unknown>;

/** Append the entries of `from` (snapshot indices of part `pi`) with merged snapshot indices. */
function appendMapped<T extends Columnar>(to: T, from: T, pi: number, mapping: Map<string, number>): void {
  const src = asRecord(from);
  const dst = asRecord(to);
  const keys = Object.keys(src).filter((k) => Array.isArray(src[k]) && k !== 'source');
  const source = Array.isArray(dst.source) ? (dst.source as number[]) : undefined; // the file of each entry
  for (let i = 0; i < from.snap.length; i++) {
    const m = mapping.get(`${pi}:${from.snap[i]}`);
    if (m === undefined) continue; // a truncated or skipped snapshot
    for (const k of keys) (dst[k] as unknown[]).push(k === 'snap' ? m : (src[k] as unknown[])[i]);
    source?.push(pi);
  }
}

/** Entries in snapshot order (files were appended one after the other). Duplicates keep the first. */
function sortBySnap<T extends Columnar>(s: T): T {
  const order = s.snap.map((_, i) => i).sort((a, b) => s.snap[a] - s.snap[b] || a - b);
  const keep = order.filter((i, j) => j === 0 || s.snap[i] !== s.snap[order[j - 1]]);
  const src = asRecord(s);
  const out: Record<string, unknown> = { ...src };
  for (const k of Object.keys(src)) {
    const v = src[k];
    if (Array.isArray(v)) out[k] = keep.map((i) => v[i]);
  }
  return out as unknown as T;
}
