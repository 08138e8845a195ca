// Start and stop an isolated code-server (VS Code 1.139 server + web workbench) on 127.0.0.1.
// Shared by the extension-host tests (test/exthost/run.mjs), the UI tests (test/e2e/) and `npm start`.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, CACHE, NODE24, CODE_SERVER } from './provision.mjs';

/** Settings for a quiet, offline workbench (no walkthroughs, telemetry, update or gallery traffic). */
export const OFFLINE_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'npm.fetchOnlinePackageInfo': false,
  'workbench.enableExperiments': false,
  'git.openRepositoryInParentFolders': 'never', // run dirs live inside the repo's .cache/
};

/** Chromium flags: headless-friendly, and no traffic of its own (DNS for anything but 127.0.0.1 fails). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'];

/** On Ctrl-C / SIGTERM, exit through process.exit so that the 'exit' hooks below end the servers' process groups. */
let signalsHooked = false;
function hookSignals() {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    if (process.listenerCount(sig) === 0) process.once(sig, () => process.exit(code));
  }
}

/**
 * True for a URL a test page may load: this machine's 127.0.0.1, or data:/blob: (made in the page,
 * no request leaves it). Everything else is aborted and counted as a request that tried to leave.
 */
export function isLocalUrl(url) {
  const u = new URL(url);
  return u.hostname === '127.0.0.1' || u.protocol === 'data:' || u.protocol === 'blob:';
}

/** code-server's remote authority is literally "remote". */
export const remoteUri = (p) => `vscode-remote://remote${p}`;

function csEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return {
    ...env,
    PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH}`,
    EXTENSIONS_GALLERY: '{}', // no gallery => no marketplace/open-vsx calls (they hang offline)
    VSCODE_CLI_DISABLE_UPDATE: '1',
  };
}

/**
 * Start code-server.
 * @param {object} o
 * @param {string} o.runDir         directory for user-data, extensions, config and log (created)
 * @param {string} o.folder         folder to open (used in place)
 * @param {string} [o.vsix]         install this .vsix into the (fresh) extensions dir first
 * @param {boolean} [o.smokeDriver] honour the URL `payload` (extensionDevelopmentPath / extensionTestsPath)
 * @param {boolean} [o.disableTrust] pass --disable-workspace-trust
 * @param {object} [o.settings]     user settings (merged over OFFLINE_SETTINGS; existing settings.json kept)
 * @param {number} [o.port]         0 = any free port
 * @param {boolean} [o.inheritOutput] print code-server's own output as well as logging it
 */
export async function startCodeServer({ runDir, folder, vsix, smokeDriver = false, disableTrust = true, settings = {}, port = 0, inheritOutput = false }) {
  const ud = path.join(runDir, 'user-data'), exts = path.join(runDir, 'extensions'), cfg = path.join(runDir, 'config.yaml');
  fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
  fs.mkdirSync(exts, { recursive: true });
  const settingsFile = path.join(ud, 'User/settings.json');
  if (!fs.existsSync(settingsFile)) fs.writeFileSync(settingsFile, JSON.stringify({ ...OFFLINE_SETTINGS, ...settings }, null, 2) + '\n');
  fs.writeFileSync(cfg, 'auth: none\n'); // never read ~/.config/code-server/config.yaml (it asks for a password)
  const common = ['--config', cfg, '--user-data-dir', ud, '--extensions-dir', exts];
  if (vsix) {
    // copying a folder into the extensions dir is ignored once extensions.json exists: install properly
    execFileSync(NODE24, [CODE_SERVER, ...common, '--force', '--install-extension', vsix], { env: csEnv(), stdio: 'pipe' });
  }
  const args = [CODE_SERVER, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--disable-proxy',
    ...(disableTrust ? ['--disable-workspace-trust'] : []),
    ...(smokeDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    '--ignore-last-opened', folder];
  const t0 = Date.now();
  // own process group, so that stop() also ends the VS Code server, extension hosts and language servers
  const proc = spawn(NODE24, args, { env: csEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: runDir });
  const logFile = path.join(runDir, 'code-server.log');
  const log = fs.createWriteStream(logFile);
  proc.stdout.pipe(log); proc.stderr.pipe(log);
  if (inheritOutput) { proc.stdout.pipe(process.stdout); proc.stderr.pipe(process.stderr); }
  let exited = false;
  const exitPromise = new Promise((r) => proc.once('exit', (code, sig) => { exited = true; r({ code, sig }); }));
  const killGroup = (sig) => { if (!exited) try { process.kill(-proc.pid, sig); } catch { /* already gone */ } };
  const onExit = () => killGroup('SIGKILL'); // never leave a server behind if our process dies
  process.once('exit', onExit);
  hookSignals();
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => { killGroup('SIGKILL'); reject(new Error(`code-server did not start within 60 s, see ${logFile}`)); }, 60_000);
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(buf);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exitPromise.then(({ code }) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}) before listening, see ${logFile}`)); });
  });
  return {
    url, folder, runDir, logFile, pid: proc.pid, startMs: Date.now() - t0, exited: exitPromise,
    /** Stop code-server and everything it started (SIGTERM to the group, SIGKILL after 5 s). */
    async stop() {
      process.removeListener('exit', onExit);
      if (exited) return;
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(t);
      killGroup('SIGKILL'); // leftovers of the group (e.g. a language server that ignored SIGTERM)
    },
  };
}

/** A fresh per-run directory under .cache/runs (old ones pruned, the newest few kept for post-mortems). */
export function freshRunDir(kind) {
  const runs = path.join(CACHE, 'runs');
  fs.mkdirSync(runs, { recursive: true });
  const old = fs.readdirSync(runs).filter((d) => d.startsWith(`${kind}-`)).sort();
  for (const d of old.slice(0, Math.max(0, old.length - 3))) fs.rmSync(path.join(runs, d), { recursive: true, force: true });
  return fs.mkdtempSync(path.join(runs, `${kind}-${new Date().toISOString().replace(/[:.]/g, '')}-`));
}

export { ROOT };
