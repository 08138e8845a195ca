// Stack normalisation for the debug-report formats (SLUB, page_owner, BCC): besides the
// allocator frames of symbols.ts, their stacks start with the debugger's own frames
// (dump_stack, alloc_debug_processing, ___slab_alloc…) or the page allocator's
// (prep_new_page, get_page_from_freelist…), and `? ` frames are the unwinder's guesses.
import { Frame } from './model';
import { frameKey } from './stacks';
import { baseSymbol, isAllocatorSymbol } from './symbols';

const DEBUG_AND_PAGE = new RegExp(
  '^(?:' +
    [
      'dump_stack(?:_lvl)?', 'show_stack', 'dump_backtrace', 'unwind_backtrace', 'show_trace(?:_log_lvl)?', 'dump_trace',
      'print_trailer', 'object_err', 'slab_err', 'slab_bug', 'check_object', 'check_bytes_and_report', 'on_freelist',
      // `trace` is mm/slub.c's slub_debug=T printer, a frame of its own on old ARM kernels
      'trace', 'alloc_debug_processing', 'free_debug_processing', 'free_to_partial_list', 'set_track(?:_prepare|_update)?',
      '_{0,3}slab_alloc(?:_node)?', 'alloc_single_from_\\w+', 'get_partial(?:_node)?',
      'prep_new_page', 'post_alloc_hook', 'get_page_from_freelist', 'rmqueue\\w*', '_{0,2}alloc_pages\\w*',
      '_{0,2}folio_alloc\\w*', 'alloc_frozen_pages\\w*', 'register_dummy_stack', 'save_stack',
    ].join('|') +
    ')$',
);

const FREE_PATH = new RegExp(
  '^(?:' +
    [
      'free_debug_processing', '_{0,2}slab_free(?:_hook|_freelist_hook)?', 'do_slab_free', 'kfree', 'kvfree', 'kfree_const',
      'kfree_sensitive', '_{0,2}kmem_cache_free\\w*', 'kfree_rcu\\w*', 'rcu_do_batch', 'slab_free_after_rcu_debug',
    ].join('|') +
    ')$',
);

/** A frame of the allocator or of the debugging machinery, not of the code that allocates. */
export function isMachineryFrame(f: Frame): boolean {
  if (!f.symbol) return false;
  const s = baseSymbol(f.symbol);
  return isAllocatorSymbol(s) || DEBUG_AND_PAGE.test(s) || FREE_PATH.test(s);
}

/** A frame of the free path (kfree, kmem_cache_free, __slab_free…). */
export function isFreeFrame(f: Frame): boolean {
  return f.symbol !== undefined && FREE_PATH.test(baseSymbol(f.symbol));
}

export interface LeakStack {
  /** Frames kept: reliable ones, machinery stripped from the innermost end. */
  frames: Frame[];
  keys: string[];
  /** First frame outside the machinery (the outermost frame when everything is machinery). */
  suspect?: Frame;
  /** Grouping signature. */
  signature: string;
}

/** Drop `? ` frames, strip the leading machinery, key the rest. */
export function leakStack(frames: Frame[]): LeakStack {
  const reliable = frames.filter((f) => !f.unreliable);
  let i = 0;
  while (i < reliable.length && isMachineryFrame(reliable[i])) i++;
  if (i === reliable.length && reliable.length > 0) i = reliable.length - 1;
  const kept = reliable.slice(i);
  const keys = kept.map(frameKey);
  return { frames: kept, keys, suspect: kept[0], signature: keys.join('\n') };
}
