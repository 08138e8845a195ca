// Where a frame leads: the local line, the web line (kernel version known), the web symbol.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFrame } from '../../../server/src/analysis/frames';
import { FrameResolution } from '../../../server/src/analysis/symbolize/symbolizer';
import { DEFAULT_SOURCE_LINK_SETTINGS } from '../../../server/src/features/sourceLinks';
import { frameTarget, webLineUrl } from '../../../server/src/features/symbolLinks';

const frame = (text: string) => parseFrame(text, 0, 0)!.frame;
const V68 = { ...DEFAULT_SOURCE_LINK_SETTINGS, kernelVersion: 'v6.8' };

describe('frame targets', () => {
  it('a resolved local file: a file: URI with a #L fragment (links) and the 0-based line (definition)', () => {
    const r: FrameResolution = {
      sites: [],
      notes: [],
      location: { file: '/tmp/m/kmem_test_main.c', line: 49, localPath: '/tmp/m/kmem_test_main.c', function: 'kmem_test_new_item' },
    };
    const t = frameTarget(frame('kmem_test_new_item.isra.0+0x18/0x60 [kmem_test]'), r, V68)!;
    assert.equal(t.kind, 'local');
    assert.equal(t.link, 'file:///tmp/m/kmem_test_main.c#L49');
    assert.equal(t.uri, 'file:///tmp/m/kmem_test_main.c');
    assert.equal(t.line, 48);
  });

  it('local paths with Markdown-significant characters stay one URI', () => {
    const r: FrameResolution = { sites: [], notes: [], location: { file: '/tmp/a (b)/x y.c', line: 3, localPath: '/tmp/a (b)/x y.c' } };
    assert.equal(frameTarget(frame('foo+0x1/0x10'), r, V68)!.link, 'file:///tmp/a%20%28b%29/x%20y.c#L3');
  });

  it('a kernel file known but not local: the web line when the version is known, else the symbol', () => {
    const f = frame('kmem_cache_alloc_noprof+0x397/0x5a0 mm/slub.c:5287');
    assert.equal(frameTarget(f, undefined, V68)!.link, 'https://elixir.bootlin.com/linux/v6.8/source/mm/slub.c#L5287');
    assert.equal(frameTarget(f, undefined, DEFAULT_SOURCE_LINK_SETTINGS)!.link, 'https://elixir.bootlin.com/linux/latest/C/ident/kmem_cache_alloc_noprof');
    const custom = { sourceUrlTemplate: 'https://example.test/{version}/{symbol}', kernelVersion: 'v6.8' };
    assert.equal(frameTarget(f, undefined, custom)!.link, 'https://example.test/v6.8/kmem_cache_alloc_noprof', 'custom templates keep the symbol');
  });

  it('a bare address symbolised by kallsyms links by its symbol; unresolved, no link', () => {
    const f = frame('0xffffffffc08ea070');
    assert.equal(frameTarget(f, undefined, DEFAULT_SOURCE_LINK_SETTINGS), undefined);
    const r: FrameResolution = { sites: [], notes: [], symbolized: { symbol: 'kmem_test_work_fn', offset: 0x47, size: 0x60, module: 'kmem_test', type: 't', source: 'kallsyms' } };
    assert.equal(frameTarget(f, r, DEFAULT_SOURCE_LINK_SETTINGS)!.link, 'https://elixir.bootlin.com/linux/latest/C/ident/kmem_test_work_fn');
  });

  it('web lines only from clean kernel paths and versions', () => {
    assert.equal(webLineUrl('mm/slub.c', 10, { ...DEFAULT_SOURCE_LINK_SETTINGS, kernelVersion: '' }), undefined);
    assert.equal(webLineUrl('mm/slub.c', 10, { ...DEFAULT_SOURCE_LINK_SETTINGS, kernelVersion: 'latest' }), undefined);
    assert.equal(webLineUrl('../etc/passwd', 10, V68), undefined);
    assert.equal(webLineUrl('mm/sl"ub.c', 10, V68), undefined);
    assert.equal(webLineUrl('mm/slub.c', 0, V68), undefined);
    assert.equal(webLineUrl('mm/slub.c', 10, { ...V68, kernelVersion: 'v6.8/../x' }), undefined);
    assert.equal(webLineUrl('./mm/slub.c', 10, V68), 'https://elixir.bootlin.com/linux/v6.8/source/mm/slub.c#L10');
  });
});
