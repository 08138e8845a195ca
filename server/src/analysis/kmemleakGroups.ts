// Groups kmemleak objects by backtrace signature and ranks the groups as suspects.
import { Frame, Suspect } from './model';
import { KmemleakObject } from './formats/kmemleak';
import { frameKey, normaliseStack, stackSignature } from './stacks';

export interface BacktraceGroup {
  signature: string;
  /** The group's objects in capture order: all of them, or the first few (see BacktraceGrouper). */
  objects: KmemleakObject[];
  /** Objects in the group (may be more than `objects` holds). */
  count: number;
  bytes: number;
  /** First frame outside the allocator, from the group's first object. */
  suspect?: Frame;
  /** Normalised stack (keys), innermost first. */
  stack: string[];
}

/** Records listed per suspect for navigation. */
const MAX_SAMPLES = 20;

/**
 * Groups objects by backtrace signature as they come. Keeps every object of a group, or only its
 * first `keep` (a file analysed from disk: memory grows with the distinct backtraces, not with
 * the objects).
 */
export class BacktraceGrouper {
  private readonly groups = new Map<string, BacktraceGroup>();

  constructor(private readonly keep = Infinity) {}

  add(obj: KmemleakObject): void {
    const n = normaliseStack(obj.frames);
    // Records without a backtrace cannot be compared with anything: each stands alone.
    const sig = obj.frames.length === 0 ? `\u0000missing:${obj.headerLine}` : stackSignature(n);
    let g = this.groups.get(sig);
    if (!g) {
      g = {
        signature: sig,
        objects: [],
        count: 0,
        bytes: 0,
        suspect: n.suspectIndex >= 0 ? obj.frames[n.suspectIndex] : undefined,
        stack: n.keys,
      };
      this.groups.set(sig, g);
    }
    if (g.objects.length < this.keep) g.objects.push(obj);
    g.count++;
    g.bytes += obj.size;
  }

  /** The groups, largest first (bytes, then objects, then the first one in the capture). */
  result(): BacktraceGroup[] {
    return [...this.groups.values()].sort(
      (a, b) => b.bytes - a.bytes || b.count - a.count || a.objects[0].headerLine - b.objects[0].headerLine,
    );
  }
}

export function groupByBacktrace(objects: KmemleakObject[]): BacktraceGroup[] {
  const grouper = new BacktraceGrouper();
  for (const obj of objects) grouper.add(obj);
  return grouper.result();
}

export function groupSite(g: BacktraceGroup): string {
  return g.suspect ? frameKey(g.suspect) : '(backtrace missing)';
}

/** kmemleak suspects: every group is a suspected leak; repetition is what makes it likely. */
export function kmemleakSuspects(groups: BacktraceGroup[]): Suspect[] {
  return groups.map((g, i) => {
    const n = g.count;
    const complete = g.objects[0].frames.length > 0;
    const likely = complete && n >= 2;
    return {
      rank: i + 1,
      verdict: likely ? 'likely-leak' : 'possible-leak',
      reason: !complete
        ? 'The record was cut short before its backtrace, so its origin is unknown.'
        : likely
          ? `${n} unreferenced objects share this backtrace.`
          : 'A single unreferenced object: kmemleak can report false positives, scan again to confirm it stays.',
      count: n,
      bytes: g.bytes,
      site: groupSite(g),
      stack: g.stack,
      line: g.objects[0].headerLine,
      samples: g.objects.slice(0, MAX_SAMPLES).map((o) => o.headerLine),
    };
  });
}
