// The capture view of /proc/vmallocinfo: areas aggregated by caller and by module, ranked by
// the memory they hold; with several dumps in one capture, who grew between the first and
// the last.
import { Suspect, Verdict, range } from '../model';
import { VmEntry, VmallocReport } from '../formats/vmallocinfo';
import { compareQuantities, grewSteadily, Growth, steadyGrowth } from '../compare';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem } from './captureView';
import { HoverIndex, MAX_RELATED, md, problemFindings, rankSuspects, containedOutline } from './viewKit';

export interface CallerTally {
  key: string;
  module?: string;
  entries: VmEntry[];
  /** Memory held: pages × page size for areas with `pages=`, else the area's size. */
  bytes: number;
  pages: number;
  size: number;
  kinds: Set<string>;
}

const KIND_TEXT: Record<string, string> = {
  vmalloc: '`vmalloc` — virtually contiguous memory backed by pages the kernel allocated for it (counted in `VmallocUsed` of /proc/meminfo).',
  vmap: '`vmap` — a mapping of pages allocated elsewhere (the pages are owned by the caller, not by this area).',
  ioremap: '`ioremap` — a mapping of device or firmware memory (`phys=`): address space only, no RAM from the page allocator.',
  user: '`user` — vmalloc memory that may be mapped to user space (vmalloc_user).',
  vpages: '`vpages` — the area\'s page array was itself vmalloc\'d (a large area).',
  'dma-coherent': '`dma-coherent` — a coherent DMA buffer mapping.',
  sparse: '`sparse` — a sparsely populated area (pages mapped on demand).',
};

const KNOWN_CALLERS: [RegExp, string, Verdict?][] = [
  [/^(?:dup_task_struct|alloc_thread_stack_node|kernel_clone|_do_fork|copy_process)$/, 'kernel stacks of tasks (CONFIG_VMAP_STACK): one area per live thread. Growth means threads pile up — or a task leak.'],
  [/^alloc_large_system_hash$/, 'boot-time hash tables (dentry, inode, TCP…): allocated once at boot and never freed.', 'stable'],
  [/^(?:map_irq_stack|irq_init_percpu_irqstack)$/, 'per-CPU interrupt stacks, set up at boot.', 'stable'],
  [/^(?:load_module|module_alloc|move_module|execmem_\w+)$/, 'memory of loaded modules (text and data); freed when the module is unloaded.'],
  [/^(?:bpf_prog_alloc\w*|bpf_jit_alloc_exec|bpf_map_area_alloc|htab_map_alloc|array_map_alloc)$/, 'BPF programs and maps; freed when the last reference (fd, link, pin) goes.'],
  [/^(?:pcpu_create_chunk|pcpu_get_vm_areas|pcpu_mem_zalloc)$/, 'chunks of the per-CPU allocator.'],
  [/^n_tty_open$/, 'the line-discipline buffer of an open tty.'],
  [/^(?:acpi_os_map_iomem|hpet_enable|pci_iomap_range|devm_ioremap\w*|ioremap\w*|memremap)$/, 'a mapping of device or firmware registers/tables.'],
  [/^unpurged vm_area$/, 'areas already freed, waiting for a lazy TLB flush before their address space is reused: they hold no memory.', 'transient'],
  [/^vm_map_ram$/, 'short-lived mappings made with vm_map_ram() of pages owned elsewhere (file-system buffers, for example).', 'transient'],
];

function known(key: string): [string, Verdict | undefined] | undefined {
  for (const [re, text, verdict] of KNOWN_CALLERS) if (re.test(key)) return [text, verdict];
  return undefined;
}

export function entryBytes(e: VmEntry, pageSize: number): number {
  return e.pages !== undefined ? e.pages * pageSize : e.size;
}

export function tallyByCaller(entries: VmEntry[], pageSize: number): CallerTally[] {
  const m = new Map<string, CallerTally>();
  for (const e of entries) {
    let t = m.get(e.callerKey);
    if (!t) {
      t = { key: e.callerKey, module: e.module, entries: [], bytes: 0, pages: 0, size: 0, kinds: new Set() };
      m.set(e.callerKey, t);
    }
    t.entries.push(e);
    t.bytes += entryBytes(e, pageSize);
    t.pages += e.pages ?? 0;
    t.size += e.size;
    t.kinds.add(e.kind);
  }
  return [...m.values()].sort((a, b) => b.bytes - a.bytes || b.entries.length - a.entries.length || a.entries[0].line - b.entries[0].line);
}

function kindsText(t: CallerTally): string {
  return [...t.kinds].join('/');
}

export function vmallocinfoView(report: VmallocReport): CaptureView {
  const { entries, dumps, pageSize } = report;
  const byDump: VmEntry[][] = dumps.map(() => []);
  for (const e of entries) byDump[e.dump].push(e);
  const last = byDump[byDump.length - 1] ?? [];
  const first = byDump[0] ?? [];
  const callers = tallyByCaller(last, pageSize);
  const perDump = byDump.map((list) => new Map(tallyByCaller(list, pageSize).map((t) => [t.key, t])));
  const multi = dumps.length > 1;
  const growth: Growth[] = multi
    ? compareQuantities(
        tallyByCaller(first, pageSize).map((t) => ({ key: t.key, label: t.key, count: t.entries.length, bytes: t.bytes })),
        callers.map((t) => ({ key: t.key, label: t.key, count: t.entries.length, bytes: t.bytes })),
      )
    : [];
  const growthOf = new Map(growth.map((g) => [g.key, g]));
  const series = (key: string) => perDump.map((d) => d.get(key)?.bytes ?? 0);
  const countSeries = (key: string) => perDump.map((d) => d.get(key)?.entries.length ?? 0);

  const weight = new Map<object, number>();
  const suspects: Suspect[] = rankSuspects(
    callers.map((t) => {
      const g = multi ? growthOf.get(t.key) : undefined;
      const { verdict, reason } = judge(t, g, series(t.key), countSeries(t.key), dumps.length);
      const s = { verdict, reason, count: t.entries.length, bytes: t.bytes, site: t.key, stack: [t.module ? `${t.key} [${t.module}]` : t.key], line: t.entries[0].line };
      weight.set(s, g ? g.deltaBytes : t.bytes);
      return s;
    }),
    (x) => weight.get(x) ?? x.bytes,
  );

  const findings: Finding[] = [];
  if (entries.length > 0) findings.push(summary(report, callers, last, growth));
  if (multi) {
    const verdictOf = new Map(suspects.map((x) => [x.site, x.verdict]));
    const leaking = growth.filter((x) => x.deltaBytes > 0 && (verdictOf.get(x.key) === 'likely-leak' || verdictOf.get(x.key) === 'possible-leak'));
    for (const g of leaking.slice(0, MAX_RELATED)) {
      const now = callers.find((t) => t.key === g.key)!;
      const then = perDump[0].get(g.key);
      const related = then ? [{ range: then.entries[0].range, message: `first dump: ${plural(then.entries.length, 'area')}, ${formatBytes(then.bytes)}` }] : [];
      for (const e of now.entries.slice(1, MAX_RELATED)) related.push({ range: e.range, message: `another area of ${g.key}` });
      findings.push({
        range: now.entries[0].range,
        severity: 'warning',
        message: `${g.key} grew from ${plural(g.before.count, 'area')} (${formatBytes(g.before.bytes)}) to ${plural(g.after.count, 'area')} (${formatBytes(g.after.bytes)}) between the first and the last of ${dumps.length} dumps${grewSteadily(series(g.key)) ? ', at every dump' : ''}.`,
        code: 'vmalloc-growth',
        related,
      });
    }
  }
  findings.push(...problemFindings(report.problems));

  const hovers = new HoverIndex();
  const frames: FrameOccurrence[] = [];
  const tallies = perDump;
  for (const e of entries) {
    const t = tallies[e.dump].get(e.callerKey)!;
    if (e.caller) {
      frames.push({ frame: e.caller, suspect: true });
      hovers.add(e.caller.range, () => callerHover(e, t, dumps.length, growthOf.get(e.callerKey), pageSize));
    } else {
      const kw = range(e.line, e.sizeRange.end.character, e.range.end.character);
      hovers.add(kw, () => callerHover(e, t, dumps.length, growthOf.get(e.callerKey), pageSize));
    }
    hovers.add(e.addressRange, () => `**vmalloc area** \`0x${e.start}\`–\`0x${e.end}\`\n\n${e.size} bytes of kernel virtual address space (${formatBytes(e.size)}), one guard page included.`);
    hovers.add(e.sizeRange, () => `**${e.size} bytes** (${formatBytes(e.size)}) of address space, one ${formatBytes(pageSize)} guard page included.${e.pages !== undefined ? `\n\nMemory behind it: ${plural(e.pages, 'page')} = ${formatBytes(e.pages * pageSize)}.` : ''}`);
    if (e.pagesRange) hovers.add(e.pagesRange, () => `**${plural(e.pages!, 'page')}** × ${formatBytes(pageSize)} = ${formatBytes(e.pages! * pageSize)} of memory held by this area (counted in \`VmallocUsed\`).`);
    if (e.physRange) hovers.add(e.physRange, () => `Maps physical address \`0x${e.phys}\`: device or firmware memory, not RAM taken from the page allocator.`);
    for (const f of e.flags) if (KIND_TEXT[f.word]) hovers.add(f.range, () => KIND_TEXT[f.word]);
    for (const n of e.numa) hovers.add(n.range, () => `${plural(n.pages, 'page')} of this area on NUMA node ${n.node}.`);
  }

  const outline: OutlineItem[] = multi
    ? dumps.map((d, i) => ({
        name: `dump ${i + 1}`,
        detail: `${plural(d.entries, 'area')} · ${formatBytes(byDump[i].reduce((s, e) => s + entryBytes(e, pageSize), 0))}`,
        kind: 'summary' as const,
        range: { start: { line: d.firstLine, character: 0 }, end: { line: d.lastLine, character: 0 } },
        selectionRange: byDump[i][0].range,
        children: tallyByCaller(byDump[i], pageSize).map(callerOutline),
      }))
    : callers.map(callerOutline);

  // By module: the areas of each module's callers in the last dump.
  const byModule = new Map<string, VmEntry[]>();
  for (const e of last) {
    if (!e.module) continue;
    const list = byModule.get(e.module);
    if (list) list.push(e);
    else byModule.set(e.module, [e]);
  }
  if (byModule.size > 0) {
    const mods = [...byModule].map(([name, list]) => ({ name, list, bytes: list.reduce((t, e) => t + entryBytes(e, pageSize), 0) })).sort((a, b) => b.bytes - a.bytes);
    const all = mods.flatMap((m) => m.list);
    outline.push({
      name: 'modules',
      detail: `${plural(mods.length, 'module')} · ${plural(all.length, 'area')} · ${formatBytes(all.reduce((t, e) => t + entryBytes(e, pageSize), 0))}`,
      kind: 'summary',
      range: { start: { line: Math.min(...all.map((e) => e.line)), character: 0 }, end: { line: Math.max(...all.map((e) => e.line)), character: 0 } },
      selectionRange: all[0].range,
      children: mods.map((m) => ({
        name: `[${m.name}]`,
        detail: `${plural(m.list.length, 'area')} · ${formatBytes(m.bytes)} · ${[...new Set(m.list.map((e) => e.callerKey))].join(', ')}`,
        kind: 'group' as const,
        range: { start: m.list[0].range.start, end: m.list[m.list.length - 1].range.end },
        selectionRange: m.list[0].range,
        children: [],
      })),
    });
  }

  const folds = multi ? dumps.filter((d) => d.lastLine > d.firstLine).map((d) => ({ startLine: d.firstLine, endLine: d.lastLine })) : [];
  const lenses: Lens[] = callers.slice(0, 10).map((t) => ({
    range: t.entries[0].range,
    title: `${t.key}: ${plural(t.entries.length, 'area')} · ${formatBytes(t.bytes)} (${kindsText(t)})`,
    locations: t.entries.map((e) => e.range),
  }));

  return {
    format: 'vmallocinfo',
    records: entries.length,
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

function judge(t: CallerTally, g: Growth | undefined, bytes: number[], counts: number[], dumps: number): { verdict: Verdict; reason: string } {
  const k = known(t.key);
  if (dumps > 1 && g) {
    if (k?.[1] === 'transient') return { verdict: 'transient', reason: `${t.key}: ${k[0]} (${g.before.count} → ${g.after.count} areas across ${dumps} dumps)` };
    if (steadyGrowth(bytes) || (steadyGrowth(counts) && bytes[bytes.length - 1] >= bytes[0])) {
      return { verdict: 'likely-leak', reason: `Grew at every one of ${dumps} dumps: ${g.before.count} → ${g.after.count} areas, ${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)}.` };
    }
    if (g.deltaBytes > 0 || g.deltaCount > 0) {
      return { verdict: 'possible-leak', reason: `Grew between the first and last dump (${g.before.count} → ${g.after.count} areas, ${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)}) but not at every dump.` };
    }
    return { verdict: 'stable', reason: `Did not grow across ${dumps} dumps (${g.before.count} → ${g.after.count} areas).` };
  }
  if (k?.[1]) return { verdict: k[1], reason: `${t.key}: ${k[0]}` };
  if (t.kinds.size === 1 && t.kinds.has('ioremap')) return { verdict: 'stable', reason: 'Device memory mappings (ioremap): address space only, no RAM.' };
  return {
    verdict: 'possible-leak',
    reason: `Holds ${formatBytes(t.bytes)} in ${plural(t.entries.length, 'area')}; one dump cannot show growth — take another later and compare.${k ? ` (${k[0]})` : ''}`,
  };
}

function summary(report: VmallocReport, callers: CallerTally[], last: VmEntry[], growth: Growth[]): Finding {
  const ps = report.pageSize;
  const sum = (pred: (e: VmEntry) => boolean) => last.filter(pred).reduce((s, e) => s + entryBytes(e, ps), 0);
  const vmallocBytes = sum((e) => e.pages !== undefined);
  const ioremap = sum((e) => e.kind === 'ioremap');
  const unpurged = sum((e) => e.kind === 'unpurged');
  const modules = new Map<string, { n: number; bytes: number }>();
  for (const e of last) {
    if (!e.module) continue;
    const m = modules.get(e.module) ?? { n: 0, bytes: 0 };
    m.n++;
    m.bytes += entryBytes(e, ps);
    modules.set(e.module, m);
  }
  const top = callers.filter((t) => t.bytes > 0).slice(0, 5);
  const parts = [
    `vmallocinfo: ${plural(last.length, 'area')}${report.dumps.length > 1 ? ` in the last of ${report.dumps.length} dumps` : ''}`,
    `${formatBytes(vmallocBytes)} of pages held (VmallocUsed)`,
  ];
  if (ioremap > 0) parts.push(`${formatBytes(ioremap)} ioremap address space`);
  if (unpurged > 0) parts.push(`${formatBytes(unpurged)} unpurged (lazily freed)`);
  let msg = `${parts.join('; ')}. Top callers: ${top.map((t) => `${t.key} (${plural(t.entries.length, 'area')}, ${formatBytes(t.bytes)})`).join(', ')}.`;
  if (modules.size > 0) {
    const mods = [...modules].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 5);
    msg += ` Modules: ${mods.map(([m, v]) => `[${m}] ${plural(v.n, 'area')}, ${formatBytes(v.bytes)}`).join('; ')}.`;
  }
  if (report.dumps.length > 1) {
    const grew = growth.filter((g) => g.deltaBytes > 0);
    msg += grew.length > 0 ? ` Grew since the first dump: ${grew.slice(0, 5).map((g) => `${g.key} (+${formatBytes(g.deltaBytes)}, ${g.deltaCount >= 0 ? '+' : ''}${g.deltaCount} areas)`).join(', ')}.` : ' Nothing grew since the first dump.';
  }
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message: msg,
    code: 'summary',
    related: callers.slice(0, MAX_RELATED).map((t) => ({ range: t.entries[0].range, message: `${t.key}: ${plural(t.entries.length, 'area')}, ${formatBytes(t.bytes)}` })),
  };
}

function callerOutline(t: CallerTally): OutlineItem {
  const firstE = t.entries[0];
  const lastE = t.entries[t.entries.length - 1];
  return {
    name: t.key,
    detail: `${plural(t.entries.length, 'area')} · ${formatBytes(t.bytes)} · ${kindsText(t)}${t.module ? ` · [${t.module}]` : ''}`,
    kind: 'group',
    range: { start: firstE.range.start, end: { line: Math.max(lastE.line, firstE.line), character: lastE.range.end.character } },
    selectionRange: firstE.range,
    children: t.entries.slice(0, 200).map((e) => ({
      name: `0x${e.start}`,
      detail: `${e.size} bytes${e.pages !== undefined ? ` · ${plural(e.pages, 'page')}` : ''} · ${e.kind}`,
      kind: 'object' as const,
      range: e.range,
      selectionRange: e.addressRange,
      children: [],
    })),
  };
}

function callerHover(e: VmEntry, t: CallerTally, dumps: number, g: Growth | undefined, pageSize: number): string {
  const k = known(t.key);
  const lines = [`**${md(t.key)}**${e.caller?.offset !== undefined ? ` (+0x${e.caller.offset.toString(16)})` : ''}`, ''];
  if (k) lines.push(`${k[0]}`, '');
  lines.push(`${dumps > 1 ? `In dump ${e.dump + 1}: ` : ''}${plural(t.entries.length, 'area')} from this caller, ${formatBytes(t.bytes)} (${t.pages > 0 ? `${plural(t.pages, 'page')} × ${formatBytes(pageSize)}` : 'address space'}), kinds: ${kindsText(t)}.`);
  if (e.module) lines.push('', `Module: \`${e.module}\``);
  if (g && dumps > 1) lines.push('', `First → last dump: ${g.before.count} → ${g.after.count} areas, ${formatBytes(g.before.bytes)} → ${formatBytes(g.after.bytes)}.`);
  return lines.join('\n');
}

