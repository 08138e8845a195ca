// Builds the capture view of a kmemleak report: one warning per leaked object, a summary,
// backtrace groups in the outline, hovers on frames, sizes and hex dumps.
import { MAX_RELATED, inside, problemFindings } from './viewKit';
import { Frame, Position, Range, range } from '../model';
import { KmemleakObject, KmemleakReport } from '../formats/kmemleak';
import { BacktraceGroup, groupByBacktrace, groupSite, kmemleakSuspects } from '../kmemleakGroups';
import { frameLabel } from '../frames';
import { frameKey } from '../stacks';
import { formatBytes, plural } from '../units';
import { POISON_BYTES, dominantPoison, endsWithPoisonEnd } from '../poison';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem, RelatedLocation } from './captureView';

type LineInfo =
  | { kind: 'header'; obj: KmemleakObject }
  | { kind: 'hex'; obj: KmemleakObject; row: number }
  | { kind: 'frames'; obj: KmemleakObject; frames: Frame[] };

export function kmemleakView(report: KmemleakReport): CaptureView {
  const groups = groupByBacktrace(report.objects);
  const suspects = kmemleakSuspects(groups);
  const groupOf = new Map<KmemleakObject, BacktraceGroup>();
  for (const g of groups) for (const o of g.objects) groupOf.set(o, g);

  let frames: FrameOccurrence[] | undefined;
  let objectsWithKey: Map<string, number> | undefined;
  const findings: Finding[] = [];
  if (report.objects.length > 0) findings.push(summaryFinding(report, groups));
  for (const g of groups) {
    // Related entries point at the group's first members; build them once per group, not per object.
    const firstMembers = g.objects.slice(0, MAX_RELATED + 1).map((x) => ({
      obj: x,
      related: { range: x.headerRange, message: `same backtrace: object 0x${x.address} (${x.size} bytes)` },
    }));
    for (const o of g.objects) findings.push(objectFinding(o, g, firstMembers));
  }
  findings.push(...problemFindings(report.problems));

  return {
    format: 'kmemleak',
    records: report.objects.length,
    findings,
    suspects,
    outline: groups.map(groupOutline),
    folds: report.objects.filter((o) => o.endLine > o.headerLine).map((o) => ({ startLine: o.headerLine, endLine: o.endLine })),
    tokens: report.tokens,
    // Built on first use: the CLI never needs frames or hovers of a capture of many thousand objects.
    get frames() {
      return (frames ??= frameOccurrences(report.objects, groupOf));
    },
    lenses: groups.map(groupLens),
    hover: (pos) => hoverAt(pos, report.objects, groupOf, () => (objectsWithKey ??= countObjectsWithKey(report.objects))),
  };
}

function frameOccurrences(objects: KmemleakObject[], groupOf: Map<KmemleakObject, BacktraceGroup>): FrameOccurrence[] {
  const out: FrameOccurrence[] = [];
  for (const o of objects) {
    const g = groupOf.get(o)!;
    const suspectFrame = g.suspect ? suspectFrameOf(o, g) : undefined;
    for (const f of o.frames) out.push({ frame: f, suspect: f === suspectFrame });
  }
  return out;
}

/** How many objects have a frame with this key anywhere in their stack. */
function countObjectsWithKey(objects: KmemleakObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of objects) {
    for (const k of new Set(o.frames.map(frameKey))) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** The object whose record spans `line` (objects are in line order). */
function objectAt(objects: KmemleakObject[], line: number): KmemleakObject | undefined {
  let lo = 0;
  let hi = objects.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = objects[mid];
    if (line < o.headerLine) hi = mid - 1;
    else if (line > o.endLine) lo = mid + 1;
    else return o;
  }
  return undefined;
}

/** An object's own frame for its group's suspect function (offsets may differ between objects). */
function suspectFrameOf(o: KmemleakObject, g: BacktraceGroup): Frame | undefined {
  const key = frameKey(g.suspect!);
  return o.frames.find((f) => frameKey(f) === key);
}

function describeObject(o: KmemleakObject): string {
  const parts = [`${o.size} bytes`];
  if (o.comm !== undefined) parts.push(`comm "${o.comm}" pid ${o.pid}`);
  if (o.ageSeconds !== undefined) parts.push(`age ${o.ageSeconds} s`);
  return parts.join(', ');
}

function objectFinding(o: KmemleakObject, g: BacktraceGroup, firstMembers: { obj: KmemleakObject; related: RelatedLocation }[]): Finding {
  const where = g.suspect ? `suspect ${frameLabel(g.suspect)}` : 'origin unknown (no backtrace)';
  const share = g.objects.length > 1 ? ` — ${plural(g.objects.length, 'object')} (${formatBytes(g.bytes)}) share this backtrace` : '';
  // The first few other members only: a group of thousands must not cost thousands per object.
  const related: RelatedLocation[] = [];
  for (const m of firstMembers) {
    if (related.length >= MAX_RELATED) break;
    if (m.obj !== o) related.push(m.related);
  }
  if (g.suspect) related.unshift({ range: (suspectFrameOf(o, g) ?? g.suspect).symbolRange, message: `suspect frame ${frameLabel(g.suspect)}` });
  return {
    range: o.headerRange,
    severity: 'warning',
    message: `Leaked object 0x${o.address}: ${describeObject(o)}; ${where}${share}.`,
    code: 'leaked-object',
    related,
  };
}

function summaryFinding(report: KmemleakReport, groups: BacktraceGroup[]): Finding {
  const bytes = report.objects.reduce((s, o) => s + o.size, 0);
  const top = groups[0];
  const announced = report.announcements.reduce((s, a) => s + a.count, 0);
  const announcedNote = announced > 0 && announced !== report.objects.length ? ` The kernel announced ${announced}; the rest are not in this capture.` : '';
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message:
      `kmemleak: ${plural(report.objects.length, 'unreferenced object')}, ${formatBytes(bytes)} in ${plural(groups.length, 'distinct backtrace')}; ` +
      `top suspect ${groupSite(top)} (${plural(top.objects.length, 'object')}, ${formatBytes(top.bytes)}).${announcedNote}`,
    code: 'summary',
    related: groups.slice(0, MAX_RELATED).map((g) => ({
      range: g.objects[0].headerRange,
      message: `${groupSite(g)}: ${plural(g.objects.length, 'object')}, ${formatBytes(g.bytes)}`,
    })),
  };
}

function groupOutline(g: BacktraceGroup): OutlineItem {
  const first = g.objects[0];
  const last = g.objects[g.objects.length - 1];
  return {
    name: groupSite(g),
    detail: `${plural(g.objects.length, 'object')} · ${formatBytes(g.bytes)}`,
    kind: 'group',
    // Group members need not be adjacent; the range spans them so the outline can nest objects.
    range: { start: first.headerRange.start, end: last.endLine >= first.endLine ? endOf(last) : endOf(first) },
    selectionRange: first.headerRange,
    children: g.objects.map((o) => ({
      name: `0x${o.address}`,
      detail: describeObject(o),
      kind: 'object' as const,
      range: { start: o.headerRange.start, end: endOf(o) },
      selectionRange: o.headerRange,
      children: [],
    })),
  };
}

function endOf(o: KmemleakObject): Position {
  return { line: o.endLine, character: o.endCharacter };
}

function groupLens(g: BacktraceGroup): Lens {
  return {
    range: g.objects[0].headerRange,
    title: `${plural(g.objects.length, 'object')} · ${formatBytes(g.bytes)} · same backtrace`,
    locations: g.objects.map((o) => o.headerRange),
  };
}

function lineInfo(o: KmemleakObject, line: number): LineInfo | undefined {
  if (line === o.headerLine) return { kind: 'header', obj: o };
  const row = o.hexDump.findIndex((r) => r.line === line);
  if (row >= 0) return { kind: 'hex', obj: o, row };
  const frames = o.frames.filter((f) => f.range.start.line === line);
  return frames.length > 0 ? { kind: 'frames', obj: o, frames } : undefined;
}

function hoverAt(
  pos: Position,
  objects: KmemleakObject[],
  groupOf: Map<KmemleakObject, BacktraceGroup>,
  objectsWithKey: () => Map<string, number>,
): { contents: string; range: Range } | undefined {
  const obj = objectAt(objects, pos.line);
  const info = obj && lineInfo(obj, pos.line);
  if (!info) return undefined;
  const g = groupOf.get(info.obj)!;
  if (info.kind === 'header') {
    const o = info.obj;
    if (!inside(o.headerRange, pos)) return undefined;
    const lines = [
      `**Unreferenced object** \`0x${o.address}\``,
      '',
      `Size: **${o.size} bytes** (${formatBytes(o.size)})`,
    ];
    if (o.comm !== undefined) lines.push('', `Allocated by \`${o.comm}\` (pid ${o.pid})${o.ageSeconds !== undefined ? `, ${o.ageSeconds} s before the scan` : ''}`);
    lines.push('', `Backtrace group: ${plural(g.objects.length, 'object')}, ${formatBytes(g.bytes)} — suspect \`${groupSite(g)}\``);
    return { contents: lines.join('\n'), range: o.headerRange };
  }
  if (info.kind === 'hex') {
    const row = info.obj.hexDump[info.row];
    if (!inside(row.range, pos)) return undefined;
    const all = info.obj.hexDump.flatMap((r) => r.bytes);
    const poison = dominantPoison(all);
    const cpu = info.obj.hexDumpCpu !== undefined ? `, the copy of CPU ${info.obj.hexDumpCpu} of this per-CPU object` : '';
    const lines = [`**Hex dump** of object \`0x${info.obj.address}\` (${all.length} of ${info.obj.size} bytes shown${cpu})`];
    lines.push('', poison ? `${Math.round(poison.share * 100)}% of the dumped bytes are ${poison.meaning}` : 'No poison pattern: the object holds data written by its owner.');
    if (endsWithPoisonEnd(all)) lines.push('', `The last byte is ${POISON_BYTES[0xa5]} The dump reaches the end of a freed object.`);
    return { contents: lines.join('\n'), range: row.range };
  }
  const f = info.frames.find((x) => inside(x.range, pos));
  if (!f) return undefined;
  const key = frameKey(f);
  const isSuspect = g.suspect !== undefined && frameKey(g.suspect) === key;
  const lines = [`**${f.symbol ?? `0x${f.address}`}**${f.inline ? ' (inlined)' : ''}`, ''];
  if (!f.symbol) {
    lines.push('Unresolved address: the symbol was not known when the report was printed (often a module loaded after boot, or unloaded since).', '');
  }
  if (f.offset !== undefined) {
    lines.push(`Offset \`0x${f.offset.toString(16)}\`${f.size !== undefined ? ` of \`0x${f.size.toString(16)}\` bytes (${f.size})` : ''} into the function`, '');
  }
  if (f.module) lines.push(`Module: \`${f.module}\``, '');
  if (f.file) lines.push(`Source: \`${f.file}:${f.fileLine}\``, '');
  lines.push(
    isSuspect
      ? `**Suspect frame** of this backtrace: the first function outside the allocator.`
      : `Not the suspect frame (suspect: \`${groupSite(g)}\`).`,
  );
  const n = objectsWithKey().get(key) ?? 0;
  lines.push('', `${plural(n, 'leaked object')} ${n === 1 ? 'has' : 'have'} this function in their backtrace.`);
  return { contents: lines.join('\n'), range: f.range };
}
