import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineStats, MAX_LINE_CHARS, readLines } from '../../../server/src/analysis/lineReader';

async function collect(chunks: (string | Buffer)[]): Promise<{ lines: string[]; stats: LineStats }> {
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: false };
  async function* src() {
    for (const c of chunks) yield Buffer.isBuffer(c) ? c : Buffer.from(c);
  }
  const lines: string[] = [];
  for await (const l of readLines(src(), stats)) lines.push(l);
  return { lines, stats };
}

describe('line reader', () => {
  it('splits across chunk boundaries, strips CR, keeps a last line without newline', async () => {
    const { lines, stats } = await collect(['unreferenced obj', 'ect 0x1\r\n  comm', ' "x"\n\nlast']);
    assert.deepEqual(lines, ['unreferenced object 0x1', '  comm "x"', '', 'last']);
    assert.equal(stats.lines, 4);
  });

  it('keeps UTF-8 characters split between chunks whole', async () => {
    const bytes = Buffer.from('comm "é"\n');
    const { lines } = await collect([bytes.subarray(0, 7), bytes.subarray(7)]);
    assert.deepEqual(lines, ['comm "é"']);
  });

  it('cuts a huge line to the cap without holding it', async () => {
    const chunk = 'x'.repeat(1 << 20);
    const { lines, stats } = await collect([chunk, chunk, chunk, '\nnext\n']);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].length, MAX_LINE_CHARS);
    assert.equal(lines[1], 'next');
    assert.equal(stats.cutLines, 1);
  });

  it('recognises binary input and yields nothing', async () => {
    const { lines, stats } = await collect([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3])]);
    assert.deepEqual(lines, []);
    assert.equal(stats.binary, true);
  });
});
