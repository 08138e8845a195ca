// Symbol-name rules shared by every stack-bearing format.

/** Compiler clones and sections that name the same source function. */
const CLONE_SUFFIX = /\.(?:cold|isra|constprop|part|llvm|lto_priv|localalias)(?:\.\d+)*$/;

/** `nvme_tcp_setup_ctrl.cold.57` → `nvme_tcp_setup_ctrl`; ppc64 `.__kmalloc` → `__kmalloc`. */
export function baseSymbol(symbol: string): string {
  let s = symbol.startsWith('.') ? symbol.slice(1) : symbol;
  // Clones can nest (`foo.isra.0.cold`), strip until stable.
  for (let i = 0; i < 4; i++) {
    const next = s.replace(CLONE_SUFFIX, '');
    if (next === s) break;
    s = next;
  }
  return s;
}

/** Allocator internals: the frames between the caller and the slab/page allocator. */
const ALLOCATOR = new RegExp(
  '^_*(?:' +
    [
      'kmalloc', 'kzalloc', 'kcalloc', 'krealloc', 'kvmalloc', 'kvzalloc', 'kvcalloc', 'kvrealloc',
      'kmem_cache_alloc', 'kmem_cache_zalloc', 'do_kmalloc', 'trace_kmalloc',
      'slab_alloc', 'slab_post_alloc_hook', 'slab_pre_alloc_hook', 'new_slab', 'allocate_slab',
      'alloc_slab_page', 'memcg_slab_post_alloc_hook', 'should_failslab', 'kasan_',
      'kmemleak_alloc', 'vmalloc', 'vzalloc', 'alloc_pages', 'get_free_pages', 'get_zeroed_page',
      'folio_alloc', 'kstrdup', 'kstrndup', 'kmemdup', 'memdup_user', 'strndup_user', 'kasprintf',
      'kvasprintf', 'alloc_percpu', 'pcpu_alloc', 'vmap_area_alloc', 'get_vm_area',
    ].join('|') +
    ')',
);

export function isAllocatorSymbol(symbol: string): boolean {
  return ALLOCATOR.test(baseSymbol(symbol));
}

/** Is this a printed terminator rather than a frame (`0xffffffffffffffff`, `0xffffffff`)? */
export function isTerminatorAddress(hex: string): boolean {
  return /^(?:f{8}|f{16})$/i.test(hex);
}
