import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logPrefixLength } from '../../../server/src/analysis/logPrefix';

describe('log prefixes', () => {
  const cases: [string, string][] = [
    ['[   12.345678] ', 'unreferenced object'],
    ['[ 2272.976543] [T3711] ', '  comm "nvme"'],
    ['[T1] ', 'kmemleak: 1 new suspected memory leaks'],
    ['Nov  7 06:07:22 myhost kernel: ', '[<0>] x'],
    ['2025-11-07T06:07:22.123456+00:00 myhost kernel: ', 'unreferenced object'],
    ['<4>[    1.000000] ', 'x'],
    ['[Sat Nov  7 06:07:22 2025] ', 'x'],
  ];
  for (const [prefix, rest] of cases) {
    it(JSON.stringify(prefix), () => assert.equal(logPrefixLength(prefix + rest), prefix.length));
  }
  it('leaves frames and plain text alone', () => {
    assert.equal(logPrefixLength('    [<00000000adbc7c81>] kmem_cache_alloc_trace+0x10e/0x220'), 0);
    assert.equal(logPrefixLength('unreferenced object 0x1 (size 1):'), 0);
    assert.equal(logPrefixLength(''), 0);
  });
});
