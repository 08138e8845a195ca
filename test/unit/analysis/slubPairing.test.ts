import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheBase, objectSizeOf, pairTraces } from '../../../server/src/analysis/slubPairing';
import { parseSlubDebug } from '../../../server/src/analysis/formats/slubDebug';
import { fixtureLines } from '../../helpers/fixtures';

describe('SLUB TRACE pairing through the allocation ledger', () => {
  it('cache names: memcg children and kmalloc sizes', () => {
    assert.equal(cacheBase('kmalloc-128(522:accounts-daemon.service)'), 'kmalloc-128');
    assert.deepEqual(['kmalloc-4k', 'kmalloc-128', 'dma-kmalloc-512', 'kmalloc-rcl-256', 'kmalloc-cg-64', 'mm_struct'].map(objectSizeOf), [4096, 128, 512, 256, 64, undefined]);
  });
  it('07: nothing pairs; two allocations outstanding, one free unmatched', () => {
    const r = parseSlubDebug(fixtureLines('slub-debug', 'slub_debug_07_arm64_uos_4.19_trace_alloc_free_syslog_interleaved.txt'));
    const p = pairTraces(r.traces, () => 0);
    assert.deepEqual(p.outstanding.map((t) => t.address), ['000000006069c5b0', '00000000c1c7d55e']);
    assert.deepEqual(p.unmatchedFrees.map((t) => t.address), ['0000000085d7b43a']);
    assert.equal(p.freeOf.size, 0);
  });
  it('pairs by cache and address; an address allocated twice loses its first free', () => {
    const t = (op: string, addr: string) => `TRACE kmalloc-64 ${op} 0x${addr} inuse=1 fp=0x0000000000000000`;
    const r = parseSlubDebug([t('alloc', 'aa'), t('free', 'aa'), t('alloc', 'bb'), t('alloc', 'bb'), t('free', 'cc')]);
    const p = pairTraces(r.traces, () => 0);
    assert.equal(p.freeOf.get(r.traces[0]), r.traces[1]);
    assert.deepEqual(p.lostFrees, [r.traces[2]]);
    assert.deepEqual(p.outstanding, [r.traces[3]]);
    assert.deepEqual(p.unmatchedFrees, [r.traces[4]]);
  });
});
