// The capture view of SLUB debug output: an Error per SLUB error report naming the corruption
// and the cache, related to the allocation and free tracks; TRACE records paired by object
// address and the never-freed allocations grouped by stack and ranked; alloc_traces sites.
import { Frame, Range, Suspect, Verdict, range } from '../model';
import { HexRow, SlubBug, SlubBugKind, SlubLocation, SlubReport, SlubTrace, SlubTrack } from '../formats/slubDebug';
import { cacheBase, objectSizeOf, pairTraces, TracePairing } from '../slubPairing';
import { LeakStack, isFreeFrame, leakStack } from '../leakStacks';
import { POISON_BYTES, dominantPoison, poisonMeaning } from '../poison';
import { frameLabel } from '../frames';
import { frameKey } from '../stacks';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem, RelatedLocation } from './captureView';
import { HoverIndex, MAX_RELATED, code, md, problemFindings, rankSuspects, spanRange, containedOutline } from './viewKit';

const KIND_TEXT: Record<SlubBugKind, { name: string; means: string }> = {
  'poison-overwritten': { name: 'Poison overwritten', means: 'something wrote to the object after it was freed (a use after free)' },
  'redzone-overwritten': { name: 'Redzone overwritten', means: 'something wrote past the end (or before the start) of the object (an out-of-bounds write)' },
  'padding-overwritten': { name: 'Padding overwritten', means: 'something wrote into the padding after the object and its metadata (an out-of-bounds write)' },
  'double-free': { name: 'Object already free', means: 'the object was freed a second time (a double free)' },
  'objects-remaining': { name: 'Objects remaining', means: 'objects were still allocated when the cache was destroyed: they were never freed (a leak)' },
  'slab-corruption': { name: 'Slab metadata corrupted', means: 'the slab\'s own bookkeeping (free list, object count) is corrupted, usually by an earlier out-of-bounds write or double free' },
  other: { name: 'SLUB error', means: 'SLUB\'s consistency checks failed' },
};

interface TraceGroup {
  key: string;
  cache: string;
  norm?: LeakStack;
  /** Outstanding TRACE allocations of this group. */
  outstanding: SlubTrace[];
  /** Allocations of this group that met their free. */
  paired: number;
  /** Objects of "Objects remaining" reports with this cache and allocation stack. */
  remaining: { bug: SlubBug; track: SlubTrack }[];
  objects: Set<string>;
}

function traceStack(t: SlubTrace): Frame[] {
  return t.stacks[0]?.frames ?? [];
}

function stackKey(cache: string, frames: Frame[], fallback: string): { key: string; norm?: LeakStack } {
  if (frames.length === 0) return { key: fallback };
  const norm = leakStack(frames);
  return { key: `${cacheBase(cache)}\n${norm.signature}`, norm };
}

function groupSite(g: TraceGroup): string {
  return g.norm?.suspect ? frameKey(g.norm.suspect) : '(stack missing)';
}

function trackEnd(t: SlubTrack): number {
  return Math.max(t.endLine, ...t.frames.map((f) => f.range.start.line));
}

/** free_traces entries: the stack frees (kfree…), or no free was ever recorded. */
function isFreeLocation(l: SlubLocation): boolean {
  return l.notAvailable || l.frames.some(isFreeFrame) || (l.caller !== undefined && isFreeFrame(l.caller));
}

export function slubDebugView(report: SlubReport): CaptureView {
  const { traces, bugs, locations } = report;

  // ---- TRACE pairing and leak groups ---------------------------------------------------------
  const groups = new Map<string, TraceGroup>();
  const groupIds = new Map<string, number>();
  const groupFor = (cache: string, frames: Frame[], fallback: string): TraceGroup => {
    const { key, norm } = stackKey(cache, frames, fallback);
    let g = groups.get(key);
    if (!g) {
      g = { key, cache: cacheBase(cache), norm, outstanding: [], paired: 0, remaining: [], objects: new Set() };
      groups.set(key, g);
      groupIds.set(key, groupIds.size);
    }
    return g;
  };
  const traceGroup = new Map<SlubTrace, TraceGroup>();
  for (const t of traces) if (t.op === 'alloc') traceGroup.set(t, groupFor(t.cache, traceStack(t), `\u0000missing:${t.line}`));
  const pairing: TracePairing = pairTraces(traces, (t) => groupIds.get(traceGroup.get(t)?.key ?? '') ?? 0);
  for (const t of pairing.outstanding) {
    const g = traceGroup.get(t)!;
    g.outstanding.push(t);
    g.objects.add(t.address);
  }
  for (const a of pairing.freeOf.keys()) {
    const g = traceGroup.get(a);
    if (g) g.paired++;
  }
  for (const b of bugs) {
    if (b.bug !== 'objects-remaining') continue;
    for (const tr of b.tracks) {
      if (tr.kind !== 'alloc') continue;
      const g = groupFor(b.cache, tr.frames.length > 0 ? tr.frames : tr.caller ? [tr.caller] : [], `\u0000remaining:${tr.line}`);
      g.remaining.push({ bug: b, track: tr });
      g.objects.add(tr.object ?? `track@${tr.line}`);
    }
  }
  const leakGroups = [...groups.values()].filter((g) => g.outstanding.length > 0 || g.remaining.length > 0);
  const firstLine = (g: TraceGroup) => Math.min(...g.outstanding.map((t) => t.line), ...g.remaining.map((r) => r.track.line));

  const suspects: Suspect[] = rankSuspects([
    ...leakGroups.map((g) => {
      const size = objectSizeOf(g.cache);
      const count = g.objects.size;
      const { verdict, reason } = judgeGroup(g);
      return { verdict, reason, count, bytes: size !== undefined ? size * count : 0, site: groupSite(g), stack: g.norm?.keys ?? [], line: firstLine(g) };
    }),
    ...locations
      .filter((l) => !isFreeLocation(l))
      .map((l) => {
        const norm = l.frames.length > 0 ? leakStack(l.frames) : undefined;
        const siteName = norm?.suspect ? frameKey(norm.suspect) : l.caller ? frameKey(l.caller) : '(unknown)';
        return {
          verdict: 'possible-leak' as Verdict,
          reason: `${plural(l.count, 'object')} currently allocated from this call site (alloc_traces), ages ${ageText(l)} jiffies; read the file again later to see whether it grows.`,
          count: l.count,
          bytes: l.waste ? 0 : 0,
          site: siteName,
          stack: norm?.keys ?? (l.caller ? [frameKey(l.caller)] : []),
          line: l.line,
        };
      }),
  ]);

  // ---- findings ----------------------------------------------------------------------------
  const findings: Finding[] = [];
  if (traces.length + bugs.length + locations.length > 0) findings.push(summary(report, pairing, leakGroups));
  for (const b of bugs) findings.push(bugFinding(b));
  const suspectAt = new Map(suspects.map((s) => [s.line, s]));
  for (const g of leakGroups) {
    if (g.outstanding.length === 0) continue;
    const t = g.outstanding[0];
    const s = suspectAt.get(firstLine(g));
    const related: RelatedLocation[] = [];
    if (g.norm?.suspect) {
      const own = traceStack(t).find((f) => !f.unreliable && frameKey(f) === frameKey(g.norm!.suspect!));
      related.push({ range: (own ?? g.norm.suspect).symbolRange, message: `suspect frame ${frameLabel(g.norm.suspect)}` });
    }
    for (const o of g.outstanding.slice(1)) related.push({ range: o.headerRange, message: `also never freed: 0x${o.address}` });
    for (const r of g.remaining) related.push({ range: r.track.range, message: `still allocated at ${r.bug.cache} shutdown (object ${r.track.object ? `0x${r.track.object}` : '?'})` });
    findings.push({
      range: t.headerRange,
      severity: 'warning',
      message: `${plural(g.outstanding.length, 'allocation')} from ${cacheBase(t.cache)} never freed in this capture, same stack (suspect ${groupSite(g)})${s ? `: ${s.reason}` : '.'}`,
      code: 'slub-never-freed',
      related: related.slice(0, MAX_RELATED),
    });
  }
  findings.push(...problemFindings(report.problems));

  // ---- frames, hovers ----------------------------------------------------------------------
  const frames: FrameOccurrence[] = [];
  const hovers = new HoverIndex();
  const suspectKeys = new Set(leakGroups.flatMap((g) => (g.norm?.suspect ? [frameKey(g.norm.suspect)] : [])));
  const addFrames = (list: Frame[], context: string, suspectKey?: string) => {
    const suspectFrame = suspectKey === undefined ? undefined : list.find((f) => !f.unreliable && frameKey(f) === suspectKey);
    for (const f of list) {
      frames.push({ frame: f, suspect: f === suspectFrame });
      hovers.add(f.range, () => frameHover(f, context, f === suspectFrame));
    }
  };
  for (const t of traces) {
    const g = traceGroup.get(t);
    const sk = g?.norm?.suspect ? frameKey(g.norm.suspect) : undefined;
    t.stacks.forEach((st, i) => addFrames(st.frames, `${i === 0 ? 'call trace' : 'stack'} of TRACE ${t.op} 0x${t.address} (${t.cache})`, i === 0 && t.op === 'alloc' ? sk : undefined));
    hovers.add(t.headerRange, () => traceHover(t, pairing, g));
    hovers.add(t.cacheRange, () => cacheHover(t.cache));
    for (const h of t.hex) addHexHovers(hovers, h, t.hex, t.op === 'free' ? 'freed' : 'allocated');
  }
  for (const b of bugs) {
    hovers.add(b.messageRange, () => `**${KIND_TEXT[b.bug].name}** in ${code(b.cache)}: ${KIND_TEXT[b.bug].means}.${b.taint ? `\n\nTaint: ${code(b.taint.trim())}${/ B\b| B /.test(` ${b.taint} `) ? ' — `B` means a bad page or an earlier SLUB error: look for the first report.' : ''}` : ''}`);
    hovers.add(b.cacheRange, () => cacheHover(b.cache));
    if (b.corruption?.firstRange) hovers.add(b.corruption.firstRange, () => corruptionHover(b));
    if (b.corruption?.expectedRange) hovers.add(b.corruption.expectedRange, () => corruptionHover(b));
    for (const tr of b.tracks) {
      const sk = b.bug === 'objects-remaining' && tr.kind === 'alloc' ? leakStack(tr.frames.length > 0 ? tr.frames : tr.caller ? [tr.caller] : []).suspect : undefined;
      if (tr.caller) {
        frames.push({ frame: tr.caller, suspect: false });
        hovers.add(tr.caller.range, () => trackHover(tr, b));
      }
      addFrames(tr.frames, `${tr.kind === 'alloc' ? 'allocation' : 'free'} track of the ${KIND_TEXT[b.bug].name} report in ${b.cache}`, sk ? frameKey(sk) : undefined);
      hovers.add(range(tr.line, tr.range.start.character, tr.caller ? tr.caller.range.start.character : tr.range.end.character), () => trackHover(tr, b));
    }
    b.stacks.forEach((st) => addFrames(st.frames, st.destroyWarning ? `stack of kmem_cache_destroy(${b.cache})` : `stack that detected the ${KIND_TEXT[b.bug].name} report`));
    for (const h of b.hex) addHexHovers(hovers, h, b.hex, b.bug === 'poison-overwritten' || b.bug === 'double-free' ? 'freed' : 'allocated');
  }
  for (const l of locations) {
    const free = isFreeLocation(l);
    const norm = l.frames.length > 0 ? leakStack(l.frames) : undefined;
    if (l.caller) {
      frames.push({ frame: l.caller, suspect: !free && suspectKeys.size === 0 && norm?.suspect !== undefined && frameKey(norm.suspect) === frameKey(l.caller) });
      hovers.add(l.caller.range, () => locationHover(l, free));
    }
    addFrames(l.frames, `${free ? 'free' : 'allocation'} site of ${plural(l.count, 'object')}`, free || !norm?.suspect ? undefined : frameKey(norm.suspect));
    hovers.add(l.countRange, () => locationHover(l, free));
  }
  void suspectKeys;

  // ---- outline, folds, lenses --------------------------------------------------------------
  const outline: OutlineItem[] = [];
  for (const b of bugs) {
    outline.push({
      name: `BUG ${b.cache}: ${KIND_TEXT[b.bug].name}`,
      detail: b.message,
      kind: 'group',
      range: { start: { line: b.startLine, character: 0 }, end: { line: b.endLine, character: 0 } },
      selectionRange: b.headerRange,
      children: [
        ...b.tracks.map((tr) => ({
          name: `${tr.kind === 'alloc' ? 'Allocated in' : 'Freed in'} ${tr.caller?.symbol ?? '?'}`,
          detail: [tr.object ? `object 0x${tr.object}` : '', tr.pid !== undefined ? `pid ${tr.pid}` : '', tr.age !== undefined ? `age ${tr.age}` : ''].filter((x) => x).join(' · '),
          kind: 'event' as const,
          range: spanRange(tr.range.start, trackEnd(tr), tr.range.end),
          selectionRange: tr.range.start.line === tr.range.end.line ? tr.range : range(tr.line, tr.range.start.character, tr.range.start.character),
          children: [],
        })),
        ...b.objects.map((o) => ({ name: `object 0x${o.address}`, detail: o.offset !== undefined ? `@offset=${o.offset}` : undefined, kind: 'object' as const, range: o.range, selectionRange: o.range, children: [] })),
      ],
    });
  }
  const byCache = new Map<string, SlubTrace[]>();
  for (const t of traces) {
    const k = cacheBase(t.cache);
    const list = byCache.get(k);
    if (list) list.push(t);
    else byCache.set(k, [t]);
  }
  for (const [cache, list] of byCache) {
    const never = list.filter((t) => t.op === 'alloc' && !pairing.freeOf.has(t)).length;
    outline.push({
      name: `TRACE ${cache}`,
      detail: `${plural(list.length, 'record')}${never > 0 ? ` · ${never} never freed` : ''}`,
      kind: 'group',
      range: { start: { line: list[0].line, character: 0 }, end: { line: Math.max(...list.map((t) => t.endLine)), character: 0 } },
      selectionRange: list[0].headerRange,
      children: list.map((t) => ({
        name: `${t.op} 0x${t.address}`,
        detail: t.op === 'alloc' ? (pairing.freeOf.has(t) ? `freed (line ${pairing.freeOf.get(t)!.line + 1})` : 'never freed') : pairing.allocOf.has(t) ? `allocated at line ${pairing.allocOf.get(t)!.line + 1}` : 'allocated before the capture',
        kind: 'event' as const,
        range: { start: { line: t.line, character: 0 }, end: { line: t.endLine, character: 0 } },
        selectionRange: t.headerRange,
        children: [],
      })),
    });
  }
  if (locations.length > 0) {
    outline.push({
      name: locations.some((l) => !isFreeLocation(l)) ? 'alloc_traces' : 'free_traces',
      detail: `${plural(locations.length, 'site')} · ${plural(locations.reduce((t, l) => t + l.count, 0), 'object')}`,
      kind: 'summary',
      range: { start: { line: locations[0].line, character: 0 }, end: { line: Math.max(...locations.map((l) => l.endLine)), character: 0 } },
      selectionRange: locations[0].countRange,
      children: locations.map((l) => ({
        name: l.caller?.symbol ?? '<not-available>',
        detail: `${plural(l.count, 'object')} · age ${ageText(l)}`,
        kind: 'object' as const,
        range: spanRange(l.range.start, l.endLine, l.range.end),
        selectionRange: l.countRange,
        children: [],
      })),
    });
  }

  const folds = [
    ...bugs.filter((b) => b.endLine > b.startLine).map((b) => ({ startLine: b.startLine, endLine: b.endLine })),
    ...bugs.flatMap((b) => b.tracks.filter((t) => trackEnd(t) > t.line).map((t) => ({ startLine: t.line, endLine: trackEnd(t) }))),
    ...traces.filter((t) => t.endLine > t.line).map((t) => ({ startLine: t.line, endLine: t.endLine })),
    ...locations.filter((l) => l.endLine > l.line).map((l) => ({ startLine: l.line, endLine: l.endLine })),
  ];

  const lenses: Lens[] = [
    ...bugs
      .filter((b) => b.tracks.length > 0)
      .map((b) => ({
        range: b.headerRange,
        title: b.tracks.map((t) => `${t.kind === 'alloc' ? 'allocated in' : 'freed in'} ${t.caller?.symbol ?? '?'}`).slice(0, 3).join(' · ') + (b.tracks.length > 3 ? ` · +${b.tracks.length - 3}` : ''),
        locations: b.tracks.map((t) => t.range),
      })),
    ...leakGroups
      .filter((g) => g.outstanding.length > 0)
      .map((g) => ({
        range: g.outstanding[0].headerRange,
        title: `${plural(g.outstanding.length, 'allocation')} never freed · same stack${g.paired > 0 ? ` · ${g.paired} freed` : ''}`,
        locations: g.outstanding.map((t) => t.headerRange),
      })),
  ];

  return {
    format: 'slub-debug',
    records: traces.length + bugs.length + locations.length,
    findings,
    suspects,
    outline: containedOutline(outline),
    folds,
    tokens: report.tokens,
    frames,
    lenses,
    hover: (pos) => hovers.at(pos),
  };
}

function ageText(l: SlubLocation): string {
  return l.age.avg !== undefined ? `${l.age.min}/${l.age.avg}/${l.age.max}` : String(l.age.min);
}

function judgeGroup(g: TraceGroup): { verdict: Verdict; reason: string } {
  if (g.remaining.length > 0) {
    const b = g.remaining[0].bug;
    return { verdict: 'likely-leak', reason: `${plural(g.objects.size, 'object')} of ${b.cache} were still allocated when the cache was destroyed (Objects remaining on __kmem_cache_shutdown): never freed.` };
  }
  const n = g.outstanding.length;
  if (!g.norm) return { verdict: 'possible-leak', reason: 'Never freed in the capture, but its stack is missing, so its origin is unknown.' };
  if (g.paired === 0 && n >= 2) return { verdict: 'likely-leak', reason: `${n} allocations from this stack, none of them freed in the capture (its objects never reach kfree/__slab_free).` };
  if (g.paired === 0) return { verdict: 'possible-leak', reason: 'A single allocation from this stack, not freed in the capture (it may be freed after it ended).' };
  if (g.paired >= n) return { verdict: 'transient', reason: `${g.paired} allocations from this stack were freed and ${n} not yet: objects in flight.` };
  return { verdict: 'possible-leak', reason: `${n} of ${n + g.paired} allocations from this stack were not freed in the capture.` };
}

function summary(report: SlubReport, pairing: TracePairing, groups: TraceGroup[]): Finding {
  const { traces, bugs, locations } = report;
  const parts: string[] = [];
  if (traces.length > 0) {
    const allocs = traces.filter((t) => t.op === 'alloc').length;
    const frees = traces.length - allocs;
    parts.push(
      `${plural(traces.length, 'TRACE record')} (${plural(allocs, 'alloc')}, ${plural(frees, 'free')}): ${pairing.freeOf.size} paired, ${pairing.outstanding.length} never freed${pairing.unmatchedFrees.length > 0 ? `, ${plural(pairing.unmatchedFrees.length, 'free')} of objects allocated before the capture` : ''}${pairing.lostFrees.length > 0 ? `, ${plural(pairing.lostFrees.length, 'lost free')}` : ''}`,
    );
  }
  if (bugs.length > 0) parts.push(`${plural(bugs.length, 'error report')}: ${bugs.map((b) => `${KIND_TEXT[b.bug].name} in ${b.cache}`).join('; ')}`);
  if (locations.length > 0) parts.push(`${plural(locations.length, 'alloc/free_traces site')} holding ${plural(locations.reduce((t, l) => t + l.count, 0), 'object')}`);
  const leaks = groups.filter((g) => g.remaining.length > 0 || g.outstanding.length > 0);
  if (leaks.length > 0) parts.push(`${plural(leaks.length, 'stack')} with objects never freed`);
  const related: RelatedLocation[] = [
    ...bugs.map((b) => ({ range: b.headerRange, message: `${KIND_TEXT[b.bug].name} in ${b.cache}` })),
    ...leaks.map((g) => ({ range: g.outstanding[0]?.headerRange ?? g.remaining[0].track.range, message: `never freed: ${groupSite(g)}` })),
  ];
  return { range: range(0, 0, 0), severity: 'information', message: `SLUB debug: ${parts.join('; ')}.`, code: 'summary', related: related.slice(0, MAX_RELATED) };
}

function trackText(t: SlubTrack | undefined): string {
  if (!t) return '';
  const who = [t.pid !== undefined ? `pid ${t.pid}` : '', t.cpu !== undefined ? `cpu ${t.cpu}` : '', t.age !== undefined ? `age ${t.age}` : ''].filter((x) => x).join(', ');
  return `${t.caller ? frameLabel(t.caller) : '?'}${who ? ` (${who})` : ''}`;
}

function bugFinding(b: SlubBug): Finding {
  const k = KIND_TEXT[b.bug];
  const alloc = b.tracks.find((t) => t.kind === 'alloc');
  const free = b.tracks.find((t) => t.kind === 'free');
  let msg: string;
  if (b.bug === 'objects-remaining') {
    const n = Math.max(b.objects.length, b.tracks.filter((t) => t.kind === 'alloc').length);
    const callers = [...new Set(b.tracks.filter((t) => t.kind === 'alloc').map((t) => (t.caller ? frameLabel(t.caller) : '?')))];
    msg = `SLUB: ${n > 0 ? plural(n, 'object') : 'objects'} remaining in ${b.cache} when it was destroyed — never freed (a leak)${callers.length > 0 ? `; allocated in ${callers.join(', ')}` : ''}.`;
  } else {
    msg = `SLUB: ${k.name} in ${b.cache} — ${k.means}.`;
    const c = b.corruption;
    if (c?.first !== undefined) {
      msg += ` First byte 0x${c.first.toString(16)}${c.expected !== undefined ? ` instead of 0x${c.expected.toString(16)}${expectedName(b, c.expected)}` : ''}${c.start ? ` at 0x${c.start}` : ''}${c.offset !== undefined ? ` (@offset=${c.offset})` : ''}.`;
    }
    if (b.bug === 'slab-corruption') msg += ` "${b.message}".`;
    if (alloc) msg += ` Allocated in ${trackText(alloc)}.`;
    if (free) msg += ` Freed in ${trackText(free)}.`;
  }
  const related: RelatedLocation[] = [];
  for (const t of b.tracks) related.push({ range: t.range, message: `${t.kind === 'alloc' ? 'allocation' : 'free'} track: ${trackText(t)}${t.object ? ` (object 0x${t.object})` : ''}` });
  if (b.corruption) related.push({ range: b.corruption.range, message: 'the overwritten bytes' });
  for (const o of b.objects) related.push({ range: o.range, message: `object 0x${o.address}` });
  const reporter = b.stacks.find((s) => !s.destroyWarning);
  if (reporter) {
    const n = leakStack(reporter.frames);
    if (n.suspect) related.push({ range: n.suspect.symbolRange, message: `reported from ${frameLabel(n.suspect)}` });
  }
  return { range: b.headerRange, severity: 'error', message: msg, code: 'slub-error', related: related.slice(0, MAX_RELATED) };
}

function cacheHover(cache: string): string {
  const size = objectSizeOf(cache);
  const lines = [`**Slab cache** ${code(cache)}`];
  if (size !== undefined) lines.push('', `A kmalloc cache: objects of ${formatBytes(size)} (requests are rounded up to it).`);
  if (cache !== cacheBase(cache)) lines.push('', `A per-memory-cgroup child of ${code(cacheBase(cache))} (pre-5.9 kernels).`);
  return lines.join('\n');
}

function traceHover(t: SlubTrace, p: TracePairing, g: { outstanding: SlubTrace[]; paired: number } | undefined): string {
  const lines = [`**TRACE ${t.op}** of object \`0x${t.address}\` in ${code(t.cache)}`, '', `\`inuse=${t.inuse}\`: objects in use in its slab${t.fp ? `, \`fp=${t.fp}\`: the next free object` : ''}.`];
  if (t.comm) lines.push('', `By ${code(t.comm)} (pid ${t.pid}) on CPU ${t.cpu}.`);
  if (t.op === 'alloc') {
    const f = p.freeOf.get(t);
    lines.push('', f ? `Freed at line ${f.line + 1}.` : '**Never freed** in this capture.');
    if (g) lines.push('', `Its stack: ${g.outstanding.length} never freed, ${g.paired} freed.`);
  } else {
    const a = p.allocOf.get(t);
    lines.push('', a ? `Allocated at line ${a.line + 1}.` : 'Its allocation is not in the capture (allocated before tracing started).');
  }
  return lines.join('\n');
}

/** ` (0x6b POISON_FREE)`: the name of the expected byte, SLUB's padding fill in a Padding report. */
function expectedName(b: SlubBug, expected: number): string {
  const meaning = poisonMeaning(expected, b.bug === 'padding-overwritten' ? 'Padding' : undefined);
  return meaning ? ` (${meaning.split(' — ')[0].replace(/`/g, '')}${b.bug === 'padding-overwritten' && expected === 0x5a ? ' SLUB padding fill' : ''})` : '';
}

function corruptionHover(b: SlubBug): string {
  const c = b.corruption!;
  const lines = [`**${KIND_TEXT[b.bug].name}**: first bad byte \`0x${(c.first ?? 0).toString(16)}\`${c.expected !== undefined ? `, expected \`0x${c.expected.toString(16)}\`` : ''}.`];
  // In a Padding report 0x5a is SLUB's padding fill, not an allocated object's poison.
  const where = b.bug === 'padding-overwritten' ? 'Padding' : undefined;
  const expected = c.expected !== undefined ? poisonMeaning(c.expected, where) : undefined;
  const found = c.first !== undefined ? poisonMeaning(c.first, where) : undefined;
  if (expected) lines.push('', `Expected: ${expected}`);
  // In a fill (padding, redzone) the byte found is what the stray write left, not a poison.
  if (found && b.bug !== 'padding-overwritten' && b.bug !== 'redzone-overwritten') lines.push('', `Found: ${found}`);
  if (c.start && c.end) {
    const len = parseInt(c.end.slice(-8), 16) - parseInt(c.start.slice(-8), 16) + 1;
    if (len > 0 && len < 1 << 20) lines.push('', `${plural(len, 'byte')} overwritten${c.offset !== undefined ? `, ${c.offset} bytes into the slab` : ''}.`);
  }
  return lines.join('\n');
}

const ROW_TEXT: Record<string, string> = {
  Redzone: 'the red zone around the object: `0xbb` while it is free, `0xcc` while it is allocated; anything else is an out-of-bounds write',
  'Left Redzone': 'the red zone before the object',
  'Right Redzone': 'the red zone after the object',
  Object: 'the object itself: `0x6b` (ending in `0xa5`) while it is free, `0x5a` if allocated and never written',
  Padding: 'padding after the object\'s metadata, filled with `0x5a`',
  'Bytes b4': 'the bytes before the object',
};

/** Rows SLUB fills with one byte (redzones 0xbb/0xcc, padding 0x5a): any other byte there is a stray write. */
const FILLED_ROWS = new Set(['Padding', 'Redzone', 'Left Redzone', 'Right Redzone']);

/** Does byte `i` break the row's pattern? POISON_END closing a 0x6b fill does not. */
function breaksPattern(h: HexRow, i: number, pattern: number): boolean {
  const b = h.bytes[i];
  if (b === pattern || (b === 0xa5 && pattern === 0x6b)) return false;
  // SLUB's own fills (free poison, padding, redzones) admit no other byte; elsewhere poison-like bytes are data.
  if (FILLED_ROWS.has(h.label) || pattern === 0x6b || pattern === 0x5a) return true;
  return POISON_BYTES[b] === undefined;
}

function hexHover(h: HexRow, rows: HexRow[], state: string): string {
  const same = rows.filter((r) => r.label === h.label);
  const all = same.flatMap((r) => r.bytes);
  const poison = dominantPoison(all, h.label);
  const lines = [`**${h.label}** \`${h.address}\` — ${ROW_TEXT[h.label] ?? 'a dump of slab memory'}.`];
  lines.push('', poison ? `${Math.round(poison.share * 100)}% of the ${h.label} bytes shown are ${poison.meaning}` : `No poison pattern in these bytes: the object holds data (it is ${state}).`);
  if (endsFreePoison(h)) lines.push('', `The row ends with ${POISON_BYTES[0xa5]} The object ends here.`);
  const odd = poison ? h.bytes.filter((_, i) => breaksPattern(h, i, poison.byte)).length : 0;
  if (odd > 0 && odd < h.bytes.length) lines.push('', `${plural(odd, 'byte')} on this row break the pattern: where the stray write landed.`);
  return lines.join('\n');
}

/** `6b 6b … 6b a5`: a free object's poison with its POISON_END. */
function endsFreePoison(h: HexRow): boolean {
  const n = h.bytes.length;
  return n >= 2 && h.bytes[n - 1] === 0xa5 && h.bytes[n - 2] === 0x6b;
}

/** A hover on the row, and one on each byte that differs from the row's pattern (POISON_END, stray writes). */
function addHexHovers(hovers: HoverIndex, h: HexRow, rows: HexRow[], state: string): void {
  hovers.add(h.range, () => hexHover(h, rows, state));
  const pattern = dominantPoison(h.bytes, h.label);
  if (!pattern) return;
  const start = h.range.start;
  h.bytes.forEach((b, i) => {
    if (b === pattern.byte) return;
    const at = start.character + 3 * i;
    hovers.add(range(start.line, at, at + 2), () => byteHover(h, i, pattern.byte));
  });
}

function byteHover(h: HexRow, i: number, patternByte: number): string {
  const b = h.bytes[i];
  const hex = (v: number) => `\`0x${v.toString(16).padStart(2, '0')}\``;
  const lines = [`**${hex(b)}** at byte ${i} of this ${h.label} row (the row's pattern is ${hex(patternByte)}).`];
  if (b === 0xa5 && patternByte === 0x6b) {
    lines.push('', `${POISON_BYTES[0xa5]} SLUB fills a freed object with \`0x6b\` and puts \`0xa5\` in its last byte: the object ends here, this byte is not a stray write.`);
  } else if (breaksPattern(h, i, patternByte)) {
    lines.push('', `It breaks the ${hex(patternByte)} fill: something wrote ${hex(b)} here (where the stray write landed).`);
  } else lines.push('', poisonMeaning(b, h.label)!);
  return lines.join('\n');
}

function trackHover(t: SlubTrack, b: SlubBug): string {
  const lines = [`**${t.kind === 'alloc' ? 'Allocation' : 'Free'} track** of the ${KIND_TEXT[b.bug].name} report in ${code(b.cache)}`, ''];
  lines.push(`${t.kind === 'alloc' ? 'Allocated' : 'Freed'} in \`${t.caller ? md(frameLabel(t.caller)) : '?'}\``);
  if (t.age !== undefined) lines.push('', `${t.age} jiffies before the report (age)`);
  if (t.cpu !== undefined || t.pid !== undefined) lines.push('', `On CPU ${t.cpu ?? '?'}, by pid ${t.pid ?? '?'}`);
  if (t.object) lines.push('', `Object \`0x${t.object}\``);
  return lines.join('\n');
}

function locationHover(l: SlubLocation, free: boolean): string {
  const lines = [`**${plural(l.count, 'object')}** ${free ? 'last freed' : 'allocated'} from ${code(l.caller ? frameLabel(l.caller) : '<not-available>')}`];
  if (l.notAvailable) lines.push('', '`<not-available>`: these objects were never freed before (free_traces of objects allocated for the first time), or no track was recorded.');
  lines.push('', `Age (jiffies since ${free ? 'free' : 'allocation'}): ${l.age.avg !== undefined ? `min ${l.age.min}, average ${l.age.avg}, max ${l.age.max}` : String(l.age.min)}`);
  lines.push('', `pid ${l.pids.min === l.pids.max ? l.pids.min : `${l.pids.min}–${l.pids.max}`}${l.cpus ? `, CPUs ${l.cpus}` : ''}${l.nodes ? `, nodes ${l.nodes}` : ''}`);
  if (l.waste) lines.push('', `Waste: ${formatBytes(l.waste.total)} in all, ${l.waste.each} bytes per object (the kmalloc size class is larger than the request).`);
  return lines.join('\n');
}

function frameHover(f: Frame, context: string, isSuspect: boolean): string {
  const lines = [`**${md(f.symbol ?? `0x${f.address}`)}**${f.unreliable ? ' (`?`: the unwinder is not sure of this frame)' : ''}`, ''];
  if (!f.symbol) lines.push('Unresolved address.', '');
  if (f.offset !== undefined) lines.push(`Offset \`0x${f.offset.toString(16)}\`${f.size !== undefined ? ` of \`0x${f.size.toString(16)}\` bytes` : ''} into the function`, '');
  if (f.module) lines.push(`Module: ${code(f.module)}`, '');
  lines.push(`In the ${md(context)}.`);
  if (isSuspect) lines.push('', '**Suspect frame**: the first function outside the allocator and the debugging machinery.');
  return lines.join('\n');
}

export type { Range };
