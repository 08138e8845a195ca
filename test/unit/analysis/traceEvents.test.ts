import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockCache, StackTable, callSiteOf, classifyEvent, pfnKey, pointerKey, readArg, readField } from '../../../server/src/analysis/traceEvents';

describe('event fields', () => {
  it('pointers as printed by perf, ftrace (hashed) and old kernels', () => {
    assert.equal(pointerKey('0xffff8881b54f56c0'), 0xf8881b54f56c0);
    assert.equal(pointerKey('000000009fdf3923'), 0x9fdf3923);
    assert.equal(pointerKey('c147dd20'), 0xc147dd20);
    for (const nul of ['(null)', '(nil)', '0x0', '0']) assert.equal(pointerKey(nul), null, nul);
    for (const bad of ['', 'xyz', '0x', '0x12345678901234567', 'ffff888g']) assert.equal(pointerKey(bad), undefined, bad);
    assert.equal(pfnKey('0x21ac7e'), 0x21ac7e);
    assert.equal(pfnKey('1493252'), 1493252);
  });

  it('call sites: %pS, hex, perf trace signed decimals', () => {
    assert.deepEqual(callSiteOf('__fput+0x141/0x2a0'), { key: '__fput', symbol: '__fput' });
    assert.deepEqual(callSiteOf('getname_flags.part.0+0x24'), { key: 'getname_flags', symbol: 'getname_flags.part.0' });
    assert.deepEqual(callSiteOf('c104deff'), { key: '0xc104deff' });
    assert.deepEqual(callSiteOf('-2124873685'), { key: '0xffffffff8159002b' });
    assert.equal(callSiteOf('has space'), undefined);
  });

  it('key=value and perf trace arguments, including padded NULL and quoted values', () => {
    const line = '  init-1  [000] .N..  0.170000: kfree: call_site=c10bfa4a ptr=  (null)';
    assert.equal(readField(line, 'ptr', 30)!.value, '(null)');
    assert.equal(readField('x: (kmem_cache_alloc+0x0/0x1b0) name="kmalloc-4096"', 'name', 3)!.value, 'kmalloc-4096');
    assert.equal(readField('a: call_site=x myptr=1 ptr=2', 'ptr', 3)!.value, '2');
    const args = 'kmem:kmem_cache_alloc(call_site: -2123467276, ptr: 0xffff888103d2b000, name: "names_cache", bytes_req: 4096)';
    assert.equal(readArg(args, 'ptr', 0)!.value, '0xffff888103d2b000');
    assert.equal(readArg(args, 'name', 0)!.value, 'names_cache');
    assert.equal(readArg(args, 'bytes_req', 0)!.value, '4096');
  });

  it('event roles by name', () => {
    assert.deepEqual(classifyEvent('kmem:kmem_cache_alloc_node'), { role: 'alloc', space: 'slab' });
    assert.equal(classifyEvent('kfree').role, 'free');
    assert.equal(classifyEvent('kmem:mm_page_free').space, 'page');
    assert.equal(classifyEvent('probe:kmem_cache_alloc').role, 'alloc');
    assert.equal(classifyEvent('probe_foo:my_free_hook').role, 'free');
    assert.equal(classifyEvent('sched:sched_switch').role, 'other');
    assert.equal(classifyEvent('filemap_fault').role, 'other');
    assert.equal(classifyEvent('mm:kmalloc_like').role, 'other');
  });
});

describe('stack table', () => {
  it('strips allocator and tracer frames, ignores offsets, keeps call-site groups apart', () => {
    const t = new StackTable();
    const a = t.group(['trace_event_raw_event_kmem_cache_alloc', 'kmem_cache_alloc_noprof', 'sk_prot_alloc', 'sk_alloc'], false);
    const b = t.group(['perf_trace_kmem_alloc', 'kmem_cache_alloc_lru_noprof', 'sk_prot_alloc', 'sk_alloc'], false);
    const c = t.group(['sk_prot_alloc'], true);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.deepEqual(t.groups[a].stack, ['sk_prot_alloc', 'sk_alloc']);
    assert.deepEqual(t.groups[a].stripped, ['trace_event_raw_event_kmem_cache_alloc', 'kmem_cache_alloc_noprof']);
    assert.deepEqual(t.groups[t.group([], true)].stack, ['(unknown)']);
  });
});

describe('block cache', () => {
  it('finds a block by its bytes, never by a look-alike', () => {
    const cache = new BlockCache<number>(10, 1 << 20, 2);
    const a = Buffer.from('\tffffffff81e2e303 __sys_socketpair+0xc3 ([kernel.kallsyms])');
    const b = Buffer.from('\tffffffff81e2e335 __sys_socketpair+0xf5 ([kernel.kallsyms])');
    cache.set(Buffer.from(a), 1);
    const doc = Buffer.concat([Buffer.from('x\n'), b, Buffer.from('\n'), a]);
    assert.equal(cache.get(doc, 2, 2 + b.length), undefined);
    assert.equal(cache.get(doc, 3 + b.length, doc.length), 1);
    cache.set(Buffer.from(b), 2);
    assert.equal(cache.get(doc, 2, 2 + b.length), 2);
    cache.set(Buffer.from(b.toString().replace('f5', 'f6')), 3);
    // At most two blocks of one length.
    assert.equal(cache.get(Buffer.from(b.toString().replace('f5', 'f6')), 0, b.length), undefined);
  });
});
