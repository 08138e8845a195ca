// Cache names for the cache prompts, read from /proc/slabinfo text (a live read or an open
// snapshot or series). Pure. Names that could not go into a generated file are left out.
import { validateCacheName } from './validate';

export interface CacheEntry {
  name: string;
  /** num_objs × objsize of the last snapshot that names it. */
  bytes: number;
}

const ROW = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+(?:\s|$)/;

/** Caches of slabinfo text, largest first; the last snapshot of a series wins. At most `limit`. */
export function cachesFromSlabinfo(text: string, limit = 500): CacheEntry[] {
  const byName = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.length > 4096) continue;
    const m = ROW.exec(line);
    if (!m || validateCacheName(m[1])) continue;
    byName.set(m[1], Number(m[3]) * Number(m[4]));
  }
  return [...byName]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** Does this text look like slabinfo (for picking an open snapshot)? */
export function looksLikeSlabinfo(text: string): boolean {
  return /^slabinfo - version: \d/m.test(text.slice(0, 65536)) || /^# name\s+<active_objs>/m.test(text.slice(0, 65536));
}
