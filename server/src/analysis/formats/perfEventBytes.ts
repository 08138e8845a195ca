// The usual perf script slab event line read straight from the file's bytes, without decoding it:
//   `… <time>: <subsystem:event>: [(sym+off) ][call_site=… ]ptr=…[ name=…][ bytes_req=… bytes_alloc=…][ gfp_flags=…`
// It reads exactly what PerfScriptParser's FAST_EVENT expression reads, and gives up (returns
// false) on anything it is not sure of — other characters than ASCII, a field longer than the
// expression allows, a layout the expression would match further along the line — so the
// parser's own path, which decodes the line, decides those. Files of millions of events spend
// most of their time here: no string is made but the few fields the ledger needs.
import { decodeLatin1 } from '../traceEvents';

/** Where the fields of one event line are (offsets into the buffer) and their values. */
export interface EventLineFields {
  /** Offset of the space before the time (the expression's match index). */
  at: number;
  /** Offset of the colon after the time. */
  colon: number;
  ts: number;
  nameStart: number;
  nameEnd: number;
  /** `(sym+off)` of old perf, or -1. */
  parenStart: number;
  parenEnd: number;
  /** `call_site=` value, or -1; its hash (for lookups without making the string). */
  siteStart: number;
  siteEnd: number;
  siteHash: number;
  ptrStart: number;
  ptrEnd: number;
  /** `name=` value in its usual place, or -1; its hash. */
  cacheStart: number;
  cacheEnd: number;
  cacheHash: number;
  requested: number;
  bytes: number;
  gfpFollows: boolean;
  /** Offset just after the part the expression matches. */
  matchEnd: number;
}

export function newEventLineFields(): EventLineFields {
  return {
    at: 0,
    colon: 0,
    ts: NaN,
    nameStart: 0,
    nameEnd: 0,
    parenStart: -1,
    parenEnd: -1,
    siteStart: -1,
    siteEnd: -1,
    siteHash: 0,
    ptrStart: 0,
    ptrEnd: 0,
    cacheStart: -1,
    cacheEnd: -1,
    cacheHash: 0,
    requested: NaN,
    bytes: NaN,
    gfpFollows: false,
    matchEnd: 0,
  };
}

const SPACE = 32;
const TAB = 9;
const COLON = 58;
const DOT = 46;
const EQUALS = 61;

// Character classes by table: one load per byte in the loops below.
const DIGIT = 1;
const WHITE = 2;
const WORD_START = 4;
const WORD = 8;
/** Bytes that end a `ptr=` or `name=` value: \s and `=`. */
const VALUE_END = 16;
/** Bytes of the event token after its colon: \w, `-`, `.`. */
const EVENT = 32;
/** Bytes of the subsystem before it: \w and `-`. */
const SUBSYSTEM = 64;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const digit = c >= 48 && c <= 57;
  const white = c === SPACE || (c >= TAB && c <= 13);
  const start = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  CLASS[c] =
    (digit ? DIGIT : 0) |
    (white ? WHITE | VALUE_END : 0) |
    (start ? WORD_START : 0) |
    (start || digit ? WORD | EVENT | SUBSYSTEM : 0) |
    (c === EQUALS ? VALUE_END : 0) |
    (c === 45 ? EVENT | SUBSYSTEM : 0) |
    (c === DOT ? EVENT : 0);
}
const isDigit = (c: number): boolean => (CLASS[c] & DIGIT) !== 0;
const isWhite = (c: number): boolean => (CLASS[c] & WHITE) !== 0;
const isWordStart = (c: number): boolean => (CLASS[c] & WORD_START) !== 0;

// FNV-1a, of char codes or of ASCII bytes alike: lookups by either find the other. Kept as
// signed 32-bit integers: small-integer Map keys, faster than the numbers above 2^31.
const HASH_SEED = 0x811c9dc5;
const HASH_PRIME = 0x01000193;

/** The hash readEventLine gives the bytes of the same ASCII text. */
export function textHash(s: string): number {
  let h = HASH_SEED;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), HASH_PRIME);
  return h | 0;
}

/**
 * Strings of ASCII bytes seen before, by hash: the same field in millions of lines (a call
 * site, a cache name) is made into a string once. A hash collision is caught by comparing.
 */
export class AsciiStrings {
  private readonly byHash = new Map<number, string>();

  constructor(private readonly max = 65536) {}

  get(buf: Buffer, start: number, end: number, hash: number): string {
    const known = this.byHash.get(hash);
    if (known !== undefined && known.length === end - start) {
      let same = true;
      for (let i = 0; i < known.length && same; i++) same = known.charCodeAt(i) === buf[start + i];
      if (same) return known;
    }
    const s = decodeLatin1(buf, start, end);
    if (this.byHash.size < this.max) this.byHash.set(hash, s);
    return s;
  }
}

function matches(buf: Buffer, at: number, end: number, literal: readonly number[]): boolean {
  if (end - at < literal.length) return false;
  for (let i = 0; i < literal.length; i++) if (buf[at + i] !== literal[i]) return false;
  return true;
}

/** A literal as small integers (the fastest array to compare bytes against). */
function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

const CALL_SITE = ascii('call_site=');
const PTR = ascii('ptr=');
const NAME = ascii(' name=');
const BYTES_REQ = ascii(' bytes_req=');
const BYTES_ALLOC = ascii(' bytes_alloc=');
const GFP = ascii(' gfp_flags=');

/** Digits from `at` (at most `max`): their count, the value in `out.value`. 0 when none or more than `max`. */
function digitsAt(buf: Buffer, at: number, end: number, max: number, out: { value: number }): number {
  let v = 0;
  let i = at;
  while (i < end && isDigit(buf[i])) {
    if (i - at === max) return 0;
    v = v * 10 + (buf[i] - 48);
    i++;
  }
  out.value = v;
  return i - at;
}

const num = { value: 0 };
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/**
 * Read the event line `buf[start, end)` of an ASCII buffer into `f`. False when it
 * is not the usual layout as the expression reads it. (perf's lost-event records,
 * `… 1240.435616: PERF_RECORD_LOST lost 4`, have no `subsystem:event:` after the time: they
 * are never read here, and go to the full path.)
 */
export function readEventLine(buf: Buffer, start: number, end: number, f: EventLineFields): boolean {
  // The time: the first colon with ` <1 to 12 digits>.<1 to 12 digits>` before it (colons come
  // before it in comms such as kworker/u8:2). Matches start at a space, so the first colon that
  // has one before it gives the leftmost match.
  let p = -1;
  for (let colon = buf.indexOf(COLON, start); colon >= 0 && colon < end; colon = buf.indexOf(COLON, colon + 1)) {
    let i = colon - 1;
    let frac = 0;
    let scale = 1;
    while (i >= start && isDigit(buf[i])) {
      frac += (buf[i] - 48) * scale;
      scale *= 10;
      i--;
    }
    const fracDigits = colon - 1 - i;
    if (fracDigits === 0 || fracDigits > 12 || i < start || buf[i] !== DOT) continue;
    let j = i - 1;
    let whole = 0;
    scale = 1;
    while (j >= start && isDigit(buf[j])) {
      whole += (buf[j] - 48) * scale;
      scale *= 10;
      j--;
    }
    const intDigits = i - 1 - j;
    if (intDigits === 0 || intDigits > 12 || j < start || buf[j] !== SPACE) continue;
    // Exact as Number(text) while the digits fit a double's integers (division rounds once).
    if (intDigits + fracDigits > 15) return false;
    f.ts = (whole * POW10[fracDigits] + frac) / POW10[fracDigits];
    f.at = j;
    f.colon = colon;
    p = colon + 1;
    break;
  }
  if (p < 0 || buf[p] !== SPACE) return false;
  while (p < end && buf[p] === SPACE) p++;
  // subsystem:event:
  if (!isWordStart(buf[p])) return false;
  f.nameStart = p;
  let q = p + 1;
  while (q < end && (CLASS[buf[q]] & SUBSYSTEM) !== 0) q++;
  if (q - p > 64 || buf[q] !== COLON || !isWordStart(buf[q + 1])) return false;
  const second = q + 1;
  q = second + 1;
  while (q < end && (CLASS[buf[q]] & EVENT) !== 0) q++;
  if (q - second > 128 || buf[q] !== COLON || buf[q + 1] !== SPACE) return false;
  f.nameEnd = q;
  p = q + 2;
  // (sym+off)
  f.parenStart = f.parenEnd = -1;
  if (buf[p] === 40) {
    let r = p + 1;
    while (r < end && !isWhite(buf[r]) && buf[r] !== 40 && buf[r] !== 41) r++;
    if (r === p + 1 || r - p - 1 > 256 || buf[r] !== 41 || buf[r + 1] !== SPACE) return false;
    f.parenStart = p + 1;
    f.parenEnd = r;
    p = r + 2;
  }
  // call_site=
  f.siteStart = f.siteEnd = -1;
  if (matches(buf, p, end, CALL_SITE)) {
    const s = p + CALL_SITE.length;
    let r = s;
    let h = HASH_SEED;
    while (r < end && !isWhite(buf[r])) h = Math.imul(h ^ buf[r++], HASH_PRIME);
    if (r === s || r - s > 256 || buf[r] !== SPACE || r >= end) return false;
    f.siteStart = s;
    f.siteEnd = r;
    f.siteHash = h | 0;
    p = r + 1;
  }
  // ptr=
  if (!matches(buf, p, end, PTR)) return false;
  p += PTR.length;
  let r = p;
  while (r < end && (CLASS[buf[r]] & VALUE_END) === 0) r++;
  if (r === p || r - p > 32) return false;
  f.ptrStart = p;
  f.ptrEnd = r;
  p = r;
  // name=
  f.cacheStart = f.cacheEnd = -1;
  if (matches(buf, p, end, NAME)) {
    const s = p + NAME.length;
    let e = s;
    let h = HASH_SEED;
    while (e < end && (CLASS[buf[e]] & VALUE_END) === 0) h = Math.imul(h ^ buf[e++], HASH_PRIME);
    if (e - s > 128) return false;
    if (e > s) {
      f.cacheStart = s;
      f.cacheEnd = e;
      f.cacheHash = h | 0;
      p = e;
    }
  }
  // bytes_req= bytes_alloc=
  f.requested = f.bytes = NaN;
  if (matches(buf, p, end, BYTES_REQ)) {
    const s = p + BYTES_REQ.length;
    const n = digitsAt(buf, s, end, 15, num);
    if (n === 0 && isDigit(buf[s])) return false;
    const requested = num.value;
    if (n > 0 && matches(buf, s + n, end, BYTES_ALLOC)) {
      const a = s + n + BYTES_ALLOC.length;
      const m = digitsAt(buf, a, end, 15, num);
      if (m === 0 && isDigit(buf[a])) return false;
      if (m > 0) {
        f.requested = requested;
        f.bytes = num.value;
        p = a + m;
      }
    }
  }
  f.gfpFollows = matches(buf, p, end, GFP);
  f.matchEnd = f.gfpFollows ? p + GFP.length : p;
  return true;
}

/** Where ` name=<value>` is after `from` (bpftrace prints it after the sizes): [start, end) of the value, or undefined. */
export function nameFieldAfter(buf: Buffer, from: number, end: number): [number, number] | undefined {
  for (let i = from; i + NAME.length <= end; i++) {
    if (buf[i] === SPACE && matches(buf, i, end, NAME)) {
      const s = i + NAME.length;
      let e = s;
      while (e < end && buf[e] !== SPACE) e++;
      return [s, e];
    }
  }
  return undefined;
}

/** Value of a hex digit byte, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  HEX['0123456789abcdef'.charCodeAt(d)] = d;
  HEX['0123456789ABCDEF'.charCodeAt(d)] = d;
}

/**
 * pointerKey (traceEvents) of the ASCII bytes `buf[start, end)`: the usual `0x` and 16 digits
 * without making a string; any other form by `slow` on the decoded text.
 */
export function pointerKeyOf(buf: Buffer, start: number, end: number, slow: (text: string) => number | null | undefined): number | null | undefined {
  // The first three digits only checked, the low 13 (52 bits) counted.
  if (end - start === 18 && buf[start] === 48 && (buf[start + 1] | 32) === 120 && (HEX[buf[start + 2]] | HEX[buf[start + 3]] | HEX[buf[start + 4]]) >= 0) {
    let v = 0;
    for (let i = start + 5; i < end; i++) {
      const d = HEX[buf[i]];
      if (d < 0) return undefined;
      v = v * 16 + d;
    }
    return v === 0 ? null : v;
  }
  return slow(decodeLatin1(buf, start, end));
}
