#!/usr/bin/env node
// `npm run test:e2e`: kleak tested inside a real VS Code (code-server 4.139.1 = VS Code 1.139.1).
//   1. provision Chromium (apt), Node 24 and code-server (cached in .cache/tools) — fails with the
//      install command when Chromium cannot be installed: never a silent skip;
//   2. install node_modules if missing, build dist/ and package the .vsix when it is out of date;
//   3. extension-host integration tests (test/exthost), UI end-to-end tests (test/e2e), then the
//      tests of `npm start` and of this harness itself (test/harness, node:test).
// Closing lines: `exthost: N passed, M failed`, `ui: …` and `harness: …`; exit 1 on any failure.
// Each suite's time is printed with its counts (`# ui: N passed, M failed in X s`).
//
// Options: --only exthost|ui|harness   --grep TEXT (exthost, ui)   --repackage   --update-screenshots
//          (copies the journeys' screenshots into test/e2e/screenshots/ for the README)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, ensureChromium, ensureCodeServer, cleanEnv } from './provision.mjs';
import { ensureDependencies } from './dependencies.mjs';
import { buildIfStale, newestMtime } from './build-if-stale.mjs';

const argv = process.argv.slice(2);
const opt = (flag) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
const only = opt('--only');
const SUITES = ['exthost', 'ui', 'harness'];
if (only && !SUITES.includes(only)) { console.error(`--only takes ${SUITES.join(', ')}`); process.exit(2); }
const suites = only ? [only] : SUITES;
const t0 = Date.now();
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const summary = Object.fromEntries(suites.map((s) => [s, { passed: 0, failed: 0 }]));

function finish(code) {
  console.log(`# e2e: ${secs(t0)} in all`);
  for (const s of suites) console.log(`${s}: ${summary[s].passed} passed, ${summary[s].failed} failed`);
  process.exit(code);
}
function abort(message) {
  console.error(`\ne2e: ${message}\n`);
  for (const s of suites) if (summary[s].passed + summary[s].failed === 0) summary[s].failed = 1;
  finish(1);
}

const run = (label, file, args) => {
  const t = Date.now();
  execFileSync(file, args, { cwd: ROOT, stdio: 'inherit', env: cleanEnv() });
  console.log(`# ${label}: ${secs(t)}`);
};

// 1. tools
try {
  const t = Date.now();
  ensureChromium(); // every suite drives the workbench from Chromium
  ensureCodeServer();
  console.log(`# provision: ${secs(t)}`);
} catch (e) {
  abort(e.message);
}

// 2. dependencies, build, package
try {
  ensureDependencies((m) => console.log(`# ${m}`), cleanEnv());
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const vsix = path.join(ROOT, `kleak-${version}.vsix`);
  if (suites.includes('ui')) {
    const inputs = ['client', 'server', 'webview', 'syntaxes', 'media', 'package.json', 'README.md', 'LICENSE', '.vscodeignore', 'scripts/build.mjs', 'scripts/package.mjs'];
    const stale = !fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < newestMtime(inputs);
    if (stale || argv.includes('--repackage')) run('npm run package', process.execPath, ['scripts/package.mjs']);
    else console.log(`# ${path.basename(vsix)} is up to date`);
  }
  // the extension-host suite loads the extension from dist/ (development build, with source maps);
  // `npm test` has just built it, unless packaging above replaced it with the production build
  if (suites.includes('exthost')) {
    const t = Date.now();
    if (buildIfStale('development', cleanEnv())) console.log(`# npm run build: ${secs(t)}`);
  }
} catch (e) {
  abort(`build/package failed: ${e.message}`);
}

/** node:test over test/harness/*.test.mjs (they start `npm start` and this script themselves). */
function runHarnessTests() {
  const t = Date.now();
  const dir = path.join(ROOT, 'test/harness');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join('test/harness', f));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.on('close', (code) => {
      const num = (re) => Number(out.match(re)?.[1] ?? 0);
      const passed = num(/ℹ pass (\d+)/);
      let failed = num(/ℹ fail (\d+)/);
      if (code !== 0 && failed === 0) failed = 1; // a crash counts even if no test said so
      resolve({ passed, failed, seconds: (Date.now() - t) / 1000 });
    });
  });
}

// 3. the suites (imported only now: their dependencies may just have been installed)
let failed = false;
const grep = opt('--grep');
for (const suite of suites) {
  try {
    const r = suite === 'exthost' ? await (await import('../test/exthost/run.mjs')).runExthostTests({ grep })
      : suite === 'ui' ? await (await import('../test/e2e/run.mjs')).runUiTests({ grep })
        : await runHarnessTests();
    summary[suite] = { passed: r.passed, failed: r.failed };
    console.log(`# ${suite}: ${r.passed} passed, ${r.failed} failed in ${r.seconds.toFixed(1)} s`);
  } catch (e) {
    console.error(`# ${suite}: ${e.stack ?? e.message}`);
    summary[suite] = { passed: 0, failed: 1 };
  }
  failed ||= summary[suite].failed > 0;
}

if (argv.includes('--update-screenshots') && suites.includes('ui')) {
  const { README_SCREENSHOTS } = await import('../test/e2e/journeys.mjs');
  const { ARTIFACTS } = await import('../test/e2e/workbench.mjs');
  const dest = path.join(ROOT, 'test/e2e/screenshots');
  fs.mkdirSync(dest, { recursive: true });
  for (const [from, to] of Object.entries(README_SCREENSHOTS)) {
    if (!fs.existsSync(path.join(ARTIFACTS, from))) continue; // its journey did not run (--grep) or failed before the shot
    fs.copyFileSync(path.join(ARTIFACTS, from), path.join(dest, to));
    console.log(`# README screenshot: test/e2e/screenshots/${to}`);
  }
}
finish(failed ? 1 : 0);
