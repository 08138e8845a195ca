// The capture view of an allocation trace (perf script or ftrace): one diagnostic per suspect
// stack on its first outstanding event (never one per event), one summary, the input's problems
// at their lines; outline of suspects with sample events; folds per event with its stack;
// hovers on events (paired free or never freed, age, sizes and waste) and on frames (bottom-up
// totals of the function); a code lens per suspect.
import { Position, Range, Severity, Suspect, range } from '../model';
import { FrameTotal, RankedGroup, captureEvidence, inclusiveByFrame, rankTrace, suspectSummary } from '../leakRanking';
import { EventInfo, TraceCapture } from '../traceEvents';
import { baseSymbol } from '../symbols';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FormatId, FrameOccurrence, Lens, OutlineItem, RelatedLocation } from './captureView';
import { MAX_RELATED, inside, md, problemFindings } from './viewKit';

/** Suspects listed (the rest are counted in the summary). */
export const MAX_SUSPECTS = 1000;
/** Suspects that get a diagnostic, an outline entry and a code lens. */
export const MAX_SUSPECT_FINDINGS = 200;
/** Sample events per suspect in the outline. */
const OUTLINE_SAMPLES = 50;

const SEVERITY: Record<string, Severity> = { 'likely-leak': 'warning', 'possible-leak': 'information', transient: 'hint', cache: 'hint' };

export interface TraceViewOptions {
  format: FormatId;
  /** Human name of the format for messages ("perf script", "ftrace"). */
  label: string;
}

/** Inline code in Markdown: escapes do not work inside backticks, so backticks are replaced. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s >= 10 ? `${s.toFixed(1)} s` : s >= 1 ? `${s.toFixed(2)} s` : s >= 0.001 ? `${(s * 1000).toFixed(1)} ms` : `${(s * 1e6).toFixed(0)} µs`;
}

/** Binary search of the events (ascending lines) for the one printed at `line`. */
function eventAt(events: EventInfo[], line: number): EventInfo | undefined {
  let lo = 0;
  let hi = events.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = events[mid].line;
    if (l === line) return events[mid];
    if (l < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export function traceView(capture: TraceCapture, options: TraceViewOptions): CaptureView {
  const ranked = rankTrace(capture);
  const listed = ranked.slice(0, MAX_SUSPECTS);
  const totals = inclusiveByFrame(ranked);
  const byGroup = new Map<number, RankedGroup>();
  for (const r of ranked) byGroup.set(r.group.id, r);
  // Events are handed on in file order, so their lines ascend (checked, not assumed).
  const events = capture.events;
  let sorted = true;
  for (let i = 1; i < events.length && sorted; i++) sorted = events[i].line >= events[i - 1].line;
  const evs = sorted ? events : [...events].sort((a, b) => a.line - b.line);
  const stackOwner = new Map<number, EventInfo>();
  for (const e of evs) if (e.stackLines && e.stackLines[0] !== e.line) stackOwner.set(e.stackLines[0], e);

  const rangeOf = (line: number): Range => eventAt(evs, line)?.headerRange ?? range(line, 0, 0);
  const spanOf = (line: number): Range => {
    const e = eventAt(evs, line);
    if (!e) return range(line, 0, 0);
    return { start: e.headerRange.start, end: { line: e.endLine, character: e.endLine === e.line ? e.headerRange.end.character : e.endCharacter } };
  };

  const frames: FrameOccurrence[] = capture.frames.map((f) => ({ frame: f.frame, suspect: f.suspect }));
  const framesByLine = new Map<number, { frame: FrameOccurrence['frame']; group: number; suspect: boolean }>();
  for (const f of capture.frames) framesByLine.set(f.frame.range.start.line, f);
  const suspectFrameAt = (line: number, group: number): Range | undefined => {
    const e = eventAt(evs, line);
    if (!e) return undefined;
    const [from, to] = e.stackLines ?? [e.line, e.endLine];
    for (let l = from; l <= to; l++) {
      const f = framesByLine.get(l);
      if (f && f.group === group && f.suspect) return f.frame.symbolRange;
    }
    return undefined;
  };

  const findings: Finding[] = [];
  if (capture.facts.events > 0 || capture.ledger.totals.allocs > 0) findings.push(summaryFinding(capture, ranked, totals, options, rangeOf));
  const noted = listed.slice(0, MAX_SUSPECT_FINDINGS);
  for (const r of noted) findings.push(suspectFinding(r, rangeOf, suspectFrameAt));
  findings.push(...problemFindings(capture.problems));

  const suspects: Suspect[] = listed.map((r) => ({
    rank: r.rank,
    verdict: r.verdict,
    reason: r.reason,
    count: r.count,
    bytes: r.bytes,
    site: r.site,
    stack: r.stack,
    line: Math.max(0, r.line),
    samples: r.samples,
  }));

  const outline: OutlineItem[] = noted.map((r) => {
    const children: OutlineItem[] = r.samples.slice(0, OUTLINE_SAMPLES).map((line) => {
      const e = eventAt(evs, line);
      return {
        name: e?.ptrText ? e.ptrText : `line ${line + 1}`,
        detail: e ? eventDetail(e, capture) : undefined,
        kind: 'event' as const,
        range: spanOf(line),
        selectionRange: rangeOf(line),
        children: [],
      };
    });
    const first = children[0]?.range ?? range(Math.max(0, r.line), 0, 0);
    let end = first.end;
    for (const c of children) if (c.range.end.line > end.line || (c.range.end.line === end.line && c.range.end.character > end.character)) end = c.range.end;
    return {
      name: r.site,
      detail: suspectSummary(r),
      kind: 'group',
      range: { start: first.start, end },
      selectionRange: children[0]?.selectionRange ?? first,
      children,
    };
  });

  const lenses: Lens[] = noted
    .filter((r) => r.line >= 0)
    .map((r) => ({
      range: rangeOf(r.line),
      title: `${suspectSummary(r)} · same stack`,
      locations: r.samples.slice(0, MAX_RELATED * 5).map(rangeOf),
    }));

  const hover = (pos: Position): { contents: string; range: Range } | undefined => {
    const f = framesByLine.get(pos.line);
    if (f && inside(f.frame.range, pos)) return frameHover(f, byGroup, totals);
    const e = eventAt(evs, pos.line);
    if (e && inside(e.headerRange, pos)) return { contents: eventHover(e, capture, byGroup), range: e.headerRange };
    const owner = stackOwner.get(pos.line);
    if (owner) {
      return {
        contents: `**Stack trace** of the ${owner.name} event on line ${owner.line + 1}${owner.ptrText ? ` (${code(owner.ptrText)})` : ''}.`,
        range: range(pos.line, 0, Math.max(pos.character, 1)),
      };
    }
    return undefined;
  };

  return {
    format: options.format,
    records: capture.facts.inWindow,
    findings,
    suspects,
    outline,
    folds: capture.folds,
    tokens: capture.tokens,
    frames,
    lenses,
    hover,
  };
}

function summaryFinding(
  c: TraceCapture,
  ranked: RankedGroup[],
  totals: Map<string, FrameTotal>,
  o: TraceViewOptions,
  rangeOf: (line: number) => Range,
): Finding {
  const t = c.ledger.totals;
  const f = c.facts;
  const ev = captureEvidence(c);
  const leaks = ranked.filter((r) => r.verdict === 'likely-leak');
  const top = leaks[0] ?? ranked.find((r) => r.verdict === 'possible-leak');
  const parts: string[] = [];
  parts.push(
    `${o.label}: ${plural(f.inWindow, 'event')} (${plural(t.allocs, 'allocation')}, ${plural(t.freesBySpace.slab + t.freesBySpace.page + t.freesBySpace.percpu, 'free')})` +
      (ev.hasTime ? ` over ${seconds(ev.span)}` : '') +
      `; ${plural(t.outstanding, 'object')} (${formatBytes(t.outstandingBytes)}) outstanding in ${plural(ranked.filter((r) => r.outcome.outstanding > 0).length, 'stack')}.`,
  );
  if (leaks.length > 0) {
    parts.push(`${plural(leaks.length, 'likely leak')}; top: ${top!.site} (${plural(top!.count, 'object')}, ${formatBytes(top!.bytes)}).`);
  } else {
    parts.push(top ? `No likely leak; top possible leak: ${top.site} (${plural(top.count, 'object')}, ${formatBytes(top.bytes)}).` : 'No likely leak.');
  }
  const counts = ranked.reduce((m, r) => m.set(r.verdict, (m.get(r.verdict) ?? 0) + 1), new Map<string, number>());
  const others = (['cache', 'transient'] as const).filter((v) => counts.get(v)).map((v) => `${counts.get(v)} ${v}`);
  if (others.length > 0) parts.push(`Set aside: ${others.join(', ')}.`);
  const gaps: string[] = [];
  if (t.unmatchedFrees > 0) gaps.push(`${t.unmatchedFrees} unmatched frees (objects allocated before the capture)`);
  if (t.lostFrees > 0) gaps.push(`${t.lostFrees} lost frees (a pointer allocated again without a free)`);
  if (f.lostEvents > 0) gaps.push(`${f.lostEvents} lost events`);
  if (f.withChain > 0 && f.withoutChain > 0) gaps.push(`${f.withoutChain} events without a call chain`);
  if (f.withChain === 0 && f.inWindow > 0) gaps.push('no call chains (grouped by call site; record with -g or the stacktrace option)');
  if (t.unpairedAllocs > 0) gaps.push(`${t.unpairedAllocs} allocations without a pointer`);
  if (t.saturated) gaps.push(`${t.untrackedAllocs} allocations not tracked (too many outstanding at once)`);
  if (f.aggregated) gaps.push('perf report output aggregates identical samples');
  if (f.window) gaps.push(`time window ${f.window.since ?? '…'}–${f.window.until ?? '…'} s: ${f.outsideWindow} events outside it`);
  if (gaps.length > 0) parts.push(`What the capture cannot tell: ${gaps.join('; ')}.`);
  const bottomUp = [...totals].filter(([, v]) => v.leaks > 0).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 3);
  if (bottomUp.length > 0 && leaks.length > 1) parts.push(`Functions on leaking paths: ${bottomUp.map(([k, v]) => `${k} (${formatBytes(v.bytes)})`).join(', ')}.`);
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message: parts.join(' '),
    code: 'summary',
    related: ranked
      .slice(0, MAX_RELATED)
      .filter((r) => r.line >= 0)
      .map((r) => ({ range: rangeOf(r.line), message: `#${r.rank} ${r.site}: ${suspectSummary(r)}` })),
  };
}

function suspectFinding(
  r: RankedGroup,
  rangeOf: (line: number) => Range,
  suspectFrameAt: (line: number, group: number) => Range | undefined,
): Finding {
  const o = r.outcome;
  const related: RelatedLocation[] = [];
  const frame = r.line >= 0 ? suspectFrameAt(r.line, r.group.id) : undefined;
  if (frame) related.push({ range: frame, message: `suspect frame ${r.site}` });
  for (const line of r.samples.slice(1, MAX_RELATED)) related.push({ range: rangeOf(line), message: `same stack: ${o.outstanding > 0 ? 'outstanding object' : 'allocation'} on line ${line + 1}` });
  const where = r.stack.length > 1 ? ` via ${r.stack.slice(1, 4).join(' ← ')}${r.stack.length > 4 ? ' ← …' : ''}` : '';
  const cache = r.group.cache ? ` [${r.group.cache}]` : '';
  return {
    range: rangeOf(Math.max(0, r.line)),
    severity: SEVERITY[r.verdict],
    message: `#${r.rank} ${r.verdict} in ${r.site}${where}${cache}: ${plural(r.count, o.outstanding > 0 ? 'object' : 'allocation')}, ${formatBytes(r.bytes)}. ${r.reason}`,
    code: 'leak-suspect',
    related,
  };
}

function eventDetail(e: EventInfo, c: TraceCapture): string {
  const parts = [e.name];
  if (Number.isFinite(e.bytes)) parts.push(formatBytes(e.bytes));
  const end = c.ledger.totals.lastTs;
  if (e.fate === 'outstanding' && Number.isFinite(e.ts) && Number.isFinite(end)) parts.push(`age ${seconds(end - e.ts)}`);
  if (e.comm !== undefined) parts.push(e.pid !== undefined ? `${e.comm}/${e.pid}` : e.comm);
  return parts.join(' · ');
}

function eventHover(e: EventInfo, c: TraceCapture, byGroup: Map<number, RankedGroup>): string {
  const lines: string[] = [];
  const who = [e.comm !== undefined ? `${code(e.comm)}` : undefined, e.pid !== undefined ? `pid ${e.pid}` : undefined, e.cpu !== undefined ? `CPU ${e.cpu}` : undefined]
    .filter(Boolean)
    .join(', ');
  lines.push(`**${md(e.name)}**${e.ptrText ? ` ${code(e.ptrText)}` : ''}${who ? ` — ${who}` : ''}${Number.isFinite(e.ts) ? ` at ${e.ts} s` : ''}`, '');
  if (e.role === 'alloc') {
    if (Number.isFinite(e.bytes)) {
      const req = e.requested;
      if (Number.isFinite(req) && req > 0 && req <= e.bytes) {
        const waste = e.bytes - req;
        lines.push(`Size: requested **${req} B**, allocated **${e.bytes} B**${waste > 0 ? ` — ${waste} B (${Math.round((waste / e.bytes) * 100)}%) lost to the size class` : ' (no waste)'}`, '');
      } else lines.push(`Size: **${e.bytes} B** (${formatBytes(e.bytes)})`, '');
    }
    if (e.cache) lines.push(`Cache: ${code(e.cache)}`, '');
    const partner = e.partner >= 0 ? c.events[e.partner] : undefined;
    const end = c.ledger.totals.lastTs;
    switch (e.fate) {
      case 'freed':
        lines.push(
          partner
            ? `Freed by the ${md(partner.name)} on line ${partner.line + 1}${Number.isFinite(partner.ts) && Number.isFinite(e.ts) ? ` after ${seconds(partner.ts - e.ts)}` : ''}.`
            : 'Freed later in the capture.',
        );
        break;
      case 'outstanding':
        lines.push(`**Never freed** in the capture${Number.isFinite(e.ts) && Number.isFinite(end) ? `: outstanding for ${seconds(end - e.ts)} at its end` : ''}.`);
        break;
      case 'lost-free':
        lines.push(
          `Its pointer was allocated again${partner ? ` on line ${partner.line + 1}` : ''} without a free in between: the free was not captured (another context, a filtered event, or lost).`,
        );
        break;
      case 'unpaired':
        lines.push('This event prints no pointer (or was not tracked): it cannot be paired with a free.');
        break;
    }
  } else {
    const partner = e.partner >= 0 ? c.events[e.partner] : undefined;
    if (e.fate === 'paired' && partner) {
      lines.push(
        `Frees the object allocated on line ${partner.line + 1}${partner.comm !== undefined ? ` by ${code(partner.comm)}` : ''}${Number.isFinite(partner.ts) && Number.isFinite(e.ts) ? `, ${seconds(e.ts - partner.ts)} after its allocation` : ''}.`,
      );
    } else if (e.fate === 'null') lines.push('Frees a NULL pointer: nothing to pair.');
    else if (e.fate === 'paired') lines.push('Frees an object allocated earlier in the capture.');
    else lines.push('**Unmatched**: its allocation is not in the capture (made before tracing started, or lost).');
  }
  if (e.callSite) lines.push('', `Call site: ${code(e.callSite)}`);
  const r = e.group >= 0 ? byGroup.get(e.group) : undefined;
  if (r) lines.push('', `Stack group #${r.rank} **${r.verdict}** in ${code(r.site)}: ${md(suspectSummary(r))}`);
  return lines.join('\n');
}

function frameHover(
  f: { frame: FrameOccurrence['frame']; group: number; suspect: boolean },
  byGroup: Map<number, RankedGroup>,
  totals: Map<string, FrameTotal>,
): { contents: string; range: Range } {
  const fr = f.frame;
  const key = fr.symbol ? baseSymbol(fr.symbol) : `0x${fr.address ?? '?'}`;
  const lines = [`**${md(fr.symbol ?? `0x${fr.address}`)}**`, ''];
  if (!fr.symbol) lines.push('Unresolved address: the tracer could not name this function.', '');
  if (fr.offset !== undefined) lines.push(`Offset \`0x${fr.offset.toString(16)}\`${fr.size !== undefined ? ` of \`0x${fr.size.toString(16)}\`` : ''} into the function`, '');
  if (fr.module) lines.push(`Module: ${code(fr.module)}`, '');
  if (fr.address && fr.symbol) lines.push(`Address \`${fr.address}\``, '');
  const r = f.group >= 0 ? byGroup.get(f.group) : undefined;
  if (f.suspect && r) lines.push(`**Suspect frame** of stack group #${r.rank} (${r.verdict}): the first function outside the allocator and the tracer.`);
  else if (r) lines.push(`In stack group #${r.rank} (${r.verdict}, suspect ${code(r.site)}).`);
  const t = totals.get(key);
  if (t) {
    lines.push(
      '',
      `Bottom-up: ${plural(t.count, 'outstanding object')} (${formatBytes(t.bytes)}) in ${plural(t.groups, 'stack')} pass through this function${t.leaks > 0 ? `, ${plural(t.leaks, 'likely leak')}` : ''}.`,
    );
  }
  return { contents: lines.join('\n'), range: fr.range };
}
