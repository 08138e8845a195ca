// `kleak/analyzeFile`: a capture on disk analysed in a worker thread, with progress and
// cancellation, while the server keeps answering requests on open documents.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { CancellationTokenSource, HoverRequest } from 'vscode-languageserver-protocol/node';
import { LspClient, FIXTURE_DIR, FIXTURES, fixture, headers, positionOf } from './lspClient';
import type { AnalyzeFileParams, AnalyzeFileProgress, AnalyzeFileResult } from '../../server/src/protocol';

let client: LspClient;
let tmp: string;
const progress: AnalyzeFileProgress[] = [];

before(async () => {
  client = await LspClient.start();
  client.connection.onNotification('kleak/analyzeFileProgress', (p: unknown) => {
    progress.push(p as AnalyzeFileProgress);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-analyze-'));
});
after(async () => {
  await client.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const analyze = (p: AnalyzeFileParams, timeoutMs = 60_000) => client.request<AnalyzeFileResult>('kleak/analyzeFile', p, timeoutMs);

/** A big real capture: the nvme report's records repeated, with dmesg timestamps. */
function bigCapture(file: string, megabytes: number): void {
  const lines = fixture(FIXTURES.nvme).lines.filter((l) => l !== '');
  const block = Buffer.from(lines.map((l) => `[ 2272.976543] ${l}`).join('\n') + '\n');
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < megabytes << 20; written += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
}

describe('kleak/analyzeFile', () => {
  it('analyses a real report from disk like the CLI does', async () => {
    const r = await analyze({ path: path.join(FIXTURE_DIR, FIXTURES.nvme), progressId: 'p1' });
    assert.ok(r.ok, !r.ok ? r.reason : '');
    assert.equal(r.analysis.format, 'kmemleak');
    assert.equal(r.analysis.records, 3);
    assert.equal(r.analysis.suspects[0].site, 'blk_iolatency_init');
    assert.deepEqual(r.analysis.suspects[0].samples, headers(fixture(FIXTURES.nvme).lines).map((h) => h.line));
  });

  it('reads .gz captures and reports input problems with 0-based lines', async () => {
    const gz = path.join(tmp, 'mips.kmemleak.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fixture(FIXTURES.mips).text));
    const r = await analyze({ path: gz, progressId: 'p2' });
    assert.ok(r.ok);
    assert.equal(r.analysis.records, 3);
    assert.ok(r.analysis.problems.some((p) => p.line === 25 && /cut short/.test(p.message)));
  });

  it('refuses what is not a capture with a reason', async () => {
    const bin = path.join(tmp, 'x.bin');
    fs.writeFileSync(bin, Buffer.alloc(1000, 0));
    assert.deepEqual(await analyze({ path: bin, progressId: 'p3' }), { ok: false, reason: 'binary file, not a text capture' });
    const missing = await analyze({ path: path.join(tmp, 'nope'), progressId: 'p4' });
    assert.equal(missing.ok, false);
  });

  it('reports progress, stays responsive while it runs, and can be cancelled', async () => {
    const big = path.join(tmp, 'big-dmesg.txt');
    bigCapture(big, 150);
    const doc = fixture(FIXTURES.nvme);
    await client.open(doc.uri, doc.text);
    progress.length = 0;
    const cts = new CancellationTokenSource();
    const running = client.connection.sendRequest('kleak/analyzeFile', { path: big, progressId: 'big' } satisfies AnalyzeFileParams, cts.token) as Promise<AnalyzeFileResult>;
    // Wait for the worker to be well into the file.
    while (!progress.some((p) => p.progressId === 'big' && p.fraction >= 0.05)) await new Promise((r) => setTimeout(r, 20));
    const hoverAt = positionOf(doc.lines, 7, 'blk_iolatency_init');
    const hover = await client.request<{ contents: { value: string } }>(HoverRequest.method, { textDocument: { uri: doc.uri }, position: hoverAt }, 2000);
    assert.match(hover.contents.value, /blk_iolatency_init/);
    assert.ok(!progress.some((p) => p.progressId === 'big' && p.fraction >= 1), 'the analysis was still running when the hover answered');
    cts.cancel();
    const r = await running.catch((e: Error) => ({ ok: false as const, reason: e.message }));
    assert.equal(r.ok, false);
    const seen = progress.filter((p) => p.progressId === 'big').length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(progress.filter((p) => p.progressId === 'big').length, seen, 'no progress after cancellation: the worker is gone');
  });
});
