// Parser for kmemleak reports: the contents of /sys/kernel/debug/kmemleak and the same records
// printed into dmesg (with timestamps, caller ids, syslog prefixes and unrelated lines between).
// Line-driven, so the CLI streams a file through it and the server feeds it a document.
import { Frame, Problem, Range, Token, range } from '../model';
import { logPrefixLength } from '../logPrefix';
import { frameTokens, parseFrame } from '../frames';

export interface HexDumpRow {
  line: number;
  bytes: number[];
  /** Range of the hex bytes (without the ASCII column). */
  range: Range;
}

export interface KmemleakObject {
  /** Object address, hex digits without 0x. */
  address: string;
  size: number;
  comm?: string;
  pid?: number;
  jiffies?: number;
  /** `(age 13.820s)`; absent in 6.8+ reports. */
  ageSeconds?: number;
  /** 6.8+ `backtrace (crc 45b79b1):`. */
  crc?: string;
  /** Line of `unreferenced object …` and the range of that phrase on it. */
  headerLine: number;
  headerRange: Range;
  /** Last line that belongs to this record, and the length of that line. */
  endLine: number;
  endCharacter: number;
  hexDump: HexDumpRow[];
  hexDumpDeclared?: number;
  /** Per-CPU object: the CPU whose copy was dumped (`hex dump (first N bytes on cpu C):`, 6.12+). */
  hexDumpCpu?: number;
  /** Frames in printed order, innermost first; terminators are dropped. */
  frames: Frame[];
  /** The backtrace arrived (the record was not cut short). */
  complete: boolean;
}

export interface KmemleakReport {
  format: 'kmemleak';
  objects: KmemleakObject[];
  problems: Problem[];
  tokens: Token[];
  /** `kmemleak: N new suspected memory leaks` lines. */
  announcements: { line: number; count: number }[];
  lineCount: number;
}

const HEADER = /unreferenced object 0x([0-9a-fA-F]+) \(size (\d+)\):?/y;
const COMM = /^( *)comm "(.*)", pid (\d+), jiffies (\d+)(?: \(age (\d+(?:\.\d+)?)s\))?/;
const HEX_HEADER = /^ *hex dump \(first (\d+) bytes(?: on cpu (\d+))?\):?/;
const HEX_ROW = /^( *)((?:[0-9a-f]{2} ){0,31}[0-9a-f]{2})(?: .*)?$/;
const BACKTRACE = /^ *backtrace(?: \(crc ([0-9a-fA-F]+)\))?:/;
const ANNOUNCE = /kmemleak: (\d+) new suspected memory leaks?/;
const CUT_KEYWORD = /^ *(?:hex du|backtr|comm ")/;
const WRAPPED_MODULE = /^ *\[([\w-]+)\] *$/;
const AGE_WRAPPED = /^ *\(age (\d+(?:\.\d+)?)s\) *$/;
/** Mail quote markers: `> `, `>> `, `> > ` (a quoted report in a reply). */
const QUOTE = /^(?:>[ \t]?)+/;
/** A header a mail client or terminal wrapped before its end: `unreferenced object 0x… (size` */
const HEADER_START = /unreferenced object(?: 0x[0-9a-fA-F]+(?: \(size)?)?[ \t]*$/y;
/** Foreign lines in a row after which a record is taken to be over. */
const MAX_FOREIGN_IN_RECORD = 3;
/** Lines longer than this are examined only up to it (a frame or header never is this long). */
const MAX_EXAMINED = 4096;

type State = 'outside' | 'header' | 'hexdump' | 'backtrace';

export interface KmemleakParserOptions {
  /**
   * Called with each object once its record is over, instead of keeping it in the report (a file
   * analysed from disk: memory does not grow with the objects).
   */
  onObject?: (obj: KmemleakObject) => void;
  /** Keep semantic tokens and hex dump bytes, for an editor (default true). */
  detail?: boolean;
}

export class KmemleakParser {
  private readonly objects: KmemleakObject[] = [];
  private objectCount = 0;
  private readonly onObject?: (obj: KmemleakObject) => void;
  private readonly detail: boolean;
  private readonly problems: Problem[] = [];
  private readonly tokens: Token[] = [];
  private readonly announcements: { line: number; count: number }[] = [];
  private state: State = 'outside';
  private current: KmemleakObject | undefined;
  /** Foreign lines seen inside a record, judged by what follows them. */
  private pendingForeign: { line: number; length: number }[] = [];
  private foreignOutside = { count: 0, first: -1 };
  private lineNo = 0;
  /** Mail quote depth (number of `>`) of the current record's header; its lines share it. */
  private quoteDepth = 0;
  /** The first part of a wrapped header, joined with the next line. */
  private headerStart: { line: number; at: number; text: string; length: number; quoteDepth: number } | undefined;

  constructor(options: KmemleakParserOptions = {}) {
    this.onObject = options.onObject;
    this.detail = options.detail ?? true;
  }

  /** Feed the next line (without its newline). */
  push(rawLine: string): void {
    const line = this.lineNo++;
    const raw = rawLine.length > MAX_EXAMINED ? rawLine.slice(0, MAX_EXAMINED) : rawLine;
    const quote = raw.startsWith('>') ? QUOTE.exec(raw)![0] : '';
    const quoteDepth = quote.length === 0 ? 0 : quote.split('>').length - 1;
    const p = quote.length + logPrefixLength(quote.length > 0 ? raw.slice(quote.length) : raw);
    if (p > 0) this.addTokens({ line, character: 0, length: p, kind: 'prefix' });
    const text = p > 0 ? raw.slice(p) : raw;

    if (this.headerStart && this.joinHeader(line, raw, p, text, quoteDepth)) return;
    const headerAt = text.indexOf('unreferenced object');
    if (headerAt >= 0 && this.header(line, raw, p + headerAt, quoteDepth, text.slice(0, headerAt).trim() === '')) return;
    // Inside a record, a line quoted deeper or less deep is someone else's text in the mail.
    if (this.current && quoteDepth !== this.quoteDepth && text.trim() !== '') {
      this.foreignInRecord(line, raw.length);
      return;
    }

    const announce = ANNOUNCE.exec(text);
    if (announce) {
      this.closeRecord();
      this.announcements.push({ line, count: Number(announce[1]) });
      this.addTokens({ line, character: p + announce.index, length: 8, kind: 'keyword' });
      return;
    }
    if (text.startsWith('BUG: memory leak')) {
      this.closeRecord();
      this.addTokens({ line, character: p, length: 16, kind: 'keyword' });
      return;
    }
    switch (this.state) {
      case 'outside':
        this.foreign(line, text);
        return;
      case 'header':
      case 'hexdump':
        this.inRecord(line, raw, p, text);
        return;
      case 'backtrace':
        this.inBacktrace(line, raw, p, text);
        return;
    }
  }

  finish(): KmemleakReport {
    this.closeRecord();
    if (this.headerStart) this.headerNotJoined();
    if (this.foreignOutside.count > 0 && this.objectCount > 0) {
      const n = this.foreignOutside.count;
      this.problems.push({
        range: range(this.foreignOutside.first, 0, 0),
        severity: 'information',
        message: `${n} line${n === 1 ? '' : 's'} outside kmemleak records ${n === 1 ? 'was' : 'were'} ignored (other log output).`,
        code: 'foreign-lines',
      });
    }
    if (this.objectCount === 0) {
      this.problems.push({
        range: range(0, 0, 0),
        severity: 'warning',
        message:
          'No kmemleak records found: expected "unreferenced object 0x… (size N):" lines as in /sys/kernel/debug/kmemleak. ' +
          'Trigger a scan with "echo scan > /sys/kernel/debug/kmemleak", then read the file again.',
        code: 'no-records',
      });
    }
    return {
      format: 'kmemleak',
      objects: this.objects,
      problems: this.problems,
      tokens: this.tokens,
      announcements: this.announcements,
      lineCount: this.lineNo,
    };
  }

  private header(line: number, raw: string, at: number, quoteDepth: number, atLineStart: boolean): boolean {
    HEADER.lastIndex = at;
    const m = HEADER.exec(raw);
    if (!m) {
      HEADER_START.lastIndex = at;
      // Only where a header begins its line: prose ending in "unreferenced object" is not one.
      if (!atLineStart || !HEADER_START.test(raw)) return false;
      // Wrapped by a mail client or a terminal: the rest should be the next line.
      this.closeRecord();
      const text = raw.slice(at).trimEnd();
      this.headerStart = { line, at, text, length: raw.length, quoteDepth };
      this.addTokens({ line, character: at, length: 19, kind: 'keyword' });
      const addressEnd = text.indexOf(' ', 20) > 0 ? text.indexOf(' ', 20) : text.length;
      if (addressEnd > 20) this.addTokens({ line, character: at + 20, length: addressEnd - 20, kind: 'address' });
      return true;
    }
    this.closeRecord();
    const sizeAt = raw.indexOf(m[2], at + 22 + m[1].length);
    this.addTokens({ line, character: at, length: 19, kind: 'keyword' });
    this.addTokens({ line, character: at + 20, length: m[1].length + 2, kind: 'address' });
    this.addTokens({ line, character: sizeAt, length: m[2].length, kind: 'size' });
    this.openRecord(m[1], m[2], line, range(line, at, at + m[0].length), raw.length, quoteDepth);
    return true;
  }

  /**
   * The line after a wrapped header: joined with it when it holds the header's rest, as in
   * `unreferenced object 0xffff888100a1b2c0 (size` + `192):`. False if it does not.
   */
  private joinHeader(line: number, raw: string, p: number, text: string, quoteDepth: number): boolean {
    const start = this.headerStart!;
    this.headerStart = undefined;
    const rest = text.trimStart();
    const restAt = p + text.length - rest.length;
    const joined = `${start.text} ${rest}`;
    HEADER.lastIndex = 0;
    const m = quoteDepth === start.quoteDepth ? HEADER.exec(joined) : null;
    if (!m || m[0].length <= start.text.length + 1) {
      this.headerNotJoined(start);
      return false;
    }
    const restLength = m[0].length - start.text.length - 1;
    const sizeAt = restAt + rest.lastIndexOf(m[2], restLength);
    if (start.text.length <= 20) this.addTokens({ line, character: restAt, length: m[1].length + 2, kind: 'address' });
    this.addTokens({ line, character: sizeAt, length: m[2].length, kind: 'size' });
    this.openRecord(m[1], m[2], start.line, range(start.line, start.at, start.length), raw.length, quoteDepth);
    extend(this.current!, line, raw.length);
    this.wrapped(
      line,
      `The header of object 0x${m[1].toLowerCase()} was wrapped onto two lines (mail client or terminal); joined.`,
    );
    return true;
  }

  private headerNotJoined(start = this.headerStart!): void {
    this.headerStart = undefined;
    this.problems.push({
      range: range(start.line, start.at, start.length),
      severity: 'warning',
      message:
        'This "unreferenced object" header was wrapped or cut before its "(size N):" and the next line does not complete it; ' +
        'the record is skipped. Join the two lines of the header to read it.',
      code: 'wrapped-header',
    });
  }

  private openRecord(address: string, size: string, line: number, headerRange: Range, length: number, quoteDepth: number): void {
    this.current = {
      address: address.toLowerCase(),
      size: Number(size),
      headerLine: line,
      headerRange,
      endLine: line,
      endCharacter: length,
      hexDump: [],
      frames: [],
      complete: false,
    };
    this.quoteDepth = quoteDepth;
    if (!this.onObject) this.objects.push(this.current);
    this.objectCount++;
    this.state = 'header';
  }

  private inRecord(line: number, raw: string, p: number, text: string): void {
    // Blank lines inside a record (double-spaced serial consoles) are judged by what follows.
    if (text.trim() === '') return;
    if (this.recordLine(line, raw, p, text)) this.flushForeign(true);
    else this.foreignInRecord(line, raw.length);
  }

  /** A line of the record's header part (comm, hex dump, backtrace:); false if it is not one. */
  private recordLine(line: number, raw: string, p: number, text: string): boolean {
    const obj = this.current!;
    let m: RegExpExecArray | null;
    if ((m = COMM.exec(text))) {
      obj.comm = m[2];
      obj.pid = Number(m[3]);
      obj.jiffies = Number(m[4]);
      if (m[5] !== undefined) obj.ageSeconds = Number(m[5]);
      const commAt = p + m[1].length + 6;
      this.addTokens({ line, character: commAt - 1, length: m[2].length + 2, kind: 'process' });
      const pidAt = raw.indexOf(`pid ${m[3]}`, commAt + m[2].length) + 4;
      this.addTokens({ line, character: pidAt, length: m[3].length, kind: 'process' });
      extend(obj, line, raw.length);
      return true;
    }
    if (obj.comm !== undefined && obj.ageSeconds === undefined && (m = AGE_WRAPPED.exec(text))) {
      obj.ageSeconds = Number(m[1]);
      extend(obj, line, raw.length);
      this.wrapped(line, 'The "(age …)" part of the comm line was wrapped onto its own line; joined.');
      return true;
    }
    if ((m = HEX_HEADER.exec(text))) {
      obj.hexDumpDeclared = Number(m[1]);
      if (m[2] !== undefined) obj.hexDumpCpu = Number(m[2]);
      this.addTokens({ line, character: p + text.indexOf('hex dump'), length: 8, kind: 'keyword' });
      this.state = 'hexdump';
      extend(obj, line, raw.length);
      return true;
    }
    if (this.state === 'hexdump' && (m = HEX_ROW.exec(text))) {
      const start = p + m[1].length;
      if (this.detail) {
        obj.hexDump.push({
          line,
          bytes: m[2].split(' ').map((b) => parseInt(b, 16)),
          range: range(line, start, start + m[2].length),
        });
      }
      this.addTokens({ line, character: start, length: m[2].length, kind: 'number' });
      extend(obj, line, raw.length);
      return true;
    }
    if ((m = BACKTRACE.exec(text))) {
      if (m[1] !== undefined) obj.crc = m[1].toLowerCase();
      this.addTokens({ line, character: p + text.indexOf('backtrace'), length: 9, kind: 'keyword' });
      this.state = 'backtrace';
      obj.complete = true;
      extend(obj, line, raw.length);
      return true;
    }
    if (CUT_KEYWORD.test(text)) {
      this.problems.push({
        range: range(line, p, raw.length),
        severity: 'warning',
        message: 'This kmemleak line is cut short (truncated capture or mail wrap).',
        code: 'cut-line',
      });
      extend(obj, line, raw.length);
      return true;
    }
    return false;
  }

  private inBacktrace(line: number, raw: string, p: number, text: string): void {
    const obj = this.current!;
    if (text.trim() === '') return;
    const parsed = parseFrame(raw, p, line);
    if (parsed) {
      this.flushForeign(true);
      extend(obj, line, raw.length);
      if (parsed.terminator) return;
      obj.frames.push(parsed.frame);
      this.frameTokens(parsed.frame);
      return;
    }
    const wrappedModule = WRAPPED_MODULE.exec(text);
    const last = obj.frames[obj.frames.length - 1];
    if (wrappedModule && last && !last.module && this.pendingForeign.length === 0) {
      last.module = wrappedModule[1];
      extend(obj, line, raw.length);
      this.addTokens({ line, character: raw.indexOf('[', p) + 1, length: wrappedModule[1].length, kind: 'module' });
      this.wrapped(line, `Module "[${wrappedModule[1]}]" was wrapped onto its own line; joined to the frame above.`);
      return;
    }
    this.foreignInRecord(line, raw.length);
  }

  /**
   * A line that is not kmemleak output, inside a record: "interleaved" if the record goes on
   * after it, else the record ended before it. A few in a row mean the record is over.
   */
  private foreignInRecord(line: number, length: number): void {
    this.pendingForeign.push({ line, length });
    if (this.pendingForeign.length >= MAX_FOREIGN_IN_RECORD) this.closeRecord();
  }

  private flushForeign(recordContinues: boolean): void {
    for (const f of this.pendingForeign) {
      if (recordContinues) {
        this.problems.push({
          range: range(f.line, 0, f.length),
          severity: 'hint',
          message: `Not part of the kmemleak record of object 0x${this.current!.address}: another log line printed in between; ignored.`,
          code: 'interleaved-line',
        });
      } else {
        this.countForeignOutside(f.line);
      }
    }
    this.pendingForeign = [];
  }

  private foreign(line: number, text: string): void {
    if (text.trim() !== '') this.countForeignOutside(line);
  }

  private countForeignOutside(line: number): void {
    if (this.foreignOutside.count++ === 0) this.foreignOutside.first = line;
  }

  private wrapped(line: number, message: string): void {
    this.problems.push({ range: range(line, 0, 0), severity: 'hint', message, code: 'wrapped-line' });
  }

  private closeRecord(): void {
    this.flushForeign(false);
    const obj = this.current;
    this.current = undefined;
    this.state = 'outside';
    if (!obj) return;
    if (!obj.complete || obj.frames.length === 0) {
      this.problems.push({
        range: obj.headerRange,
        severity: 'warning',
        message: obj.complete
          ? `The backtrace of object 0x${obj.address} has no frames: the capture was cut after "backtrace:".`
          : `The record of object 0x${obj.address} is cut short: its backtrace never came (truncated capture or mail wrap).`,
        code: 'truncated-record',
      });
    }
    this.onObject?.(obj);
  }

  private frameTokens(f: Frame): void {
    if (this.detail) this.addTokens(...frameTokens(f));
  }

  private addTokens(...tokens: Token[]): void {
    if (this.detail) for (const t of tokens) this.tokens.push(t);
  }
}

function extend(obj: KmemleakObject, line: number, length: number): void {
  obj.endLine = line;
  obj.endCharacter = length;
}

/** Parse a whole report given as lines. */
export function parseKmemleak(lines: Iterable<string>): KmemleakReport {
  const parser = new KmemleakParser();
  for (const l of lines) parser.push(l);
  return parser.finish();
}

/** Does this line (anywhere in the head of a file) identify a kmemleak report? */
export function isKmemleakSignature(line: string): boolean {
  return /unreferenced object 0x[0-9a-fA-F]+ \(size(?: \d+\)|[ \t]*$)|kmemleak: \d+ new suspected memory leak/.test(line);
}
