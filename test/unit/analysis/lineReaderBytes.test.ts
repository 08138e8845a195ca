import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteLineSink, LineStats, MAX_LINE_CHARS, feedByteLines, readLines } from '../../../server/src/analysis/lineReader';

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function viaBytes(data: Buffer, size: number, skipAfter?: string): Promise<{ lines: string[]; stats: LineStats }> {
  const lines: string[] = [];
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  const sink: ByteLineSink & { skipped: number } = {
    skipped: 0,
    line(buf, start, end, next, limit) {
      this.skipped = 0;
      const text = buf.toString('utf8', start, end);
      lines.push(text);
      // Consume the following line too, when it is complete in this buffer.
      if (skipAfter !== undefined && text === skipAfter) {
        const nl = buf.indexOf(10, next);
        if (nl >= 0 && nl < limit) {
          lines.push(`[skipped ${buf.toString('utf8', next, nl)}]`);
          this.skipped = 1;
          return nl + 1;
        }
      }
      return next;
    },
  };
  await feedByteLines(chunked(data, size), stats, sink);
  return { lines, stats };
}

async function viaStrings(data: Buffer, size: number): Promise<{ lines: string[]; stats: LineStats }> {
  const lines: string[] = [];
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  for await (const l of readLines(chunked(data, size), stats)) lines.push(l);
  return { lines, stats };
}

describe('byte lines', () => {
  const text = 'a\r\nbb\n\nccc\n' + 'x'.repeat(MAX_LINE_CHARS + 10) + '\n' + 'é→ü\nlast';
  for (const size of [1, 3, 7, 64, 1 << 20]) {
    it(`give the same lines and counts as readLines, in chunks of ${size} bytes`, async () => {
      const data = Buffer.from(text);
      const a = await viaBytes(data, size);
      const b = await viaStrings(data, size);
      assert.deepEqual(a.lines, b.lines);
      assert.deepEqual(a.stats, b.stats);
      assert.equal(a.stats.cutLines, 1);
    });
  }

  it('let a sink consume following lines, and count them', async () => {
    const { lines, stats } = await viaBytes(Buffer.from('h1\nf1\nh2\nf2\n'), 1 << 20, 'h1');
    assert.deepEqual(lines, ['h1', '[skipped f1]', 'h2', 'f2']);
    assert.equal(stats.lines, 4);
  });

  it('refuse binary input', async () => {
    const { lines, stats } = await viaBytes(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 10]), 64);
    assert.equal(stats.binary, true);
    assert.deepEqual(lines, []);
  });
});
