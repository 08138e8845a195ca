// Pairs slub_debug=T TRACE records: each `alloc` with the `free` of the same object address in
// the same cache, through the allocation ledger of the trace formats (ledger.ts). What is
// never freed is outstanding; a free whose alloc is not in the capture is unmatched.
import { Ledger } from './ledger';
import { SlubTrace } from './formats/slubDebug';

/** `kmalloc-128(522:accounts-daemon.service)` (a memcg child cache) → `kmalloc-128`. */
export function cacheBase(cache: string): string {
  const i = cache.indexOf('(');
  return i > 0 ? cache.slice(0, i) : cache;
}

/** Object size implied by a kmalloc cache name (`kmalloc-128`, `kmalloc-4k`, `dma-kmalloc-512`, `kmalloc-rcl-256`). */
export function objectSizeOf(cache: string): number | undefined {
  const m = /^(?:dma-)?kmalloc-(?:rcl-|cg-|dma-|rnd-\d+-)?(\d+)(k)?$/.exec(cacheBase(cache));
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? 1024 : 1);
}

export interface TracePairing {
  /** alloc → its free. */
  freeOf: Map<SlubTrace, SlubTrace>;
  /** free → its alloc. */
  allocOf: Map<SlubTrace, SlubTrace>;
  /** Allocations never freed in the capture, in order. */
  outstanding: SlubTrace[];
  /** Frees of objects allocated before the capture. */
  unmatchedFrees: SlubTrace[];
  /** Allocations whose address was allocated again before any free was seen (their free was lost). */
  lostFrees: SlubTrace[];
}

/** `groupOf` gives each alloc the id of its stack group (for the ledger's per-group counts). */
export function pairTraces(traces: SlubTrace[], groupOf: (t: SlubTrace) => number): TracePairing {
  const freeOf = new Map<SlubTrace, SlubTrace>();
  const allocOf = new Map<SlubTrace, SlubTrace>();
  const unmatched: SlubTrace[] = [];
  const lost: SlubTrace[] = [];
  const ledger = new Ledger({
    paired: (a, f) => {
      freeOf.set(traces[a], traces[f]);
      allocOf.set(traces[f], traces[a]);
    },
    unmatched: (f) => unmatched.push(traces[f]),
    lostFree: (a) => lost.push(traces[a]),
  });
  const keys = new Map<string, number>();
  const keyOf = (t: SlubTrace) => {
    const k = `${cacheBase(t.cache)}\u0000${t.address}`;
    let id = keys.get(k);
    if (id === undefined) {
      id = keys.size;
      keys.set(k, id);
    }
    return id;
  };
  traces.forEach((t, seq) => {
    const ts = t.time ?? NaN;
    if (t.op === 'alloc') ledger.alloc(groupOf(t), 'slab', keyOf(t), ts, objectSizeOf(t.cache) ?? NaN, NaN, t.line, seq);
    else ledger.free('slab', keyOf(t), ts, seq);
  });
  const outstanding = [...ledger.outstandingSeqs()].sort((a, b) => a - b).map((s) => traces[s]);
  return { freeOf, allocOf, outstanding, unmatchedFrees: unmatched, lostFrees: lost };
}
