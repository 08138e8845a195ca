import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { firstLinePatterns, languageOfFirstLine } from '../../../client/src/firstLine';
import { REPO_ROOT, fixtureLines, kmemleakFixtures } from '../../helpers/fixtures';

const patterns = firstLinePatterns(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')));

describe('first-line detection (package.json firstLine)', () => {
  it('recognises real kmemleak captures by their first line, whatever the file is called', () => {
    const detected = kmemleakFixtures().filter((f) => languageOfFirstLine(fixtureLines('kmemleak', f)[0], patterns) === 'kmemleak');
    // kmemleak_05 starts with a syz-manager log line and kmemleak_09 with a shell prompt: not captures by their first line.
    assert.deepEqual(detected, ['kmemleak_01_syzbot_zr364xx_vmalloc.txt', 'kmemleak_03_nvme_tcp_blk_iolatency.txt', 'kmemleak_07_mips_openwrt_kmodloader.txt']);
  });

  it('recognises dmesg kmemleak lines and leaves other text alone', () => {
    assert.equal(languageOfFirstLine('[  615.164373] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)', patterns), 'kmemleak');
    for (const line of ['hello world', '', 'Linux version 6.1.0', 'the kmemleak docs say', 'x'.repeat(100_000)]) {
      assert.equal(languageOfFirstLine(line, patterns), undefined, line.slice(0, 40));
    }
  });

  it('takes `kmemleak:` and `unreferenced object` only at the start of a line or after a kernel log prefix', () => {
    const kmemleak = [
      'kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
      '  unreferenced object 0xffff8881675f7000 (size 192):', // indented, as quoted in mail
      '[  615.164373][ T1234] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
      'Nov  7 06:07:22 syzkaller kernel: [  615.164373] kmemleak: 1 new suspected memory leak (see /sys/kernel/debug/kmemleak)',
      'Nov 07 06:07:22.123456 host kernel: unreferenced object 0xffff888100000000 (size 8):', // journalctl -o short-precise
      '2025-11-07T06:07:22.123456+00:00 host kernel: unreferenced object 0xffff888100000000 (size 8):',
      '<3>[   12.345678] kmemleak: Kernel memory leak detector initialized (mem pool available: 15974)',
      '[Sat Nov 22 01:54:28 2026] unreferenced object 0xffff888100000000 (size 8):', // dmesg -T
      '[11:23:07] unreferenced object 0xffff888100000000 (size 8):', // serial console
      '[  174.391113]  (1)[10406:Thread-6]kmemleak: 1 new suspected memory leak', // MediaTek
    ];
    for (const line of kmemleak) assert.equal(languageOfFirstLine(line, patterns), 'kmemleak', line);
    const prose = [
      'Notes about kmemleak: how to use it',
      'TODO kmemleak: fix',
      'see the unreferenced object 0xffff888100000000 (size 8) in the report',
      'root@host:~# cat /sys/kernel/debug/kmemleak',
      'sh@ubuntu[root]:/sys/kernel/debug# cat kmemleak', // kmemleak_09's first line
    ];
    for (const line of prose) assert.equal(languageOfFirstLine(line, patterns), undefined, line);
  });

  it('leaves the first lines of snapshot series to content detection (they announce no format)', () => {
    for (const line of ['Sun Nov 22 01:54:28 UTC 2026', '2026-11-22T01:54:28+00:00', '=== 1795312468', '1795312468', 'root@host:~# cat /proc/slabinfo']) {
      assert.equal(languageOfFirstLine(line, patterns), undefined, line);
    }
  });
});
