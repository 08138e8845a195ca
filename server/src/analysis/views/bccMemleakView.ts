// The capture view of BCC / libbpf-tools memleak output: allocation stacks ranked by the
// outstanding bytes of the last dump; with several periodic dumps, which stacks kept growing.
// slabratetop tables are shown as what they are: allocation rates, not outstanding memory.
import { Frame, Suspect, Verdict, range } from '../model';
import { BccMemleakReport, BccStack, SlabRateRow } from '../formats/bccMemleak';
import { compareQuantities, Growth, steadyGrowth } from '../compare';
import { LeakStack, leakStack } from '../leakStacks';
import { frameLabel } from '../frames';
import { frameKey } from '../stacks';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem } from './captureView';
import { HoverIndex, MAX_RELATED, code, md, problemFindings, rankSuspects, spanRange, containedOutline } from './viewKit';

interface StackGroup {
  signature: string;
  norm: LeakStack;
  stacks: BccStack[];
  bytes: number;
  allocations: number;
}

function site(n: LeakStack, s: BccStack): string {
  if (n.suspect) return frameKey(n.suspect);
  return s.frames.length === 0 ? '(stack missing)' : frameKey(s.frames[0]);
}

function groupStacks(stacks: BccStack[]): StackGroup[] {
  const m = new Map<string, StackGroup>();
  for (const s of stacks) {
    const norm = leakStack(s.frames);
    const signature = s.frames.length === 0 ? `\u0000missing:${s.headerLine}` : norm.signature;
    let g = m.get(signature);
    if (!g) {
      g = { signature, norm, stacks: [], bytes: 0, allocations: 0 };
      m.set(signature, g);
    }
    g.stacks.push(s);
    g.bytes += s.bytes;
    g.allocations += s.allocations;
  }
  return [...m.values()].sort((a, b) => b.bytes - a.bytes || b.allocations - a.allocations || a.stacks[0].headerLine - b.stacks[0].headerLine);
}

const onlyMachinery = (g: StackGroup) => g.stacks[0].frames.length > 0 && g.norm.frames.length <= 1 && g.stacks[0].frames.every((f) => !f.symbol || /alloc|kmalloc/.test(f.symbol));

export function bccMemleakView(report: BccMemleakReport): CaptureView {
  const { stacks, dumps } = report;
  const byDump: BccStack[][] = dumps.map(() => []);
  for (const s of stacks) byDump[s.dump].push(s);
  const withStacks = byDump.map((list, i) => ({ list, i })).filter((x) => x.list.length > 0);
  const multi = withStacks.length > 1;
  const last = withStacks[withStacks.length - 1]?.list ?? [];
  const groups = groupStacks(last);
  const perDump = withStacks.map((d) => new Map(groupStacks(d.list).map((g) => [g.signature, g])));
  const growth: Growth[] = multi
    ? compareQuantities(
        groupStacks(withStacks[0].list).map((g) => ({ key: g.signature, label: site(g.norm, g.stacks[0]), count: g.allocations, bytes: g.bytes })),
        groups.map((g) => ({ key: g.signature, label: site(g.norm, g.stacks[0]), count: g.allocations, bytes: g.bytes })),
      )
    : [];
  const growthOf = new Map(growth.map((g) => [g.key, g]));

  const weight = new Map<object, number>();
  const suspects: Suspect[] = rankSuspects(
    groups.map((g) => {
      const gr = growthOf.get(g.signature);
      const series = perDump.map((d) => d.get(g.signature)?.bytes);
      const { verdict, reason } = judge(g, gr, series, withStacks.length);
      const s = {
        verdict,
        reason,
        count: g.allocations,
        bytes: g.bytes,
        site: site(g.norm, g.stacks[0]),
        stack: g.norm.keys.length > 0 ? g.norm.keys : g.stacks[0].frames.map(frameKey),
        line: g.stacks[0].headerLine,
      };
      weight.set(s, gr ? gr.deltaBytes : g.bytes);
      return s;
    }),
    (x) => weight.get(x) ?? x.bytes,
  );
  const slabSuspects = rateSuspects(report.slabRates, suspects.length);

  const groupOf = new Map<BccStack, StackGroup>();
  for (const d of withStacks) for (const g of groupStacks(d.list)) for (const s of g.stacks) groupOf.set(s, g);

  const findings: Finding[] = [];
  if (stacks.length > 0) findings.push(summary(report, groups, suspects, withStacks.length, growth));
  else if (slabSuspects.length > 0) {
    const top = slabSuspects[0];
    findings.push({
      range: range(0, 0, 0),
      severity: 'information',
      message: `slabratetop: ${plural(slabSuspects.length, 'cache')} in the last interval, ${formatBytes(slabSuspects.reduce((t, s) => t + s.bytes, 0))} allocated; busiest ${top.site} (${top.count} allocations, ${formatBytes(top.bytes)}). These are allocation rates, not memory left allocated.`,
      code: 'summary',
      related: slabSuspects.slice(0, MAX_RELATED).map((s) => ({ range: range(s.line, 0, 0), message: `${s.site}: ${s.count} allocations, ${formatBytes(s.bytes)}` })),
    });
  }
  for (const sus of suspects.filter((x) => x.verdict === 'likely-leak' || x.verdict === 'possible-leak').slice(0, MAX_RELATED)) {
    const g = groups.find((x) => x.stacks[0].headerLine === sus.line)!;
    const s = g.stacks[0];
    const related = [];
    if (g.norm.suspect) related.push({ range: g.norm.suspect.symbolRange, message: `suspect frame ${frameLabel(g.norm.suspect)}` });
    for (const other of g.stacks.slice(1)) related.push({ range: other.headerRange, message: `same stack: ${other.bytes} bytes in ${other.allocations} allocations` });
    for (const d of perDump.slice(0, -1)) {
      const earlier = d.get(g.signature);
      if (earlier) related.push({ range: earlier.stacks[0].headerRange, message: `earlier dump: ${earlier.bytes} bytes in ${earlier.allocations} allocations` });
    }
    findings.push({
      range: s.headerRange,
      severity: 'warning',
      message: `${formatBytes(g.bytes)} in ${plural(g.allocations, 'outstanding allocation')} from ${sus.site}: ${sus.reason}`,
      code: 'outstanding-stack',
      related: related.slice(0, MAX_RELATED),
    });
  }
  findings.push(...problemFindings(report.problems));

  const frames: FrameOccurrence[] = [];
  const hovers = new HoverIndex();
  for (const s of stacks) {
    const g = groupOf.get(s)!;
    const sk = g.norm.suspect ? frameKey(g.norm.suspect) : undefined;
    const suspectFrame = sk === undefined ? undefined : s.frames.find((x) => !x.unreliable && frameKey(x) === sk);
    for (const f of s.frames) {
      frames.push({ frame: f, suspect: f === suspectFrame });
      hovers.add(f.range, () => frameHover(f, g, s));
    }
    const gr = growthOf.get(g.signature);
    hovers.add(s.headerRange, () => {
      const lines = [`**${s.bytes} bytes** (${formatBytes(s.bytes)}) in **${plural(s.allocations, 'allocation')}** not freed when memleak printed this dump${dumps[s.dump]?.time ? ` at ${dumps[s.dump].time}` : ''}.`];
      if (s.allocations > 0) lines.push('', `${formatBytes(Math.round(s.bytes / s.allocations))} per allocation on average.`);
      lines.push('', `Suspect: ${code(site(g.norm, s))}`);
      if (gr && multi) lines.push('', `First → last dump: ${formatBytes(gr.before.bytes)} → ${formatBytes(gr.after.bytes)} (${gr.before.count} → ${gr.after.count} allocations).`);
      return lines.join('\n');
    });
  }
  for (const d of dumps) {
    if (d.headerRange) hovers.add(d.headerRange, () => `**memleak dump ${d.index + 1}**${d.time ? ` at ${d.time}` : ''}: ${plural(d.stacks, 'stack')} in the capture${d.declared !== undefined ? ` of the ${d.declared} announced` : ''}, ${formatBytes(byDump[d.index].reduce((t, s) => t + s.bytes, 0))} outstanding.`);
  }
  for (const r of report.slabRates) {
    hovers.add(r.range, () => `**${md(r.cache)}**: ${r.allocs} allocations, ${formatBytes(r.bytes)} allocated during the interval${r.time ? ` ending ${r.time}` : ''}.\n\nslabratetop shows the allocation *rate*, not what stays allocated: a busy cache is not a leak by itself. Use memleak, kmemleak or a slab series to see what is not freed.`);
  }

  const stackOutline = (s: BccStack): OutlineItem => ({
    name: site(groupOf.get(s)!.norm, s),
    detail: `${formatBytes(s.bytes)} in ${plural(s.allocations, 'allocation')}`,
    kind: 'group',
    range: spanRange(s.headerRange.start, s.endLine, s.headerRange.end),
    selectionRange: s.headerRange,
    children: [],
  });
  const outline: OutlineItem[] = [];
  if (multi || (dumps.length === 1 && dumps[0].headerLine !== undefined)) {
    for (const d of dumps) {
      const list = byDump[d.index];
      if (list.length === 0) continue;
      const startLine = d.headerLine ?? list[0].headerLine;
      outline.push({
        name: `${d.time ? `[${d.time}] ` : ''}dump ${d.index + 1}`,
        detail: `${plural(list.length, 'stack')} · ${formatBytes(list.reduce((t, s) => t + s.bytes, 0))}`,
        kind: 'summary',
        range: { start: { line: startLine, character: 0 }, end: { line: list[list.length - 1].endLine, character: 0 } },
        selectionRange: d.headerRange ?? list[0].headerRange,
        children: list.map(stackOutline),
      });
    }
  } else outline.push(...last.map(stackOutline));
  if (report.slabRates.length > 0) {
    const rows = report.slabRates;
    outline.push({
      name: 'slabratetop',
      detail: `${plural(rows.length, 'cache row')}`,
      kind: 'summary',
      range: { start: rows[0].range.start, end: rows[rows.length - 1].range.end },
      selectionRange: rows[0].cacheRange,
      children: rows.map((r) => ({ name: r.cache, detail: `${r.allocs} allocs · ${formatBytes(r.bytes)}`, kind: 'object' as const, range: r.range, selectionRange: r.cacheRange, children: [] })),
    });
  }

  const lenses: Lens[] = groups.slice(0, 10).map((g) => ({
    range: g.stacks[0].headerRange,
    title: `${formatBytes(g.bytes)} · ${plural(g.allocations, 'allocation')} · ${site(g.norm, g.stacks[0])}`,
    locations: [...g.stacks.map((s) => s.headerRange), ...perDump.slice(0, -1).flatMap((d) => d.get(g.signature)?.stacks.map((s) => s.headerRange) ?? [])],
  }));

  return {
    format: 'bcc-memleak',
    records: stacks.length + report.slabRates.length,
    findings,
    suspects: [...suspects, ...slabSuspects],
    outline: containedOutline(outline),
    folds: stacks.filter((s) => s.endLine > s.headerLine).map((s) => ({ startLine: s.headerLine, endLine: s.endLine })),
    tokens: report.tokens,
    frames,
    lenses,
    hover: (pos) => hovers.at(pos),
  };
}

function judge(g: StackGroup, gr: Growth | undefined, series: (number | undefined)[], dumps: number): { verdict: Verdict; reason: string } {
  const s = g.stacks[0];
  if (s.frames.length === 0) return { verdict: 'possible-leak', reason: 'The stack was cut short, so its origin is unknown.' };
  const callerUnknown = onlyMachinery(g) ? ' Its stack holds only allocator frames (memleak could not unwind further): the caller is unknown.' : '';
  if (gr && dumps > 1) {
    const change = `${formatBytes(gr.before.bytes)} → ${formatBytes(gr.after.bytes)} (${gr.before.count} → ${gr.after.count} allocations)`;
    if (gr.status === 'new') return { verdict: 'possible-leak', reason: `Not in the first dump; ${formatBytes(gr.after.bytes)} outstanding in the last.${callerUnknown}` };
    if (steadyGrowth(series)) return { verdict: 'likely-leak', reason: `Outstanding allocations grew at every one of ${dumps} dumps: ${change}.${callerUnknown}` };
    if (gr.deltaBytes > 0) {
      const everyDump = series.every((b, i) => b !== undefined && (i === 0 || b >= (series[i - 1] ?? 0)));
      return { verdict: 'possible-leak', reason: `Grew ${change}${everyDump ? ', by less than 10% over two dumps' : ', but not at every dump'}.${callerUnknown}` };
    }
    return { verdict: 'stable', reason: `Did not grow across ${dumps} dumps: ${change}.${callerUnknown}` };
  }
  return {
    verdict: 'possible-leak',
    reason: `${plural(g.allocations, 'allocation')} older than memleak's age threshold still outstanding; one dump cannot show growth — let memleak print a few intervals.${callerUnknown}`,
  };
}

function rateSuspects(rows: SlabRateRow[], after: number): Suspect[] {
  const lastTable = rows.length > 0 ? rows[rows.length - 1].table : -1;
  return rows
    .filter((r) => r.table === lastTable)
    .sort((a, b) => b.bytes - a.bytes || b.allocs - a.allocs)
    .map((r, i) => ({
      rank: after + i + 1,
      verdict: 'transient' as const,
      reason: `slabratetop: ${r.allocs} allocations (${formatBytes(r.bytes)}) during one interval — an allocation rate, not memory left allocated.`,
      count: r.allocs,
      bytes: r.bytes,
      site: r.cache,
      stack: [],
      line: r.line,
    }));
}

function summary(report: BccMemleakReport, groups: StackGroup[], suspects: Suspect[], dumps: number, growth: Growth[]): Finding {
  const total = groups.reduce((t, g) => t + g.bytes, 0);
  const allocs = groups.reduce((t, g) => t + g.allocations, 0);
  const top = suspects[0];
  let msg = `memleak: ${plural(report.stacks.length, 'stack')} reported${dumps > 1 ? ` in ${dumps} dumps` : ''}; ${dumps > 1 ? 'the last dump has ' : ''}${formatBytes(total)} in ${plural(allocs, 'outstanding allocation')}`;
  if (top) msg += `; top suspect ${top.site} (${top.verdict}, ${formatBytes(top.bytes)} in ${plural(top.count, 'allocation')})`;
  msg += '.';
  if (dumps > 1) {
    const grew = growth.filter((g) => g.deltaBytes > 0);
    msg += grew.length > 0 ? ` Grew since the first dump: ${grew.slice(0, 5).map((g) => `${g.label} +${formatBytes(g.deltaBytes)}`).join(', ')}.` : ' Nothing grew since the first dump.';
  }
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message: msg,
    code: 'summary',
    related: groups.slice(0, MAX_RELATED).map((g) => ({ range: g.stacks[0].headerRange, message: `${site(g.norm, g.stacks[0])}: ${formatBytes(g.bytes)} in ${plural(g.allocations, 'allocation')}` })),
  };
}

function frameHover(f: Frame, g: StackGroup, s: BccStack): string {
  const lines = [`**${md(f.symbol ?? `0x${f.address}`)}**`, ''];
  if (!f.symbol) lines.push('Unresolved address: memleak could not symbolise it (no kallsyms access, or a kernel/module it cannot read).', '');
  if (f.offset !== undefined) lines.push(`Offset \`0x${f.offset.toString(16)}\` into the function`, '');
  if (f.module) lines.push(`Module: ${code(f.module)}`, '');
  const suspect = g.norm.suspect;
  lines.push(
    suspect && f.symbol !== undefined && suspect.symbol !== undefined && frameKey(f) === frameKey(suspect)
      ? '**Suspect frame** of this stack: the first function outside the allocator.'
      : `Not the suspect frame (suspect: ${code(site(g.norm, s))}).`,
  );
  return lines.join('\n');
}
