// What the page allocator's words mean, for hovers on page_owner records: GFP flags as
// printed by %pGg, migrate types, and the page flags of %pGp.

const GFP: Record<string, string> = {
  GFP_KERNEL: 'normal kernel allocation: may sleep, reclaim, do I/O and call into file systems',
  GFP_KERNEL_ACCOUNT: 'GFP_KERNEL charged to the memory cgroup of the allocating task',
  GFP_ATOMIC: 'may not sleep (interrupt or spinlock context); may dip into reserves',
  GFP_NOWAIT: 'may not sleep and does not use reserves',
  GFP_NOIO: 'may sleep but must not start I/O (block layer paths)',
  GFP_NOFS: 'may sleep and do I/O but must not call into file systems (file-system paths)',
  GFP_USER: 'user-space allocation that the kernel also accesses (hardwall cpuset)',
  GFP_DMA: 'from ZONE_DMA (legacy 16 MiB DMA)',
  GFP_DMA32: 'from ZONE_DMA32 (below 4 GiB)',
  GFP_HIGHUSER: 'user-space page that may live in high memory',
  GFP_HIGHUSER_MOVABLE: 'user-space page that compaction may move (anonymous memory, page cache)',
  GFP_TRANSHUGE: 'transparent huge page, with direct compaction',
  GFP_TRANSHUGE_LIGHT: 'transparent huge page, without reclaim stalls',
  __GFP_DMA: 'zone modifier: ZONE_DMA',
  __GFP_HIGHMEM: 'zone modifier: may come from high memory',
  __GFP_DMA32: 'zone modifier: ZONE_DMA32',
  __GFP_MOVABLE: 'migrate type Movable: the page can be migrated by compaction',
  __GFP_RECLAIMABLE: 'migrate type Reclaimable: slab pages that shrinkers can free (SLAB_RECLAIM_ACCOUNT)',
  __GFP_HIGH: 'high priority: may use part of the emergency reserves',
  __GFP_IO: 'may start physical I/O',
  __GFP_FS: 'may call into the file system',
  __GFP_ZERO: 'returns zeroed memory',
  __GFP_NOWARN: 'no warning on failure',
  __GFP_RETRY_MAYFAIL: 'retries hard, but may fail',
  __GFP_NOFAIL: 'must not fail: retries forever',
  __GFP_NORETRY: 'gives up early, no OOM kill',
  __GFP_MEMALLOC: 'may use all reserves (memory reclaim paths only)',
  __GFP_COMP: 'compound page (order > 0 as one unit: slab, THP)',
  __GFP_NOMEMALLOC: 'must not use the emergency reserves',
  __GFP_HARDWALL: 'enforces the cpuset memory allocation policy',
  __GFP_THISNODE: 'only from the requested NUMA node',
  __GFP_ACCOUNT: 'charged to the memory cgroup',
  __GFP_RECLAIM: 'direct and kswapd reclaim allowed',
  __GFP_DIRECT_RECLAIM: 'the caller may enter direct reclaim (may sleep)',
  __GFP_KSWAPD_RECLAIM: 'wakes kswapd when below the low watermark',
  __GFP_WRITE: 'the caller intends to dirty the page',
  __GFP_NOLOCKDEP: 'lockdep annotation disabled',
  __GFP_NOTRACK: 'not tracked by kmemcheck (old kernels)',
  __GFP_COLD: 'cache-cold page requested (old kernels)',
  __GFP_ATOMIC: 'atomic context (old kernels)',
  __GFP_OTHER_NODE: 'on behalf of another node (old kernels)',
  __GFP_SKIP_ZERO: 'skip zeroing (HW tag-based KASAN)',
  __GFP_SKIP_KASAN: 'skip KASAN poisoning',
};

/** `GFP_KERNEL|__GFP_ZERO` → one line per flag. Unknown flags are listed as such. */
export function explainGfpNames(names: string): string[] {
  return names
    .split('|')
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((n) => `\`${n}\` — ${GFP[n] ?? 'flag not known to kleak'}`);
}

const MIGRATE: Record<string, string> = {
  Unmovable: 'kernel memory that cannot be moved (slab, page tables, kernel stacks, most driver buffers): the kind of page a kernel leak holds',
  Movable: 'pages compaction can move (user memory, page cache)',
  Reclaimable: 'kernel pages shrinkers can free (reclaimable slab caches such as dentries and inodes)',
  HighAtomic: 'reserve for high-order atomic allocations',
  CMA: 'contiguous memory allocator area (movable pages only until a device claims it)',
  Isolate: 'being isolated (memory hot-remove, CMA allocation)',
};

export function explainMigrateType(type: string): string | undefined {
  return MIGRATE[type];
}

const PAGE_FLAGS: Record<string, string> = {
  slab: 'the page belongs to a slab cache',
  head: 'first page of a compound (multi-page) allocation',
  tail: 'tail page of a compound allocation',
  lru: 'on an LRU list (page cache or anonymous memory)',
  reserved: 'reserved (never freed to the buddy allocator)',
  buddy: 'free, in the buddy allocator',
  uptodate: 'contents valid',
  dirty: 'must be written back',
  locked: 'locked for I/O',
  referenced: 'recently accessed',
  active: 'on the active LRU list',
  private: 'file-system private data attached',
  swapbacked: 'anonymous/shmem memory backed by swap',
  mappedtodisk: 'has disk blocks',
  reclaim: 'being reclaimed',
  unevictable: 'cannot be evicted (mlocked, ramfs)',
  mlocked: 'locked into memory by mlock()',
  owner_priv_1: 'owner-private flag',
  workingset: 'part of the working set',
  writeback: 'being written back',
  hwpoison: 'hardware memory error',
};

export function explainPageFlags(names: string): string[] {
  return names
    .split('|')
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((n) => `\`${n}\`${PAGE_FLAGS[n] ? ` — ${PAGE_FLAGS[n]}` : ''}`);
}
