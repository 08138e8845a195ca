// `npm test`: installs what is missing, builds, type-checks and runs every suite:
//   lint (regex safety), unit (analysis, CLI, LSP, fuzz and slab panel webview tests, one node:test run), grammar,
//   e2e (extension host + UI).
// `node scripts/test.mjs unit grammar` runs only the named suites.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['lint', 'unit', 'grammar', 'e2e'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const w of wanted) if (!SUITES.includes(w)) throw new Error(`unknown suite "${w}" (known: ${SUITES.join(', ')})`);
const suites = wanted.length ? wanted : SUITES;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function ensureInstalled() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.package-lock.json');
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  console.log('# installing npm dependencies (npm ci)');
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function findTests(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out.sort();
}

/** Runs a command, echoing its output, and returns [exit code, output]. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream, sink) =>
      stream.on('data', (d) => {
        output += d;
        sink.write(d);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code) => resolve([code ?? 1, output]));
  });
}

const totals = { passed: 0, failed: 0 };
const results = [];
function count(suite, passed, failed, code) {
  if (code !== 0 && failed === 0) failed = 1; // a crash counts as a failure even if no test said so
  totals.passed += passed;
  totals.failed += failed;
  results.push(`${suite}: ${passed} passed, ${failed} failed`);
}

ensureInstalled();
execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
console.log('# type-check passed');

for (const suite of suites) {
  console.log(`\n# suite: ${suite}`);
  if (suite === 'lint') {
    const [code] = await run(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), 'server', 'client', 'webview', 'scripts', 'test', 'bench', '--no-error-on-unmatched-pattern']);
    count('lint', code === 0 ? 1 : 0, code === 0 ? 0 : 1, code);
  } else if (suite === 'unit') {
    // The scaffolding tests prove generated modules and scripts with gcc, stap, bpftrace, shellcheck.
    execFileSync(process.execPath, ['scripts/provision-kernel-tools.mjs'], { cwd: root, stdio: 'inherit' });
    // The fleet view is tested against a real Prometheus and node_exporter (Debian packages).
    execFileSync(process.execPath, ['scripts/provision-prometheus.mjs'], { cwd: root, stdio: 'inherit' });
    // The slab panel's webview is tested in headless Chromium (Debian package), outside VS Code.
    (await import('./provision.mjs')).ensureChromium();
    const files = [...findTests(path.join(root, 'test/unit')), ...findTests(path.join(root, 'test/cli')), ...findTests(path.join(root, 'test/lsp'))];
    const [code, out] = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files]);
    const num = (re) => Number(out.match(re)?.[1] ?? 0);
    count('unit', num(/ℹ pass (\d+)/), num(/ℹ fail (\d+)/), code);
  } else if (suite === 'grammar') {
    // Every grammar is loaded so that each test file's header picks its scope.
    const grammars = fs.readdirSync(path.join(root, 'syntaxes')).filter((f) => f.endsWith('.tmLanguage.json'));
    const [code, out] = await run(process.execPath, [
      path.join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js'),
      ...grammars.flatMap((g) => ['-g', `syntaxes/${g}`]),
      'test/grammar/**/*.test.*',
    ]);
    const passed = (out.match(/✓/g) ?? []).length;
    const failed = (out.match(/✖|✗/g) ?? []).length;
    count('grammar', passed, failed, code);
  } else if (suite === 'e2e') {
    const [code, out] = await run(process.execPath, ['scripts/e2e.mjs']);
    let passed = 0;
    let failed = 0;
    for (const m of out.matchAll(/^(?:exthost|ui): (\d+) passed, (\d+) failed$/gm)) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    count('e2e', passed, failed, code);
  }
}

console.log('\n# summary');
for (const r of results) console.log(`# ${r}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 || totals.passed === 0 ? 1 : 0;
