// Turns a byte stream into lines without ever holding more than one (capped) line: a capture
// of gigabytes, or a single line of 100 MB, costs bounded memory.
import { StringDecoder } from 'node:string_decoder';

/** Longest line kept; the rest of a longer line is dropped (and counted). */
export const MAX_LINE_CHARS = 64 * 1024;

export interface LineStats {
  lines: number;
  bytes: number;
  /** Lines longer than MAX_LINE_CHARS, cut to it. */
  cutLines: number;
  /** Bytes containing NUL in the first chunk: the input is binary. */
  binary: boolean;
  /** The binary head is UTF-16 text (what Windows PowerShell's `>` writes), not UTF-8. */
  utf16?: boolean;
  /** The binary head is data compressed by a tool other than gzip (which is read directly). */
  compressed?: Compressor;
}

/** Compressors met on captures (sosreports are .tar.xz, journal files and backups often zstd). */
const COMPRESSORS = [
  { tool: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { tool: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { tool: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { tool: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18] },
] as const;
export type Compressor = (typeof COMPRESSORS)[number]['tool'];

function compressorOf(head: Buffer): Compressor | undefined {
  return COMPRESSORS.find((c) => c.magic.every((b, i) => head[i] === b))?.tool;
}

/** UTF-16 by its byte-order mark, or by NULs in every other byte of a mostly-ASCII head. */
function looksUtf16(head: Buffer): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return true;
  const pairs = Math.floor(Math.min(head.length, 512) / 2);
  if (pairs < 8) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) even++;
    if (head[2 * i + 1] === 0) odd++;
  }
  return Math.max(even, odd) > pairs * 0.9 && Math.min(even, odd) < pairs * 0.05;
}


/** Share of NUL or non-text control bytes above which a head of a file is binary. */
function looksBinary(head: Buffer): boolean {
  let bad = 0;
  for (const b of head) {
    if (b === 0) return true;
    if (b < 8 || (b > 13 && b < 32 && b !== 27)) bad++;
  }
  return bad > head.length * 0.1;
}

/** The chunks, counted in `stats`; none at all when the head of the input is binary. */
async function* checkedChunks(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, stats: LineStats, checkBinary = true): AsyncGenerator<Buffer> {
  let first = checkBinary;
  for await (const chunk of chunks) {
    if (first) {
      first = false;
      stats.binary = looksBinary(chunk.subarray(0, 8192));
      if (stats.binary) {
        stats.utf16 = looksUtf16(chunk);
        stats.compressed = compressorOf(chunk);
        return;
      }
    }
    stats.bytes += chunk.length;
    yield chunk;
  }
}

export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false },
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let overflow = false;
  for await (const chunk of checkedChunks(chunks, stats)) {
    let text = decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      const line = overflow ? partial : partial + piece;
      if (!overflow && line.length > MAX_LINE_CHARS) stats.cutLines++;
      partial = '';
      overflow = false;
      stats.lines++;
      yield clean(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);
      start = nl + 1;
    }
    if (!overflow) {
      partial += text.slice(start);
      if (partial.length > MAX_LINE_CHARS) {
        partial = partial.slice(0, MAX_LINE_CHARS);
        overflow = true;
        stats.cutLines++;
      }
    }
    text = '';
  }
  partial += overflow ? '' : decoder.end();
  if (partial.length > 0) {
    stats.lines++;
    yield clean(partial);
  }
}

function clean(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Split an in-memory document into lines as LSP and the editor do (CRLF, LF or a lone CR). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * A consumer of raw lines for the byte path: parsers that can recognise repeated multi-line
 * blocks (call chains) without decoding them read a file faster this way.
 */
export interface ByteLineSink {
  /**
   * One line: `buf[start, end)` without its newline (nor a CR before it); `next` is the offset
   * after its newline and `limit` the end of the complete lines in `buf`. Returns the offset
   * where reading resumes — `next`, or further when the sink consumed following lines itself
   * (then `skipped` says how many).
   */
  line(buf: Buffer, start: number, end: number, next: number, limit: number): number;
  readonly skipped: number;
}

/**
 * Feeds a byte stream to a sink line by line without decoding it, with the same limits as
 * readLines: binary input is refused, lines are cut at MAX_LINE_CHARS bytes, CRs dropped.
 */
export async function feedByteLines(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, stats: LineStats, sink: ByteLineSink, options: { checkBinary?: boolean } = {}): Promise<void> {
  let carry: Buffer | undefined;
  let overflow = false;
  const emit = (buf: Buffer, start: number, end: number, next: number, limit: number): number => {
    let e = end;
    if (e > start && buf[e - 1] === 13) e--;
    if (e - start > MAX_LINE_CHARS) e = start + MAX_LINE_CHARS;
    stats.lines++;
    const resume = sink.line(buf, start, e, next, limit);
    if (resume > next) {
      stats.lines += sink.skipped;
      return resume;
    }
    return next;
  };
  for await (const chunk of checkedChunks(chunks, stats, options.checkBinary !== false)) {
    let pos = 0;
    if (carry !== undefined) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        if (!overflow) {
          carry = Buffer.concat([carry, chunk.subarray(0, MAX_LINE_CHARS + 1 - carry.length)]);
          if (carry.length > MAX_LINE_CHARS) {
            overflow = true;
            stats.cutLines++;
          }
        }
        continue;
      }
      let line = overflow ? carry : Buffer.concat([carry, chunk.subarray(0, nl)]);
      if (!overflow && line.length > MAX_LINE_CHARS) stats.cutLines++;
      if (line.length > MAX_LINE_CHARS) line = line.subarray(0, MAX_LINE_CHARS);
      carry = undefined;
      overflow = false;
      emit(line, 0, line.length, line.length, line.length);
      pos = nl + 1;
    }
    const limit = chunk.lastIndexOf(10) + 1;
    while (pos < limit) {
      const nl = chunk.indexOf(10, pos);
      if (nl - pos > MAX_LINE_CHARS) stats.cutLines++;
      pos = emit(chunk, pos, nl, nl + 1, limit);
    }
    if (pos < chunk.length) {
      const rest = chunk.subarray(pos);
      // Copy: keeping a view would pin the whole chunk.
      carry = Buffer.from(rest.length > MAX_LINE_CHARS ? rest.subarray(0, MAX_LINE_CHARS + 1) : rest);
      if (carry.length > MAX_LINE_CHARS) {
        overflow = true;
        stats.cutLines++;
        carry = carry.subarray(0, MAX_LINE_CHARS);
      }
    }
  }
  if (carry !== undefined && carry.length > 0) emit(carry, 0, carry.length, carry.length, carry.length);
}
