// Hovers of the bundled server on kmemleak records that the fixtures do not cover: a size in MiB,
// a POISON_INUSE (0x5a) dump of a per-CPU object, a freed object whose dump ends in POISON_END
// (0xa5). Each record is a real capture's record with the one field the test is about changed,
// as each test says (the changed spellings follow mm/kmemleak.c and include/linux/poison.h).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { LspClient, positionOf } from './lspClient';
import { fixtureLines } from '../helpers/fixtures';

describe('kmemleak hovers on sizes and poison bytes', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    await client?.stop();
  });

  const hoverText = async (name: string, lines: string[], line: number, needle: string): Promise<string> => {
    const uri = `untitled:${name}.kmemleak`;
    await client.open(uri, lines.join('\n') + '\n');
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(lines, line, needle) });
    assert.ok(h, `a hover on "${needle}" at line ${line}`);
    return (h.contents as MarkupContent).value;
  };

  it('a 3 MiB vmalloc object (kmemleak_01 record with size 3145728): the size in MiB', async () => {
    const lines = fixtureLines('kmemleak', 'kmemleak_01_syzbot_zr364xx_vmalloc.txt').map((l) => l.replace('(size 200704)', '(size 3145728)'));
    const header = lines.findIndex((l) => l.includes('(size 3145728)'));
    assert.ok(header > 0);
    const text = await hoverText('mib', lines, header, 'unreferenced');
    assert.match(text, /Size: \*\*3145728 bytes\*\* \(3\.00 MiB\)/);
  });

  it('a per-CPU object dumped all 0x5a: POISON_INUSE explained, and which CPU\'s copy it is', async () => {
    // kmemleak_03's first record with the per-CPU dump header of mm/kmemleak.c
    // ("hex dump (first %zu bytes on cpu %d):") and rows of POISON_INUSE.
    const rec = fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt').slice(0, 18);
    const dump = rec.findIndex((l) => l.includes('hex dump (first 32 bytes):'));
    rec[dump] = '  hex dump (first 32 bytes on cpu 3):';
    const row = '    5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a  ZZZZZZZZZZZZZZZZ';
    rec[dump + 1] = row;
    rec[dump + 2] = row;
    const text = await hoverText('inuse', rec, dump + 2, '5a');
    assert.match(text, /\*\*Hex dump\*\* of object `0xffff8881675f7000` \(32 of 192 bytes shown, the copy of CPU 3/);
    assert.match(text, /100% of the dumped bytes are `0x5a` POISON_INUSE — allocated with slub_debug=P and never written by its owner/);
    assert.doesNotMatch(text, /POISON_END/);
  });

  it('a freed 32-byte object "6b … 6b a5" (kmemleak_09 record, size 32): POISON_FREE and the closing POISON_END', async () => {
    // kmemleak_09's first record as a 32-byte object: the whole object is dumped, so its last
    // byte is the POISON_END the slab debugger writes after the POISON_FREE bytes.
    const rec = fixtureLines('kmemleak', 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt').slice(1, 11);
    rec[0] = rec[0].replace('(size 5678)', '(size 32)');
    assert.equal(rec[4], '    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk');
    rec[4] = '    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b a5  kkkkkkkkkkkkkkk.';
    const text = await hoverText('freed', rec, 3, '6b');
    assert.match(text, /\(32 of 32 bytes shown\)/);
    assert.match(text, /97% of the dumped bytes are `0x6b` POISON_FREE/);
    assert.match(text, /The last byte is `0xa5` POISON_END/);
  });

  it('a dump cut before the object ends (kmemleak_09 as captured): no POISON_END', async () => {
    const rec = fixtureLines('kmemleak', 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt').slice(1, 11);
    const text = await hoverText('cut', rec, 3, '6b');
    assert.match(text, /100% of the dumped bytes are `0x6b` POISON_FREE/);
    assert.doesNotMatch(text, /POISON_END/);
  });
});
