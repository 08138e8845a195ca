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
      // page allocator internals and pool wrappers seen in perf/ftrace call chains
      'alloc_frozen_pages', 'get_page_from_freelist', 'rmqueue', 'mempool_alloc',
    ].join('|') +
    ')',
);

export function isAllocatorSymbol(symbol: string): boolean {
  return ALLOCATOR.test(baseSymbol(symbol));
}

/**
 * Tracing machinery that records an allocation: tracepoint probes (`trace_event_raw_event_*`,
 * `perf_trace_*`), perf's software-event path, kprobe and ftrace handlers, the stack saver.
 * They sit on top of the allocator in perf -g and ftrace `stacktrace` chains.
 */
const TRACING = new RegExp(
  '^_*(?:' +
    [
      'trace_event_raw_event_', 'perf_trace_', 'trace_event_buffer_', 'traceiter_', 'bpf_trace_', 'perf_tp_event',
      'perf_swevent_', 'perf_event_output', 'kprobe_', 'kretprobe_', 'pre_handler_kretprobe', 'aggr_pre_handler',
      'opt_pre_handler', 'optimized_callback', 'ftrace_', 'arch_ftrace_', 'trace_call_bpf',
      'stack_trace_save', 'trace_buffer_unlock_commit', 'event_triggers_call',
      'stacktrace_trigger', 'trace_dump_stack', 'bpf_prog_', 'fprobe_',
    ].join('|') +
    ')',
);

export function isTracingSymbol(symbol: string): boolean {
  return TRACING.test(baseSymbol(symbol));
}

/** Is this a printed terminator rather than a frame (`0xffffffffffffffff`, `0xffffffff`)? */
export function isTerminatorAddress(hex: string): boolean {
  return /^(?:f{8}|f{16})$/i.test(hex);
}
