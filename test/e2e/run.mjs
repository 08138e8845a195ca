#!/usr/bin/env node
// UI end-to-end tests: the packaged .vsix installed into a fresh code-server, driven from Debian's
// Chromium with playwright-core. Each journey (journeys.mjs) fails on an assertion, on any
// Content-Security-Policy violation, and on any request that tried to leave 127.0.0.1.
// Screenshots (and a screenshot of every failure) go to test-results/e2e/.
//
// Usage: node test/e2e/run.mjs [--vsix FILE] [--grep TEXT]     (needs `npm run package` first)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../scripts/provision.mjs';
import { Workbench, ARTIFACTS } from './workbench.mjs';
import { JOURNEYS } from './journeys.mjs';

export function defaultVsix() {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `kleak-${version}.vsix`);
}

/**
 * @param {{vsix?: string, grep?: string}} [o]
 * @returns {Promise<{passed: number, failed: number, results: {title: string, state: string, error?: string, ms: number}[], seconds: number}>}
 */
export async function runUiTests({ vsix = defaultVsix(), grep } = {}) {
  const t0 = Date.now();
  if (!fs.existsSync(vsix)) throw new Error(`${path.relative(ROOT, vsix)} is missing: run \`npm run package\` first`);
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  const journeys = JOURNEYS.filter(([name]) => !grep || name.includes(grep));
  const results = [];
  const wb = await Workbench.launch({ vsix });
  console.log(`# ui: code-server up in ${wb.cs.startMs} ms, workbench ready in ${wb.readyMs} ms (log ${path.relative(ROOT, wb.cs.logFile)})`);
  // the first journey also answers for anything logged or requested while the workbench loaded
  let mark = { csp: 0, offline: 0 };
  try {
    for (const [i, [name, journey]] of journeys.entries()) {
      const t = Date.now();
      try {
        if (i > 0) await wb.closeAllEditors();
        await journey(wb);
        wb.assertNoCspViolation(mark);
        wb.assertOffline(mark);
        results.push({ title: name, state: 'passed', ms: Date.now() - t });
        console.log(`  ✔ ${name} (${Date.now() - t} ms)`);
      } catch (e) {
        const shot = await wb.screenshot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
        const state = await wb.describe().catch((err) => `(the workbench could not be described: ${err.message})`);
        results.push({ title: name, state: 'failed', ms: Date.now() - t, error: e.stack ?? String(e) });
        console.log(`  ✘ ${name} (${Date.now() - t} ms)\n${indent(e.stack ?? String(e))}\n${indent(state, 40)}${shot ? `\n    screenshot: ${path.relative(ROOT, shot)}` : ''}`);
      }
      mark = wb.mark();
    }
  } finally {
    await wb.close();
  }
  // connections of code-server's processes seen after the last journey, and a watch that saw nothing at all
  const late = [...new Set(wb.offline.slice(mark.offline))];
  if (late.length) results.push({ title: 'no request leaves 127.0.0.1 after the last journey', state: 'failed', ms: 0, error: late.join('\n') });
  if (!wb.socketReport?.loopbackSeen) results.push({ title: 'the socket watch of code-server saw its own loopback connections', state: 'failed', ms: 0, error: 'no connection seen: the watch is blind' });
  if (!journeys.length) results.push({ title: `no journey matches "${grep}"`, state: 'failed', ms: 0 });
  const passed = results.filter((r) => r.state === 'passed').length;
  return { passed, failed: results.length - passed, results, seconds: (Date.now() - t0) / 1000 };
}

const indent = (s, lines = 12) => s.split('\n').slice(0, lines).map((l) => `    ${l}`).join('\n');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (flag) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
  try {
    const r = await runUiTests({ vsix: arg('--vsix') ? path.resolve(arg('--vsix')) : undefined, grep: arg('--grep') });
    console.log(`# ui: ${r.seconds.toFixed(1)} s; screenshots in ${path.relative(ROOT, ARTIFACTS)}/`);
    console.log(`ui: ${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed ? 1 : 0);
  } catch (e) {
    console.error(`ui: ${e.stack ?? e.message}`);
    console.log('ui: 0 passed, 1 failed');
    process.exit(1);
  }
}
