import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseSymbol, isAllocatorSymbol } from '../../../server/src/analysis/symbols';

describe('symbol rules', () => {
  it('strips compiler clone suffixes and ppc64 dots', () => {
    assert.equal(baseSymbol('nvme_tcp_setup_ctrl.cold.57'), 'nvme_tcp_setup_ctrl');
    assert.equal(baseSymbol('el0_svc_common.constprop.0'), 'el0_svc_common');
    assert.equal(baseSymbol('foo.isra.0.cold'), 'foo');
    assert.equal(baseSymbol('.__kmalloc'), '__kmalloc');
    assert.equal(baseSymbol('d_alloc'), 'd_alloc');
  });

  it('knows the allocators of every era and not their callers', () => {
    for (const s of ['kmalloc', '__kmalloc', '__kmalloc_noprof', 'kmem_cache_alloc_trace', 'kmem_cache_alloc_node', 'kmalloc_trace',
      'slab_post_alloc_hook', 'kmemleak_alloc', 'kmemleak_alloc_recursive', '__vmalloc_node_range', 'vmalloc', 'kzalloc_noprof',
      '__do_kmalloc_node', '___slab_alloc', '__kmalloc_track_caller', 'kstrdup', 'memdup_user', '.__kmalloc', '__alloc_pages']) {
      assert.ok(isAllocatorSymbol(s), s);
    }
    for (const s of ['blk_iolatency_init', 'prepare_creds', 'sk_prot_alloc', 'load_module', 'd_alloc', 'alloc_inode', 'vfs_write']) {
      assert.ok(!isAllocatorSymbol(s), s);
    }
  });
});
