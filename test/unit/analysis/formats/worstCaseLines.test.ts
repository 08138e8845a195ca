// Regular expressions that backtrack super-linearly hang on a hostile line. Each format gets
// 1 MB lines built by repeating the pieces its patterns look for; each must finish quickly
// (the bound only catches catastrophic backtracking: a linear pass over 1 MB takes ~10 ms).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FORMATS, analyzeLines } from '../../../../server/src/analysis/formats/registry';

const MB = 1 << 20;
const PIECES = [
  ' ', 'a', '0', '0x', 'f', '6b ', '[<', '>] ', '+0x1/0x2', '[mod] ', ' (', ':', '"', '=', ' => ', '.', '-', '/',
  'unreferenced object 0x', 'comm "', 'kmem_cache_alloc', 'kmalloc: ', 'call_site=', 'ptr=', 'bytes_req=', 'TRACE ',
  'BUG ', 'INFO: ', 'Page allocated via order ', '[ 1.0] ', 'pages=', 'kB', ' # ', '\t', 'x'.repeat(40) + ' ',
  '@a[', ', ', ']: ', '+60', '[1K, 2K) ', '|@',
];
/** Plausible record starts, so that parsers are in their deepest state when the 1 MB lines come. */
const STARTS = [
  ['unreferenced object 0xffff888101ad8900 (size 184):', '  backtrace:'],
  ['@allocs[bash, ', '    alloc_empty_file+60'],
];
const BOUND_MS = 3000;

describe('1 MB worst-case lines', () => {
  for (const format of FORMATS) {
    it(`${format.id}: every line of repeated tokens is analysed in bounded time`, () => {
      for (const piece of PIECES) {
        const line = piece.repeat(Math.ceil(MB / piece.length)).slice(0, MB);
        // The line alone, and after a plausible record start.
        for (const lines of [[line], ...STARTS.map((start) => [...start, line, line])]) {
          const t = process.hrtime.bigint();
          analyzeLines(format, lines);
          const ms = Number(process.hrtime.bigint() - t) / 1e6;
          assert.ok(ms < BOUND_MS, `${format.id} took ${ms.toFixed(0)} ms on a 1 MB line of ${JSON.stringify(piece)}`);
        }
      }
    });
  }
});
