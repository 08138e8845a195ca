// The capture view of /proc/allocinfo: call sites ranked by the bytes they hold, each linked
// straight to its source line; with two or more dumps in one capture, who grew.
import { Suspect, Verdict, range } from '../model';
import { AllocSite, AllocinfoReport } from '../formats/allocinfo';
import { compareQuantities, grewSteadily, Growth, steadyGrowth } from '../compare';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem } from './captureView';
import { HoverIndex, MAX_RELATED, code, md, problemFindings, rankSuspects, containedOutline } from './viewKit';

export function siteKey(s: AllocSite): string {
  return `${s.file}:${s.fileLine} ${s.func}`;
}

function siteLabel(s: AllocSite): string {
  return `${s.func} (${s.file}:${s.fileLine}${s.module ? ` [${s.module}]` : ''})`;
}

function bytesText(s: AllocSite): string {
  return `${s.approximate ? '≈' : ''}${formatBytes(s.bytes)}`;
}

/** Subsystem of a site for the outline: the module, or the top source directory. */
function subsystem(s: AllocSite): string {
  if (s.module) return `[${s.module}]`;
  const parts = s.file.split('/');
  if (parts.length <= 1) return '(top level)';
  return parts[0] === 'drivers' || parts[0] === 'fs' || parts[0] === 'net' || parts[0] === 'arch' ? parts.slice(0, 2).join('/') : parts[0];
}

export function allocinfoView(report: AllocinfoReport): CaptureView {
  const { sites, dumps } = report;
  const byDump: AllocSite[][] = dumps.map(() => []);
  for (const s of sites) byDump[s.dump].push(s);
  const last = byDump[byDump.length - 1] ?? [];
  const multi = dumps.length > 1;
  const perDump = byDump.map((list) => {
    const m = new Map<string, AllocSite>();
    for (const s of list) {
      const k = siteKey(s);
      if (!m.has(k)) m.set(k, s);
    }
    return m;
  });
  const q = (list: AllocSite[]) => list.map((s) => ({ key: siteKey(s), label: siteLabel(s), count: s.calls, bytes: s.bytes }));
  const growth: Growth[] = multi ? compareQuantities(q(byDump[0]), q(last)) : [];
  const growthOf = new Map(growth.map((g) => [g.key, g]));
  const series = (key: string) => perDump.map((d) => d.get(key)?.bytes);
  const ranked = [...last].sort((a, b) => b.bytes - a.bytes || b.calls - a.calls || a.line - b.line);

  const delta = new Map<object, number>();
  const suspects: Suspect[] = rankSuspects(
    ranked
      .filter((s) => s.bytes > 0 || (multi && (growthOf.get(siteKey(s))?.deltaBytes ?? 0) !== 0))
      .map((s) => {
        const g = multi ? growthOf.get(siteKey(s)) : undefined;
        const { verdict, reason } = judge(s, g, series(siteKey(s)), dumps.length);
        const out = { verdict, reason, count: s.calls, bytes: s.bytes, site: s.func, stack: [`${s.file}:${s.fileLine}`], line: s.line };
        delta.set(out, g ? g.deltaBytes : s.bytes);
        return out;
      }),
    (x) => delta.get(x) ?? x.bytes,
  );

  const findings: Finding[] = [];
  if (sites.length > 0) findings.push(summary(report, ranked, growth));
  if (multi) {
    const verdictAt = new Map(suspects.map((x) => [x.line, x.verdict]));
    const lastByKey = perDump[perDump.length - 1];
    const leaking = growth.filter((x) => {
      const v = x.deltaBytes > 0 ? verdictAt.get(lastByKey.get(x.key)?.line ?? -1) : undefined;
      return v === 'likely-leak' || v === 'possible-leak';
    });
    for (const g of leaking.slice(0, MAX_RELATED)) {
      const now = lastByKey.get(g.key)!;
      const then = perDump[0].get(g.key);
      const ser = series(g.key);
      const steady = ser.every((b) => b !== undefined) && grewSteadily(ser as number[]);
      findings.push({
        range: now.range.start.line === now.range.end.line ? now.range : range(now.line, now.range.start.character, now.frame.fileRange!.end.character),
        severity: 'warning',
        message:
          g.status === 'new'
            ? `${now.func} (${now.file}:${now.fileLine}) holds ${formatBytes(g.after.bytes)} in the last dump and is not listed in the first of ${dumps.length} dumps.`
            : `${now.func} (${now.file}:${now.fileLine}) grew by ${formatBytes(g.deltaBytes)} (${g.before.count} → ${g.after.count} live allocations, ${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)}) between the first and the last of ${dumps.length} dumps${steady ? ', at every dump' : ''}.`,
        code: 'allocinfo-growth',
        related: then ? [{ range: then.range, message: `first dump: ${formatBytes(then.bytes)} in ${then.calls} allocations` }] : [],
      });
    }
  }
  findings.push(...problemFindings(report.problems));

  const frames: FrameOccurrence[] = sites.filter((s) => s.frame.symbol !== undefined).map((s) => ({ frame: s.frame, suspect: true }));
  const hovers = new HoverIndex();
  for (const s of sites) {
    const g = multi ? growthOf.get(siteKey(s)) : undefined;
    hovers.add(s.bytesRange, () => {
      const lines = [`**${bytesText(s)}** allocated from this site and not yet freed${s.approximate ? ' (rounded by `numfmt`)' : ` (${s.bytes} bytes)`}`];
      if (s.calls > 0) lines.push('', `${s.calls} live allocations, ${formatBytes(Math.round(s.bytes / s.calls))} each on average.`);
      if (g) lines.push('', `First → last dump: ${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)}.`);
      return lines.join('\n');
    });
    hovers.add(s.callsRange, () => `**${s.calls}** allocations from this site are live (allocated and not freed) at the time of the dump.`);
    hovers.add(s.frame.fileRange!, () => `Allocation call site ${code(`${s.file}:${s.fileLine}`)}${s.module ? ` in module \`${s.module}\`` : ''}: the line that called the allocator (the \`alloc_hooks\` wrapper records it).`);
    if (s.frame.symbol) {
      hovers.add(s.frame.symbolRange, () => {
        const rank = suspects.findIndex((x) => x.line === s.line) + 1;
        const lines = [`**${md(s.func)}** — ${bytesText(s)} in ${s.calls} live allocations`, '', `Source: ${code(`${s.file}:${s.fileLine}`)}`];
        if (s.module) lines.push('', `Module: \`${s.module}\``);
        if (rank > 0 && s.dump === dumps.length - 1) lines.push('', `Rank ${rank} of ${suspects.length} by bytes${multi ? ' (last dump)' : ''}.`);
        if (g) lines.push('', `First → last dump: ${g.before.count} → ${g.after.count} allocations, ${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)}.`);
        return lines.join('\n');
      });
    }
  }

  const outlineOf = (list: AllocSite[]): OutlineItem[] => {
    const groups = new Map<string, AllocSite[]>();
    for (const s of [...list].sort((a, b) => b.bytes - a.bytes || a.line - b.line)) {
      const k = subsystem(s);
      const g = groups.get(k);
      if (g) g.push(s);
      else groups.set(k, [s]);
    }
    return [...groups]
      .map(([name, members]) => ({ name, members, bytes: members.reduce((t, s) => t + s.bytes, 0) }))
      .sort((a, b) => b.bytes - a.bytes)
      .map(({ name, members, bytes }) => {
        const lines = members.map((s) => s.line);
        const first = Math.min(...lines);
        const lastLine = Math.max(...members.map((s) => s.range.end.line));
        const head = members.find((s) => s.line === first)!;
        return {
          name,
          detail: `${plural(members.length, 'site')} · ${formatBytes(bytes)}`,
          kind: 'group' as const,
          range: { start: { line: first, character: 0 }, end: { line: lastLine, character: Math.max(...members.filter((s) => s.range.end.line === lastLine).map((s) => s.range.end.character)) } },
          selectionRange: head.frame.fileRange!,
          children: members.slice(0, 500).map((s) => ({
            name: s.func,
            detail: `${bytesText(s)} · ${s.calls} calls · ${s.file}:${s.fileLine}`,
            kind: 'object' as const,
            range: s.range,
            selectionRange: s.frame.symbol ? (s.frame.symbolRange.start.line === s.line ? s.frame.symbolRange : s.frame.fileRange!) : s.frame.fileRange!,
            children: [],
          })),
        };
      });
  };
  const outline: OutlineItem[] = multi
    ? dumps.map((d, i) => ({
        name: `dump ${i + 1}`,
        detail: `${plural(d.sites, 'site')} · ${formatBytes(byDump[i].reduce((t, s) => t + s.bytes, 0))}`,
        kind: 'summary' as const,
        range: { start: { line: d.firstLine, character: 0 }, end: { line: d.lastLine, character: 0 } },
        selectionRange: byDump[i][0].bytesRange,
        children: outlineOf(byDump[i]),
      }))
    : outlineOf(last);

  const lenses: Lens[] = ranked.slice(0, 10).filter((s) => s.bytes > 0).map((s, i) => {
    const g = growthOf.get(siteKey(s));
    return {
      range: s.bytesRange,
      title: `#${i + 1} · ${bytesText(s)} · ${s.calls} live allocations${g && g.deltaBytes !== 0 ? ` · ${g.deltaBytes > 0 ? '+' : '-'}${formatBytes(Math.abs(g.deltaBytes))} since the first dump` : ''}`,
      locations: [s.range, ...(multi ? byDump.slice(0, -1).flatMap((_, i2) => { const x = perDump[i2].get(siteKey(s)); return x ? [x.range] : []; }) : [])],
    };
  });

  return {
    format: 'allocinfo',
    records: sites.length,
    findings,
    suspects,
    outline: containedOutline(outline),
    folds: multi ? dumps.filter((d) => d.lastLine > d.firstLine).map((d) => ({ startLine: d.firstLine, endLine: d.lastLine })) : [],
    tokens: report.tokens,
    frames,
    lenses,
    hover: (pos) => hovers.at(pos),
  };
}

const KNOWN_SITES: [RegExp, Verdict, string][] = [
  [
    /^(?:__filemap_get_folio|filemap_alloc_folio\w*|ractl_alloc_folio|page_cache_ra_\w+|folio_prealloc|alloc_anon_folio|shmem_alloc_folio|vma_alloc_anon_folio_pmd|alloc_charge_folio|do_huge_pmd_anonymous_page|__folio_alloc\w*)$/,
    'cache',
    'page cache or user memory (anonymous, shmem, THP): owned by files and processes and reclaimed or freed with them, not a kernel leak by itself',
  ],
  [/^(?:__d_alloc|d_alloc\w*|\w+_alloc_inode|alloc_inode|xas_alloc|radix_tree_node_alloc)$/, 'cache', 'a reclaimable cache (dentries, inodes, xarray nodes): shrinkers free it under memory pressure'],
  [/^(?:alloc_page_ext|alloc_large_system_hash|alloc_node_mem_map|memblock_\w+)$/, 'stable', 'allocated once at boot and never freed'],
];

function knownSite(func: string): { verdict: Verdict; text: string } | undefined {
  for (const [re, verdict, text] of KNOWN_SITES) if (re.test(func)) return { verdict, text };
  return undefined;
}

function judge(s: AllocSite, g: Growth | undefined, bytes: (number | undefined)[], dumps: number): { verdict: Verdict; reason: string } {
  const known = knownSite(s.func);
  if (g) {
    const change = `${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)} (${g.before.count} → ${g.after.count} live allocations)`;
    const steady = bytes.every((b) => b !== undefined) && grewSteadily(bytes as number[]);
    const significant = steadyGrowth(bytes);
    if (g.deltaBytes > 0 && known?.verdict === 'cache') return { verdict: 'cache', reason: `Grew ${change}, but it is ${known.text}.` };
    if (g.status === 'new') return { verdict: 'possible-leak', reason: `Not listed in the first dump (a partial listing, or it started allocating since); now ${formatBytes(g.after.bytes)}.` };
    if (steady && significant) return { verdict: 'likely-leak', reason: `Grew at every one of ${dumps} dumps: ${change}.` };
    if (g.deltaBytes > 0) {
      return { verdict: 'possible-leak', reason: `Grew ${change}${steady ? ' at every dump, but by less than 10% over only two dumps' : ', but not at every dump'}.` };
    }
    return { verdict: known?.verdict ?? 'stable', reason: `Did not grow across ${dumps} dumps: ${change}.` };
  }
  if (known) return { verdict: known.verdict, reason: `Holds ${bytesText(s)} in ${s.calls} live allocations: ${known.text}.` };
  return {
    verdict: 'possible-leak',
    reason: `Holds ${bytesText(s)} in ${s.calls} live allocations; one dump cannot show growth — take another later and compare.`,
  };
}

function summary(report: AllocinfoReport, ranked: AllocSite[], growth: Growth[]): Finding {
  const total = ranked.reduce((t, s) => t + s.bytes, 0);
  const approx = ranked.some((s) => s.approximate);
  const top = ranked.slice(0, 5);
  let msg = `allocinfo: ${plural(ranked.length, 'call site')}${report.dumps.length > 1 ? ` in the last of ${report.dumps.length} dumps` : ''}, ${approx ? '≈' : ''}${formatBytes(total)} live. Top: ${top.map((s) => `${s.func} ${bytesText(s)}`).join(', ')}.`;
  if (report.dumps.length > 1) {
    const grew = growth.filter((g) => g.deltaBytes > 0);
    msg += grew.length > 0 ? ` Grew since the first dump: ${grew.slice(0, 5).map((g) => `${g.label.split(' (')[0]} +${formatBytes(g.deltaBytes)}`).join(', ')}.` : ' Nothing grew since the first dump.';
  }
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message: msg,
    code: 'summary',
    related: ranked.slice(0, MAX_RELATED).map((s) => ({ range: s.range, message: `${s.func}: ${bytesText(s)}, ${s.calls} allocations` })),
  };
}
