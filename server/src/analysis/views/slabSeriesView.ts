// The capture view of a slab/meminfo snapshot series (slabinfo, slabtop, meminfo, buddyinfo):
// the growing caches at their latest row (rate, R², verdict), a summary with the SUnreclaim
// projection, snapshots → caches in the outline, a fold per snapshot, hovers on rows and
// timestamps, and a "Show Slab Growth" lens over a series.
import { Position, Range, Suspect, range } from '../model';
import { SnapshotSeries, Snapshot } from '../snapshotSeries';
import { buddyFreeBytes } from '../formats/buddyinfo';
import {
  CacheGrowth,
  FieldTrend,
  KERNEL_COUNTERS,
  SlabGrowthReport,
  analyzeSlabGrowth,
  counterGrowth,
  formatDuration,
  formatRate,
  formatSpan,
  signed,
} from '../slabGrowth';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FormatId, Lens, OutlineItem } from './captureView';
import { HoverIndex, MAX_RELATED, md, problemFindings } from './viewKit';

export const SHOW_SLAB_GROWTH = 'kleak.showSlabGrowth';

/** What to run to record a series kleak can attribute (slab caches and kernel counters). */
const RECORD_SERIES = '"while sleep 10; do date; sudo cat /proc/slabinfo /proc/meminfo; done > slab-series.txt"';
/** meminfo fields of free memory: their fall is the symptom, not its cause. */
const FREE_FIELDS = ['MemAvailable', 'MemFree', 'LowFree'];

/** Outline children (rows) across all snapshots; past it only growing caches are listed. */
const MAX_OUTLINE_ROWS = 20000;
/** Diagnostics for growing caches, largest growth first. */
const MAX_GROWTH_FINDINGS = 100;

const models = new WeakMap<CaptureView, SlabGrowthReport>();

/** The growth analysis behind a slab series view (for the `kleak/slabSeries` request). */
export function slabGrowthOf(view: CaptureView): SlabGrowthReport | undefined {
  return models.get(view);
}

export function slabSeriesView(series: SnapshotSeries, format: FormatId): CaptureView {
  const report = analyzeSlabGrowth(series);
  const findings: Finding[] = [];
  const single = report.snapshots < 2;

  findings.push(summaryFinding(report));
  if (single && series.snapshots.length > 0) {
    findings.push({
      range: range(0, 0, 0),
      severity: 'information',
      message: `Only one snapshot: growth needs two or more. Record a series, e.g. ${RECORD_SERIES}.`,
      code: 'single-snapshot',
      related: [],
    });
  }
  const growing = report.caches.filter((c) => c.verdict !== 'stable');
  for (const c of growing.slice(0, MAX_GROWTH_FINDINGS)) findings.push(cacheFinding(c, report));
  for (const f of meminfoFindings(report)) findings.push(f);
  const uncounted = uncountedFinding(report);
  if (uncounted) findings.push(uncounted);
  findings.push(...problemFindings(series.problems));

  // Hovers (cache rows, meminfo fields, buddyinfo zones, timestamps), indexed on the first hover:
  // the CLI never asks.
  let hovers: HoverIndex | undefined;
  const hoverIndex = (): HoverIndex => {
    if (hovers) return hovers;
    hovers = new HoverIndex();
    if (series.sources.length > 0) return hovers; // a folder has no document to hover
    const growthOf = new Map(report.caches.map((c) => [c.series, c]));
    for (const c of series.caches) {
      const g = growthOf.get(c);
      for (let i = 0; i < c.snap.length; i++) {
        const snap = series.snapshots[c.snap[i]];
        hovers.add(range(c.line[i], 0, c.end[i]), () => cacheHover(c.name, i, g, report, snap));
      }
    }
    for (const f of series.meminfo) {
      const t = report.fields.get(f.key);
      for (let i = 0; i < f.snap.length; i++) hovers.add(range(f.line[i], f.nameStart[i], f.end[i]), () => fieldHover(f.key, f.value[i], f.unit, t, report));
    }
    for (const b of series.buddyinfo) {
      for (let i = 0; i < b.snap.length; i++) hovers.add(range(b.line[i], b.nameStart[i], b.end[i]), () => buddyHover(b.key, b.counts[i], series.pageSize));
    }
    for (const s of series.snapshots) if (s.labelRange) hovers.add(s.labelRange, () => snapshotHover(s, report));
    return hovers;
  };

  const view: CaptureView = {
    format,
    records: report.snapshots,
    findings,
    suspects: suspects(report),
    outline: series.sources.length > 0 ? [] : outline(report),
    folds: series.sources.length > 0 ? [] : series.snapshots.filter((s) => s.endLine > s.startLine).map((s) => ({ startLine: s.startLine, endLine: s.endLine })),
    get tokens() {
      return series.tokens;
    },
    frames: [],
    lenses: lenses(report),
    hover: (pos: Position) => hoverIndex().at(pos),
  };
  models.set(view, report);
  return view;
}

// ---- suspects ----------------------------------------------------------------------------------

function suspects(report: SlabGrowthReport): Suspect[] {
  if (report.snapshots < 2) return [];
  const measured = report.caches.filter((c) => c.trend.points >= 2);
  if (measured.length > 0) {
    return measured.map((c, i) => {
      const s = c.series;
      const first = c.idx[0];
      const last = c.idx[c.idx.length - 1];
      return {
        rank: i + 1,
        verdict: c.verdict,
        reason: c.reason,
        count: s.total[last] - s.total[first],
        bytes: c.trend.growth,
        site: c.name,
        stack: [],
        line: s.line[last],
        samples: [s.line[first], s.line[last]],
      };
    });
  }
  // A meminfo-only series: the kernel's own counters are the suspects.
  return counterGrowth(report).map((c, i) => ({
    rank: i + 1,
    verdict: c.verdict,
    reason: c.reason + (c.key === 'SUnreclaim' ? exhaustionSentence(report) : ''),
    count: 0,
    bytes: c.growth,
    site: c.key,
    stack: [],
    line: c.series.line[c.idx[c.idx.length - 1]],
    samples: [c.series.line[c.idx[0]], c.series.line[c.idx[c.idx.length - 1]]],
  }));
}

// ---- findings ----------------------------------------------------------------------------------

function latestName(c: CacheGrowth): Range {
  const i = c.idx[c.idx.length - 1];
  return range(c.series.line[i], c.series.nameStart[i], c.series.nameEnd[i]);
}

function firstName(c: CacheGrowth): Range {
  const i = c.idx[0];
  return range(c.series.line[i], c.series.nameStart[i], c.series.nameEnd[i]);
}

function cacheFinding(c: CacheGrowth, report: SlabGrowthReport): Finding {
  const leak = c.verdict === 'likely-leak';
  const s = c.series;
  const first = c.idx[0];
  return {
    range: latestName(c),
    severity: leak ? 'warning' : 'information',
    message: `${c.name}: ${leak ? 'likely leak' : 'reclaimable cache'} — ${c.reason}`,
    code: 'slab-growth',
    related: [
      {
        range: firstName(c),
        message: `first snapshot: ${formatBytes(c.trend.first)}, ${s.total[first]} objects of ${s.objSize[first]} B`,
      },
    ],
  };
}

function summaryFinding(report: SlabGrowthReport): Finding {
  const series = report.series;
  const leaks = report.caches.filter((c) => c.verdict === 'likely-leak');
  const caches = report.caches.filter((c) => c.verdict === 'cache');
  const parts: string[] = [];
  const related: Finding['related'] = [];
  if (report.snapshots < 2) {
    parts.push(singleSummary(report));
  } else {
    parts.push(`Slab series: ${formatSpan(report.duration, report.unit, report.snapshots)}.`);
    if (report.caches.length > 0) {
      parts.push(
        leaks.length > 0
          ? `${plural(leaks.length, 'cache')} ${leaks.length === 1 ? 'grows' : 'grow'} steadily and ${leaks.length === 1 ? 'is' : 'are'} unreclaimable (likely ${leaks.length === 1 ? 'leak' : 'leaks'}): ${list(leaks, report)}.`
          : 'No cache grows steadily while unreclaimable: no likely leak.',
      );
      if (caches.length > 0) parts.push(`${plural(caches.length, 'reclaimable cache')} ${caches.length === 1 ? 'grows' : 'grow'}: ${list(caches, report)}.`);
      if (series.sources.length === 0) {
        for (const c of [...leaks, ...caches].slice(0, MAX_RELATED)) related.push({ range: latestName(c), message: `${c.name}: ${c.verdict}, ${signed(c.trend.growth)}` });
      }
    }
    const su = report.fields.get('SUnreclaim');
    if (su && su.points >= 2) {
      parts.push(`SUnreclaim ${signed(su.growth)} (${formatRate(su.slope, report.unit)}${su.points >= 3 ? `, R² ${su.r2.toFixed(2)}` : ''})${exhaustionText(report)}.`);
    }
    for (const key of ['MemAvailable', 'LowFree']) {
      const t = report.fields.get(key);
      if (t && t.points >= 2 && t.growth < 0 && -t.growth >= 0.05 * t.first) parts.push(`${key} ${signed(t.growth)} (${formatRate(t.slope, report.unit)}).`);
    }
  }
  return { range: range(0, 0, 0), severity: 'information', message: parts.join(' '), code: 'summary', related };
}

/** " At this rate it reaches MemTotal (…) in …." after SUnreclaim's reason (diagnostic and CLI suspect), or ''. */
function exhaustionSentence(report: SlabGrowthReport): string {
  const e = report.exhaustion;
  return e ? ` At this rate it reaches MemTotal (${formatBytes(e.memTotal)}) in ${formatDuration(e.seconds)}.` : '';
}

function exhaustionText(report: SlabGrowthReport): string {
  const e = report.exhaustion;
  if (!e) return '';
  return `: at this rate it reaches MemTotal (${formatBytes(e.memTotal)}) in ${formatDuration(e.seconds)}`;
}

function list(cs: CacheGrowth[], report: SlabGrowthReport): string {
  const shown = cs.slice(0, 5).map((c) => `${c.name} ${signed(c.trend.growth)} (${formatRate(c.trend.slope, report.unit)})`);
  return shown.join(', ') + (cs.length > 5 ? `, and ${cs.length - 5} more` : '');
}

function singleSummary(report: SlabGrowthReport): string {
  const series = report.series;
  const parts: string[] = [];
  if (report.caches.length > 0) {
    const sized = report.caches.map((c) => ({ name: c.name, bytes: c.trend.last })).sort((a, b) => b.bytes - a.bytes);
    const total = sized.reduce((n, c) => n + c.bytes, 0);
    parts.push(
      `Slab snapshot: ${plural(sized.length, 'cache')}, ${formatBytes(total)} of slab memory; largest ${sized
        .slice(0, 3)
        .map((c) => `${c.name} ${formatBytes(c.bytes)}`)
        .join(', ')}.`,
    );
  }
  const v = (k: string) => report.fields.get(k);
  if (v('MemTotal')) {
    const bits = [`MemTotal ${formatBytes(v('MemTotal')!.last)}`];
    if (v('Slab')) bits.push(`Slab ${formatBytes(v('Slab')!.last)}${v('SUnreclaim') && v('SReclaimable') ? ` (SReclaimable ${formatBytes(v('SReclaimable')!.last)}, SUnreclaim ${formatBytes(v('SUnreclaim')!.last)})` : ''}`);
    if (v('VmallocUsed')) bits.push(`VmallocUsed ${formatBytes(v('VmallocUsed')!.last)}`);
    parts.push(`meminfo: ${bits.join(', ')}.`);
  }
  if (parts.length === 0 && series.snapshots.length > 0) parts.push('One snapshot.');
  if (series.snapshots.length === 0) parts.push('No snapshot.');
  return parts.join(' ');
}

function meminfoFindings(report: SlabGrowthReport): Finding[] {
  if (report.snapshots < 2 || report.series.sources.length > 0) return [];
  const out: Finding[] = [];
  const latest = (t: FieldTrend) => {
    const i = t.idx[t.idx.length - 1];
    return range(t.series.line[i], t.series.nameStart[i], t.series.nameEnd[i]);
  };
  for (const c of counterGrowth(report)) {
    if (c.verdict === 'stable') continue;
    out.push({
      range: latest(c),
      severity: c.verdict === 'likely-leak' ? 'warning' : 'information',
      message:
        `${c.key}: ${c.verdict === 'likely-leak' ? 'grows steadily' : 'reclaimable memory grows'} — ${c.reason}` + (c.key === 'SUnreclaim' ? exhaustionSentence(report) : ''),
      code: 'meminfo-growth',
      related: [],
    });
  }
  for (const t of fallingFreeFields(report)) {
    out.push({ range: latest(t), severity: 'information', message: `${fallText(t, report)}.`, code: 'meminfo-growth', related: [] });
  }
  return out;
}

/** Free-memory fields that fell by 5% or more over the series. */
function fallingFreeFields(report: SlabGrowthReport): FieldTrend[] {
  return FREE_FIELDS.map((k) => report.fields.get(k)).filter((t): t is FieldTrend => !!t && t.points >= 2 && t.growth < 0 && -t.growth >= 0.05 * t.first);
}

function fallText(t: FieldTrend, report: SlabGrowthReport): string {
  return `${t.key} falls: ${signed(t.growth)} (${formatBytes(t.first)} → ${formatBytes(t.last)}, ${formatRate(t.slope, report.unit)}${t.points >= 3 ? `, R² ${t.r2.toFixed(2)}` : ''})`;
}

/**
 * A meminfo series without a slab cache or kernel-memory counter, such as a grep of MemFree or
 * LowFree (the usual first capture of "free memory keeps falling"). It shows memory going, never
 * who holds it. Say so, and what to record instead: else all it says is "0 suspects".
 */
function uncountedFinding(report: SlabGrowthReport): Finding | undefined {
  if (report.snapshots < 2 || report.caches.length > 0 || report.fields.size === 0 || counterGrowth(report).length > 0) return undefined;
  const keys = [...report.fields.keys()];
  const falls = fallingFreeFields(report).map((t) => `${fallText(t, report)}. `).join('');
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message:
      `No slab cache or kernel-memory counter in this series (it has ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}; ` +
      `none of ${KERNEL_COUNTERS.join(', ')}): it can show memory going, not who holds it. ` +
      `${falls}Record /proc/meminfo whole, with /proc/slabinfo, e.g. ${RECORD_SERIES}.`,
    code: 'uncounted-series',
    related: [],
  };
}

// ---- outline and lenses ------------------------------------------------------------------------

function outline(report: SlabGrowthReport): OutlineItem[] {
  const series = report.series;
  const rowsOf = new Map<number, OutlineItem[]>();
  const growing = new Set(report.caches.filter((c) => c.verdict !== 'stable').map((c) => c.series));
  const verdictOf = new Map(report.caches.map((c) => [c.series, c.verdict]));
  let budget = MAX_OUTLINE_ROWS;
  const add = (snap: number, item: OutlineItem, important: boolean) => {
    if (budget <= 0 && !important) return;
    budget--;
    const list = rowsOf.get(snap);
    if (list) list.push(item);
    else rowsOf.set(snap, [item]);
  };
  for (const c of series.caches) {
    for (let i = 0; i < c.snap.length; i++) {
      const bytes = c.cacheBytes[i] >= 0 ? c.cacheBytes[i] : c.numSlabs[i] * c.pagesPerSlab[i] * series.pageSize;
      const verdict = verdictOf.get(c);
      const r = range(c.line[i], 0, c.end[i]);
      add(
        c.snap[i],
        {
          name: c.name,
          detail: `${formatBytes(bytes)} · ${c.active[i]}/${c.total[i]} objects${verdict && verdict !== 'stable' ? ` · ${verdict}` : ''}`,
          kind: 'object',
          range: r,
          selectionRange: range(c.line[i], c.nameStart[i], c.nameEnd[i]),
          children: [],
        },
        growing.has(c),
      );
    }
  }
  for (const f of series.meminfo) {
    for (let i = 0; i < f.snap.length; i++) {
      add(
        f.snap[i],
        {
          name: f.key,
          detail: f.unit === 'kB' ? formatBytes(f.value[i]) : String(f.value[i]),
          kind: 'object',
          range: range(f.line[i], 0, f.end[i]),
          selectionRange: range(f.line[i], f.nameStart[i], f.nameEnd[i]),
          children: [],
        },
        f.key === 'SUnreclaim' || f.key === 'Slab',
      );
    }
  }
  for (const b of series.buddyinfo) {
    for (let i = 0; i < b.snap.length; i++) {
      add(
        b.snap[i],
        {
          name: b.key,
          detail: `${formatBytes(buddyFreeBytes(b.counts[i], series.pageSize))} free`,
          kind: 'object',
          range: range(b.line[i], 0, b.end[i]),
          selectionRange: range(b.line[i], b.nameStart[i], b.nameEnd[i]),
          children: [],
        },
        false,
      );
    }
  }
  return series.snapshots.map((s) => {
    const children = (rowsOf.get(s.index) ?? []).sort((a, b) => a.range.start.line - b.range.start.line);
    const r: Range = { start: { line: s.startLine, character: 0 }, end: { line: s.endLine, character: lineEnd(children, s.endLine) } };
    return {
      name: s.label,
      detail: snapshotDetail(s),
      kind: 'event' as const,
      range: r,
      selectionRange: s.labelRange ?? range(s.startLine, 0, 0),
      children,
    };
  });
}

function lineEnd(children: OutlineItem[], line: number): number {
  let end = 0;
  for (const c of children) if (c.range.end.line === line) end = Math.max(end, c.range.end.character);
  return end;
}

function snapshotDetail(s: Snapshot): string {
  const parts: string[] = [];
  if (s.rows.slabinfo) parts.push(`${s.rows.slabinfo} slabinfo rows`);
  if (s.rows.slabtop) parts.push(`${s.rows.slabtop} slabtop rows`);
  if (s.rows.meminfo) parts.push(`${s.rows.meminfo} meminfo fields`);
  if (s.rows.buddyinfo) parts.push(`${s.rows.buddyinfo} buddyinfo zones`);
  if (s.truncated) parts.push('cut short');
  return parts.join(' · ');
}

function lenses(report: SlabGrowthReport): Lens[] {
  const series = report.series;
  if (report.snapshots < 2 || series.sources.length > 0) return [];
  const first = series.snapshots[0];
  const leaks = report.caches.filter((c) => c.verdict === 'likely-leak').length;
  const detail = report.caches.length > 0 ? ` · ${plural(leaks, 'likely leak')}` : '';
  return [
    {
      range: first.labelRange ?? range(first.startLine, 0, 0),
      title: `Show Slab Growth · ${plural(report.snapshots, 'snapshot')}${detail}`,
      locations: [],
      command: SHOW_SLAB_GROWTH,
    },
  ];
}

// ---- hovers ------------------------------------------------------------------------------------

function cacheHover(name: string, i: number, g: CacheGrowth | undefined, report: SlabGrowthReport, snap: Snapshot | undefined): string {
  const series = report.series;
  const c = g?.series ?? series.caches.find((x) => x.name === name)!;
  const lines: string[] = [`**${md(name)}** — slab cache${snap ? `, ${md(snap.label)} (snapshot ${snap.index + 1} of ${series.snapshots.length})` : ''}`, ''];
  const objBytes = c.total[i] * c.objSize[i];
  if (c.cacheBytes[i] >= 0) {
    lines.push(`Slab memory: **${formatBytes(c.cacheBytes[i])}** in ${c.numSlabs[i]} slabs (slabtop CACHE SIZE)`);
  } else {
    const pages = c.pagesPerSlab[i];
    lines.push(
      `Slab memory: **${formatBytes(c.numSlabs[i] * pages * series.pageSize)}** = ${c.numSlabs[i]} slabs × ${plural(pages, 'page')} × ${formatBytes(series.pageSize)}${series.pageSizeInferred ? '' : ' (assumed page size)'}`,
    );
  }
  const used = c.total[i] > 0 ? ` (${Math.round((c.active[i] / c.total[i]) * 100)}% in use)` : '';
  lines.push('', `Objects: ${c.active[i]} active / ${c.total[i]} total × ${c.objSize[i]} B = ${formatBytes(objBytes)}${used}${c.objPerSlab[i] > 0 ? `, ${c.objPerSlab[i]} per slab` : ''}`);
  if (!g) return lines.join('\n');
  const t = g.trend;
  if (t.points >= 2) {
    lines.push(
      '',
      `Over the series: **${signed(t.growth)}** (${formatBytes(t.first)} → ${formatBytes(t.last)}), ${formatRate(t.slope, report.unit)}` +
        (t.points >= 3 ? `, R² ${t.r2.toFixed(2)}, ${Math.round(t.monotonic * 100)}% of changes upward` : '') +
        `; objects ${signedCount(g.total[1] - g.total[0])}`,
    );
  }
  lines.push('', `Reclaimable: **${g.reclaim.reclaimable ? 'yes' : 'no'}** — ${g.reclaim.reason}`);
  lines.push('', `Verdict: **${g.verdict}** — ${g.reason}`);
  if (g.verdict === 'likely-leak') {
    lines.push(
      '',
      'SLUB merges caches of the same object size and flags: this name can stand for other caches too (AF_UNIX sockets often show up in another cache of their size). ' +
        'Boot with `slab_nomerge` to see them apart, then find the allocating call site with kmemleak or `perf kmem`.',
    );
  }
  return lines.join('\n');
}

function signedCount(n: number): string {
  return `${n < 0 ? '−' : '+'}${Math.abs(n)}`;
}

const FIELD_HELP: Record<string, string> = {
  SUnreclaim: 'Slab memory the kernel cannot reclaim: a slab leak accumulates here.',
  SReclaimable: 'Slab memory of caches with shrinkers (dentries, inodes, …): freed under memory pressure.',
  Slab: 'All slab memory: SReclaimable + SUnreclaim.',
  KReclaimable: 'Kernel memory reclaimable under pressure (SReclaimable and other reclaimable kernel allocations).',
  VmallocUsed: 'Memory mapped with vmalloc (see /proc/vmallocinfo for the callers).',
  Percpu: 'Memory of per-CPU allocations.',
  KernelStack: 'Kernel stacks of all tasks: grows with the number of threads.',
  PageTables: 'Page tables of processes.',
  MemAvailable: 'Estimate of memory available for new work without swapping.',
  MemFree: 'Memory not used at all.',
  LowFree: 'Free low memory (32-bit highmem systems): kernel allocations come from here.',
  MemTotal: 'Usable RAM.',
};

function fieldHover(key: string, value: number, unit: 'kB' | '', t: FieldTrend | undefined, report: SlabGrowthReport): string {
  const lines = [`**${md(key)}**: ${unit === 'kB' ? `**${formatBytes(value)}** (${value / 1024} kB)` : `**${value}**`}`];
  const help = FIELD_HELP[key];
  if (help) lines.push('', help);
  if (t && t.points >= 2 && unit === 'kB') {
    lines.push('', `Over the series: ${signed(t.growth)} (${formatBytes(t.first)} → ${formatBytes(t.last)}), ${formatRate(t.slope, report.unit)}${t.points >= 3 ? `, R² ${t.r2.toFixed(2)}` : ''}`);
    if (key === 'SUnreclaim' && report.exhaustion) lines.push('', `At this rate SUnreclaim reaches MemTotal (${formatBytes(report.exhaustion.memTotal)}) in **${formatDuration(report.exhaustion.seconds)}**.`);
  }
  return lines.join('\n');
}

function buddyHover(key: string, counts: number[], pageSize: number): string {
  const free = buddyFreeBytes(counts, pageSize);
  let largest = -1;
  for (let o = counts.length - 1; o >= 0; o--) {
    if (counts[o] > 0) {
      largest = o;
      break;
    }
  }
  const lines = [`**${md(key)}**: ${formatBytes(free)} free`, '', `Free blocks by order (block = 2^order pages of ${formatBytes(pageSize)}): ${counts.map((n, o) => `${o}: ${n}`).join(', ')}`];
  lines.push('', largest >= 0 ? `Largest free block: order ${largest} (${formatBytes(2 ** largest * pageSize)}).` : 'No free block at all.');
  if (largest >= 0 && largest < 3 && free > 0) lines.push('', 'Free memory is fragmented: no block of order 3 or more (32 KiB with 4 KiB pages) is free.');
  return lines.join('\n');
}

function snapshotHover(s: Snapshot, report: SlabGrowthReport): string {
  const series = report.series;
  const lines = [`**Snapshot ${s.index + 1} of ${series.snapshots.length}**${s.truncated ? ' (cut short: left out of the analysis)' : ''}`];
  if (s.time !== undefined) {
    const iso = new Date(s.time * 1000).toISOString().replace('.000Z', 'Z');
    const rel = report.unit === 'seconds' ? ` — ${formatDuration(series.time.xs[s.index])} after the first` : '';
    lines.push('', `Taken ${iso}${s.zoneKnown ? '' : ' (time zone not known: read as UTC)'}${rel}`);
  }
  const detail = snapshotDetail(s);
  if (detail) lines.push('', detail);
  return lines.join('\n');
}
