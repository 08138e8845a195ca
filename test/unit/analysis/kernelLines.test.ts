import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dmesgSegments, kernelPrefixLength, markerSegments } from '../../../server/src/analysis/kernelLines';
import { fixtureLines } from '../../helpers/fixtures';

describe('kernel log prefixes and lost newlines', () => {
  it('skips rsyslog, dmesg, caller id, console time and MTK prefixes (verbatim sample lines)', () => {
    const cases: [string, string, string][] = [
      ['slub-debug', 'slub_debug_07_arm64_uos_4.19_trace_alloc_free_syslog_interleaved.txt', 'TRACE kmalloc-128 alloc'],
      ['slub-debug', 'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt', 'BUG kmalloc-16'],
      ['slub-debug', 'slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt', 'BUG kmalloc-64'],
      ['page-owner', 'page_owner_05_arm64_mtk_dump_page_owner_dmesg_mailwrapped.txt', 'page allocated via order'],
    ];
    for (const [dir, file, needle] of cases) {
      const line = fixtureLines(dir, file).find((l) => l.includes(needle))!;
      assert.equal(line.slice(kernelPrefixLength(line)), line.slice(line.indexOf(needle)), file);
    }
  });

  it('splits a line at each dmesg time stamp (newlines lost)', () => {
    const [line] = fixtureLines('slub-debug', 'slub_debug_09_x86_64_rhel7_trace_free_newlines_collapsed.txt');
    const segs = dmesgSegments(line);
    assert.equal(segs.length, (line.match(/\[\d+\.\d{6}\]/g) ?? []).length);
    assert.ok(line.slice(segs[0].from, segs[0].end).startsWith('TRACE mm_struct free'));
    assert.ok(line.slice(segs[2].from, segs[2].end).startsWith('Call Trace:'));
  });

  it('splits vmallocinfo entries glued together', () => {
    const [line] = fixtureLines('vmallocinfo', 'vmallocinfo_03_x86_64_ebtables_newlines_collapsed.txt');
    const segs = markerSegments(line, /0x[0-9a-f]{8,16}-0x[0-9a-f]{8,16}[ \t]+\d/);
    assert.equal(segs.length, 5);
    assert.ok(line.slice(segs[0].from, segs[0].end).endsWith('N0=1'));
  });
});
