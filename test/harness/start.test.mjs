// `npm start` (scripts/start.mjs) as a developer uses it, in both of its modes:
//   - no `code` on PATH: it starts code-server and prints a URL; that URL serves the workbench, and
//     opened in Chromium it loads kleak from this repository (its language server starts for a
//     sample capture); Ctrl-C (SIGINT) ends it with exit 0 within seconds, leaving no process behind;
//   - a `code` on PATH: it runs that `code` with this repository as development extension on samples/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { ROOT, ensureChromium } from '../../scripts/provision.mjs';
import { CHROMIUM_ARGS, isLocalUrl, remoteUri } from '../../scripts/code-server.mjs';
import { processTree, processGroup, processGroupOf, alive, commandLine } from '../../scripts/process-tree.mjs';

const START = path.join(ROOT, 'scripts/start.mjs');
const SAMPLES = path.join(ROOT, 'samples');
const CAPTURE = 'kmemleak/kmemleak_03_nvme_tcp_blk_iolatency.txt';

/** A PATH with node and npm and the system's programs, without any folder that holds a `code`. */
function pathWithoutCode(extra = []) {
  const dirs = [...extra, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'];
  return [...new Set(dirs)].filter((d) => extra.includes(d) || !fs.existsSync(path.join(d, 'code'))).join(path.delimiter);
}

/** Starts start.mjs; `output()` is what it printed so far, `exited` its { code, signal, ms }. */
function startScript(args, env) {
  const child = spawn(process.execPath, [START, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return { child, exited, output: () => out };
}

/** Resolves to `value` after `ms` without keeping the test process alive. */
const settleAfter = (ms, value) => new Promise((r) => setTimeout(() => r(value), ms).unref());

async function waitFor(what, probe, timeoutMs, proc) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; output:\n${proc?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start without `code` on PATH: code-server', () => {
  let tmp;
  let proc;
  let url;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-start-'));
    // a throw-away profile: the developer's own (.cache/start) is never touched
    proc = startScript(['--port', '0'], { PATH: pathWithoutCode(), KLEAK_START_PROFILE: path.join(tmp, 'profile') });
    url = await waitFor('the URL start.mjs prints', () => /^ {4}(http:\/\/127\.0\.0\.1:\d+\/\?\S+)$/m.exec(proc.output())?.[1], 240_000, proc);
  });
  after(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      try { process.kill(proc.child.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('chose code-server (no `code` on this PATH) and prints a URL on 127.0.0.1 for samples/ with kleak as development extension', () => {
    const u = new URL(url);
    assert.equal(u.searchParams.get('folder'), SAMPLES);
    assert.deepEqual(JSON.parse(u.searchParams.get('payload')), [['extensionDevelopmentPath', remoteUri(ROOT)]]);
    assert.match(proc.output(), /VS Code \(code-server\) with kleak on samples\/ is running/);
  });

  it('the URL serves the VS Code workbench (HTTP 200)', async () => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /workbench\/workbench\.js/);
    assert.match(html, /id="vscode-workbench-web-configuration"/);
  });

  it('opened in Chromium, it loads kleak from this repository: its language server starts for a sample capture', async () => {
    const browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext();
      await context.route((u) => !isLocalUrl(u.href), (r) => r.abort('blockedbyclient'));
      const page = await context.newPage();
      // the same URL, plus the workbench's own `openFile` payload entry: a kmemleak capture activates kleak
      const u = new URL(url);
      const payload = [...JSON.parse(u.searchParams.get('payload')), ['openFile', remoteUri(path.join(SAMPLES, CAPTURE))]];
      u.searchParams.set('payload', JSON.stringify(payload));
      await page.goto(u.href);
      const server = path.join(ROOT, 'dist/server.js');
      const pid = await waitFor('kleak\'s language server (dist/server.js) under start.mjs', () =>
        processTree(proc.child.pid).find((p) => commandLine(p).includes(server)), 90_000, proc);
      assert.ok(alive(pid));
    } finally {
      await browser.close();
    }
  });

  it('Ctrl-C (SIGINT) stops it: exit code 0 within 10 s, and no process it started is left', async () => {
    const tree = processTree(proc.child.pid);
    // start.mjs, code-server, its VS Code server, the extension host, kleak's language server
    assert.ok(tree.length >= 4, `process tree: ${tree.map((p) => `${p} ${commandLine(p)}`).join('\n')}`);
    const groups = new Set(tree.filter((p) => p !== proc.child.pid).map(processGroupOf).filter((g) => g !== undefined));
    const sent = Date.now();
    proc.child.kill('SIGINT');
    const { code, signal, at } = await Promise.race([proc.exited, settleAfter(15_000, { code: 'still running after 15 s' })]);
    assert.equal(code, 0, `exit ${code} ${signal ?? ''}\n${proc.output()}`);
    assert.ok(at - sent < 10_000, `took ${at - sent} ms`);
    await new Promise((r) => setTimeout(r, 500)); // the kernel reparents and reaps what was killed
    const left = tree.filter((p) => alive(p) && commandLine(p) !== '');
    assert.deepEqual(left.map((p) => `${p} ${commandLine(p)}`), []);
    for (const g of groups) assert.deepEqual(processGroup(g), [], `process group ${g} still has processes`);
    assert.match(proc.output(), /SIGINT: stopping code-server/);
  });
});

describe('npm start with `code` on PATH: your VS Code', () => {
  it('runs `code --extensionDevelopmentPath=<repo> <repo>/samples` and exits with its exit code', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-start-code-'));
    try {
      const bin = path.join(tmp, 'bin');
      fs.mkdirSync(bin);
      const record = path.join(tmp, 'args.json');
      // a stand-in `code` that records its arguments, one per line, and exits 0
      fs.writeFileSync(path.join(bin, 'code'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\nexit 0\n`, { mode: 0o755 });
      const proc = startScript([], { PATH: pathWithoutCode([bin]), KLEAK_START_PROFILE: path.join(tmp, 'profile') });
      const { code } = await Promise.race([proc.exited, settleAfter(120_000, { code: 'still running after 120 s' })]);
      assert.equal(code, 0, proc.output());
      assert.deepEqual(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean), [`--extensionDevelopmentPath=${ROOT}`, SAMPLES]);
      assert.match(proc.output(), new RegExp(`opening samples/ in VS Code \\(${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/code\\)`));
      assert.ok(!fs.existsSync(path.join(tmp, 'profile')), 'code-server must not start when `code` is there');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a failing `code` makes npm start fail with its exit code', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-start-code-'));
    try {
      const bin = path.join(tmp, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'code'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
      const proc = startScript([], { PATH: pathWithoutCode([bin]) });
      const { code } = await proc.exited;
      assert.equal(code, 3, proc.output());
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
