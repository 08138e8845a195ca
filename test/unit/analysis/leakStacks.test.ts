import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isFreeFrame, leakStack } from '../../../server/src/analysis/leakStacks';
import { parseSlubDebug } from '../../../server/src/analysis/formats/slubDebug';
import { parsePageOwner } from '../../../server/src/analysis/formats/pageOwner';
import { fixtureLines } from '../../helpers/fixtures';

describe('leak stacks', () => {
  it('strips the SLUB debugging machinery and the "? " guesses (slub_debug=T trace)', () => {
    const r = parseSlubDebug(fixtureLines('slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt'));
    assert.deepEqual(leakStack(r.traces[0].stacks[0].frames).keys, ['memleak_task_test', 'kthread', 'ret_from_fork']);
  });
  it('strips the page allocator and the slab page path (page_owner)', () => {
    const r = parsePageOwner(fixtureLines('page-owner', 'page_owner_01_x86_qemu_5.x_head_with_prompt.txt'));
    assert.equal(leakStack(r.records[0].frames).suspect?.symbol, 'sr_probe');
  });
  it('knows the free path', () => {
    const r = parseSlubDebug(fixtureLines('slub-debug', 'slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt'));
    assert.deepEqual(r.bugs[0].tracks[1].frames.filter(isFreeFrame).map((f) => f.symbol), ['__slab_free', 'kfree']);
  });
});
