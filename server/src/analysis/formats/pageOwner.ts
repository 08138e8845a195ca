// Parser for page_owner output in all its spellings:
//   /sys/kernel/debug/page_owner            Page allocated via order 0, mask 0x…(GFP_…), pid 1, tgid 1 (swapper/0), ts 285099088 ns
//                                           PFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x…(slab|head)
//                                            prep_new_page+0xcf/0xf0 …
//   page_owner_sort output                  4819 times, 4819 pages:   (older: "4819 times:") before a record
//   dump_page_owner in dmesg                page last allocated via order 0, migratetype Unmovable, gfp_mask 0x…, pid 261, ts …
//                                           page last free pid 1 tgid 1 stack trace:
//   legacy /proc/page_owner (2.6)           Page allocated via order 0, mask 0x50 / [0xc012b7b9] find_lock_page+25
// Headers wrapped by mail are joined; dmesg prefixes, MTK "(1)[pid:comm]" prefixes and lost
// newlines are handled; unrelated lines end a record.
import { Frame, Position, Problem, Range, Token, range } from '../model';
import { Segment, dmesgSegments } from '../kernelLines';
import { frameTokens } from '../frames';
import { parseStackLine } from '../stackLine';
import { ForeignLines } from '../views/viewKit';

export interface FieldAt {
  value: string;
  range: Range;
}

export interface PageRecord {
  /** Line of the header (`Page allocated via order …`, or of the sorted block header). */
  headerLine: number;
  headerRange: Range;
  endLine: number;
  /** Which spelling the record came in. */
  kind: 'page_owner' | 'dump_page_owner' | 'legacy';
  order?: number;
  orderRange?: Range;
  mask?: FieldAt;
  /** Names of the GFP flags as printed by %pGg (`GFP_KERNEL|__GFP_ZERO`). */
  gfpNames?: FieldAt;
  /** dump_page_owner's `migratetype X`. */
  migrateType?: FieldAt;
  pid?: number;
  tgid?: number;
  comm?: string;
  /** Nanoseconds since boot of the allocation. */
  tsNs?: number;
  freeTsNs?: number;
  pfn?: FieldAt;
  pageType?: FieldAt;
  blockType?: FieldAt;
  flags?: FieldAt;
  flagNames?: FieldAt;
  frames: Frame[];
  /** dump_page_owner's "page last free … stack trace:" frames. */
  freeFrames: Frame[];
  /** page_owner_sort block this record summarises: how many records and pages it stands for. */
  sorted?: { times: number; pages?: number; line: number; range: Range; timesRange: Range; pagesRange?: Range };
  /** `(null)` frames printed at the end of a short stack. */
  nullFrames: number;
  migrateReason?: string;
  memcg?: string;
  /** The header came over several lines (mail wrapping) and was joined. */
  wrapped: boolean;
}

export interface PageOwnerReport {
  format: 'page-owner';
  records: PageRecord[];
  /** dump_page_owner context: "page dumped because: …" reasons seen. */
  dumpReasons: { line: number; reason: string }[];
  problems: Problem[];
  tokens: Token[];
  lineCount: number;
}

const HEADER = /^[ \t]*([Pp]age (?:last )?allocated via order )(\d+)/;
const SORTED = /^[ \t]*(\d+) times(?:, (\d+) pages)?(?:,[^:\n]{0,256})?:[ \t]*$/;
const PFN = /^[ \t]*PFN (0x[0-9a-fA-F]+|\d+) type (\w+) Block (\d+) type (\w+) Flags (0x[0-9a-fA-F]+)(?:\(([^)]*)\))?/;
const NULL_FRAME = /^[ \t]*\(null\)[ \t]*$/;
const FREE_STACK = /^[ \t]*page last free (?:pid (\d+) tgid (\d+) )?stack trace:/;
const TRACKS = /^[ \t]*page_owner (?:tracks the page as (allocated|freed)|info is not present|free stack trace missing)/;
const MIGRATED = /^[ \t]*[Pp]age has been migrated, last migrate reason: (.*)$/;
const CHARGED = /^[ \t]*Charged (?:\(via objcg\) )?to (?:offline )?memcg (.*)$/;
const DUMPED = /^[ \t]*page dumped because: ?(.*)$/;
const INCOMPLETE = /(?:,|\b(?:ts|pid|tgid|mask|gfp_mask|migratetype|via|order))[ \t]*$/;
const MAX_EXAMINED = 64 * 1024;

/** A header possibly spread over several physical lines; maps offsets of the joined text back. */
interface HeaderText {
  pieces: { line: number; col: number; text: string; at: number }[];
  text: string;
}

function locate(h: HeaderText, index: number): Position {
  let piece = h.pieces[0];
  for (const p of h.pieces) if (p.at <= index) piece = p;
  return { line: piece.line, character: piece.col + Math.min(index - piece.at, piece.text.length) };
}

function rangeIn(h: HeaderText, start: number, length: number): Range {
  return { start: locate(h, start), end: locate(h, start + length) };
}

export class PageOwnerParser {
  private readonly records: PageRecord[] = [];
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly dumpReasons: { line: number; reason: string }[] = [];
  private readonly foreign = new ForeignLines();
  private current: PageRecord | undefined;
  private header: HeaderText | undefined;
  private inFreeStack = false;
  private sortedPending: PageRecord['sorted'] | undefined;
  private lineNo = 0;
  private pendingDumpReason: number | undefined;
  private collapsed = { count: 0, first: -1 };

  push(rawLine: string): void {
    const line = this.lineNo++;
    const raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    const segs = dmesgSegments(raw);
    if (segs.length > 1 && this.collapsed.count++ === 0) this.collapsed.first = line;
    for (const s of segs) this.segment(line, raw.slice(0, s.end), s);
  }

  finish(): PageOwnerReport {
    this.finishHeader();
    this.close();
    const f = this.foreign.problem('page_owner records');
    if (f && this.records.length > 0) this.problems.push(f);
    if (this.collapsed.count > 0) {
      this.problems.push({ range: range(this.collapsed.first, 0, 0), severity: 'hint', message: `${this.collapsed.count} line${this.collapsed.count === 1 ? ' holds' : 's hold'} several log lines (newlines lost); they were read one by one.`, code: 'collapsed-lines' });
    }
    if (this.records.length === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message: 'No page_owner records found: expected "Page allocated via order N, mask 0x…" records as in /sys/kernel/debug/page_owner (boot with page_owner=on), page_owner_sort output, or dump_page_owner lines in dmesg.',
        code: 'no-records',
      });
    }
    return { format: 'page-owner', records: this.records, dumpReasons: this.dumpReasons, problems: this.problems, tokens: this.tokens, lineCount: this.lineNo };
  }

  private segment(line: number, text: string, s: Segment): void {
    if (s.from > s.start) this.tokens.push({ line, character: s.start, length: s.from - s.start, kind: 'prefix' });
    const content = text.slice(s.from);
    let m: RegExpExecArray | null;

    if (this.pendingDumpReason !== undefined && s.from === 0 && content.trim() !== '' && !HEADER.test(content)) {
      // "page dumped because:" wrapped: its reason is on the next line.
      this.dumpReasons.push({ line, reason: content.trim() });
      this.pendingDumpReason = undefined;
      return;
    }
    this.pendingDumpReason = undefined;

    if ((m = HEADER.exec(content))) {
      this.finishHeader();
      this.close();
      this.open(line, s.from + content.indexOf(m[1]), m, content, s.from);
      return;
    }
    if (this.header) {
      // The header is wrapped: continuation lines until it is complete.
      if (content.trim() === '') return;
      if (!PFN.test(content) && !parseStackLine(text, s.from, line)?.frame.symbol) {
        const col = s.from + (/^[ \t]*/.exec(content)?.[0].length ?? 0);
        const piece = text.slice(col);
        this.header.pieces.push({ line, col, text: piece, at: this.header.text.length + 1 });
        this.header.text += ' ' + piece;
        this.current!.wrapped = true;
        this.current!.endLine = line;
        if (!INCOMPLETE.test(this.header.text)) this.finishHeader();
        return;
      }
      this.finishHeader();
    }
    if ((m = SORTED.exec(content))) {
      this.close();
      const at = s.from + content.indexOf(m[1]);
      const timesRange = range(line, at, at + m[1].length);
      let pagesRange: Range | undefined;
      if (m[2] !== undefined) {
        const pAt = text.indexOf(`${m[2]} pages`, at + m[1].length);
        pagesRange = range(line, pAt, pAt + m[2].length);
        this.tokens.push({ line, character: pAt, length: m[2].length, kind: 'number' });
      }
      this.tokens.push({ line, character: at, length: m[1].length, kind: 'number' });
      this.sortedPending = { times: Number(m[1]), pages: m[2] !== undefined ? Number(m[2]) : undefined, line, range: range(line, at, text.trimEnd().length), timesRange, pagesRange };
      return;
    }
    const r = this.current;
    if ((m = PFN.exec(content)) && r) {
      const base = s.from;
      const field = (value: string, from: number): FieldAt => {
        const at = base + content.indexOf(value, from);
        return { value, range: range(line, at, at + value.length) };
      };
      r.pfn = field(m[1], 0);
      r.pageType = field(m[2], r.pfn.range.end.character - base);
      const blockAt = content.indexOf(' Block ', r.pageType.range.end.character - base);
      r.blockType = field(m[4], blockAt + 7 + m[3].length);
      r.flags = field(m[5], r.blockType.range.end.character - base);
      if (m[6] !== undefined) r.flagNames = field(m[6], r.flags.range.end.character - base);
      this.tokens.push({ line, character: base + content.indexOf('PFN'), length: 3, kind: 'keyword' });
      this.tokens.push({ line, character: r.pfn.range.start.character, length: m[1].length, kind: 'address' });
      this.tokens.push({ line, character: r.flags.range.start.character, length: m[5].length, kind: 'address' });
      r.endLine = line;
      return;
    }
    if ((m = FREE_STACK.exec(content)) && r) {
      this.inFreeStack = true;
      this.tokens.push({ line, character: s.from + content.indexOf('page last free'), length: 14, kind: 'keyword' });
      r.endLine = line;
      return;
    }
    if (r && NULL_FRAME.test(content)) {
      r.nullFrames++;
      r.endLine = line;
      return;
    }
    if ((m = MIGRATED.exec(content)) && r) {
      r.migrateReason = m[1].trim();
      r.endLine = line;
      return;
    }
    if ((m = CHARGED.exec(content)) && r) {
      r.memcg = m[1].trim();
      r.endLine = line;
      return;
    }
    const parsed = parseStackLine(text, s.from, line);
    // A bare address is a frame only alone on its line ("0x620042(GFP_…" is a wrapped header).
    if (parsed && (parsed.frame.symbol !== undefined || /^[ \t]*(?:\[<[0-9a-fA-F]+>\][ \t]*)?0x[0-9a-fA-F]+[ \t]*$/.test(content))) {
      let rec = r;
      if (!rec && this.sortedPending) {
        // page_owner_sort --cull output: the block header is followed by the stack alone.
        rec = this.open(this.sortedPending.line, this.sortedPending.range.start.character, undefined, '', 0);
      }
      if (rec) {
        (this.inFreeStack ? rec.freeFrames : rec.frames).push(parsed.frame);
        this.tokens.push(...frameTokens(parsed.frame));
        rec.endLine = line;
        return;
      }
    }
    if ((m = TRACKS.exec(content))) {
      this.close();
      this.tokens.push({ line, character: s.from + content.indexOf('page_owner'), length: 10, kind: 'keyword' });
      return;
    }
    if ((m = DUMPED.exec(content))) {
      this.close();
      if (m[1].trim() !== '') this.dumpReasons.push({ line, reason: m[1].trim() });
      else this.pendingDumpReason = line;
      return;
    }
    if (content.trim() === '') {
      // A blank line ends a record that has its stack; one right after a header is mail wrapping.
      if (r && (r.frames.length > 0 || r.freeFrames.length > 0 || r.pfn !== undefined)) this.close();
      return;
    }
    this.close();
    this.foreign.add(line);
  }

  private open(line: number, at: number, m: RegExpExecArray | undefined, content: string, base: number): PageRecord {
    const sorted = this.sortedPending;
    this.sortedPending = undefined;
    const rec: PageRecord = {
      headerLine: m ? line : sorted!.line,
      headerRange: m ? range(line, at, base + content.trimEnd().length) : sorted!.range,
      endLine: line,
      kind: m ? (m[1].startsWith('page last') || m[1].startsWith('page ') ? 'dump_page_owner' : 'page_owner') : 'page_owner',
      frames: [],
      freeFrames: [],
      nullFrames: 0,
      wrapped: false,
      sorted,
    };
    this.records.push(rec);
    this.current = rec;
    this.inFreeStack = false;
    if (m) {
      const orderAt = at + m[1].length;
      rec.order = Number(m[2]);
      rec.orderRange = range(line, orderAt, orderAt + m[2].length);
      this.tokens.push({ line, character: at, length: m[1].length - 1, kind: 'keyword' });
      this.tokens.push({ line, character: orderAt, length: m[2].length, kind: 'number' });
      const col = at;
      const piece = content.slice(col - base).trimEnd();
      this.header = { pieces: [{ line, col, text: piece, at: 0 }], text: piece };
      if (!INCOMPLETE.test(piece)) this.finishHeader();
    }
    return rec;
  }

  /** Read the fields of the (joined) header. */
  private finishHeader(): void {
    const h = this.header;
    const r = this.current;
    this.header = undefined;
    if (!h || !r) return;
    const t = h.text;
    let m: RegExpExecArray | null;
    const tok = (start: number, length: number, kind: Token['kind']) => {
      const rg = rangeIn(h, start, length);
      if (rg.start.line === rg.end.line) this.tokens.push({ line: rg.start.line, character: rg.start.character, length: rg.end.character - rg.start.character, kind });
    };
    if ((m = /\b(?:gfp_)?mask (0x[0-9a-fA-F]+)(?:\(([^)]*)\))?/.exec(t))) {
      const at = m.index + m[0].indexOf('0x');
      r.mask = { value: m[1], range: rangeIn(h, at, m[1].length) };
      tok(at, m[1].length, 'address');
      if (m[2] !== undefined) r.gfpNames = { value: m[2], range: rangeIn(h, at + m[1].length + 1, m[2].length) };
    }
    if ((m = /\bmigratetype (\w+)/.exec(t))) {
      const at = m.index + 12;
      r.migrateType = { value: m[1], range: rangeIn(h, at, m[1].length) };
      tok(at, m[1].length, 'keyword');
    }
    if ((m = /\bpid (\d+)/.exec(t))) {
      r.pid = Number(m[1]);
      tok(m.index + 4, m[1].length, 'process');
    }
    if ((m = /\btgid (\d+)(?: \(([^)]*)\))?/.exec(t))) {
      r.tgid = Number(m[1]);
      if (m[2] !== undefined) {
        r.comm = m[2];
        tok(m.index + 6 + m[1].length, m[2].length + 2, 'process');
      }
    }
    if ((m = /\bts (\d+)/.exec(t))) {
      r.tsNs = Number(m[1]);
      tok(m.index + 3, m[1].length, 'number');
    }
    if ((m = /\bfree_ts (\d+)/.exec(t))) r.freeTsNs = Number(m[1]);
    if (/[Mm]ask 0x[0-9a-fA-F]+$/.test(t.trim()) && r.pid === undefined) r.kind = 'legacy';
    const last = h.pieces[h.pieces.length - 1];
    r.headerRange = { start: r.headerRange.start, end: { line: last.line, character: last.col + last.text.length } };
  }

  private close(): void {
    this.finishHeader();
    const r = this.current;
    this.current = undefined;
    this.inFreeStack = false;
    if (!r) return;
    if (r.frames.length === 0) {
      this.problems.push({
        range: r.headerRange.start.line === r.headerRange.end.line ? r.headerRange : range(r.headerLine, r.headerRange.start.character, r.headerRange.start.character),
        severity: 'warning',
        message: 'This page_owner record has no stack: the capture was cut after its header.',
        code: 'truncated-record',
      });
    }
    if (r.wrapped) {
      this.problems.push({ range: range(r.headerLine, 0, 0), severity: 'hint', message: 'The header of this record was wrapped over several lines (mail); joined.', code: 'wrapped-line' });
    }
  }
}

export function parsePageOwner(lines: Iterable<string>): PageOwnerReport {
  const p = new PageOwnerParser();
  for (const l of lines) p.push(l);
  return p.finish();
}

/** Does this line identify page_owner output (for format detection)? */
export function isPageOwnerSignature(line: string): boolean {
  return /[Pp]age (?:last )?allocated via order \d+/.test(line);
}
