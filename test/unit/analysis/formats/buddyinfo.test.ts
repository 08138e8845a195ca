import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buddyFreeBytes, isBuddyinfoSignature, parseBuddyinfoLine } from '../../../../server/src/analysis/formats/buddyinfo';
import { fixtureLines } from '../../../helpers/fixtures';

describe('buddyinfo lines', () => {
  const lines = fixtureLines('meminfo', 'meminfo_21_x86_64_project_machine_meminfo_buddyinfo_series.txt').filter((l) => l.startsWith('Node '));

  it('reads node, zone and the free blocks of every order (recorded /proc/buddyinfo)', () => {
    assert.equal(lines.length, 9, 'three zones in three snapshots');
    for (const line of lines) {
      const p = parseBuddyinfoLine(line);
      assert.ok(p, line);
      const c = line.replace(',', ' ').trim().split(/\s+/);
      assert.equal(p.row.node, Number(c[1]));
      assert.equal(p.row.zone, c[3]);
      assert.deepEqual(p.row.counts, c.slice(4).map(Number));
      assert.equal(p.row.counts.length, 11);
      assert.equal(p.row.key, `Node 0, zone ${c[3]}`);
      for (const s of p.spans) assert.ok(s.character + s.length <= line.length);
      assert.ok(isBuddyinfoSignature(line));
    }
  });

  it('free bytes are Σ count × 2^order pages', () => {
    assert.equal(buddyFreeBytes([1, 1, 0, 2], 4096), (1 + 2 + 16) * 4096);
    assert.equal(buddyFreeBytes([], 4096), 0);
  });

  it('rejects lines that only look alike', () => {
    for (const line of ['Node 0, zone Normal', 'Node x, zone Normal 1 2', 'Node 0 zone Normal 1 2 3', 'Node 0, zone Normal 1 2 three', 'Node 0 MemFree: 12 kB']) {
      assert.equal(parseBuddyinfoLine(line), undefined, line);
    }
  });
});
