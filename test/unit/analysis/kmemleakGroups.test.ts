import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKmemleak } from '../../../server/src/analysis/formats/kmemleak';
import { groupByBacktrace, groupSite, kmemleakSuspects } from '../../../server/src/analysis/kmemleakGroups';
import { fixtureLines } from '../../helpers/fixtures';

const groupsOf = (name: string) => groupByBacktrace(parseKmemleak(fixtureLines('kmemleak', name)).objects);

describe('grouping kmemleak objects by backtrace', () => {
  it('offsets and .cold clones do not split a group; the suspect is the first non-allocator frame', () => {
    const groups = groupsOf('kmemleak_03_nvme_tcp_blk_iolatency.txt');
    assert.equal(groups.length, 1);
    assert.equal(groups[0].objects.length, 3);
    assert.equal(groups[0].bytes, 576);
    assert.equal(groupSite(groups[0]), 'blk_iolatency_init');
    assert.equal(groups[0].stack[0], 'blk_iolatency_init');
    assert.ok(!groups[0].stack.includes('kmem_cache_alloc_trace'));
  });

  it('inlined frames count: the vmalloc caller inlined into the probe is the suspect', () => {
    const [g] = groupsOf('kmemleak_01_syzbot_zr364xx_vmalloc.txt');
    assert.equal(g.suspect?.symbol, 'zr364xx_board_init');
    assert.equal(g.suspect?.inline, true);
    assert.deepEqual(g.stack.slice(0, 2), ['zr364xx_board_init', 'zr364xx_probe']);
  });

  it('6.8+ allocator frames (kmemleak_alloc_recursive, *_noprof, slab_alloc_node) are stripped', () => {
    const groups = groupsOf('kmemleak_05_syzbot_vsock_crc_symbolized.txt');
    const sites = groups.map(groupSite);
    assert.deepEqual(sites, ['sk_prot_alloc', 'prepare_creds', 'virtio_transport_do_socket_init', 'lsm_blob_alloc', 'lsm_blob_alloc']);
    const creds = groups.find((g) => groupSite(g) === 'prepare_creds')!;
    assert.equal(creds.objects.length, 2);
    // Same suspect function, different callers: two backtraces, two groups.
    const lsm = groups.filter((g) => groupSite(g) === 'lsm_blob_alloc');
    assert.notEqual(lsm[0].signature, lsm[1].signature);
  });

  it('ranks by bytes then count, and verdicts follow repetition', () => {
    const suspects = kmemleakSuspects(groupsOf('kmemleak_05_syzbot_vsock_crc_symbolized.txt'));
    for (let i = 1; i < suspects.length; i++) {
      const [a, b] = [suspects[i - 1], suspects[i]];
      assert.ok(a.bytes > b.bytes || (a.bytes === b.bytes && a.count >= b.count));
    }
    assert.deepEqual(suspects.map((s) => s.rank), [1, 2, 3, 4, 5]);
    assert.equal(suspects.find((s) => s.site === 'prepare_creds')?.verdict, 'likely-leak');
    assert.equal(suspects.find((s) => s.site === 'sk_prot_alloc')?.verdict, 'possible-leak');
  });

  it('a record cut before its backtrace stands alone with an unknown origin', () => {
    const groups = groupsOf('kmemleak_07_mips_openwrt_kmodloader.txt');
    assert.equal(groups.length, 3);
    const missing = groups.find((g) => g.objects[0].frames.length === 0)!;
    assert.equal(groupSite(missing), '(backtrace missing)');
    assert.deepEqual(groups.map(groupSite).slice(0, 2).sort(), ['kobject_set_name_vargs', 'load_module']);
  });

  it('an unresolved module address is its own suspect', () => {
    const [g] = groupsOf('kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt');
    assert.equal(groupSite(g), '0xffffffffc08ea070');
    assert.equal(g.objects.length, 4);
  });
});
