// Groups kmemleak objects by backtrace signature and ranks the groups as suspects.
import { Frame, Suspect } from './model';
import { KmemleakObject } from './formats/kmemleak';
import { frameKey, normaliseStack, stackSignature } from './stacks';

export interface BacktraceGroup {
  signature: string;
  objects: KmemleakObject[];
  bytes: number;
  /** First frame outside the allocator, from the group's first object. */
  suspect?: Frame;
  /** Normalised stack (keys), innermost first. */
  stack: string[];
}

/** Records listed per suspect for navigation. */
const MAX_SAMPLES = 20;

export function groupByBacktrace(objects: KmemleakObject[]): BacktraceGroup[] {
  const groups = new Map<string, BacktraceGroup>();
  for (const obj of objects) {
    const n = normaliseStack(obj.frames);
    // Records without a backtrace cannot be compared with anything: each stands alone.
    const sig = obj.frames.length === 0 ? `\u0000missing:${obj.headerLine}` : stackSignature(n);
    let g = groups.get(sig);
    if (!g) {
      g = {
        signature: sig,
        objects: [],
        bytes: 0,
        suspect: n.suspectIndex >= 0 ? obj.frames[n.suspectIndex] : undefined,
        stack: n.keys,
      };
      groups.set(sig, g);
    }
    g.objects.push(obj);
    g.bytes += obj.size;
  }
  return [...groups.values()].sort(
    (a, b) => b.bytes - a.bytes || b.objects.length - a.objects.length || a.objects[0].headerLine - b.objects[0].headerLine,
  );
}

export function groupSite(g: BacktraceGroup): string {
  return g.suspect ? frameKey(g.suspect) : '(backtrace missing)';
}

/** kmemleak suspects: every group is a suspected leak; repetition is what makes it likely. */
export function kmemleakSuspects(groups: BacktraceGroup[]): Suspect[] {
  return groups.map((g, i) => {
    const n = g.objects.length;
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
