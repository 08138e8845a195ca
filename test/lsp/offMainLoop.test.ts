// Issue 9: the language server stays responsive while it reads a 2 GB capture from disk. Every
// request that reads files (kleak/analyzeFile, kleak/slabSeries of a path) runs in a worker thread:
// hovers and symbols on open captures still answer, the worker shows up as a thread of the server
// process while it runs, and cancelling stops it (no more progress) and gives its memory back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, DocumentSymbol, DocumentSymbolRequest, Hover, HoverRequest } from 'vscode-languageserver-protocol/node';
import { LspClient, FIXTURE_DIR, FIXTURES, fixture, positionOf } from './lspClient';
import type { AnalyzeFileParams, AnalyzeFileProgress, AnalyzeFileResult, SlabSeriesDto, SlabSeriesParams } from '../../server/src/protocol';
import { SLAB_SERIES_DIR, generatedText } from '../helpers/slabFixtures';

const GB = 1024 * 1024 * 1024;
const MB = 1024 * 1024;

let client: LspClient;
let tmp: string;
/** The open capture whose hovers and symbols must keep answering. */
const doc = fixture(FIXTURES.nvme);
const hoverAt = positionOf(doc.lines, 7, 'blk_iolatency_init');
const progress: AnalyzeFileProgress[] = [];

before(async () => {
  client = await LspClient.start();
  client.connection.onNotification('kleak/analyzeFileProgress', (p: unknown) => {
    progress.push(p as AnalyzeFileProgress);
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-offloop-'));
  await client.open(doc.uri, doc.text);
});
after(async () => {
  await client?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** VmRSS (bytes) and thread count of a process, from /proc/<pid>/status. */
function procStatus(pid: number): { rss: number; threads: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS') * 1024, threads: field('Threads') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `what` every few ms until `done` settles; returns the largest value seen. */
async function peakWhile(done: Promise<unknown>, what: () => number): Promise<number> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  let peak = what();
  while (!settled) {
    peak = Math.max(peak, what());
    await sleep(2);
  }
  return peak;
}

/** How big the capture can be: 2 GB, unless the temporary folder's disk cannot hold it (with 1 GB to spare). */
function captureSize(dir: string): number {
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  if (free >= 3 * GB) return 2 * GB;
  const size = Math.max(64 * MB, Math.floor((free - 512 * MB) / 2 / MB) * MB);
  console.log(`# note: only ${(free / GB).toFixed(1)} GB free in ${dir}: the capture is ${size / MB} MB instead of 2 GB`);
  return size;
}

/** A big real capture: the nvme report's records (with dmesg timestamps) written again and again. */
function bigCapture(file: string, bytes: number): void {
  const lines = fixture(FIXTURES.nvme).lines.filter((l) => l !== '');
  const record = Buffer.from(lines.map((l) => `[ 2272.976543] ${l}`).join('\n') + '\n');
  const block = Buffer.concat(Array<Buffer>(Math.ceil((4 * MB) / record.length)).fill(record));
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

describe('requests that read files run off the main loop', () => {
  it('a 2 GB capture: hovers and symbols on an open capture answer at once, cancelling stops the worker and frees its memory', { timeout: 300_000 }, async () => {
    const big = path.join(tmp, 'big-dmesg.kmemleak');
    const size = captureSize(tmp);
    const t0 = performance.now();
    bigCapture(big, size);
    const writeMs = performance.now() - t0;
    assert.ok(fs.statSync(big).size >= size);

    const hover = () => client.request<Hover>(HoverRequest.method, { textDocument: { uri: doc.uri }, position: hoverAt }, 5000);
    const symbols = () => client.request<DocumentSymbol[]>(DocumentSymbolRequest.method, { textDocument: { uri: doc.uri } }, 5000);

    // Warm up: one small analysis (its worker, the libuv thread pool), then the idle baseline.
    const small = await client.request<AnalyzeFileResult>('kleak/analyzeFile', { path: path.join(FIXTURE_DIR, FIXTURES.nvme), progressId: 'warm' }, 30_000);
    assert.ok(small.ok);
    await sleep(500);
    const idle = procStatus(client.pid);
    const idleLatency: number[] = [];
    for (let i = 0; i < 5; i++) idleLatency.push((await timed(hover))[1], (await timed(symbols))[1]);

    progress.length = 0;
    const cts = new CancellationTokenSource();
    const running = client.connection.sendRequest('kleak/analyzeFile', { path: big, progressId: 'big' } satisfies AnalyzeFileParams, cts.token) as Promise<AnalyzeFileResult>;
    const fraction = () => Math.max(0, ...progress.filter((p) => p.progressId === 'big').map((p) => p.fraction));
    const started = performance.now();
    while (fraction() < 0.01) {
      assert.ok(performance.now() - started < 60_000, 'the analysis reported progress within a minute');
      await sleep(20);
    }
    // While the worker reads the file: the main loop answers hover and documentSymbol.
    const busyLatency: number[] = [];
    let threads = 0;
    for (let i = 0; i < 10; i++) {
      const [h, hMs] = await timed(hover);
      assert.match((h.contents as { value: string }).value, /blk_iolatency_init/);
      const [s, sMs] = await timed(symbols);
      assert.equal(s.length, 1);
      busyLatency.push(hMs, sMs);
      threads = Math.max(threads, procStatus(client.pid).threads);
      await sleep(50);
    }
    const busy = procStatus(client.pid);
    const reached = fraction();
    assert.ok(reached < 1, `the analysis was still running when the requests answered (read ${(reached * 100).toFixed(1)}%)`);
    assert.ok(threads > idle.threads, `the analysis runs in a thread of its own (${threads} threads while it runs, ${idle.threads} idle)`);
    assert.ok(Math.max(...busyLatency) < 2000, `every request answered within 2 s while the analysis ran (slowest ${Math.max(...busyLatency).toFixed(0)} ms)`);
    assert.ok(median(busyLatency) < 250, `median answer ${median(busyLatency).toFixed(1)} ms while the analysis ran`);

    cts.cancel();
    const r = await running.catch((e: Error) => ({ ok: false as const, reason: e.message }));
    assert.equal(r.ok, false);
    const seen = progress.filter((p) => p.progressId === 'big').length;
    await sleep(1000);
    assert.equal(progress.filter((p) => p.progressId === 'big').length, seen, 'no progress after cancellation: the worker is gone');
    assert.equal(procStatus(client.pid).threads, idle.threads, 'the worker thread has exited');

    // Its memory is given back: RSS returns near the idle level (allocator slack allowed).
    const margin = 64 * MB;
    let now = procStatus(client.pid);
    for (let i = 0; i < 100 && now.rss > idle.rss + margin; i++) {
      await sleep(100);
      now = procStatus(client.pid);
    }
    console.log(
      `# ${(size / MB).toFixed(0)} MB capture written in ${(writeMs / 1000).toFixed(1)} s; cancelled at ${(reached * 100).toFixed(1)}%; ` +
        `hover/documentSymbol median ${median(idleLatency).toFixed(1)} ms idle, ${median(busyLatency).toFixed(1)} ms (max ${Math.max(...busyLatency).toFixed(0)} ms) during the analysis; ` +
        `server RSS ${(idle.rss / MB).toFixed(0)} MB idle, ${(busy.rss / MB).toFixed(0)} MB during, ${(now.rss / MB).toFixed(0)} MB after cancelling; threads ${idle.threads} idle, ${threads} during`,
    );
    assert.ok(busy.rss > idle.rss, 'the worker did use memory');
    assert.ok(now.rss <= idle.rss + margin, `RSS after cancelling ${(now.rss / MB).toFixed(0)} MB, idle ${(idle.rss / MB).toFixed(0)} MB`);
    fs.rmSync(big, { force: true });
  });

  it('kleak/slabSeries of a folder runs in a worker thread (a thread appears, then goes) and gives the same series', async () => {
    // The thread pool is warm (previous test or this analysis), so a new thread can only be the worker.
    await client.request<AnalyzeFileResult>('kleak/analyzeFile', { path: path.join(FIXTURE_DIR, FIXTURES.nvme), progressId: 'warm2' }, 30_000);
    await sleep(300);
    const idle = procStatus(client.pid).threads;
    const request = client.request<SlabSeriesDto | null>('kleak/slabSeries', { path: SLAB_SERIES_DIR } satisfies SlabSeriesParams, 60_000);
    const peak = await peakWhile(request, () => procStatus(client.pid).threads);
    const dto = await request;
    assert.ok(dto);
    assert.equal(dto.source, SLAB_SERIES_DIR);
    assert.equal(dto.times.length, 58);
    assert.ok(dto.caches.some((c) => c.name === 'signal_cache' && c.verdict === 'likely-leak'));
    assert.ok(peak > idle, `a worker thread ran the series (${peak} threads during, ${idle} idle)`);
    await sleep(300);
    assert.equal(procStatus(client.pid).threads, idle);

    // A file: uri of a file that is not open is read from disk the same way.
    const file = path.join(tmp, 'slabinfo-series.txt');
    fs.writeFileSync(file, generatedText('slabinfo-series.txt.gz'));
    const byUri = await client.request<SlabSeriesDto | null>('kleak/slabSeries', { uri: pathToFileURL(file).href } satisfies SlabSeriesParams, 60_000);
    assert.equal(byUri?.times.length, 58);
  });

  it('kleak/slabSeries of a big series file: hovers answer while it runs, and cancelling ends its worker', { timeout: 120_000 }, async () => {
    // 40 recordings of the 58-snapshot series, one after the other (epoch markers moved on each time).
    const text = generatedText('slabinfo-series.txt.gz');
    const file = path.join(tmp, 'long-slabinfo-series.txt');
    const fd = fs.openSync(file, 'w');
    for (let k = 0; k < 40; k++) {
      fs.writeSync(fd, text.replace(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d UTC \d{4}$/gm, (d) => `=== ${Date.parse(d) / 1000 + k * 62}`));
    }
    fs.closeSync(fd);
    const idle = procStatus(client.pid).threads;
    const cts = new CancellationTokenSource();
    const running = client.connection.sendRequest('kleak/slabSeries', { path: file } satisfies SlabSeriesParams, cts.token) as Promise<SlabSeriesDto | null>;
    let settled = false;
    void running.finally(() => (settled = true)).catch(() => undefined);
    while (procStatus(client.pid).threads <= idle && !settled) await sleep(2);
    const latency: number[] = [];
    for (let i = 0; i < 5 && !settled; i++) {
      const [h, ms] = await timed(() => client.request<Hover>(HoverRequest.method, { textDocument: { uri: doc.uri }, position: hoverAt }, 5000));
      assert.match((h.contents as { value: string }).value, /blk_iolatency_init/);
      latency.push(ms);
    }
    assert.ok(!settled && latency.length === 5, 'the series was still being read while the hovers answered');
    assert.ok(median(latency) < 250, `median hover ${median(latency).toFixed(1)} ms while the series was read`);
    cts.cancel();
    await running.catch(() => null);
    await sleep(300);
    assert.equal(procStatus(client.pid).threads, idle, 'the worker thread has exited');
  });
});
