// Content detection of plain-text documents from their head (client/src/headDetection.ts), on real
// captures whose first line says nothing (test/fixtures, the generated socketpair series) and on
// real texts that are no capture (this repository's READMEs, package.json, scaffolded C and shell).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HEAD_MAX_CHARS, HEAD_MAX_LINES, captureLanguageOfHead, documentHead, isKernelLogName } from '../../../client/src/headDetection';
import { firstLinePatterns, languageOfFirstLine } from '../../../client/src/firstLine';
import { FORMATS } from '../../../server/src/analysis/formats/registry';
import { FORMAT_SIGNATURES } from '../../../server/src/analysis/formats/signatures';
import { SCAFFOLD_KINDS, generateScaffold } from '../../../client/src/scaffold/templates/index';
import { REPO_ROOT, fixtureLines, fixturesIn } from '../../helpers/fixtures';
import { generatedLines } from '../../helpers/slabFixtures';

const patterns = firstLinePatterns(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')));

/** What the editor does with a plain-text document of these lines named `name`. */
function languageOf(lines: string[], name: string): string | undefined {
  return languageOfFirstLine(lines[0], patterns) ?? captureLanguageOfHead(documentHead(lines.length, (i) => lines[i]), isKernelLogName(name));
}

describe('content detection of plain-text documents (head of the document)', () => {
  it('knows every format the server analyses, in the registry (one signature per format)', () => {
    assert.deepEqual(FORMAT_SIGNATURES.map((s) => s.id).sort(), FORMATS.map((f) => f.id).sort());
    for (const s of FORMAT_SIGNATURES) assert.equal(s.languageId, FORMATS.find((f) => f.id === s.id)?.languageId, s.id);
  });

  // The captures of the audit: real kernel logs whose first line is something else.
  const logCaptures: [string, string, string][] = [
    ['slub-debug', 'slub_debug_03_x86_next2013_redzone_alloc_free_tracks.txt', 'slub-debug'], // `=====` first
    ['slub-debug', 'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt', 'slub-debug'], // 12 other kernel lines first
    ['slub-debug', 'slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt', 'slub-debug'],
    ['vmallocinfo', 'vmallocinfo_07_arm32_4.x_ftl_kbox_unpurged_fragments.txt', 'vmallocinfo'], // ` [..]` first
    ['page-owner', 'page_owner_01_x86_qemu_5.x_head_with_prompt.txt', 'page-owner'], // shell prompt first
    ['page-owner', 'page_owner_05_arm64_mtk_dump_page_owner_dmesg_mailwrapped.txt', 'page-owner'],
    ['allocinfo', 'allocinfo_07_handmade_full_format_two_dumps.txt', 'allocinfo'], // `date` first
    ['bcc-memleak', 'bcc_memleak_03_libbpf_tools_kylin_4.19_static_truncated.txt', 'bcc-memleak'], // `uname -r` first
  ];

  it('recognises real captures whose first line is unrelated, saved as dmesg.txt or messages', () => {
    for (const [dir, file, language] of logCaptures) {
      const lines = fixtureLines(dir, file);
      assert.equal(languageOfFirstLine(lines[0], patterns), undefined, `${file}: its first line alone says nothing`);
      assert.equal(languageOf(lines, 'dmesg.txt'), language, file);
      assert.equal(languageOf(lines, '/var/log/messages'), language, file);
    }
  });

  it('under a neutral name it takes two lines of the format: one could be a quotation', () => {
    // slub_debug_13 has one `BUG kmalloc-64 (Not tainted): Poison overwritten` line, page_owner_05 one
    // `page allocated via order 0` line; the others have several lines of their format.
    const detected = logCaptures.filter(([dir, file]) => languageOf(fixtureLines(dir, file), 'report.txt') !== undefined).map(([, file]) => file);
    assert.deepEqual(detected, logCaptures.map(([, file]) => file).filter((f) => !/slub_debug_13|page_owner_05/.test(f)));
  });

  it('recognises slab and meminfo series whatever separates their snapshots (leak.txt)', () => {
    // The recorder's own series: `date`, `date -Is` and `=== <epoch>` before each snapshot.
    const slabinfo = generatedLines('slabinfo-series.txt.gz');
    const meminfo = generatedLines('meminfo-series.txt');
    const slabtop = generatedLines('slabtop-series.txt');
    assert.equal(slabinfo[0], 'Sun Nov 22 01:54:28 UTC 2026');
    assert.equal(meminfo[0], '2026-11-22T01:54:28+00:00');
    assert.equal(slabtop[0], '=== 1795312468');
    const rowAt = slabinfo.findIndex((l) => l.startsWith('kmalloc-64 '));
    const headerAt = slabtop.findIndex((l) => /^\s+OBJS ACTIVE/.test(l));
    const cases: [string, string[], string][] = [
      ['date', slabinfo, 'slabinfo'],
      ['date -Is', meminfo, 'meminfo'],
      ['=== epoch', slabtop, 'slabtop'],
      ['bare epoch', ['1795312468', ...slabinfo.slice(1)], 'slabinfo'],
      ['shell prompt', ['root@host:~# cat /proc/slabinfo', ...slabinfo.slice(1)], 'slabinfo'],
      ['a bare slabinfo row', slabinfo.slice(rowAt), 'slabinfo'],
      ["slabtop's column header", slabtop.slice(headerAt), 'slabtop'],
    ];
    for (const [what, lines, language] of cases) {
      assert.equal(languageOfFirstLine(lines[0], patterns), undefined, `${what}: not a firstLine match (${lines[0]})`);
      assert.equal(languageOf(lines, 'leak.txt'), language, what);
    }
  });

  it('finds the format of every real capture of test/fixtures, named like a kernel log', () => {
    const folders: Record<string, string> = {
      kmemleak: 'kmemleak', perf_script: 'perf-script', ftrace: 'ftrace', slabinfo: 'slabinfo', slabtop: 'slabtop', meminfo: 'meminfo',
      'slub-debug': 'slub-debug', vmallocinfo: 'vmallocinfo', 'page-owner': 'page-owner', allocinfo: 'allocinfo', 'bcc-memleak': 'bcc-memleak', bpftrace: 'bpftrace-output',
    };
    for (const [dir, language] of Object.entries(folders)) {
      const files = fixturesIn(dir);
      assert.ok(files.length > 0, dir);
      for (const file of files) assert.equal(languageOf(fixtureLines(dir, file), 'dmesg.txt'), language, `${dir}/${file}`);
    }
  });

  it('leaves texts that are no capture alone', () => {
    const texts: [string, string[]][] = [
      ['README.md', fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n')],
      // quotes a `BUG kmalloc-64: Poison overwritten` report in a table row (line 35)
      ['samples/README.md', fs.readFileSync(path.join(REPO_ROOT, 'samples', 'README.md'), 'utf8').split('\n')],
      ['package.json', fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8').split('\n')],
      // a kernel log without memory-debugging content: the kernel lines before slub_debug_05's report
      ['kernel log', fixtureLines('slub-debug', 'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt').slice(0, 11)],
      // syz-manager's log lines before kmemleak_05's report
      ['syz-manager log', fixtureLines('kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt').slice(0, 2)],
      ['meeting notes', ['meeting notes', 'unreferenced object 0xffff888100000000 (size 8):']],
    ];
    // kleak's own scaffolds: a C kernel module that calls kmalloc/kmem_cache_alloc, its Makefile and README, capture scripts
    for (const kind of SCAFFOLD_KINDS) for (const f of generateScaffold(kind.id).files) texts.push([f.path, f.content.split('\n')]);
    assert.ok(texts.some(([name]) => name.endsWith('.c')), 'a C file is among the texts');
    for (const [name, lines] of texts) assert.equal(languageOf(lines, 'notes.txt'), undefined, name);
    // a kernel log's name lowers the bar to one line, as for the quotation in the notes
    assert.equal(languageOf(['meeting notes', 'unreferenced object 0xffff888100000000 (size 8):'], 'dmesg.txt'), 'kmemleak');
  });

  it('reads a bounded head: never more than HEAD_MAX_LINES lines or about HEAD_MAX_CHARS characters', () => {
    let asked = 0;
    const row = 'kmalloc-64          2131   2944     64   64    1 : tunables    0    0    0 : slabdata     46     46      0';
    const huge = documentHead(10_000_000, () => { asked++; return row; });
    assert.equal(huge.length, HEAD_MAX_LINES);
    assert.equal(asked, HEAD_MAX_LINES);
    const long = documentHead(10_000_000, () => 'x'.repeat(1_000_000));
    assert.ok(long.length * 4096 <= HEAD_MAX_CHARS + 4096 && long.every((l) => l.length === 4096), `${long.length} lines`);
    // a capture that starts after the head is not seen
    const late = [...Array.from({ length: HEAD_MAX_LINES }, (_, i) => `line ${i}`), row, row];
    assert.equal(languageOf(late, 'dmesg.txt'), undefined);
    assert.equal(languageOf(late.slice(1), 'dmesg.txt'), 'slabinfo');
  });

  it('knows kernel log names', () => {
    for (const n of ['dmesg', 'dmesg.txt', '/tmp/x/dmesg-2026.log', 'messages', 'messages.1', 'kern.log', 'syslog', 'journal.txt', 'console.txt', 'C:\\logs\\dmesg.txt']) assert.ok(isKernelLogName(n), n);
    for (const n of ['leak.txt', 'notes.txt', 'mydmesg-notes.txt', 'messaging.txt', 'consoles', '/var/log/dmesg/notes.txt']) assert.ok(!isKernelLogName(n), n);
  });
});
