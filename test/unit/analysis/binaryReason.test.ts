// The advice for a head that is not text: the command it gives is one a shell runs as meant.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LineStats } from '../../../server/src/analysis/lineReader';
import { binaryReason } from '../../../server/src/analysis/binaryReason';

describe('binaryReason', () => {
  it('the command it gives is shell-quoted, and goes through zcat for a .gz', () => {
    const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0, binary: true, utf16: true };
    assert.match(binaryReason(stats, "it's here.log"), /`iconv -f UTF-16 -t UTF-8 'it'\\''s here\.log' > 'it'\\''s here\.utf8\.log'`/);
    assert.match(binaryReason(stats, 'logs/dmesg.txt.gz'), /`zcat logs\/dmesg\.txt\.gz \| iconv -f UTF-16 -t UTF-8 > logs\/dmesg\.utf8\.txt`/);
  });
  it('plain binary: said so, no command', () => {
    assert.equal(binaryReason({ lines: 0, bytes: 0, cutLines: 0, binary: true }, 'vmlinux'), 'binary file, not a text capture');
  });
});
