import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineStats, MAX_LINE_CHARS, readLines } from '../../../server/src/analysis/lineReader';
import { binaryReason } from '../../../server/src/analysis/binaryReason';
import { fixtureText } from '../../helpers/fixtures';

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
    assert.equal(stats.utf16, false);
    assert.equal(binaryReason(stats, 'vmlinux'), 'binary file, not a text capture');
  });

  describe('UTF-16 text (Windows PowerShell 5.1 writes `dmesg > file` so) is told apart from binary', () => {
    const report = fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const utf16le = (s: string) => Buffer.from(s, 'utf16le');
    const utf16be = (s: string) => utf16le(s).swap16();
    const cases: [string, Buffer][] = [
      ['little-endian with its byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(report)])],
      ['big-endian with its byte-order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(report)])],
      ['little-endian without a mark', utf16le(report)],
      ['big-endian without a mark', utf16be(report)],
    ];
    for (const [name, bytes] of cases) {
      it(name, async () => {
        const { lines, stats } = await collect([bytes]);
        assert.deepEqual(lines, []);
        assert.equal(stats.binary, true, 'not read as text');
        assert.equal(stats.utf16, true);
        assert.equal(binaryReason(stats, 'dmesg.txt'), 'UTF-16 text (as Windows PowerShell\'s `>` writes it), not UTF-8: convert it with `iconv -f UTF-16 -t UTF-8 dmesg.txt > dmesg.utf8.txt` and analyse that');
      });
    }
    it('data of another compressor (xz, zstd, bzip2, lz4): named, with the pipe that decompresses it', async () => {
      const magic: [string, number[]][] = [['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]], ['zstd', [0x28, 0xb5, 0x2f, 0xfd]], ['bzip2', [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]], ['lz4', [0x04, 0x22, 0x4d, 0x18]]];
      for (const [tool, bytes] of magic) {
        const data = Buffer.concat([Buffer.from(bytes), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 131 + 7) & 0xff))]);
        const { lines, stats } = await collect([data]);
        assert.deepEqual(lines, []);
        assert.equal(stats.compressed, tool);
        assert.equal(binaryReason(stats, 'sosreport/slabinfo'), `${tool}-compressed data: decompress it on the way in, \`${tool} -dc sosreport/slabinfo | kleak analyze -\` (kleak reads gzip itself)`);
        assert.equal(binaryReason(stats, '-'), `${tool}-compressed data: decompress it on the way in, \`${tool} -dc | kleak analyze -\` (kleak reads gzip itself)`);
      }
    });
    it('a real binary with many NULs (an ELF header, a core dump page) stays binary', async () => {
      const elf = Buffer.alloc(4096);
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf);
      for (let i = 64; i < 4096; i += 3) elf[i] = (i * 7) & 0xff;
      const { stats } = await collect([elf]);
      assert.equal(stats.binary, true);
      assert.equal(stats.utf16, false);
    });
  });
});
