// The server must answer every request whatever the document holds: empty, not a capture, a
// 1 MB line, binary-ish noise, and it must follow edits (incremental and full).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Diagnostic, DiagnosticSeverity, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { FIXTURES, fixture, LspClient } from './lspClient';
import { decodeSemanticTokens, records } from './captureText';

/** Diagnostics with this code; kleak sends plain-string messages. */
const byCode = (ds: Diagnostic[], code: string) =>
  ds
    .filter((d) => d.code === code)
    .map((d) => {
      assert.equal(typeof d.message, 'string');
      return { ...d, message: d.message as string };
    });

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Noise mixed with pieces of real kmemleak lines, so the parser gets into every state. */
function binaryish(seed: number, size: number): string {
  const rnd = prng(seed);
  const real = Object.values(FIXTURES).flatMap((n) => fixture(n).lines);
  const pieces = [
    'unreferenced object 0x', 'ffff8881675f7000', ' (size ', '192', '):', '  comm "nvme", pid 3711, jiffies 4296033311',
    '  hex dump (first 32 bytes):', '    6b 6b 6b 6b ', '  backtrace:', '  backtrace (crc 45b79b1):', '[<', '>] ', '+0x4e/0x380',
    ' [nvme_tcp]', ' [inline]', 'BUG: memory leak', 'kmemleak: 3 new suspected memory leaks', '[   12.345678] ', '[T1234] ', '<4>',
    ' mm/slub.c:5287', '0xffffffffc08ea070', '\n', '\r\n', '\r', '\t', ' ', '(age 2272.976s)',
  ];
  let out = '';
  while (out.length < size) {
    const r = rnd();
    if (r < 0.35) out += pieces[Math.floor(rnd() * pieces.length)];
    else if (r < 0.45) out += real[Math.floor(rnd() * real.length)] + '\n';
    else if (r < 0.75) out += String.fromCharCode(Math.floor(rnd() * 32)); // NUL and control characters
    else if (r < 0.85) out += String.fromCodePoint(0x80 + Math.floor(rnd() * 0x2ff80)); // non-ASCII, astral too
    else out += String.fromCharCode(0x20 + Math.floor(rnd() * 0x5f));
  }
  return out;
}

describe('robustness', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    await client?.stop();
  });

  /** Every request the server offers, at a few positions; all must answer (not error, not hang). */
  async function askEverything(uri: string, text: string): Promise<void> {
    const doc = { textDocument: { uri } };
    const lines = text.split(/\r\n|\r|\n/);
    const positions = [
      { line: 0, character: 0 },
      { line: Math.floor(lines.length / 2), character: 3 },
      { line: lines.length - 1, character: lines[lines.length - 1].length },
      { line: 0, character: Math.min(lines[0].length, 900_000) },
      { line: lines.length + 10, character: 5 }, // past the end
    ];
    const asks: Promise<unknown>[] = [
      client.request('textDocument/documentSymbol', doc),
      client.request('textDocument/foldingRange', doc),
      client.request('textDocument/codeLens', doc),
      client.request('textDocument/documentLink', doc),
      client.request('workspace/symbol', { query: '' }),
      client.request('kleak/captureSummary', { uri }),
      client.request<SemanticTokens>('textDocument/semanticTokens/full', doc).then((st) => {
        const tokens = decodeSemanticTokens(st.data, client.initializeResult.capabilities.semanticTokensProvider!.legend.tokenTypes);
        for (let i = 0; i < tokens.length; i++) {
          assert.ok(tokens[i].length > 0, 'positive token length');
          if (i > 0 && tokens[i].line === tokens[i - 1].line) assert.ok(tokens[i].character >= tokens[i - 1].character + tokens[i - 1].length, 'no overlap');
        }
      }),
    ];
    for (const position of positions) {
      asks.push(client.request('textDocument/hover', { ...doc, position }));
      asks.push(client.request('textDocument/definition', { ...doc, position }));
      asks.push(client.request('textDocument/references', { ...doc, position, context: { includeDeclaration: true } }));
    }
    await Promise.all(asks);
    assert.ok(client.alive, `server exited: ${client.stderr}`);
  }

  it('line endings count as the editor counts them: CR alone, CRLF and CR CR LF (serial consoles)', async () => {
    const f = fixture(FIXTURES.nvme);
    const lines = f.text.replace(/\n$/, '').split('\n');
    const headerLines = lines.flatMap((l, i) => (l.startsWith('unreferenced object') ? [i] : []));
    for (const [name, eol] of [['cr', '\r'], ['crlf', '\r\n'], ['crcrlf', '\r\r\n']] as const) {
      const uri = `untitled:eol-${name}`;
      const published = await client.open(uri, lines.join(eol));
      // CR CR LF is two line breaks for the editor: every line of the capture is followed by an empty one.
      const stride = eol === '\r\r\n' ? 2 : 1;
      const leaks = published.diagnostics.filter((d) => d.code === 'leaked-object').map((d) => d.range.start.line);
      assert.deepEqual(leaks, headerLines.map((l) => l * stride), name);
      assert.deepEqual(published.diagnostics.filter((d) => d.code === 'interleaved-line' || d.code === 'truncated-record'), [], name);
    }
  });

  it('publishes diagnostics once per document version', async () => {
    const f = fixture(FIXTURES.poison);
    const uri = 'untitled:once';
    await client.open(uri, f.text);
    await client.change(uri, 2, [{ text: f.text + '\n' }]);
    const versions = (client.published.get(uri) ?? []).map((p) => p.version);
    assert.deepEqual(versions, [1, 2]);
  });

  it('an empty document: a Warning `no-records` and empty answers', async () => {
    const uri = 'untitled:empty.kmemleak';
    const d = (await client.open(uri, '')).diagnostics;
    assert.deepEqual(d.map((x) => [x.code, x.severity, x.range.start.line]), [['no-records', DiagnosticSeverity.Warning, 0]]);
    await askEverything(uri, '');
    assert.deepEqual(await client.request('textDocument/documentSymbol', { textDocument: { uri } }), []);
    assert.deepEqual(await client.request('textDocument/foldingRange', { textDocument: { uri } }), []);
    assert.deepEqual(await client.request('textDocument/codeLens', { textDocument: { uri } }), []);
    assert.deepEqual((await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } })).data, []);
    assert.deepEqual(await client.request('kleak/captureSummary', { uri }), { uri, format: 'kmemleak', records: 0, bytes: 0, suspects: [] });
  });

  it('a kernel log without kmemleak records: only `no-records`', async () => {
    const uri = 'untitled:usb-log.kmemleak';
    const text = [
      '[    2.113145] usb 1-1: new high-speed USB device number 2 using ehci-pci',
      '[    2.270361] usb 1-1: New USB device found, idVendor=0bda, idProduct=8153, bcdDevice=30.00',
      '[    2.270371] usb 1-1: Product: USB 10/100/1000 LAN',
      '[    2.434105] r8152 1-1:1.0 eth0: v1.12.13',
      '[    3.001200] kmemleak: Kernel memory leak detector initialized (mem pool available: 14841)',
      '',
    ].join('\n');
    const d = (await client.open(uri, text)).diagnostics;
    assert.deepEqual(d.map((x) => [x.code, x.severity]), [['no-records', DiagnosticSeverity.Warning]]);
    await askEverything(uri, text);
    assert.deepEqual(await client.request('textDocument/documentLink', { textDocument: { uri } }), []);
  });

  it('a capture opened under another language id: no diagnostics, empty answers, no summary', async () => {
    const uri = 'untitled:plain.txt';
    const f = fixture(FIXTURES.nvme);
    const d = (await client.open(uri, f.text, 'plaintext')).diagnostics;
    assert.deepEqual(d, []);
    await askEverything(uri, f.text);
    assert.deepEqual(await client.request('textDocument/documentSymbol', { textDocument: { uri } }), []);
    assert.equal(await client.request('kleak/captureSummary', { uri }), null);
  });

  it('a 1 MB line before a real capture: the records after it are still found', async () => {
    const uri = 'untitled:long-line.kmemleak';
    const f = fixture(FIXTURES.nvme);
    const long = 'x'.repeat(1 << 20);
    const text = `${long}\n${f.text}`;
    const t0 = Date.now();
    const d = (await client.open(uri, text)).diagnostics;
    const headers = records(f.lines).map((r) => r.headerLine + 1);
    assert.deepEqual(byCode(d, 'leaked-object').map((x) => x.range.start.line).sort((a, b) => a - b), headers);
    assert.equal(byCode(d, 'foreign-lines')[0]?.range.start.line, 0);
    await askEverything(uri, text);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });

  it('a 1 MB line inside a backtrace (real frames repeated): the record survives', async () => {
    const uri = 'untitled:long-frame.kmemleak';
    const f = fixture(FIXTURES.nvme);
    const frame = f.lines.find((l) => l.includes('blk_iolatency_init+'))!;
    const at = records(f.lines)[0].frames[1].line;
    const long = (frame.trim() + ' ').repeat(Math.ceil((1 << 20) / (frame.length + 1)));
    const lines = [...f.lines.slice(0, at), long, ...f.lines.slice(at)];
    const text = lines.join('\n');
    const d = (await client.open(uri, text)).diagnostics;
    assert.equal(byCode(d, 'leaked-object').length, 3);
    assert.equal(byCode(d, 'truncated-record').length, 0);
    await askEverything(uri, text);
  });

  for (const seed of [1, 0xdecaf, 20251107]) {
    it(`binary-ish noise with kmemleak fragments (seed ${seed}): diagnostics published, every request answered`, async () => {
      const uri = `untitled:noise-${seed}.kmemleak`;
      const text = binaryish(seed, 64 * 1024);
      const d = (await client.open(uri, text)).diagnostics;
      for (const x of d) {
        assert.ok(x.range.start.line >= 0 && x.range.start.character >= 0);
        assert.equal(typeof x.message, 'string');
      }
      await askEverything(uri, text);
    });
  }

  describe('didChange', () => {
    const uri = 'untitled:edited.kmemleak';
    const nvme = fixture(FIXTURES.nvme);
    const recs = records(nvme.lines);
    let lines = [...nvme.lines];

    it('v1: open kmemleak_03 → 3 leaked objects', async () => {
      const d = (await client.open(uri, nvme.text, 'kmemleak', 1)).diagnostics;
      assert.equal(byCode(d, 'leaked-object').length, 3);
    });

    it('v2 incremental: deleting the third record leaves 2 objects related to each other', async () => {
      const start = recs[2].headerLine;
      const d = (
        await client.change(uri, 2, [{ range: { start: { line: start, character: 0 }, end: { line: lines.length - 1, character: 0 } }, text: '' }])
      ).diagnostics;
      lines = [...lines.slice(0, start), ''];
      const leaked = byCode(d, 'leaked-object');
      assert.deepEqual(leaked.map((x) => x.range.start.line).sort((a, b) => a - b), [recs[0].headerLine, recs[1].headerLine]);
      for (const x of leaked) assert.match(x.message, /2 objects \(384 B\) share this backtrace/);
      assert.match(byCode(d, 'summary')[0].message, /^kmemleak: 2 unreferenced objects, 384 B/);
    });

    it('v3 incremental, two edits in one notification: a size changed and a foreign line inserted', async () => {
      const h = recs[1];
      const sizeAt = lines[h.headerLine].indexOf('(size 192)') + '(size '.length;
      const insertAt = recs[1].frames[3].line;
      const d = (
        await client.change(uri, 3, [
          { range: { start: { line: h.headerLine, character: sizeAt }, end: { line: h.headerLine, character: sizeAt + 3 } }, text: '4096' },
          { range: { start: { line: insertAt, character: 0 }, end: { line: insertAt, character: 0 } }, text: 'connection error: failed to recv\n' },
        ])
      ).diagnostics;
      const obj = byCode(d, 'leaked-object').find((x) => x.range.start.line === h.headerLine)!;
      assert.match(obj.message, /: 4096 bytes,/);
      const il = byCode(d, 'interleaved-line');
      assert.deepEqual(il.map((x) => x.range.start.line), [insertAt]);
      const s = await client.request<{ bytes: number; records: number }>('kleak/captureSummary', { uri });
      assert.deepEqual([s.records, s.bytes], [2, 192 + 4096]);
    });

    it('v4 full replacement with kmemleak_09: its 4 objects, its lens', async () => {
      const p = fixture(FIXTURES.poison);
      const d = (await client.change(uri, 4, [{ text: p.text }])).diagnostics;
      const leaked = byCode(d, 'leaked-object');
      assert.deepEqual(
        leaked.map((x) => x.range.start.line).sort((a, b) => a - b),
        records(p.lines).map((r) => r.headerLine),
      );
      for (const r of records(p.lines)) assert.ok(leaked.some((x) => x.message.includes(`0x${r.address}`)));
      const lenses = await client.request<{ command?: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri } });
      assert.deepEqual(lenses.map((l) => l.command?.title), ['4 objects · 22.2 KiB · same backtrace']);
    });

    it('v5 full replacement with nothing: `no-records`', async () => {
      const d = (await client.change(uri, 5, [{ text: '' }])).diagnostics;
      assert.deepEqual(d.map((x) => x.code), ['no-records']);
    });
  });

  it('the server survived everything and logged no error', () => {
    assert.ok(client.alive);
    assert.doesNotMatch(client.stderr, /error|exception/i);
  });
});
