#!/usr/bin/env node
// Bench: the slab panel (dist/webview.js, dist/webview.css) rendering 1,000 snapshots × 300 caches
// in headless Chromium, under the panel's strict CSP, outside VS Code (a stub acquireVsCodeApi;
// messages posted as the host posts them). Prints the time from the message to the rendered
// charts and table, then of a live update, a filter, a sort, a selection, and of a fleet of
// 20 instances. Fails (exit 1) on a page error, a CSP violation, or an unpainted chart.
//
// Usage: node bench/slabPanel.mjs [--snapshots 1000] [--caches 300] [--json]   (needs `node scripts/build.mjs`)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureChromium } from '../scripts/provision.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (flag, d) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SNAPSHOTS = arg('--snapshots', 1000);
const CACHES = arg('--caches', 300);
const ORIGIN = 'https://kleak-bench.invalid';
const NONCE = 'YmVuY2hub25jZWJlbmNobm9uY2U=';

/** A deterministic pseudo-random series: some caches leak steadily, some grow as caches, most wobble. */
function series(n, caches) {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const t0 = 1_795_312_468;
  const times = Array.from({ length: n }, (_, i) => t0 + i * 5);
  const verdicts = ['likely-leak', 'cache', 'stable'];
  const list = Array.from({ length: caches }, (_, c) => {
    const kind = c % 17 === 0 ? 0 : c % 5 === 0 ? 1 : 2;
    const base = 4096 * (1 + Math.floor(rnd() * 5000));
    const slope = kind === 0 ? 2000 + rnd() * 5000 : kind === 1 ? rnd() * 20_000 : 0;
    const size = 64 * (1 + Math.floor(rnd() * 16));
    const bytes = times.map((_, i) => (i % 97 === c % 97 && kind === 2 ? null : Math.round(base + slope * i * 5 + rnd() * 8192)));
    const total = bytes.map((b) => (b === null ? null : Math.round(b / size)));
    return {
      name: `cache_${String(c).padStart(3, '0')}${kind === 0 ? '_leaky' : ''}`,
      bytes,
      activeObjects: total.map((v) => (v === null ? null : Math.round(v * 0.9))),
      totalObjects: total,
      objectSize: size,
      reclaimable: kind === 1,
      verdict: verdicts[kind],
      reason: `synthetic ${verdicts[kind]}`,
      rateBytesPerSecond: slope,
      r2: kind === 2 ? 0.1 : 0.99,
      growthBytes: (bytes.at(-1) ?? base) - (bytes[0] ?? base),
      line: c,
    };
  });
  list.sort((a, b) => b.growthBytes - a.growthBytes);
  const mem = (base, slope) => times.map((_, i) => base + slope * i);
  return {
    source: 'file:///bench/slab.slabinfo',
    times,
    relativeTimes: false,
    timeUnit: 'seconds',
    snapshotLines: times.map((_, i) => i * (caches + 60)),
    caches: list,
    meminfo: { MemTotal: mem(24e9, 0), Slab: mem(3e8, 3e4), SReclaimable: mem(2.5e8, 1e4), SUnreclaim: mem(5e7, 2e4), VmallocUsed: mem(1.4e7, 0) },
    secondsUntilExhaustion: 1e6,
    problems: [],
  };
}

function fleet(n, instances) {
  const s = series(n, 40);
  return {
    url: 'http://127.0.0.1:9090',
    selector: '',
    times: s.times,
    step: 5,
    instances: Array.from({ length: instances }, (_, i) => ({
      instance: `node-${i}:9100`,
      job: 'node',
      meminfo: { SUnreclaim: s.times.map((_, k) => 5e7 + (instances - i) * 100 * k), SReclaimable: s.meminfo.SReclaimable, Slab: s.meminfo.Slab },
      rateBytesPerSecond: (instances - i) * 20,
      r2: 0.99,
      growthBytes: (instances - i) * 100 * n,
      caches: s.caches.map((c) => ({ ...c, line: -1 })),
    })),
    slabinfo: true,
    warnings: [],
  };
}

const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${ORIGIN} data:; style-src ${ORIGIN}; font-src ${ORIGIN}; script-src 'nonce-${NONCE}'">
<link rel="stylesheet" href="${ORIGIN}/webview.css"><title>bench</title></head>
<body class="vscode-dark"><main id="app"></main>
<script nonce="${NONCE}" src="${ORIGIN}/stub.js"></script>
<script nonce="${NONCE}" src="${ORIGIN}/webview.js"></script></body></html>`;
// what VS Code provides: acquireVsCodeApi, and the theme's CSS variables on the body
const stub = `
window.__posted = [];
window.__state = undefined;
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });
for (const [k, v] of Object.entries({ '--vscode-editor-background': '#1e1e1e', '--vscode-foreground': '#cccccc', '--vscode-editor-foreground': '#d4d4d4',
  '--vscode-charts-red': '#f14c4c', '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700', '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7', '--vscode-charts-orange': '#d18616', '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px' })) document.documentElement.style.setProperty(k, v);
`;

const files = { '/': [html, 'text/html'], '/stub.js': [stub, 'text/javascript'] };
for (const f of ['webview.js', 'webview.css']) {
  const p = path.join(root, 'dist', f);
  if (!fs.existsSync(p)) throw new Error(`dist/${f} is missing: run node scripts/build.mjs`);
  files[`/${f}`] = [fs.readFileSync(p), f.endsWith('.js') ? 'text/javascript' : 'text/css'];
}

const browser = await chromium.launch({ executablePath: ensureChromium(), args: ['--no-sandbox'] });
const problems = [];
const results = {};
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    const f = u.origin === ORIGIN ? files[u.pathname] : undefined;
    return f ? route.fulfill({ status: 200, body: f[0], contentType: f[1] }) : route.abort();
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to ${e.violatedDirective} ${e.blockedURI}`));
    /** Resolves once cond() holds (polled every frame), after the next paint. */
    window.__until = async (cond) => {
      const end = performance.now() + 60_000;
      while (!cond()) {
        if (performance.now() > end) throw new Error(`timed out: ${cond}`);
        await new Promise((r) => requestAnimationFrame(r));
      }
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    };
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));

  /** Runs `fn` in the page (it acts, then awaits its condition) and records how long it took. */
  const timed = async (label, fn, argument) => (results[label] = Math.round(await page.evaluate(fn, argument)));

  const data = series(SNAPSHOTS, CACHES);
  const origin = { kind: 'series', uri: data.source };
  await page.evaluate((m) => (window.__msg = m), { type: 'series', title: 'Slab Growth: bench', origin, series: data, live: false });
  await timed('series: message → charts and table rendered', async (n) => {
    const t0 = performance.now();
    window.postMessage(window.__msg, '*');
    await window.__until(() => document.body.dataset.state === 'series' && document.querySelectorAll('#detail vscode-table-body vscode-table-row:not([hidden])').length === n);
    return performance.now() - t0;
  }, CACHES);
  const painted = await page.evaluate(() => {
    const c = document.getElementById('cache-chart');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  });
  if (painted < 1000) problems.push(`the cache chart is not painted (${painted} pixels)`);
  await timed('live update: the same series again', async () => {
    const t0 = performance.now();
    let done = false;
    const mark = (e) => (done = e.data === 'bench: done');
    window.addEventListener('message', mark); // after the panel's listener: runs once the series is handled
    window.postMessage(window.__msg, '*');
    window.postMessage('bench: done', '*');
    await window.__until(() => done);
    window.removeEventListener('message', mark);
    return performance.now() - t0;
  });
  await timed('filter "leaky"', async () => {
    const t0 = performance.now();
    const f = document.getElementById('filter');
    f.value = 'leaky';
    f.dispatchEvent(new Event('input'));
    await window.__until(() => [...document.querySelectorAll('#detail vscode-table-body vscode-table-row:not([hidden])')].every((r) => r.dataset.key.endsWith('_leaky')));
    return performance.now() - t0 - 120; // less the input debounce
  });
  await timed('clear the filter', async (n) => {
    const t0 = performance.now();
    const f = document.getElementById('filter');
    f.value = '';
    f.dispatchEvent(new Event('input'));
    await window.__until(() => document.querySelectorAll('#detail vscode-table-body vscode-table-row:not([hidden])').length === n);
    return performance.now() - t0 - 120;
  }, CACHES);
  await timed('sort by name (header click)', async () => {
    const t0 = performance.now();
    document.querySelector('vscode-table-header-cell[data-key="name"]').click();
    await window.__until(() => document.querySelector('vscode-table-header-cell[data-key="name"]').getAttribute('aria-sort') === 'ascending');
    return performance.now() - t0;
  });
  await timed('zoom in (both charts redrawn)', async () => {
    const t0 = performance.now();
    document.getElementById('zoom-in').click();
    await window.__until(() => true);
    return performance.now() - t0;
  });
  await timed('select a row (charts it)', async () => {
    const t0 = performance.now();
    document.querySelector('#detail vscode-table-body vscode-table-row:not([hidden]):nth-child(40)').click();
    await window.__until(() => document.querySelector('vscode-table-row.selected') !== null);
    return performance.now() - t0;
  });

  const f = fleet(SNAPSHOTS, 20);
  await page.evaluate((m) => (window.__fleet = m), { type: 'fleet', title: 'Slab Fleet: bench', origin: { kind: 'fleet', url: f.url, rangeSeconds: 3600 }, fleet: f });
  await timed('fleet: 20 instances × 40 caches rendered', async () => {
    const t0 = performance.now();
    window.postMessage(window.__fleet, '*');
    await window.__until(() => document.body.dataset.state === 'fleet' && document.querySelectorAll('#fleet vscode-table-body vscode-table-row').length === 20);
    return performance.now() - t0;
  });
  const dropped = await page.evaluate(() => {
    window.postMessage({ type: 'series', title: 'x', origin: { kind: 'series', uri: 'x' }, series: { times: [1n] }, live: false }, '*');
    return new Promise((r) => setTimeout(() => r(document.body.dataset.state), 100));
  });
  if (dropped !== 'fleet') problems.push(`a malformed message changed the panel (state ${dropped})`);
} finally {
  await browser.close();
}

if (process.argv.includes('--json')) console.log(JSON.stringify({ snapshots: SNAPSHOTS, caches: CACHES, ms: results, problems }));
else {
  console.log(`slab panel, ${SNAPSHOTS} snapshots × ${CACHES} caches, headless Chromium:`);
  for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(48)} ${String(v).padStart(6)} ms`);
  for (const p of problems) console.log(`  ✘ ${p}`);
}
process.exitCode = problems.length ? 1 : 0;
