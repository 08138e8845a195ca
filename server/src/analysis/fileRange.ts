// Reads a byte range of a file synchronously into one buffer used again for every read: a
// stream would allocate a fresh buffer per chunk, and for gigabytes that memory traffic costs
// more than the reading. For threads that have nothing else to do meanwhile (the readers of a
// capture's parts). Whoever keeps part of a chunk copies it (the line readers do).
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;
let shared: Buffer | undefined;

export function* readRange(file: string, start: number, end: number): Generator<Buffer> {
  const chunk = (shared ??= Buffer.allocUnsafe(CHUNK));
  // A second reader in the same thread while this one is active gets its own buffer.
  shared = undefined;
  const fd = openSync(file, 'r');
  try {
    for (let pos = start; pos < end; ) {
      const bytesRead = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      yield chunk.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
    shared = chunk;
  }
}
