// Worker thread entry for reading a large capture in parts (analysis/parallelCapture.ts): reads
// the byte ranges it is sent with a recording parser and posts back what it recorded. The
// parser lives as long as the worker, so its caches of call chains serve every part it reads.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LineStats, feedByteLines } from './analysis/lineReader';
import { PartReply, PartRequest, PartWorkerData } from './analysis/parallelCapture';
import { partReader } from './analysis/formats/registry';

const data = workerData as PartWorkerData;
const reader = partReader(data.format, { since: data.since, until: data.until });

async function read(req: PartRequest): Promise<{ reply: PartReply; transfer: ArrayBuffer[] }> {
  if (!reader) return { reply: { type: 'error', index: req.index, message: `${data.format} captures are not read in parts` }, transfer: [] };
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  // Only the head of the file says whether it is binary (as when one thread reads it).
  await feedByteLines(readRange(data.path, req.start, req.end), stats, reader.bytes, { checkBinary: req.start === 0 });
  const { part, modeChanged, transfer } = reader.take();
  return { reply: { type: 'part', index: req.index, part, stats, modeChanged }, transfer };
}

/**
 * The bytes of [start, end) of a file, read into one buffer used again for every read: a
 * stream would allocate a fresh one per chunk, and the memory traffic of gigabytes of them
 * costs more than reading. Read synchronously: this thread has nothing else to do meanwhile.
 * (The line reader copies what it keeps of a chunk.)
 */
function* readRange(file: string, start: number, end: number): Generator<Buffer> {
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
  }
}
const chunk = Buffer.allocUnsafe(1 << 20);

// One part at a time, in the order sent.
let queue = Promise.resolve();
parentPort?.on('message', (req: PartRequest) => {
  queue = queue.then(async () => {
    try {
      const { reply, transfer } = await read(req);
      parentPort!.postMessage(reply, transfer);
    } catch (e) {
      parentPort!.postMessage({ type: 'error', index: req.index, message: (e as Error).message } satisfies PartReply);
    }
  });
});
