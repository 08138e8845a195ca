// Files read from disk go through the trace parsers' byte path (call chains recognised from
// their bytes, event lines read without decoding them): it must report what the line path
// reports for the same text. Checked on every perf script and ftrace fixture, the generated
// captures, and text built to reach the byte path's edges.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { analyzeCaptureFile } from '../../../server/src/analysis/captureFile';
import { byLines } from '../../helpers/analyzeText';
import { fixturePath, fixturesIn, generatedPath } from '../../helpers/fixtures';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-bytes-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));


async function same(file: string, format: string) {
  const r = await analyzeCaptureFile(file, { format });
  assert.ok(r.ok, `${file}: ${!r.ok && r.reason}`);
  const text = file.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(file)).toString('utf8') : fs.readFileSync(file, 'utf8');
  const expected = byLines(format, text);
  const name = path.basename(file);
  assert.equal(r.view.records, expected.records, `${name}: records`);
  assert.deepEqual(r.view.findings, expected.findings, `${name}: findings`);
  assert.deepEqual(r.view.suspects, expected.suspects, `${name}: suspects`);
}

describe('the byte path reports what the line path reports', () => {
  it('every perf script fixture', async () => {
    for (const f of fixturesIn('perf_script')) await same(fixturePath('perf_script', f), 'perf-script');
  });

  it('every ftrace fixture', async () => {
    for (const f of fixturesIn('ftrace')) await same(fixturePath('ftrace', f), 'ftrace');
  });

  it('the generated captures (perf script with and without call chains, ftrace)', { timeout: 120_000 }, async () => {
    for (const f of ['perf-kmem-socketpair-task.txt.gz', 'perf-kmem-socketpair-system-flat.txt.gz', 'perf-kmem-no-leak-task.txt.gz']) await same(generatedPath(f), 'perf-script');
    await same(generatedPath('ftrace-kmem-socketpair-stacktrace.trace.gz'), 'ftrace');
  });

  it('event lines at the edges: colons and UTF-8 in comms, cut and odd fields, CRLF, long lines, lost records', async () => {
    const head = fs.readFileSync(fixturePath('perf_script', 'perf_gen_21_socketpair_task_head.txt'), 'utf8').split('\n');
    const chain = head.slice(1, head.indexOf('', 1));
    const ev = (prefix: string, fields: string) => [`${prefix}: kmem:kmalloc: ${fields}`, ...chain, ''];
    const free = (ts: string, fields: string) => [`python3  4508 [000]  ${ts}: kmem:kfree: call_site=sk_free+0x10 ${fields}`, ...chain, ''];
    const lines = [
      ...head,
      ...ev('kworker/u8:2  4508 [000]  3867.067575', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f28000 bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL'),
      ...ev('pythön3  4508 [000]  3867.067576', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f28400 bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL'),
      ...ev('python3  4508 [000]  3867.067577', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f28800 bytes_req=768 bytes_alloc=10'),
      ...ev('python3  4508 [000]  3867.067578', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f28c00 bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL|__GFP_ZERO caf\u00e9'),
      ...ev('python3  4508 [000]  1234567890123.5', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f29000 bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL'),
      ...ev('python3  4508 [000]  3867.0675781234567', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f29400 bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL'),
      `python3  4508 [000]  3867.067579: kmem:kfree: call_site=sk_free+0x10 ptr=0xffff8881c1f28000`,
      `python3  4508 [000]  3867.067580: kmem:kfree: call_site=sk_free+0x10 ptr=0xffff8881c1f28400 tok`,
      `python3  4508 [000]  3867.067581: kmem:kfree: call_site=sk_free+0x10 ptr=`,
      `python3  4508 [000]  3867.067582: kmem:kfree: call_site=sk_free+0x10 ptr=(null)`,
      // The same with a call chain seen before after them (read as a whole from its bytes).
      ...free('3867.067579', 'ptr=0xffff8881c1f28000'),
      ...free('3867.067580', 'ptr=0xffff8881c1f28400 tok'),
      ...free('3867.067580', 'ptr=0xffff8881c1f28400 tok)'),
      ...free('3867.067580', 'ptr=0xffff8881c1f28400 t=k'),
      ...free('3867.067581', 'ptr='),
      ...free('3867.067582', 'ptr=(null)'),
      ...free('3867.067582', 'ptr=zz'),
      `python3  4508 [000]  3867.067583: PERF_RECORD_LOST lost 4`,
      `python3  4508 [000]  3867.067584: kmem:kfree: call_site=sk_free+0x10 ptr=0xffff8881c1f28800\r`,
      `${'x'.repeat(5000)} 3867.067585: kmem:kfree: call_site=sk_free+0x10 ptr=0xffff8881c1f28c00`,
      ...ev('python3  4508 [000]  3867.067586', '(sk_prot_alloc+0x36) call_site=ffffffff81234567 ptr=0xffff8881c1f29800 bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL'),
      ...ev('python3  4508 [000]  3867.067587', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f29c00 name=skbuff_head_cache bytes_req=768 bytes_alloc=1024 gfp_flags=GFP_KERNEL'),
      ...ev('python3  4508 [000]  3867.067588', 'call_site=sk_prot_alloc+0x36 ptr=0xffff8881c1f2a000 bytes_req=768 bytes_alloc=1024 name=late_cache'),
    ];
    // Apart: a chunk with a byte beyond ASCII is read by the line path whole.
    const ascii = lines.filter((l) => /^[\x00-\x7f]*$/.test(l));
    assert.ok(ascii.length < lines.length);
    for (const [name, text] of [['edges.perf-script', ascii], ['edges-utf8.perf-script', lines]] as const) {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, text.join('\n') + '\n');
      await same(file, 'perf-script');
    }
  });
});
