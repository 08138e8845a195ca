#!/usr/bin/env node
// Extension-host integration tests: mocha runs inside code-server's real (Node) extension host with the
// real `vscode` API, like @vscode/test-electron does on a desktop. kleak is loaded from this repository as
// development extension (extensionDevelopmentPath = repo root, so dist/ must be built).
//
// How: code-server is started with `--vscode-option enable-smoke-test-driver`, without which the workbench
// ignores the URL `payload` carrying extensionDevelopmentPath / extensionTestsPath. Chromium opens that URL;
// the workbench calls window.codeAutomationExit(code) when the test run ends.
//
// Two passes, each with its own code-server: every suite in a trusted workspace, then the
// *.untrusted.test.ts suites with workspace trust on and addr2line/gdb wrapped to log their runs.
//
// Usage: node test/exthost/run.mjs [--grep PATTERN] [--verbose]   (needs `npm run build` first)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { ROOT, NODE24, ensureChromium, ensureCodeServer } from '../../scripts/provision.mjs';
import { startCodeServer, freshRunDir, remoteUri, CHROMIUM_ARGS, isLocalUrl } from '../../scripts/code-server.mjs';
import { watchSockets } from '../../scripts/socket-watch.mjs';

const OUT = path.join(ROOT, 'out/exthost');
const SUITE = path.join(ROOT, 'test/exthost/suite');

/** Bundle the TypeScript suite into out/exthost (vscode and mocha are resolved at run time). */
export async function buildSuite() {
  fs.rmSync(OUT, { recursive: true, force: true });
  const entryPoints = fs.readdirSync(SUITE).filter((f) => f.endsWith('.ts')).map((f) => path.join(SUITE, f));
  await esbuild.build({
    entryPoints, outdir: OUT, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    sourcemap: 'inline', external: ['vscode', 'mocha'], logLevel: 'warning', absWorkingDir: ROOT,
  });
}

/** Tools kleak may run: wrapped, for the untrusted pass, by scripts that log each run and then run the real one. */
const SPIED_TOOLS = ['addr2line', 'llvm-addr2line', 'gdb'];

function toolSpy(dir) {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'tool-runs.log');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(log, '');
  for (const t of SPIED_TOOLS) {
    const real = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, t)).find((p) => fs.existsSync(p));
    const run = real ? `exec '${real}' "$@"` : 'exit 127';
    fs.writeFileSync(path.join(bin, t), `#!/bin/sh\nprintf '%s\\n' "${t} $*" >> '${log}'\n${run}\n`, { mode: 0o755 });
  }
  return { bin, log };
}

/**
 * Two passes, each in its own code-server: the suite in a trusted workspace (--disable-workspace-trust),
 * then *.untrusted.test.ts with workspace trust on and the folder not trusted.
 * @param {{grep?: string, verbose?: boolean, timeoutMs?: number}} [o]
 * @returns {Promise<{passed: number, failed: number, results: {title: string, state: string, error?: string}[], seconds: number}>}
 */
export async function runExthostTests({ grep, verbose = !!process.env.VERBOSE, timeoutMs = 240_000 } = {}) {
  const t0 = Date.now();
  for (const f of ['dist/extension.js', 'dist/server.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  ensureCodeServer();
  const executablePath = ensureChromium();
  await buildSuite();
  const results = [];
  for (const untrusted of [false, true]) results.push(...await runPass({ grep, verbose, timeoutMs, untrusted, executablePath }));
  if (!results.length) results.push({ title: grep ? `no extension-host test matches "${grep}"` : 'no extension-host test ran', state: 'failed' });
  for (const r of results.filter((x) => x.state === 'failed')) console.log(`# FAILED ${r.title}${r.error ? `: ${r.error.split('\n')[0]}` : ''}`);
  const passed = results.filter((r) => r.state === 'passed').length;
  return { passed, failed: results.length - passed, results, seconds: (Date.now() - t0) / 1000 };
}

async function runPass({ grep, verbose, timeoutMs, untrusted, executablePath }) {
  const runDir = freshRunDir(untrusted ? 'exthost-untrusted' : 'exthost');
  const ws = path.join(runDir, 'workspace');
  fs.cpSync(path.join(ROOT, 'samples'), ws, { recursive: true }); // tests may write into their workspace
  const resultsFile = path.join(runDir, 'results.json');
  const cs = await startCodeServer({
    runDir, folder: ws, smokeDriver: true, disableTrust: !untrusted,
    // untrusted: no dialog asks, the folder simply stays untrusted (restricted mode)
    settings: untrusted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never', 'security.workspace.trust.emptyWindow': false } : {},
  });
  // the browser is policed by the route below; code-server, the extension host and the language server by their sockets
  const socketWatch = watchSockets(cs.pid);
  let sockets;
  const pass = untrusted ? 'exthost (untrusted workspace)' : 'exthost';
  console.log(`# ${pass}: code-server up in ${cs.startMs} ms at ${cs.url} (log ${path.relative(ROOT, cs.logFile)})`);
  const env = { KLEAK_EXTHOST_RESULTS: resultsFile, ...(grep ? { KLEAK_EXTHOST_GREP: grep } : {}) };
  if (untrusted) {
    const spy = toolSpy(path.join(runDir, 'spy'));
    Object.assign(env, { KLEAK_EXTHOST_UNTRUSTED: '1', KLEAK_TOOL_SPY_LOG: spy.log, PATH: `${spy.bin}${path.delimiter}${path.dirname(NODE24)}${path.delimiter}${process.env.PATH}` });
  }
  const payload = [
    ['extensionDevelopmentPath', remoteUri(ROOT)],
    ['extensionTestsPath', remoteUri(path.join(OUT, 'index.js'))],
    ['extensionEnvironment', JSON.stringify(env)],
  ];
  const url = `${cs.url}?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const offline = [];
  let exit;
  try {
    const context = await browser.newContext();
    await context.route((u) => !isLocalUrl(u.href), (r) => { offline.push(r.request().url()); return r.abort('blockedbyclient'); });
    const page = await context.newPage();
    const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
    // Every log line of the workbench and the extension host (incl. mocha's console output) arrives here.
    await page.exposeFunction('codeAutomationLog', (_level, args) => {
      const msg = (Array.isArray(args) ? args : [args]).join(' ');
      // mocha's spec reporter output is indented (or starts with a newline); workbench log lines are not
      if (verbose || /^\s/.test(msg)) console.log(msg.replace(/\n$/, ''));
    });
    if (verbose) page.on('console', (m) => console.log(`[browser] ${m.text()}`));
    await page.goto(url);
    exit = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
  } finally {
    await browser.close();
    sockets = socketWatch.stop();
    await cs.stop();
  }

  let results = [];
  try { results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')).results; } catch { /* the run never finished */ }
  const failedCount = () => results.filter((r) => r.state === 'failed').length;
  if (exit === 'timeout') results.push({ title: `${pass} run timed out after ${timeoutMs / 1000} s`, state: 'failed' });
  else if (exit !== 0 && failedCount() === 0) results.push({ title: `${pass}: extension host exited with ${exit} (see ${cs.logFile})`, state: 'failed' });
  // with --grep, a pass may rightly run nothing; without, an empty pass is a failure
  if (!results.length && !grep) results.push({ title: `${pass}: no test ran`, state: 'failed' });
  if (offline.length) results.push({ title: `${pass}: requests left 127.0.0.1 (aborted)`, state: 'failed', error: [...new Set(offline)].join('\n') });
  if (sockets.remote.length) results.push({ title: `${pass}: code-server and its processes connected only to 127.0.0.1`, state: 'failed', error: sockets.remote.join('\n') });
  if (!sockets.loopbackSeen) results.push({ title: `${pass}: the socket watch of code-server saw its own loopback connections`, state: 'failed', error: 'no connection seen: the watch is blind' });
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const gi = process.argv.indexOf('--grep');
  try {
    const r = await runExthostTests({ grep: gi > 0 ? process.argv[gi + 1] : undefined, verbose: process.argv.includes('--verbose') || !!process.env.VERBOSE });
    console.log(`# exthost: ${r.seconds.toFixed(1)} s`);
    console.log(`exthost: ${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed ? 1 : 0);
  } catch (e) {
    console.error(`exthost: ${e.message}`);
    console.log('exthost: 0 passed, 1 failed');
    process.exit(1);
  }
}
