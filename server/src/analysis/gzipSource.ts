// The bytes of a capture file, decompressed when it is a .gz. A .gz cut short (a copy, an upload
// or a download that stopped) is common with big traces: rather than failing at its last byte, it
// can be read as far as it goes, with the cut reported, since everything before it is intact.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Set when the gzip data ended before its trailer. */
export interface GzipCut {
  truncated: boolean;
}

/** zlib's error for input that ends inside the compressed stream. */
function isCutShort(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'Z_BUF_ERROR';
}

/**
 * The file's bytes, gunzipped when `path` ends in .gz. With `cut`, a .gz that ends early ends
 * the stream there (after every byte it could decompress) and sets `cut.truncated`; without it,
 * that stream fails with a message saying the file was cut short.
 */
export async function* fileBytes(path: string, stream: Readable, cut?: GzipCut): AsyncGenerator<Buffer> {
  if (!path.endsWith('.gz')) {
    yield* stream as AsyncIterable<Buffer>;
    return;
  }
  try {
    yield* stream.pipe(createGunzip()) as AsyncIterable<Buffer>;
  } catch (e) {
    if (!isCutShort(e)) throw gzipError(e);
    if (!cut) throw new Error('the gzip data ends early (the file was cut short)');
    cut.truncated = true;
  }
}

/** zlib's own words for a damaged .gz, said as what they mean for the user. */
function gzipError(e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && err.code.startsWith('Z_')) return new Error(`not valid gzip data (${err.message})`);
  return e;
}

/** The warning put on the last line read of a .gz that was cut short. */
export function gzipCutMessage(lines: number): string {
  return `The gzip data ends early: this .gz was cut short (an interrupted copy or download?). ` +
    `The ${lines} line${lines === 1 ? '' : 's'} before the cut were analysed; whatever followed is missing, and the last line may be partial.`;
}
