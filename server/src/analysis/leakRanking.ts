// Ranks the stacks that still hold objects at the end of an allocation trace, so that a real
// leak beats the noise every capture has:
//   cache          reclaimable caches (dentries from lookups, inode caches, buffer heads,
//                  radix/xarray nodes — by `name=` or by stack) and the slab allocator's own metadata,
//   transient      in-flight churn (objects allocated just before the capture ended, of a stack
//                  whose objects are freed) and memory tied to live processes,
//   possible-leak  outstanding, but the capture cannot tell (no frees recorded, frees of the
//                  stack escaping the capture, no timestamps, too few objects, irregular),
//   likely-leak    the stack's outstanding count grows steadily over the capture (least-squares
//                  fit), its objects are old, its frees are seen, and it is not a cache.
// Each verdict carries its reason, and the confidence drops with what the capture cannot tell
// (lost events, missing call chains, aggregated output).
import { Verdict } from './model';
import { GroupOutcome } from './ledger';
import { reclaimByName } from './slabGrowth';
import { isAllocatorSymbol } from './symbols';
import { StackGroup, TraceCapture, classifyEvent } from './traceEvents';
import { formatBytes, plural } from './units';

export type Confidence = 'high' | 'medium' | 'low';

export interface RankedGroup {
  rank: number;
  verdict: Verdict;
  reason: string;
  confidence: Confidence;
  group: StackGroup;
  outcome: GroupOutcome;
  /** Outstanding objects (allocations, for groups whose events print no pointer). */
  count: number;
  bytes: number;
  site: string;
  stack: string[];
  line: number;
  samples: number[];
}

export interface CaptureEvidence {
  hasTime: boolean;
  /** Seconds from the first to the last event. */
  span: number;
  lostShare: number;
  chains: 'all' | 'some' | 'none';
  aggregated: boolean;
}

/** Fewest outstanding objects that can show a steady trend. */
export const MIN_TREND_OBJECTS = 5;
/** R² of the live count's fit over time above which growth is steady. */
export const STEADY_R2 = 0.8;
/** Mean age of the outstanding objects, as a share of the capture, below which they are in flight. */
export const IN_FLIGHT_AGE = 0.1;
/** …and above which they were allocated throughout the capture, as a leak's are. */
export const SPREAD_AGE = 0.2;
/** Share of lost frees (pointer allocated again) above which a stack's frees escape the capture. */
export const LOST_FREE_SHARE = 0.05;
/** Share of lost events above which no verdict is better than possible-leak. */
export const LOST_EVENT_SHARE = 0.01;

/** Frames of pseudo filesystems: their dentries and inodes are pinned by a file, never reclaimed. */
const PINNED_FRAMES = new Set([
  'd_alloc_pseudo', 'alloc_file_pseudo', 'new_inode_pseudo', 'sock_alloc', 'sock_alloc_file', 'anon_inode_getfile',
  '__anon_inode_getfile', 'anon_inode_make_secure_inode', 'alloc_anon_inode', 'create_pipe_files', 'get_pipe_inode',
]);

/** Call paths of reclaimable caches: lookups that fill the dentry cache, page-cache structures. */
const RECLAIMABLE_FRAMES: Record<string, string> = {
  d_alloc_parallel: 'dentry cache filled by a path lookup (negative or unused dentries are reclaimed under memory pressure)',
  __lookup_slow: 'dentry cache filled by a path lookup (negative or unused dentries are reclaimed under memory pressure)',
  lookup_one_qstr_excl: 'dentry cache filled by a path lookup (negative or unused dentries are reclaimed under memory pressure)',
  d_alloc_name: 'dentry cache (reclaimed under memory pressure)',
  alloc_buffer_head: 'buffer heads of page-cache pages: freed when those pages are reclaimed',
  folio_alloc_buffers: 'buffer heads of page-cache pages: freed when those pages are reclaimed',
  xas_alloc: 'page-cache xarray nodes: freed when the pages they index are reclaimed',
  xas_nomem: 'page-cache xarray nodes: freed when the pages they index are reclaimed',
  radix_tree_node_alloc: 'radix-tree nodes of the page cache: freed when the pages they index are reclaimed',
  __filemap_get_folio: 'page-cache pages: reclaimed under memory pressure',
  filemap_alloc_folio: 'page-cache pages: reclaimed under memory pressure',
  __es_insert_extent: 'ext4 extent status cache: freed by its shrinker',
  ext4_es_insert_extent: 'ext4 extent status cache: freed by its shrinker',
};

/** Allocation sites inside the slab allocator: per-slab metadata that follows slab pages. */
const SLAB_METADATA = new Set(['alloc_slab_obj_exts', 'memcg_alloc_slab_cgroups', 'memcg_alloc_slab_obj_cgroups', 'alloc_slab_obj_exts_early']);

/** Frames that allocate an inode: objects made there live as long as the inode (reclaimable unless pinned). */
const INODE_FRAMES = new Set(['alloc_inode', 'inode_init_always', 'inode_init_always_gfp', 'new_inode', 'iget_locked', 'iget5_locked']);

/** Memory of a live process: its task, credentials, address space, file table. */
const PROCESS_FRAMES: Record<string, string> = {
  copy_process: 'a new task (fork/clone): freed when it exits',
  kernel_clone: 'a new task (fork/clone): freed when it exits',
  dup_mm: 'the address space of a new process: freed when it exits',
  dup_mmap: 'the address space of a new process: freed when it exits',
  mm_alloc: 'the address space of a new process: freed when it exits',
  bprm_execve: 'a program being executed: freed when it exits',
  begin_new_exec: 'a program being executed: freed when it exits',
  load_elf_binary: 'a program being executed: freed when it exits',
  __mmap_region: 'a mapping of a live process: freed when it unmaps or exits',
  mmap_region: 'a mapping of a live process: freed when it unmaps or exits',
  do_mmap: 'a mapping of a live process: freed when it unmaps or exits',
  do_brk_flags: 'the heap of a live process: freed when it shrinks or exits',
  vm_area_alloc: 'a mapping of a live process: freed when it unmaps or exits',
  vm_area_dup: 'a mapping of a live process: freed when it unmaps or exits',
  expand_files: 'the file table of a live process: freed when it exits',
  alloc_fdtable: 'the file table of a live process: freed when it exits',
  mas_preallocate: 'maple-tree nodes of a live address space: freed when it unmaps or exits',
  mas_wr_bnode: 'maple-tree nodes of a live address space: freed when it unmaps or exits',
  mas_store_gfp: 'maple-tree nodes of a live address space: freed when it unmaps or exits',
  mas_push_data: 'maple-tree nodes of a live address space: freed when it unmaps or exits',
  mas_new_ma_node: 'maple-tree nodes of a live address space: freed when it unmaps or exits',
  mas_alloc_nodes: 'maple-tree nodes of a live address space: freed when it unmaps or exits',
  anon_vma_clone: 'reverse-map structures of a live process: freed when it unmaps or exits',
  __anon_vma_prepare: 'reverse-map structures of a live process: freed when it unmaps or exits',
};

const ORDER: Record<Verdict, number> = { 'likely-leak': 0, 'possible-leak': 1, transient: 2, cache: 3, stable: 4 };

export function captureEvidence(c: TraceCapture): CaptureEvidence {
  const t = c.ledger.totals;
  const hasTime = t.timed > 0 && t.untimed === 0 && t.lastTs > t.firstTs;
  const f = c.facts;
  const events = f.inWindow;
  return {
    hasTime,
    span: hasTime ? t.lastTs - t.firstTs : 0,
    lostShare: f.lostEvents > 0 ? f.lostEvents / (events + f.lostEvents) : 0,
    chains: f.withChain === 0 ? 'none' : f.withoutChain === 0 ? 'all' : 'some',
    aggregated: f.aggregated,
  };
}

function rate(perSecond: number): string {
  const a = Math.abs(perSecond);
  const v = a >= 100 ? perSecond.toFixed(0) : a >= 1 ? perSecond.toFixed(1) : perSecond.toPrecision(2);
  return `${perSecond > 0 ? '+' : ''}${v}/s`;
}

function seconds(s: number): string {
  return s >= 10 ? `${s.toFixed(0)} s` : s >= 1 ? `${s.toFixed(1)} s` : `${(s * 1000).toFixed(s >= 0.01 ? 0 : 1)} ms`;
}

/** Why a group's objects are a reclaimable cache or allocator metadata, if they are. */
export function cacheReason(g: StackGroup): string | undefined {
  const stack = g.stack;
  if (SLAB_METADATA.has(stack[0])) {
    return `slab allocator metadata (${stack[0]}): allocated for a new slab page, freed with that page when its cache shrinks`;
  }
  for (let i = 1; i < stack.length; i++) {
    if (!stack[i].startsWith('0x') && isAllocatorSymbol(stack[i])) {
      return `slab allocator metadata: allocated by the allocator itself (${stack[i]}) for a new slab page, freed with that page when its cache shrinks`;
    }
  }
  if (stack.some((k) => PINNED_FRAMES.has(k))) return undefined;
  if (g.cache !== undefined) {
    const r = reclaimByName(g.cache);
    if (r.reclaimable) return `${g.cache}: ${r.reason}`;
    // Pinned by name (socket, shmem inodes …); LSM blobs follow whatever inode they belong to.
    if (r.basis === 'pinned' && !g.cache.startsWith('lsm_')) return undefined;
  }
  for (const k of stack) {
    const why = RECLAIMABLE_FRAMES[k];
    if (why) return why;
  }
  const inode = stack.find((k) => INODE_FRAMES.has(k));
  if (inode && !g.fromCallSite) return `part of an inode (${inode}), freed with it when the inode cache shrinks`;
  return undefined;
}

/** Why a group's objects belong to a live process, if they do. */
export function processReason(g: StackGroup): string | undefined {
  for (const k of g.stack) {
    const why = PROCESS_FRAMES[k];
    if (why) return `held by a live process — ${why} (${k})`;
  }
  return undefined;
}

interface Judgement {
  verdict: Verdict;
  reason: string;
  confidence: Confidence;
}

export function judge(o: GroupOutcome, g: StackGroup, ev: CaptureEvidence, freesSeen: number): Judgement {
  const n = o.outstanding;
  if (n === 0) {
    return {
      verdict: 'possible-leak',
      reason: `${plural(o.unpaired, 'allocation')} from an event that prints no pointer (a probe): frees cannot be paired, so this counts allocations, not leaks.`,
      confidence: 'low',
    };
  }
  const cache = cacheReason(g);
  if (cache) return { verdict: 'cache', reason: `Reclaimable: ${cache}.`, confidence: g.fromCallSite ? 'medium' : 'high' };
  const ageShare = ev.hasTime && ev.span > 0 && !Number.isNaN(o.meanAge) ? o.meanAge / ev.span : NaN;
  const young = ageShare < IN_FLIGHT_AGE;
  const freed = o.frees + o.lostFrees;
  const still = `${n} of ${plural(o.allocs, 'allocation')} still allocated`;
  if (freesSeen === 0) {
    if (young && o.lostFrees > 0) {
      return {
        verdict: 'transient',
        reason: `The capture records no frees, but ${plural(o.lostFrees, 'pointer')} of this stack came back from the allocator, so its objects are freed; the ${n} left were allocated last (mean age ${seconds(o.meanAge)}).`,
        confidence: 'low',
      };
    }
    return {
      verdict: 'possible-leak',
      reason: `${still}, but the capture records no free events of this kind, so every allocation looks outstanding — record frees too (kfree, kmem_cache_free).`,
      confidence: 'low',
    };
  }
  if (young && freed > 0) {
    return {
      verdict: 'transient',
      reason: `In flight: ${still} (${freed} freed), all made in the last moments of the capture (mean age ${seconds(o.meanAge)} of ${seconds(ev.span)}).`,
      confidence: 'high',
    };
  }
  const proc = processReason(g);
  if (proc) return { verdict: 'transient', reason: `${still}, ${proc}.`, confidence: 'medium' };
  const caveats: string[] = [];
  if (ev.lostShare > 0) caveats.push(`${(ev.lostShare * 100).toFixed(ev.lostShare < 0.01 ? 2 : 1)}% of events were lost`);
  if (g.fromCallSite && ev.chains !== 'none') caveats.push('these events came without a call chain, so they are grouped by call site only');
  if (ev.chains === 'none') caveats.push('no call chains: grouped by call site');
  if (ev.aggregated) caveats.push('perf report aggregates identical samples');
  if (g.folded) caveats.push('too many distinct stacks: grouped by function');
  const caveat = caveats.length > 0 ? ` (${caveats.join('; ')})` : '';
  if (o.lostFrees > 0 && o.lostFrees >= LOST_FREE_SHARE * o.allocs) {
    return {
      verdict: 'possible-leak',
      reason: `${still}, but ${plural(o.lostFrees, 'pointer')} of this stack were allocated again without a free in between: its frees escape the capture (freed from another context, or lost), so the outstanding count overstates${caveat}.`,
      confidence: 'low',
    };
  }
  if (!ev.hasTime) {
    return {
      verdict: 'possible-leak',
      reason: `${still}; the capture has no timestamps, so growth cannot be measured${caveat}.`,
      confidence: 'low',
    };
  }
  const gr = o.growth;
  if (n < MIN_TREND_OBJECTS) {
    return {
      verdict: 'possible-leak',
      reason: `${still}: too few to show a trend${caveat}.`,
      confidence: 'low',
    };
  }
  const steady = gr !== undefined && gr.slope > 0 && gr.r2 >= STEADY_R2 && ageShare >= SPREAD_AGE;
  if (steady) {
    const growth = `the outstanding count grows steadily, ${rate(gr.slope)} (R² ${gr.r2.toFixed(2)}), with objects from all through the capture (mean age ${seconds(o.meanAge)} of ${seconds(ev.span)})`;
    const frees = o.frees > 0 ? `; ${o.frees} of its objects were freed, the rest never` : '; none of its objects was freed';
    if (ev.lostShare > LOST_EVENT_SHARE || ev.aggregated) {
      return { verdict: 'possible-leak', reason: `${still} and ${growth}${frees}, but ${caveats.join('; ')}.`, confidence: 'medium' };
    }
    return { verdict: 'likely-leak', reason: `${still} and ${growth}${frees}${caveat}.`, confidence: caveats.length > 0 ? 'medium' : 'high' };
  }
  if (gr === undefined || gr.slope <= 0 || gr.r2 < 0.5) {
    return {
      verdict: 'transient',
      reason: `${still}, but the outstanding count does not grow steadily${gr ? ` (${rate(gr.slope)}, R² ${gr.r2.toFixed(2)})` : ''}: a burst or in-flight work, not a steady leak${caveat}.`,
      confidence: 'medium',
    };
  }
  return {
    verdict: 'possible-leak',
    reason: `${still}; the outstanding count grows, but irregularly (${rate(gr.slope)}, R² ${gr.r2.toFixed(2)}, mean age ${seconds(o.meanAge)} of ${seconds(ev.span)})${caveat}.`,
    confidence: 'low',
  };
}

/** Suspect function of a group: its first frame outside the allocator and the tracer. */
export function groupSite(g: StackGroup): string {
  return g.stack[0] ?? '(unknown)';
}

/** Every group that still holds objects (or, for pointer-less probes, allocates), judged and ranked. */
export function rankTrace(c: TraceCapture): RankedGroup[] {
  const ev = captureEvidence(c);
  const frees = c.ledger.totals.freesBySpace;
  const out: RankedGroup[] = [];
  for (const o of c.ledger.groups) {
    if (o.outstanding === 0 && o.unpaired === 0) continue;
    const g = c.groups[o.group];
    const space = classifyEvent(g.event ?? '').space;
    const j = judge(o, g, ev, frees[space]);
    const unpairedOnly = o.outstanding === 0;
    out.push({
      rank: 0,
      ...j,
      group: g,
      outcome: o,
      count: unpairedOnly ? o.unpaired : o.outstanding,
      bytes: unpairedOnly ? o.allocatedBytes : o.outstandingBytes,
      site: groupSite(g),
      stack: g.stack,
      line: o.firstLine,
      samples: o.sampleLines,
    });
  }
  out.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || b.bytes - a.bytes || b.count - a.count || a.line - b.line);
  out.forEach((r, i) => (r.rank = i + 1));
  return out;
}

export interface FrameTotal {
  /** Outstanding objects whose stack passes through this function. */
  count: number;
  bytes: number;
  /** Stack groups that pass through it, and how many of them are likely leaks. */
  groups: number;
  leaks: number;
}

/**
 * Bottom-up view: for every function, the outstanding objects of all stacks that pass through
 * it (inclusive: a stack counts once per function however often it recurses).
 */
export function inclusiveByFrame(ranked: RankedGroup[]): Map<string, FrameTotal> {
  const out = new Map<string, FrameTotal>();
  for (const r of ranked) {
    if (r.outcome.outstanding === 0) continue;
    for (const k of new Set(r.stack)) {
      let t = out.get(k);
      if (!t) out.set(k, (t = { count: 0, bytes: 0, groups: 0, leaks: 0 }));
      t.count += r.outcome.outstanding;
      t.bytes += r.outcome.outstandingBytes;
      t.groups++;
      if (r.verdict === 'likely-leak') t.leaks++;
    }
  }
  return out;
}

/** One line for a suspect: verdict, count, bytes, growth. */
export function suspectSummary(r: RankedGroup): string {
  const gr = r.outcome.growth;
  const growth = gr && gr.slope > 0 && r.outcome.outstanding > 0 ? `, ${rate(gr.slope)}` : '';
  return `${r.verdict} · ${plural(r.count, r.outcome.outstanding > 0 ? 'outstanding object' : 'allocation')} · ${formatBytes(r.bytes)}${growth}`;
}
