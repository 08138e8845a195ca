// Worker thread entry for reading a large capture in parts (analysis/parallelCapture.ts): reads
// the byte ranges it is sent with a recording parser and posts back what it recorded. The
// parser lives as long as the worker, so its caches of call chains serve every part it reads.
import { parentPort, workerData } from 'node:worker_threads';
import { LineStats, feedByteLines } from './analysis/lineReader';
import { readRange } from './analysis/fileRange';
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
