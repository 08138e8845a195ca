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

export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false },
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let overflow = false;
  let first = true;
  for await (const chunk of chunks) {
    if (first) {
      first = false;
      stats.binary = looksBinary(chunk.subarray(0, 8192));
      if (stats.binary) return;
    }
    stats.bytes += chunk.length;
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

/** Split an in-memory document into lines (LF or CRLF). */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}
