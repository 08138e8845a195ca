import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Dmesg, liveDmesg } from '../../helpers/liveDmesg';
import { isJournalSeparator, logPrefixLength } from '../../../server/src/analysis/logPrefix';

describe('log prefixes', () => {
  const cases: [string, string][] = [
    ['[   12.345678] ', 'unreferenced object'],
    ['[ 2272.976543] [T3711] ', '  comm "nvme"'],
    ['[T1] ', 'kmemleak: 1 new suspected memory leaks'],
    ['Nov  7 06:07:22 myhost kernel: ', '[<0>] x'],
    ['2025-11-07T06:07:22.123456+00:00 myhost kernel: ', 'unreferenced object'],
    ['<4>[    1.000000] ', 'x'],
    ['[Sat Nov  7 06:07:22 2025] ', 'x'],
    // journalctl -k -o short-monotonic, short-precise, short-full, short-unix, short-iso-precise
    ['[  634.493181] uos-PC kernel: ', 'TRACE kmalloc-128 alloc 0x000000006069c5b0 inuse=25'],
    ['Jan 26 15:04:11.123456 uos-PC kernel: ', 'BUG kmalloc-4096 (Tainted: G        W   ): Redzone overwritten'],
    ['Fri 2024-01-26 15:04:11 CST uos-PC kernel: ', 'INFO: Allocated in open+0xb8/0x190 age=18922 cpu=1 pid=7095'],
    ['Fri 2024-01-26 15:04:11 +08 uos-PC kernel: ', '\t__slab_alloc+0x622/0x6d0'],
    ['1706252651.123456 uos-PC kernel: ', 'x'],
    ['2024-01-26T15:04:11.123456+0800 uos-PC kernel: ', 'x'],
    // journalctl without -k keeps the dmesg stamp the kernel put in the message (rsyslog-forwarded)
    ['Jan 26 15:04:11 uos-PC kernel: [  634.493181] ', 'x'],
    // util-linux dmesg's other time formats and --decode, as printed by dmesg 2.41 on Debian (6.18)
    ['2026-11-22T02:57:15,000000+00:00 ', 'Linux version 6.18.44-fc-v769'], // --time-format iso
    ['kern  :notice: [    0.000000] ', 'Linux version 6.18.44-fc-v769'], // -x
    ['kern  :info  : [    0.000000] ', 'Command line: console=ttyS0 quiet'], // -x
    ['kern  :err   : ', 'unreferenced object 0xffff8881675f7000 (size 192):'], // -x -t
    ['[    0.000000 <    0.000000>] ', 'Linux version 6.18.44-fc-v769'], // -d
    ['[Nov22 02:57] ', 'Linux version 6.18.44-fc-v769'], // -e, a minute's first line
    ['[  +0.000000] ', 'x86 CPU feature dependency check failure'], // -e, the lines after it
    ['[<    0.000000>] ', 'Command line: console=ttyS0 quiet'], // --time-format delta
  ];
  for (const [prefix, rest] of cases) {
    it(JSON.stringify(prefix), () => assert.equal(logPrefixLength(prefix + rest), prefix.length));
  }
  it('a dmesg line whose text has a word and "kernel:" is not taken for short-monotonic', () => {
    assert.equal(logPrefixLength('[    0.000000] Booting Linux on physical CPU 0x0'), '[    0.000000] '.length);
    assert.equal(logPrefixLength('[    0.000000] Command line: BOOT_IMAGE=/vmlinuz'), '[    0.000000] '.length);
  });
  it('every time format of this machine\'s own dmesg: stripped, each line is its `dmesg -t` text (as root)', (t) => {
    const live = liveDmesg(t);
    if (!live) return;
    const dmesg: Dmesg = live;
    const plain = dmesg('-t');
    assert.ok(plain.length > 50, `${plain.length} lines of dmesg`);
    for (const args of [[], ['-x'], ['-x', '-t'], ['-d'], ['-e'], ['-T'], ['-r'], ['--time-format', 'iso'], ['--time-format', 'delta'], ['--time-format', 'reltime']]) {
      const lines = dmesg(...args);
      const stripped = lines.map((l) => l.slice(logPrefixLength(l)));
      // (-r prints raw records: the text is the same, the line count may differ by continuation lines)
      const n = Math.min(plain.length, stripped.length) - 1; // the last line of a live buffer may differ
      assert.deepEqual(stripped.slice(0, n), plain.slice(0, n), `dmesg ${args.join(' ')}`);
    }
  });

  it('journalctl separators', () => {
    assert.ok(isJournalSeparator('-- Boot 1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6 --'));
    assert.ok(isJournalSeparator('-- Logs begin at Fri 2024-01-26 09:12:01 CST, end at Fri 2024-01-26 15:30:44 CST. --'));
    assert.ok(isJournalSeparator('-- Journal begins at Mon 2023-10-02 08:00:01 UTC, ends at Fri 2024-01-26 15:30:44 UTC. --'));
    assert.ok(isJournalSeparator('-- No entries --'));
    assert.ok(!isJournalSeparator('-- Boot 1a2b --'), 'a boot id has 32 hex digits');
    assert.ok(!isJournalSeparator('-----------------------------------------------------------------------------'));
  });
  it('leaves frames and plain text alone', () => {
    assert.equal(logPrefixLength('    [<00000000adbc7c81>] kmem_cache_alloc_trace+0x10e/0x220'), 0);
    assert.equal(logPrefixLength('unreferenced object 0x1 (size 1):'), 0);
    assert.equal(logPrefixLength(''), 0);
  });
});
