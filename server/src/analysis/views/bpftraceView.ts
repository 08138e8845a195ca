// The capture view of bpftrace map output: maps → entries in the outline, stacks ranked by how
// often they were counted. Counts of allocations are not leaks (allocation is not leaking), so
// nothing here is a warning: one Information summary, and suspects ranked as `transient`.
import { Suspect, range } from '../model';
import { BpftraceBlock, BpftraceEntry, BpftraceReport, isBytesMap } from '../formats/bpftrace';
import { formatBytes, plural } from '../units';
import { frameKey } from '../stacks';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem } from './captureView';
import { HoverIndex, MAX_RELATED, containedOutline, problemFindings, rankSuspects, spanRange } from './viewKit';
import { KeyRecord, StackGroup, countText, entryNumber, groupStacks, joinByKey, keyNumbers, lastBlocks, stackChain, stackNormaliser, stackSite } from './bpftraceKeys';
import { attachHover, bucketHover, entryHover, frameHover } from './bpftraceHover';

/** How an entry's number reads: bytes for a map of bytes, else the number. */
export function showNumber(map: string, n: number): string {
  return isBytesMap(map) ? formatBytes(n) : String(n);
}

const PAIRING_HINT =
  'These are allocation counts, not leaks: allocating is not leaking. To see what stays allocated, pair every allocation with its free: generate the bpftrace script in its "Outstanding by pointer" mode (kleak: Generate bpftrace script), or capture the kmem events with perf or ftrace.';

export function bpftraceView(report: BpftraceReport): CaptureView {
  const normOf = stackNormaliser();
  const records = joinByKey(report);
  const recordOf = new Map<BpftraceEntry, KeyRecord>();
  for (const r of records) for (const e of r.entries) recordOf.set(e, r);
  const groups = groupStacks(records, normOf);
  const groupOf = new Map<KeyRecord, StackGroup>();
  for (const g of groups) for (const r of g.records) groupOf.set(r, g);

  const suspects: Suspect[] = rankSuspects(
    groups.map((g) => {
      const first = g.records[0];
      const site = stackSite(g.norm, first.stack);
      const others = otherParts(g);
      const what = groupNumbers(g);
      return {
        verdict: 'transient' as const,
        reason: `${what ? `${what} counted` : 'Counted'} while bpftrace ran${others ? `, by ${others}` : ''}${first.stack?.user ? ' (a user-space stack)' : ''}: an allocation count, not memory left allocated.`,
        count: g.count,
        bytes: g.bytes,
        site,
        stack: g.norm.keys.length > 0 ? g.norm.keys : (first.stack?.frames.map(frameKey) ?? []),
        line: first.entries[0].line,
        samples: g.records.slice(0, MAX_RELATED).map((r) => r.entries[0].line),
      };
    }),
    (s) => s.count,
  );

  const findings: Finding[] = [summary(report, groups), ...problemFindings(report.problems)];

  const frames: FrameOccurrence[] = [];
  const hovers = new HoverIndex();
  if (report.attach) hovers.add(report.attach.range, () => attachHover(report));
  for (const e of report.entries) {
    const r = recordOf.get(e);
    const g = r && groupOf.get(r);
    hovers.add(e.mapRange, () => entryHover(e, r, g));
    if (e.valueRange) hovers.add(e.valueRange, () => entryHover(e, r, g));
    for (const s of e.stacks) {
      const norm = normOf(s);
      for (const f of s.frames) {
        const suspect = f === norm.suspect;
        // User-space frames get no kernel source links, references or workspace symbols.
        if (!s.user) frames.push({ frame: f, suspect });
        hovers.add(f.range, () => frameHover(f, s, norm, e, r, g));
      }
    }
    for (const b of e.buckets ?? []) hovers.add(b.range, () => bucketHover(b, e));
  }

  const outline = blockOutline(report, normOf);

  const lenses: Lens[] = [];
  for (const r of records) {
    if (!r.stack) continue;
    const g = groupOf.get(r)!;
    const title = `${keyNumbers(r) || 'no number'} · ${stackSite(g.norm, r.stack)}`;
    const locations = r.entries.map((e) => spanRange(e.mapRange.start, e.endLine, lineEnd(e)));
    for (const e of r.entries) lenses.push({ range: e.mapRange, title, locations });
  }

  return {
    format: 'bpftrace',
    records: report.entries.length,
    findings,
    suspects,
    outline: containedOutline(outline),
    folds: report.entries.filter((e) => e.endLine > e.line).map((e) => ({ startLine: e.line, endLine: e.endLine })),
    tokens: report.tokens,
    frames,
    lenses,
    hover: (pos) => hovers.at(pos),
  };
}

/** Maps → entries; a map printed several times (print() in an interval) is named by its print. */
function blockOutline(report: BpftraceReport, normOf: ReturnType<typeof stackNormaliser>): OutlineItem[] {
  const counted = lastBlocks(report);
  const prints = new Map<string, number>();
  for (const b of report.blocks) prints.set(b.map, (prints.get(b.map) ?? 0) + 1);
  const nth = new Map<string, number>();
  return report.blocks.map((b: BpftraceBlock) => {
    const entries = report.entries.slice(b.first, b.first + b.count);
    const n = (nth.get(b.map) ?? 0) + 1;
    nth.set(b.map, n);
    const several = (prints.get(b.map) ?? 1) > 1;
    const single = entries.length === 1 && entries[0].key === undefined;
    const detail = single ? entryDetail(entries[0]) : plural(entries.length, 'entry', 'entries');
    return {
      name: several ? `${b.map} (print ${n})` : b.map,
      detail: several && counted.has(b.index) ? `${detail} · last print` : detail,
      kind: 'summary' as const,
      range: spanRange(entries[0].mapRange.start, b.endLine, lineEnd(entries[entries.length - 1])),
      selectionRange: entries[0].mapRange,
      children: single ? [] : entries.map((e) => entryOutline(e, normOf)),
    };
  });
}

function lineEnd(e: BpftraceEntry): { line: number; character: number } {
  if (e.buckets && e.buckets.length > 0) return e.buckets[e.buckets.length - 1].range.end;
  return e.valueRange?.end ?? e.mapRange.end;
}

function entryDetail(e: BpftraceEntry): string {
  if (e.cut) return 'cut short';
  if (e.buckets) return `${plural(e.buckets.length, 'bucket')}, ${plural(entryNumber(e) ?? 0, 'value')}`;
  return e.value !== undefined ? showNumber(e.map, e.value) : e.valueText;
}

function entryOutline(e: BpftraceEntry, normOf: ReturnType<typeof stackNormaliser>): OutlineItem {
  const stack = e.stacks.find((s) => !s.user) ?? e.stacks[0];
  const parts = e.parts.map((p) => p.text).join(', ');
  const name = stack ? stackSite(normOf(stack), stack) : parts || e.map;
  const detail = [stack ? parts : '', entryDetail(e)].filter((x) => x !== '').join(' · ');
  return { name, detail, kind: stack ? 'group' : 'object', range: spanRange(e.mapRange.start, e.endLine, lineEnd(e)), selectionRange: e.mapRange, children: [] };
}

/** A few of the other key parts (comms) a stack group was counted for. */
function otherParts(g: StackGroup): string {
  const seen = new Set<string>();
  for (const r of g.records) {
    const parts = r.entries[0].parts.map((p) => p.text).join(', ');
    if (parts !== '') seen.add(parts);
    if (seen.size > 4) break;
  }
  const list = [...seen];
  return list.length > 4 ? `${list.slice(0, 4).join('; ')} and more` : list.join('; ');
}

function summary(report: BpftraceReport, groups: StackGroup[]): Finding {
  const maps = [...new Set(report.blocks.map((b) => b.map))];
  let msg = `bpftrace: ${plural(report.entries.length, 'map entry', 'map entries')} in ${plural(maps.length, 'map')} (${maps.slice(0, 6).join(', ')}${maps.length > 6 ? ', …' : ''})`;
  if (groups.length === 0) {
    return { range: range(0, 0, 0), severity: 'information', message: `${msg}; no entry is keyed by a stack.`, code: 'summary', related: [] };
  }
  const countMap = groups[0].countMap;
  const bytesMap = groups.find((g) => g.bytesMap)?.bytesMap;
  const count = groups.reduce((t, g) => t + g.count, 0);
  const bytes = groups.reduce((t, g) => t + g.bytes, 0);
  const keyed = groups.reduce((t, g) => t + g.records.length, 0);
  msg += `; ${plural(keyed, 'key')} with a stack, ${plural(groups.length, 'distinct stack')}`;
  if (countMap) msg += `, ${countText(countMap, count)}`;
  if (bytesMap) msg += `, ${formatBytes(bytes)} (${bytesMap})`;
  const top = groups.slice(0, 3).map((g) => `${stackChain(g)} (${groupNumbers(g)})`);
  msg += `. Top stacks by ${countMap ?? bytesMap}: ${top.join('; ')}. ${PAIRING_HINT}`;
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message: msg,
    code: 'summary',
    related: groups.slice(0, MAX_RELATED).map((g) => ({
      range: g.records[0].entries[0].mapRange,
      message: `${stackChain(g)}: ${groupNumbers(g)} · ${plural(g.records.length, 'key')}`,
    })),
  };
}

/** `12 allocs, 3.00 KiB`: a stack group's numbers. */
function groupNumbers(g: StackGroup): string {
  const parts: string[] = [];
  if (g.countMap) parts.push(countText(g.countMap, g.count));
  if (g.bytesMap) parts.push(formatBytes(g.bytes));
  return parts.join(', ');
}
