// The capture view of page_owner output: records grouped by allocation stack as
// page_owner_sort does, pages (2^order per record, or the sorted block's count) summed and
// ranked; GFP masks, migrate types, orders and page flags explained on hover.
import { Frame, Suspect, Verdict, range } from '../model';
import { PageOwnerReport, PageRecord } from '../formats/pageOwner';
import { LeakStack, leakStack } from '../leakStacks';
import { frameLabel } from '../frames';
import { frameKey } from '../stacks';
import { explainGfpNames, explainMigrateType, explainPageFlags } from '../gfp';
import { formatBytes, plural } from '../units';
import { CaptureView, Finding, FrameOccurrence, Lens, OutlineItem } from './captureView';
import { HoverIndex, MAX_RELATED, code, md, problemFindings, rankSuspects, containedOutline } from './viewKit';

/** page_owner does not print the page size; 4 KiB is the common case (x86, most arm64). */
export const PAGE_SIZE = 4096;

export interface StackGroup {
  signature: string;
  norm: LeakStack;
  records: PageRecord[];
  pages: number;
  /** Records (a sorted block counts its "times"). */
  count: number;
  orders: Map<number, number>;
}

export function recordPages(r: PageRecord): number {
  const per = 2 ** (r.order ?? 0);
  if (r.sorted) return r.sorted.pages ?? r.sorted.times * per;
  return per;
}

export function recordCount(r: PageRecord): number {
  return r.sorted?.times ?? 1;
}

export function recordStart(r: PageRecord): number {
  return r.sorted?.line ?? r.headerLine;
}

function site(g: StackGroup): string {
  return g.norm.suspect ? frameKey(g.norm.suspect) : '(stack missing)';
}

export function groupByStack(records: PageRecord[]): StackGroup[] {
  const m = new Map<string, StackGroup>();
  for (const r of records) {
    const norm = leakStack(r.frames);
    const signature = r.frames.length === 0 ? `\u0000missing:${r.headerLine}` : norm.signature;
    let g = m.get(signature);
    if (!g) {
      g = { signature, norm, records: [], pages: 0, count: 0, orders: new Map() };
      m.set(signature, g);
    }
    g.records.push(r);
    g.pages += recordPages(r);
    g.count += recordCount(r);
    const o = r.order ?? 0;
    g.orders.set(o, (g.orders.get(o) ?? 0) + recordCount(r));
  }
  return [...m.values()].sort((a, b) => b.pages - a.pages || b.count - a.count || recordStart(a.records[0]) - recordStart(b.records[0]));
}

const EARLY = /^(?:register_early_stack|register_dummy_stack|init_page_owner|init_pages_in_zone|init_early_allocated_pages|start_kernel|mm_core_init|memblock_\w+|page_ext_init\w*)$/;
const PAGE_CACHE = /^(?:find_lock_page|find_or_create_page|grow_dev_page|__getblk\w*|__filemap_get_folio|filemap_alloc_folio|pagecache_get_page|grab_cache_page\w*|add_to_page_cache\w*|page_cache_ra_\w+|ractl_alloc_folio|__do_page_cache_readahead|ondemand_readahead|filemap_fault|do_anonymous_page|handle_mm_fault|__handle_mm_fault|do_huge_pmd_anonymous_page|shmem_alloc_\w+|alloc_anon_folio|folio_prealloc|wp_page_copy|do_cow_fault)$/;

function judge(g: StackGroup): { verdict: Verdict; reason: string } {
  const first = g.records[0];
  if (first.frames.length === 0) return { verdict: 'possible-leak', reason: 'The record was cut short before its stack, so its origin is unknown.' };
  const keys = first.frames.filter((f) => !f.unreliable).map(frameKey);
  const held = `${plural(g.pages, 'page')} (${formatBytes(g.pages * PAGE_SIZE)}) in ${plural(g.count, 'record')}`;
  if (keys.some((k) => EARLY.test(k))) return { verdict: 'stable', reason: `${held} allocated during early boot (recorded by page_owner's init): not a leak.` };
  if (keys.some((k) => PAGE_CACHE.test(k))) return { verdict: 'cache', reason: `${held} of page cache or user memory: reclaimable or owned by processes, not a kernel leak by itself.` };
  if (first.kind === 'dump_page_owner') return { verdict: 'possible-leak', reason: `The owner of a page the kernel dumped (dump_page_owner): ${held}. The dump reason says why the page was looked at.` };
  const slab = keys.some((k) => /^(?:allocate_slab|new_slab|___slab_alloc|__slab_alloc)$/.test(k)) || first.frames.some((f) => f.symbol && /^(?:allocate_slab|new_slab)$/.test(f.symbol));
  return {
    verdict: 'possible-leak',
    reason: slab
      ? `${held} of slab pages; this stack is who needed a new slab, not the only owner of its objects — check the cache in slabinfo.`
      : `${held} still allocated from this stack; one snapshot cannot show growth — compare two page_owner dumps.`,
  };
}

export function pageOwnerView(report: PageOwnerReport): CaptureView {
  const groups = groupByStack(report.records);
  const groupOf = new Map<PageRecord, StackGroup>();
  for (const g of groups) for (const r of g.records) groupOf.set(r, g);
  const suspects: Suspect[] = rankSuspects(
    groups.map((g) => {
      const { verdict, reason } = judge(g);
      return { verdict, reason, count: g.count, bytes: g.pages * PAGE_SIZE, site: site(g), stack: g.norm.keys, line: recordStart(g.records[0]) };
    }),
  );

  const findings: Finding[] = [];
  if (report.records.length > 0) findings.push(summary(report, groups));
  const verdictAt = new Map(suspects.map((s) => [s.line, s]));
  for (const g of groups.slice(0, 10)) {
    const sus = verdictAt.get(recordStart(g.records[0]));
    if (!sus || (sus.verdict !== 'possible-leak' && sus.verdict !== 'likely-leak')) continue;
    const r = g.records[0];
    const related = [];
    if (g.norm.suspect) related.push({ range: g.norm.suspect.symbolRange, message: `suspect frame ${frameLabel(g.norm.suspect)}` });
    for (const x of g.records.slice(1, MAX_RELATED)) related.push({ range: x.headerRange, message: `same stack: order ${x.order ?? '?'}, ${plural(recordPages(x), 'page')}` });
    findings.push({
      range: r.sorted ? r.sorted.range : r.headerRange.start.line === r.headerRange.end.line ? r.headerRange : range(r.headerLine, r.headerRange.start.character, r.headerRange.start.character),
      severity: 'warning',
      message: `${plural(g.pages, 'page')} (${formatBytes(g.pages * PAGE_SIZE)}) in ${plural(g.count, 'record')} allocated from ${site(g)}${orderText(g)}: ${sus.reason}`,
      code: 'page-owner-group',
      related,
    });
  }
  findings.push(...problemFindings(report.problems));

  const frames: FrameOccurrence[] = [];
  const hovers = new HoverIndex();
  for (const r of report.records) {
    const g = groupOf.get(r)!;
    const sk = g.norm.suspect ? frameKey(g.norm.suspect) : undefined;
    const suspectFrame = sk === undefined ? undefined : r.frames.find((f) => !f.unreliable && frameKey(f) === sk);
    for (const f of r.frames) {
      frames.push({ frame: f, suspect: f === suspectFrame });
      hovers.add(f.range, () => frameHover(f, g, f === suspectFrame));
    }
    for (const f of r.freeFrames) {
      frames.push({ frame: f, suspect: false });
      hovers.add(f.range, () => `**${md(f.symbol ?? `0x${f.address}`)}** — in the stack that last freed this page.`);
    }
    if (r.orderRange) {
      hovers.add(r.orderRange, () => {
        const pages = 2 ** (r.order ?? 0);
        return `**Order ${r.order}**: ${plural(pages, 'contiguous page')} (${formatBytes(pages * PAGE_SIZE)} with 4 KiB pages) per allocation.${r.sorted ? `\n\nThis sorted block stands for ${plural(r.sorted.times, 'record')}, ${plural(recordPages(r), 'page')} in all.` : ''}`;
      });
    }
    if (r.mask) {
      hovers.add(r.mask.range, () => gfpHover(r));
      if (r.gfpNames) hovers.add(r.gfpNames.range, () => gfpHover(r));
    }
    if (r.migrateType) hovers.add(r.migrateType.range, () => migrateHover(r.migrateType!.value, 'Migrate type of the allocation'));
    if (r.pageType) hovers.add(r.pageType.range, () => migrateHover(r.pageType!.value, 'Migrate type of the allocation'));
    if (r.blockType) hovers.add(r.blockType.range, () => migrateHover(r.blockType!.value, 'Migrate type of the pageblock the page sits in') + (r.pageType && r.pageType.value !== r.blockType!.value ? '\n\nIt differs from the page\'s own type: the allocation fell back into a pageblock of another type, which fragments memory.' : ''));
    if (r.pfn) {
      hovers.add(r.pfn.range, () => {
        const pfn = r.pfn!.value.startsWith('0x') ? parseInt(r.pfn!.value, 16) : Number(r.pfn!.value);
        return `**PFN ${r.pfn!.value}** — page frame number ${pfn}: physical address \`0x${(pfn * PAGE_SIZE).toString(16)}\` (with 4 KiB pages).`;
      });
    }
    if (r.flags) {
      const names = r.flagNames?.value ?? '';
      const text = () => [`**Page flags** \`${r.flags!.value}\``, '', ...(names ? explainPageFlags(names).map((x) => `- ${x}`) : ['No flag names printed (the upper bits hold the zone/node/section numbers).'])].join('\n');
      hovers.add(r.flags.range, text);
      if (r.flagNames) hovers.add(r.flagNames.range, text);
    }
    if (r.sorted) {
      const srt = r.sorted;
      hovers.add(srt.range, () => `**page_owner_sort block**: ${plural(srt.times, 'record')} with this same text${srt.pages !== undefined ? `, ${plural(srt.pages, 'page')}` : ` (${plural(recordPages(r), 'page')} at order ${r.order ?? 0})`}.`);
    }
  }

  const outline: OutlineItem[] = groups.map((g) => {
    const first = g.records[0];
    const lastLine = Math.max(...g.records.map((r) => r.endLine));
    return {
      name: site(g),
      detail: `${plural(g.pages, 'page')} · ${formatBytes(g.pages * PAGE_SIZE)} · ${plural(g.count, 'record')}`,
      kind: 'group' as const,
      range: { start: { line: recordStart(first), character: 0 }, end: { line: lastLine, character: 0 } },
      selectionRange: first.sorted ? first.sorted.range : single(first),
      children: g.records.slice(0, 500).map((r) => ({
        name: `order ${r.order ?? '?'}${r.pfn ? ` · PFN ${r.pfn.value}` : ''}`,
        detail: [r.pid !== undefined ? `pid ${r.pid}` : '', r.comm ? `(${r.comm})` : '', r.gfpNames ? r.gfpNames.value : r.mask ? `mask ${r.mask.value}` : ''].filter((x) => x).join(' '),
        kind: 'object' as const,
        range: { start: { line: recordStart(r), character: 0 }, end: { line: r.endLine, character: 0 } },
        selectionRange: r.sorted ? r.sorted.range : single(r),
        children: [],
      })),
    };
  });

  const lenses: Lens[] = groups.slice(0, 20).map((g) => ({
    range: g.records[0].sorted ? g.records[0].sorted.range : single(g.records[0]),
    title: `${plural(g.pages, 'page')} · ${formatBytes(g.pages * PAGE_SIZE)} · ${plural(g.count, 'record')} · same stack`,
    locations: g.records.map((r) => (r.sorted ? r.sorted.range : single(r))),
  }));

  return {
    format: 'page-owner',
    records: report.records.length,
    findings,
    suspects,
    outline: containedOutline(outline),
    folds: report.records.filter((r) => r.endLine > recordStart(r)).map((r) => ({ startLine: recordStart(r), endLine: r.endLine })),
    tokens: report.tokens,
    frames,
    lenses,
    hover: (pos) => hovers.at(pos),
  };
}

function single(r: PageRecord) {
  return r.headerRange.start.line === r.headerRange.end.line ? r.headerRange : range(r.headerLine, r.headerRange.start.character, r.headerRange.start.character);
}

function orderText(g: StackGroup): string {
  if (g.orders.size === 0) return '';
  return ` (${[...g.orders].sort((a, b) => a[0] - b[0]).map(([o, n]) => `${n} × order ${o}`).join(', ')})`;
}

function summary(report: PageOwnerReport, groups: StackGroup[]): Finding {
  const pages = groups.reduce((t, g) => t + g.pages, 0);
  const top = groups[0];
  const sorted = report.records.some((r) => r.sorted);
  let msg = `page_owner: ${plural(report.records.length, sorted ? 'record or sorted block' : 'record', sorted ? 'records or sorted blocks' : undefined)}, ${plural(pages, 'page')} (${formatBytes(pages * PAGE_SIZE)} with 4 KiB pages) in ${plural(groups.length, 'distinct stack')}; top ${site(top)} (${plural(top.pages, 'page')}).`;
  if (report.dumpReasons.length > 0) msg += ` Page dumped because: ${report.dumpReasons.map((d) => d.reason).join('; ')}.`;
  return {
    range: range(0, 0, 0),
    severity: 'information',
    message: msg,
    code: 'summary',
    related: groups.slice(0, MAX_RELATED).map((g) => ({ range: g.records[0].sorted ? g.records[0].sorted.range : single(g.records[0]), message: `${site(g)}: ${plural(g.pages, 'page')} in ${plural(g.count, 'record')}` })),
  };
}

function gfpHover(r: PageRecord): string {
  const lines = [`**GFP mask** \`${r.mask!.value}\``, ''];
  if (r.gfpNames && r.gfpNames.value.trim() !== '') lines.push(...explainGfpNames(r.gfpNames.value).map((x) => `- ${x}`));
  else lines.push(r.gfpNames ? 'No flags (an early-boot record: the allocation was not seen by page_owner).' : 'Flag names were not printed (old kernel); the bit layout depends on the kernel version.');
  return lines.join('\n');
}

function migrateHover(type: string, what: string): string {
  const text = explainMigrateType(type);
  return `**${md(type)}** — ${what}.${text ? `\n\n${text[0].toUpperCase()}${text.slice(1)}.` : ''}`;
}

function frameHover(f: Frame, g: StackGroup, isSuspect: boolean): string {
  const lines = [`**${md(f.symbol ?? `0x${f.address}`)}**`, ''];
  if (f.offset !== undefined) lines.push(`Offset \`0x${f.offset.toString(16)}\`${f.size !== undefined ? ` of \`0x${f.size.toString(16)}\`` : ''} into the function`, '');
  if (f.module) lines.push(`Module: ${code(f.module)}`, '');
  lines.push(isSuspect ? '**Suspect frame**: the first function outside the page and slab allocators.' : `Not the suspect frame (suspect: ${code(site(g))}).`);
  lines.push('', `This stack holds ${plural(g.pages, 'page')} (${formatBytes(g.pages * PAGE_SIZE)}) in ${plural(g.count, 'record')}.`);
  return lines.join('\n');
}
