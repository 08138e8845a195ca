// The bytes of a capture, decompressed when they are gzip data (by the .gz name, or by gzip's
// magic bytes: a pipe or a renamed file has no name to go by). A .gz cut short (a copy, an upload
// or a download that stopped) is common with big traces: rather than failing at its last byte, it
// can be read as far as it goes, with the cut reported, since everything before it is intact.
import { promises as fs } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Set when the gzip data ended before its trailer. */
export interface GzipCut {
  truncated: boolean;
}

const isGzipMagic = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Whether a regular file is gzip data: by its name, else by its first two bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  if (path.endsWith('.gz')) return true;
  const fh = await fs.open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return isGzipMagic(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** zlib's error for input that ends inside the compressed stream. */
function isCutShort(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'Z_BUF_ERROR';
}

/**
 * The bytes of `stream`, gunzipped when `path` ends in .gz or they start with gzip's magic. With
 * `cut`, gzip data that ends early ends the stream there (after every byte it could decompress)
 * and sets `cut.truncated`; without it, the stream fails saying the file was cut short.
 */
export async function* fileBytes(path: string, stream: Readable, cut?: GzipCut): AsyncGenerator<Buffer> {
  const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return;
  async function* all(): AsyncGenerator<Buffer> {
    yield first.value;
    for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
  }
  const gzip = path.endsWith('.gz') || isGzipMagic(first.value);
  if (!gzip) {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  // (pipeline, not pipe: a read error or a cancel of the file reaches the gunzip stream too)
  pipeline(Readable.from(all()), gunzip, () => undefined);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
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
