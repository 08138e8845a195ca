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
});
