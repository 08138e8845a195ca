#!/usr/bin/env node
// `npm start`: install what is missing, build, and open VS Code with kleak on samples/.
//   - `code` on PATH: your own VS Code, `code --extensionDevelopmentPath=<repo> samples`;
//   - otherwise (or with --code-server): code-server on 127.0.0.1 with kleak loaded as development
//     extension; open the printed URL in a browser. Ctrl-C stops it and everything it started.
// Options: --code-server   --port N (default: a free port)
// KLEAK_START_PROFILE=DIR keeps code-server's profile there instead of .cache/start (the tests use a
// temporary one, so that they never touch yours).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, CACHE, ensureCodeServer, cleanEnv } from './provision.mjs';
import { ensureDependencies } from './dependencies.mjs';
import { buildIfStale } from './build-if-stale.mjs';

const argv = process.argv.slice(2);
const portArg = argv.includes('--port') ? Number(argv[argv.indexOf('--port') + 1]) : 0;
if (!Number.isInteger(portArg) || portArg < 0 || portArg > 65535) { console.error('--port takes a port number'); process.exit(2); }
const SAMPLES = path.join(ROOT, 'samples');
const say = (m) => console.log(`[kleak] ${m}`);

function onPath(bin) {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, bin)).find((p) => {
    try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; }
  });
}

try {
  // also after a pull that changed package-lock.json, as `npm test` does
  ensureDependencies(say, cleanEnv());
  buildIfStale('development', cleanEnv());
} catch (e) {
  console.error(`[kleak] ${e.message}`);
  process.exit(1);
}

const code = argv.includes('--code-server') ? undefined : onPath('code');
if (code) {
  say(`opening samples/ in VS Code (${code}) with kleak as development extension`);
  const child = spawn(code, [`--extensionDevelopmentPath=${ROOT}`, SAMPLES], { stdio: 'inherit', env: cleanEnv() });
  child.on('exit', (c) => process.exit(c ?? 0));
} else {
  // Ctrl-C: stop code-server's whole process group (server, extension host, language server), then exit.
  let cs;
  let stopping = false;
  const stop = async (sig) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[kleak] ${sig}: stopping code-server…`);
    await cs?.stop();
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void stop(sig));

  try {
    ensureCodeServer();
  } catch (e) {
    console.error(`[kleak] ${e.message}`);
    process.exit(1);
  }
  const { startCodeServer, remoteUri } = await import('./code-server.mjs');
  // a persistent profile, so that the layout and settings you choose survive restarts
  cs = await startCodeServer({
    runDir: process.env.KLEAK_START_PROFILE ? path.resolve(process.env.KLEAK_START_PROFILE) : path.join(CACHE, 'start'),
    folder: SAMPLES,
    port: portArg,
    // the URL payload that loads kleak from this repository is honoured only with the smoke-test driver
    smokeDriver: true,
    // samples/ is this repository's own content
    disableTrust: true,
  });
  const payload = [['extensionDevelopmentPath', remoteUri(ROOT)]];
  const url = `${cs.url}?folder=${encodeURIComponent(SAMPLES)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  console.log(`
[kleak] VS Code (code-server) with kleak on samples/ is running. Open this URL in your browser:

    ${url}

[kleak] After a change: \`npm run build\`, then "Developer: Reload Window". Ctrl-C stops the server.
[kleak] code-server log: ${path.relative(ROOT, cs.logFile)}
`);
  const { code: exitCode } = await cs.exited;
  if (!stopping) {
    console.error(`[kleak] code-server exited (${exitCode}); see ${path.relative(ROOT, cs.logFile)}`);
    process.exit(1);
  }
}
