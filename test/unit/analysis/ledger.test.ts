import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger, PointerTable, RecentFrees, SERIES_BINS } from '../../../server/src/analysis/ledger';

describe('pointer table', () => {
  it('keeps 52-bit keys, survives deletions in probe runs, grows', () => {
    const t = new PointerTable(16);
    const keys = Array.from({ length: 5000 }, (_, i) => 0xffff888100000 * 16 + i * 64);
    keys.forEach((k, i) => t.set(k, i));
    assert.equal(t.size, 5000);
    for (let i = 0; i < 5000; i += 2) assert.ok(t.delete(keys[i]));
    for (let i = 0; i < 5000; i++) assert.equal(t.get(keys[i]), i % 2 ? i : undefined);
    assert.equal(t.size, 2500);
    assert.equal(t.delete(12345), false);
    assert.equal([...t.entries()].length, 2500);
  });
});

describe('ledger', () => {
  it('pairs across event kinds, counts unmatched, null and lost frees', () => {
    const paired: [number, number][] = [];
    const lost: [number, number][] = [];
    const l = new Ledger({ paired: (a, f) => paired.push([a, f]), lostFree: (a, r) => lost.push([a, r]) });
    l.alloc(0, 'slab', 0x100, 1.0, 64, 50, 10, 0); // kmalloc
    l.alloc(1, 'slab', 0x200, 1.1, 192, 184, 20, 1); // kmem_cache_alloc
    l.free('slab', 0x200, 1.2, 2); // freed by kfree: pairs all the same
    l.free('slab', 0x999, 1.3, 3); // allocated before the capture
    l.free('slab', undefined, 1.4, 4); // kfree(NULL)
    l.alloc(0, 'slab', 0x100, 1.5, 64, 50, 30, 5); // 0x100 again: its free was lost
    l.alloc(2, 'page', 0x100, 1.6, 4096, NaN, 40, 6); // a page with the same number is another space
    const r = l.result();
    assert.deepEqual(paired, [[1, 2]]);
    assert.deepEqual(lost, [[0, 5]]);
    const t = r.totals;
    assert.deepEqual([t.allocs, t.frees, t.unmatchedFrees, t.nullFrees, t.lostFrees, t.outstanding], [4, 1, 1, 1, 1, 2]);
    assert.equal(t.outstandingBytes, 64 + 4096);
    const g0 = r.groups.find((g) => g.group === 0)!;
    assert.deepEqual([g0.allocs, g0.lostFrees, g0.outstanding, g0.firstLine], [2, 1, 1, 30]);
    assert.ok(Math.abs(g0.waste - 28 / 128) < 1e-12);
    const g1 = r.groups.find((g) => g.group === 1)!;
    assert.deepEqual([g1.frees, g1.outstanding, g1.firstLine], [1, 0, 20]);
    assert.ok(Math.abs(r.groups.find((g) => g.group === 2)!.meanAge) < 1e-12);
  });

  it('pairs a free printed before its allocation when the free is later in time (per-CPU buffers drained in turn)', () => {
    const paired: [number, number][] = [];
    const l = new Ledger({ paired: (a, f) => paired.push([a, f]) });
    l.free('slab', 0x500, 2.0, 0); // CPU 1's buffer first: the free at t=2.0 ...
    l.alloc(0, 'slab', 0x500, 1.0, 64, 64, 10, 1); // ... of the allocation at t=1.0 on CPU 0
    l.free('slab', 0x600, 3.0, 2); // freed before the capture: stays unmatched
    l.alloc(0, 'slab', 0x600, 3.0, 64, 64, 20, 3); // same time: a new object, not its pair
    const t = l.result().totals;
    assert.deepEqual(paired, [[1, 0]]);
    assert.deepEqual([t.allocs, t.frees, t.unmatchedFrees, t.outstanding], [2, 1, 1, 1]);
  });

  it('fits the live count of a steady leak and of churn over a long capture', () => {
    const l = new Ledger();
    let seq = 0;
    // 10 000 s: the time bins double many times over.
    for (let t = 0; t < 10_000; t += 1) {
      l.alloc(7, 'slab', 1_000_000 + t, 1000 + t, 128, 100, t, seq++); // never freed
      l.alloc(8, 'slab', 5, 1000 + t, 32, 32, t, seq++); // churn: freed at once
      l.free('slab', 5, 1000 + t + 0.5, seq++);
    }
    const r = l.result();
    const leak = r.groups.find((g) => g.group === 7)!;
    const churn = r.groups.find((g) => g.group === 8)!;
    assert.ok(leak.series.length <= SERIES_BINS);
    assert.ok(leak.growth!.r2 > 0.99);
    assert.ok(Math.abs(leak.growth!.slope - 1) < 0.05, String(leak.growth!.slope));
    assert.ok(Math.abs(leak.meanAge - 4999.5) < 1);
    assert.equal(churn.outstanding, 0);
    assert.ok(Math.abs(churn.growth!.slope) < 1e-3);
  });

  it('counts pointer-less allocations without pairing them', () => {
    const l = new Ledger();
    l.allocUnpaired(3, 1, 4096, NaN, 5);
    l.allocUnpaired(3, 2, 4096, NaN, 9);
    const g = l.result().groups[0];
    assert.deepEqual([g.unpaired, g.outstanding, g.allocatedBytes, g.firstLine, g.sampleLines], [2, 0, 8192, 5, [5, 9]]);
  });
});

describe('RecentFrees (unmatched frees kept for a while)', () => {
  it('behaves as a Map whose set moves a key to the newest end and that drops its oldest beyond the limit', () => {
    // Random sets and takes over few keys, against that Map, with and without eviction pressure.
    let seed = 12345;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (const max of [1, 3, 50]) {
      const recent = new RecentFrees(max);
      const model = new Map<number, { ts: number; seq: number }>();
      for (let step = 0; step < 20_000; step++) {
        const key = 0x1000 + rand(80) * 64;
        if (rand(3) > 0) {
          recent.set(key, step / 10, step);
          model.delete(key);
          model.set(key, { ts: step / 10, seq: step });
          if (model.size > max) model.delete(model.keys().next().value!);
        } else {
          const expected = model.get(key);
          model.delete(key);
          assert.deepEqual(recent.take(key), expected, `step ${step}, max ${max}`);
        }
        assert.equal(recent.size, model.size);
      }
    }
  });
});
