// What bpftrace's maps say per key and per stack. One key counted in several maps is one thing
// (`@allocs[comm, kstack] = count(); @bytes[comm, kstack] = sum(bytes)`): its entries are joined.
// Keys whose stacks normalise alike (allocator frames stripped, offsets ignored) are one stack
// group, across comms: what the view ranks. When a map is printed several times (print() in an
// interval), its last print counts.
import { BpftraceEntry, BpftraceReport, BpftraceStack, isBytesMap } from '../formats/bpftrace';
import { LeakStack, leakStack } from '../leakStacks';
import { frameKey } from '../stacks';
import { formatBytes } from '../units';

/** One key and its entries in the maps that hold it. */
export interface KeyRecord {
  key: string;
  /** One entry per map, in print order. */
  entries: BpftraceEntry[];
  /** The stack the key is ranked by: its first kernel stack, else its first stack. */
  stack?: BpftraceStack;
  /** From the first map that does not hold bytes. */
  count?: { map: string; value: number };
  /** From the first map of bytes (`@bytes`, `@size`). */
  bytes?: { map: string; value: number };
}

export interface StackGroup {
  signature: string;
  norm: LeakStack;
  records: KeyRecord[];
  count: number;
  bytes: number;
  /** Where the count and bytes come from (the first record's maps). */
  countMap?: string;
  bytesMap?: string;
}

/** The number an entry stands for: its value, a stats() count, or a histogram's values. */
export function entryNumber(e: BpftraceEntry): number | undefined {
  if (e.value !== undefined) return e.value;
  if (e.stats) return e.stats.count;
  if (e.buckets && e.buckets.length > 0) return e.buckets.reduce((t, b) => t + b.count, 0);
  return undefined;
}

/** The blocks that count: the last print of each map. */
export function lastBlocks(report: BpftraceReport): Set<number> {
  const last = new Map<string, number>();
  for (const b of report.blocks) last.set(b.map, b.index);
  return new Set(last.values());
}

/** Keyed entries of the last print of each map, joined by key text. */
export function joinByKey(report: BpftraceReport): KeyRecord[] {
  const counted = lastBlocks(report);
  const byKey = new Map<string, KeyRecord>();
  for (const e of report.entries) {
    if (e.key === undefined || !counted.has(e.block)) continue;
    let r = byKey.get(e.key);
    if (!r) {
      r = { key: e.key, entries: [] };
      byKey.set(e.key, r);
    }
    if (r.entries.some((x) => x.map === e.map)) continue;
    r.entries.push(e);
    r.stack ??= e.stacks.find((s) => !s.user) ?? e.stacks[0];
    const n = entryNumber(e);
    if (n === undefined) continue;
    if (isBytesMap(e.map)) r.bytes ??= { map: e.map, value: n };
    else r.count ??= { map: e.map, value: n };
  }
  return [...byKey.values()];
}

/** Stacks of the same normalised signature, across the keys' other parts; most counted first. */
export function groupStacks(records: KeyRecord[], normOf: (s: BpftraceStack) => LeakStack): StackGroup[] {
  const groups = new Map<string, StackGroup>();
  for (const r of records) {
    if (!r.stack) continue;
    const norm = normOf(r.stack);
    const signature = r.stack.frames.length === 0 ? `\u0000empty:${r.entries[0].line}` : `${r.stack.user ? 'user' : 'kernel'}\n${norm.signature}`;
    let g = groups.get(signature);
    if (!g) {
      g = { signature, norm, records: [], count: 0, bytes: 0, countMap: r.count?.map, bytesMap: r.bytes?.map };
      groups.set(signature, g);
    }
    g.records.push(r);
    g.count += r.count?.value ?? 0;
    g.bytes += r.bytes?.value ?? 0;
    g.countMap ??= r.count?.map;
    g.bytesMap ??= r.bytes?.map;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || b.bytes - a.bytes || a.records[0].entries[0].line - b.records[0].entries[0].line);
}

/** The normalised stack of each printed stack, computed once. */
export function stackNormaliser(): (s: BpftraceStack) => LeakStack {
  const cache = new Map<BpftraceStack, LeakStack>();
  return (s) => {
    let n = cache.get(s);
    if (!n) {
      n = leakStack(s.frames);
      cache.set(s, n);
    }
    return n;
  };
}

/** A stack's name: its suspect frame (first outside the allocator), or the outermost one. */
export function stackSite(norm: LeakStack, stack: BpftraceStack | undefined): string {
  if (norm.suspect) return frameKey(norm.suspect);
  return stack && stack.frames.length > 0 ? frameKey(stack.frames[0]) : '(empty stack)';
}

/**
 * A count as it reads: `12 allocs` for a map named by a plural (`@allocs`, `@opens`), `694 hits`
 * for the unnamed map (`@[kstack] = count()`), `@k = 660` otherwise.
 */
export function countText(map: string, n: number): string {
  const word = map === '@' ? 'hits' : /^@\w*[a-z]s$/.test(map) ? map.slice(1) : undefined;
  if (word === undefined) return `${map} = ${n}`;
  return `${n} ${n === 1 ? word.slice(0, -1) : word}`;
}

/** `12 allocs · 3.00 KiB`: a key's numbers in the maps that hold it. */
export function keyNumbers(r: KeyRecord): string {
  const out: string[] = [];
  for (const e of r.entries) {
    const n = entryNumber(e);
    if (n !== undefined) out.push(isBytesMap(e.map) ? formatBytes(n) : countText(e.map, n));
  }
  return out.join(' · ');
}

/** A stack group named by its suspect frame and the callers that tell it from the others. */
export function stackChain(g: StackGroup, callers = 3): string {
  const site = stackSite(g.norm, g.records[0].stack);
  const more = g.norm.keys.slice(1, 1 + callers);
  return more.length > 0 ? `${site} ← ${more.join(' ← ')}` : site;
}
