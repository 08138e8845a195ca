// The allocation ledger of a trace: pairs each allocation with its free by pointer (across
// event kinds: a kmem_cache_alloc may be freed by kfree), and keeps only what is still
// outstanding plus per-group aggregates — never the events themselves — so a capture of any
// size costs memory in proportion to what is live, not to its length.
//
// What the capture cannot tell is counted, not guessed away:
//   unmatched frees  frees of objects allocated before the capture started (or the window),
//   lost frees       a pointer allocated again while still outstanding: its free was not seen,
//   lost events      events the tracer dropped (reported by the parser),
//   unpaired allocs  allocation events without a pointer (probes that fetch none).
import { LinearFit, fit } from './growth';

/** Address spaces that never share keys: slab objects, pages (by pfn) and per-CPU chunks. */
export type AddressSpace = 'slab' | 'page' | 'percpu';

/** Points of the live-count series kept per group; the time step doubles as the capture grows. */
export const SERIES_BINS = 64;
/** Outstanding objects tracked at once; beyond it allocations are counted but not paired. */
export const MAX_TRACKED = 1_500_000;
/** Sample lines kept per group for navigation (first outstanding ones). */
export const SAMPLE_LINES = 50;

const INITIAL_BIN_SECONDS = 1e-3;

/**
 * Pointer → slot, open addressing with linear probing over typed arrays: no allocation per
 * entry (a Map would box every 52-bit key). Deletion shifts back, so no tombstones build up.
 */
export class PointerTable {
  private mask: number;
  private keys: Float64Array;
  private values: Int32Array;
  size = 0;

  constructor(capacity = 1024) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(16, capacity)));
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(-1);
    this.values = new Int32Array(cap);
  }

  private slot(key: number): number {
    const lo = key >>> 0;
    const hi = Math.floor(key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.mask;
  }

  get(key: number): number | undefined {
    const keys = this.keys;
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === key) return this.values[i];
      if (k === -1) return undefined;
    }
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const keys = this.keys;
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === key) {
        this.values[i] = value;
        return;
      }
      if (k === -1) {
        keys[i] = key;
        this.values[i] = value;
        this.size++;
        return;
      }
    }
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slot(key);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) break;
      if (k === -1) return false;
    }
    // Shift back the entries of the probe run that follows, so lookups never stop short.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === -1) break;
      const home = this.slot(k);
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      keys[i] = k;
      this.values[i] = this.values[j];
      i = j;
    }
    keys[i] = -1;
    this.size--;
    return true;
  }

  *entries(): Generator<[number, number]> {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) yield [keys[i], this.values[i]];
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = oldKeys.length * 2;
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(-1);
    this.values = new Int32Array(cap);
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== -1) this.set(oldKeys[i], oldValues[i]);
  }
}

/**
 * Unmatched frees by pointer, the oldest dropped first beyond `max`: a Map's semantics (set
 * moves a key to the newest end) over a PointerTable and a queue, so the lookup every
 * allocation makes does not box its key.
 */
export class RecentFrees {
  private readonly index = new PointerTable(64);
  /** Queue of entries, oldest first from `head`; an entry whose key no longer maps to it is stale. */
  private keys: number[] = [];
  private ts: number[] = [];
  private seqs: number[] = [];
  private head = 0;
  /** Absolute position of keys[0] (positions in `index` stay valid when the head is dropped). */
  private base = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.index.size;
  }

  /** The free of `key` (its time and sequence number), removed; undefined if none. */
  take(key: number): { ts: number; seq: number } | undefined {
    if (this.index.size === 0) return undefined;
    const at = this.index.get(key);
    if (at === undefined) return undefined;
    this.index.delete(key);
    return { ts: this.ts[at - this.base], seq: this.seqs[at - this.base] };
  }

  set(key: number, ts: number, seq: number): void {
    const pos = this.base + this.keys.length;
    this.keys.push(key);
    this.ts.push(ts);
    this.seqs.push(seq);
    this.index.set(key, pos);
    while (this.index.size > this.max) {
      const k = this.keys[this.head];
      if (this.index.get(k) === this.base + this.head) this.index.delete(k);
      this.head++;
    }
    // Drop the consumed head of the queue now and then (positions stay absolute).
    if (this.head > 4096 && this.head * 2 > this.keys.length) {
      this.base += this.head;
      this.keys = this.keys.slice(this.head);
      this.ts = this.ts.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
  }
}

class GroupStats {
  allocs = 0;
  frees = 0;
  lostFrees = 0;
  unpaired = 0;
  untracked = 0;
  live = 0;
  bytesAllocated = 0;
  bytesRequested = 0;
  /** Allocations whose requested size is known (for waste). */
  requestedKnown = 0;
  firstTs = Infinity;
  lastTs = -Infinity;
  /** Line of the first allocation, and of the first unpaired ones. */
  firstAllocLine = -1;
  unpairedLines: number[] = [];
  /** Allocations minus frees per time bin (deltas), at `shift` doublings of the bin width. */
  bins = new Int32Array(SERIES_BINS);
  shift = 0;
}

export interface LedgerHooks {
  /** An allocation (by its event sequence number) met its free. */
  paired?(allocSeq: number, freeSeq: number): void;
  /** An allocation's pointer was allocated again (by `reallocSeq`) before any free was seen. */
  lostFree?(allocSeq: number, reallocSeq: number): void;
  /** A free whose allocation is not in the capture. */
  unmatched?(freeSeq: number): void;
}

export interface GroupOutcome {
  group: number;
  allocs: number;
  /** Frees paired with an allocation of this group. */
  frees: number;
  /** Objects of this group whose pointer was allocated again without a free in between. */
  lostFrees: number;
  /** Allocations without a pointer: counted, never paired. */
  unpaired: number;
  /** Allocations made when the ledger was full: counted, never paired. */
  untracked: number;
  /** Bytes of all its allocations (where the events print a size). */
  allocatedBytes: number;
  outstanding: number;
  outstandingBytes: number;
  /** bytes_req of the outstanding objects, when the events give it (NaN otherwise). */
  outstandingRequested: number;
  /** Share of allocated bytes lost to size-class rounding, over all allocations with bytes_req. */
  waste: number;
  /** Mean and largest age of the outstanding objects at the end of the capture, in seconds (NaN without timestamps). */
  meanAge: number;
  maxAge: number;
  /** 0-based line of the first outstanding allocation (or of the first allocation if none is outstanding). */
  firstLine: number;
  /** Lines of the first outstanding allocations (or, with none, of the first unpaired ones), ascending, capped at SAMPLE_LINES. */
  sampleLines: number[];
  /** Live count (allocations − frees) at the end of each time step, from the start of the capture. */
  series: number[];
  /** Seconds from the start of the capture to the end of each step of `series`. */
  seriesTimes: number[];
  /** Least-squares fit of `series` over `seriesTimes`: slope in objects per second. */
  growth?: LinearFit;
}

export interface LedgerTotals {
  allocs: number;
  frees: number;
  unmatchedFrees: number;
  nullFrees: number;
  lostFrees: number;
  unpairedAllocs: number;
  untrackedAllocs: number;
  outstanding: number;
  outstandingBytes: number;
  /** Allocation and free events seen per address space. */
  freesBySpace: Record<AddressSpace, number>;
  allocsBySpace: Record<AddressSpace, number>;
  /** First and last timestamp of the events that reached the ledger (NaN without timestamps). */
  firstTs: number;
  lastTs: number;
  /** Events that reached the ledger with a timestamp / without one. */
  timed: number;
  untimed: number;
  /** The ledger was full at some point: some allocations were counted but not paired. */
  saturated: boolean;
}

export interface LedgerResult {
  totals: LedgerTotals;
  groups: GroupOutcome[];
}

/** Unmatched frees remembered for pairing with an allocation printed after them. */
const MAX_EARLY_FREES = 1 << 16;

export class Ledger {
  private readonly groups: GroupStats[] = [];
  private readonly keys: Record<AddressSpace, PointerTable> = { slab: new PointerTable(), page: new PointerTable(16), percpu: new PointerTable(16) };
  // Outstanding objects, one slot each, in parallel arrays (no object per allocation).
  private capacity = 1024;
  private slotGroup = new Int32Array(this.capacity);
  private slotTs = new Float64Array(this.capacity);
  private slotBytes = new Float64Array(this.capacity);
  private slotReq = new Float64Array(this.capacity);
  private slotLine = new Int32Array(this.capacity);
  private slotSeq = new Int32Array(this.capacity);
  private freeSlots: number[] = [];
  private used = 0;
  private live = 0;
  /**
   * Unmatched frees kept for a while, by pointer: a tracer that drains its per-CPU buffers in
   * turn (bpftrace) can print a free before the allocation it frees. An allocation of the same
   * pointer with an earlier timestamp pairs with it. Bounded; oldest dropped first.
   */
  private readonly earlyFrees: Record<AddressSpace, RecentFrees> = { slab: new RecentFrees(MAX_EARLY_FREES), page: new RecentFrees(MAX_EARLY_FREES), percpu: new RecentFrees(MAX_EARLY_FREES) };

  private t0 = NaN;
  private tLast = NaN;
  private width = INITIAL_BIN_SECONDS;
  private shift = 0;

  private readonly t: LedgerTotals = {
    allocs: 0,
    frees: 0,
    unmatchedFrees: 0,
    nullFrees: 0,
    lostFrees: 0,
    unpairedAllocs: 0,
    untrackedAllocs: 0,
    outstanding: 0,
    outstandingBytes: 0,
    freesBySpace: { slab: 0, page: 0, percpu: 0 },
    allocsBySpace: { slab: 0, page: 0, percpu: 0 },
    firstTs: NaN,
    lastTs: NaN,
    timed: 0,
    untimed: 0,
    saturated: false,
  };

  constructor(private readonly hooks: LedgerHooks = {}) {}

  private group(id: number): GroupStats {
    let g = this.groups[id];
    if (!g) {
      for (let i = this.groups.length; i <= id; i++) this.groups.push(new GroupStats());
      g = this.groups[id];
    }
    return g;
  }

  private time(ts: number): void {
    if (Number.isNaN(ts)) {
      this.t.untimed++;
      return;
    }
    this.t.timed++;
    if (Number.isNaN(this.t0)) this.t0 = ts;
    if (!(ts <= this.tLast)) this.tLast = ts;
  }

  /** Time bin of `ts` in the current bin width, widening the bins when the capture outgrows them. */
  private bin(ts: number): number {
    if (Number.isNaN(ts) || Number.isNaN(this.t0)) return -1;
    let i = Math.floor((ts - this.t0) / this.width);
    if (i < 0) return 0;
    while (i >= SERIES_BINS) {
      this.width *= 2;
      this.shift++;
      i = Math.floor((ts - this.t0) / this.width);
    }
    return i;
  }

  private addDelta(g: GroupStats, ts: number, delta: number): void {
    const i = this.bin(ts);
    if (i < 0) return;
    compact(g, this.shift);
    g.bins[i] += delta;
  }

  /** An allocation event with a pointer. `bytes`/`requested` are NaN when the event does not say. */
  alloc(group: number, space: AddressSpace, key: number, ts: number, bytes: number, requested: number, line: number, seq: number): void {
    this.time(ts);
    const g = this.group(group);
    this.count(g, ts, bytes, requested, line);
    this.t.allocsBySpace[space]++;
    const early = this.earlyFrees[space].take(key);
    if (early !== undefined) {
      // Freed later in time than allocated, only printed first: a pair, not an unmatched free.
      if (early.ts > ts) {
        g.frees++;
        this.t.frees++;
        this.t.unmatchedFrees--;
        this.addDelta(g, ts, 1);
        this.addDelta(g, early.ts, -1);
        this.hooks.paired?.(seq, early.seq);
        return;
      }
    }
    const map = this.keys[space];
    const prev = map.get(key);
    if (prev !== undefined) {
      // Allocated again while outstanding: the free of the previous object was not seen.
      const pg = this.groups[this.slotGroup[prev]];
      pg.lostFrees++;
      this.t.lostFrees++;
      pg.live--;
      this.addDelta(pg, ts, -1);
      this.hooks.lostFree?.(this.slotSeq[prev], seq);
      this.t.outstandingBytes -= this.slotBytes[prev];
      this.fill(prev, group, ts, bytes, requested, line, seq);
      g.live++;
      this.addDelta(g, ts, 1);
      return;
    }
    if (this.live >= MAX_TRACKED) {
      g.untracked++;
      this.t.untrackedAllocs++;
      this.t.saturated = true;
      return;
    }
    const slot = this.take();
    this.fill(slot, group, ts, bytes, requested, line, seq);
    map.set(key, slot);
    this.live++;
    g.live++;
    this.addDelta(g, ts, 1);
  }

  /** An allocation event without a pointer: counted for its group, never paired. */
  allocUnpaired(group: number, ts: number, bytes: number, requested: number, line: number): void {
    this.time(ts);
    const g = this.group(group);
    this.count(g, ts, bytes, requested, line);
    g.unpaired++;
    if (g.unpairedLines.length < SAMPLE_LINES) g.unpairedLines.push(line);
    this.t.unpairedAllocs++;
  }

  /** A free event. `key` undefined means a NULL pointer (kfree(NULL)): counted, nothing to pair. */
  free(space: AddressSpace, key: number | undefined, ts: number, seq: number): void {
    this.time(ts);
    this.t.freesBySpace[space]++;
    if (key === undefined) {
      this.t.nullFrees++;
      return;
    }
    const map = this.keys[space];
    const slot = map.get(key);
    if (slot === undefined) {
      this.t.unmatchedFrees++;
      this.hooks.unmatched?.(seq);
      if (!Number.isNaN(ts)) {
        this.earlyFrees[space].set(key, ts, seq);
      }
      return;
    }
    map.delete(key);
    const g = this.groups[this.slotGroup[slot]];
    g.frees++;
    this.t.frees++;
    g.live--;
    this.addDelta(g, ts, -1);
    this.t.outstandingBytes -= this.slotBytes[slot];
    this.hooks.paired?.(this.slotSeq[slot], seq);
    this.live--;
    this.freeSlots.push(slot);
  }

  private count(g: GroupStats, ts: number, bytes: number, requested: number, line: number): void {
    if (g.allocs === 0) g.firstAllocLine = line;
    g.allocs++;
    this.t.allocs++;
    if (bytes > 0) g.bytesAllocated += bytes;
    if (requested > 0 && bytes > 0) {
      g.bytesRequested += requested;
      g.requestedKnown += bytes;
    }
    if (!Number.isNaN(ts)) {
      if (ts < g.firstTs) g.firstTs = ts;
      if (ts > g.lastTs) g.lastTs = ts;
    }
  }

  private fill(slot: number, group: number, ts: number, bytes: number, requested: number, line: number, seq: number): void {
    this.slotGroup[slot] = group;
    this.slotTs[slot] = ts;
    this.slotBytes[slot] = bytes > 0 ? bytes : 0;
    this.slotReq[slot] = requested;
    this.slotLine[slot] = line;
    this.slotSeq[slot] = seq;
    this.t.outstandingBytes += this.slotBytes[slot];
  }

  private take(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const g = new Int32Array(cap);
    g.set(this.slotGroup);
    const ts = new Float64Array(cap);
    ts.set(this.slotTs);
    const b = new Float64Array(cap);
    b.set(this.slotBytes);
    const r = new Float64Array(cap);
    r.set(this.slotReq);
    const l = new Int32Array(cap);
    l.set(this.slotLine);
    const s = new Int32Array(cap);
    s.set(this.slotSeq);
    this.slotGroup = g;
    this.slotTs = ts;
    this.slotBytes = b;
    this.slotReq = r;
    this.slotLine = l;
    this.slotSeq = s;
    this.capacity = cap;
  }

  /** Sequence numbers of the outstanding allocations (for views that mark them). */
  outstandingSeqs(): Int32Array {
    const out = new Int32Array(this.live);
    let n = 0;
    for (const map of Object.values(this.keys)) for (const [, slot] of map.entries()) out[n++] = this.slotSeq[slot];
    return out;
  }

  result(): LedgerResult {
    const end = this.tLast;
    this.t.firstTs = this.t0;
    this.t.lastTs = end;
    this.t.outstanding = this.live;
    // Outstanding objects per group, gathered once at the end (bounded by what is live).
    const perGroup = new Map<number, number[]>();
    for (const map of Object.values(this.keys)) {
      for (const [, slot] of map.entries()) {
        const gid = this.slotGroup[slot];
        const list = perGroup.get(gid);
        if (list) list.push(slot);
        else perGroup.set(gid, [slot]);
      }
    }
    const lastBin = Number.isNaN(end) ? -1 : Math.min(SERIES_BINS - 1, this.bin(end));
    const groups: GroupOutcome[] = [];
    this.groups.forEach((g, id) => {
      if (g.allocs === 0) return;
      const slots = perGroup.get(id) ?? [];
      let bytes = 0;
      let req = 0;
      let reqKnown = true;
      let ageSum = 0;
      let ageMax = 0;
      let timed = 0;
      let firstLine = Infinity;
      for (const s of slots) {
        bytes += this.slotBytes[s];
        const r = this.slotReq[s];
        if (Number.isNaN(r)) reqKnown = false;
        else req += r;
        const ts = this.slotTs[s];
        if (!Number.isNaN(ts) && !Number.isNaN(end)) {
          const age = Math.max(0, end - ts);
          ageSum += age;
          if (age > ageMax) ageMax = age;
          timed++;
        }
        if (this.slotLine[s] < firstLine) firstLine = this.slotLine[s];
      }
      const sampleLines =
        slots.length > 0 ? slots.map((s) => this.slotLine[s]).sort((a, b) => a - b).slice(0, SAMPLE_LINES) : g.unpairedLines.slice();
      compact(g, this.shift);
      const series: number[] = [];
      const seriesTimes: number[] = [];
      let acc = 0;
      for (let i = 0; i <= lastBin; i++) {
        acc += g.bins[i];
        series.push(acc);
        seriesTimes.push(Math.min((i + 1) * this.width, end - this.t0));
      }
      groups.push({
        group: id,
        allocs: g.allocs,
        frees: g.frees,
        lostFrees: g.lostFrees,
        unpaired: g.unpaired,
        untracked: g.untracked,
        allocatedBytes: g.bytesAllocated,
        outstanding: slots.length,
        outstandingBytes: bytes,
        outstandingRequested: reqKnown && slots.length > 0 ? req : NaN,
        waste: g.requestedKnown > 0 ? Math.max(0, 1 - g.bytesRequested / g.requestedKnown) : NaN,
        meanAge: timed > 0 ? ageSum / timed : NaN,
        maxAge: timed > 0 ? ageMax : NaN,
        firstLine: slots.length > 0 ? firstLine : g.firstAllocLine,
        sampleLines,
        series,
        seriesTimes,
        growth: series.length >= 3 ? fit(seriesTimes, series) : undefined,
      });
    });
    return { totals: { ...this.t }, groups };
  }
}

/** Bring a group's bins to the ledger's current width: each doubling sums neighbouring bins. */
function compact(g: GroupStats, shift: number): void {
  while (g.shift < shift) {
    const b = g.bins;
    const half = SERIES_BINS / 2;
    for (let j = 0; j < half; j++) b[j] = b[2 * j] + b[2 * j + 1];
    b.fill(0, half);
    g.shift++;
  }
}
