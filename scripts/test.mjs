// `npm test`: installs what is missing, builds, type-checks and runs every suite:
//   lint (regex safety), unit (analysis, CLI, LSP, fuzz and slab panel webview tests, one node:test run), grammar,
//   e2e (extension host, UI and `npm start`).
// `node scripts/test.mjs unit grammar` runs only the named suites; `lsp` and `cli` (each a part
// of unit) also run alone. The summary gives each suite's time and the total, so that a warm or
// cold run can be checked against its budget.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './dependencies.mjs';
import { buildIfStale } from './build-if-stale.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['lint', 'unit', 'grammar', 'e2e'];
const PARTS = ['lsp', 'cli']; // parts of unit, run alone only when named
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const w of wanted) if (![...SUITES, ...PARTS].includes(w)) throw new Error(`unknown suite "${w}" (known: ${[...SUITES, ...PARTS].join(', ')})`);
const suites = wanted.length ? wanted : SUITES;
const t0 = Date.now();
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

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

/** Runs a command, echoing its output (or, quiet, only keeping it), and returns [exit code, output]. */
function run(cmd, args, env = {}, quiet = false) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (stream, sink) =>
      stream.on('data', (d) => {
        output += d;
        if (!quiet) sink.write(d);
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code) => resolve([code ?? 1, output]));
  });
}

const totals = { passed: 0, failed: 0 };
const results = [];
let suiteStart = 0;
function count(suite, passed, failed, code) {
  if (code !== 0 && failed === 0) failed = 1; // a crash counts as a failure even if no test said so
  totals.passed += passed;
  totals.failed += failed;
  results.push(`${suite}: ${passed} passed, ${failed} failed in ${secs(suiteStart)}`);
}

/**
 * node:test over the given test files; counts from its closing `ℹ pass N` / `ℹ fail N` lines.
 * Files in `beside` run in a second node:test process at the same time (their output follows):
 * tests that mostly wait on real services, so they cost the run no time of their own.
 */
async function nodeTests(suite, files, beside = []) {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec'];
  const second = beside.length ? run(process.execPath, [...args, ...beside], {}, true) : Promise.resolve([0, '']);
  const [code, out] = await run(process.execPath, [...args, ...files.filter((f) => !beside.includes(f))]);
  const [code2, out2] = await second;
  if (beside.length) process.stdout.write(`\n# ${beside.join(', ')} (run beside the others)\n${out2}`);
  const num = (text, re) => Number(text.match(re)?.[1] ?? 0);
  const passed = num(out, /ℹ pass (\d+)/) + num(out2, /ℹ pass (\d+)/);
  const failed = num(out, /ℹ fail (\d+)/) + num(out2, /ℹ fail (\d+)/);
  count(suite, passed, failed, code !== 0 ? code : code2);
}

let t = Date.now();
ensureDependencies((m) => console.log(`# ${m}`));
buildIfStale('development');
results.push(`install + build: ${secs(t)}`);
t = Date.now();
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
console.log('# type-check passed');
results.push(`type-check: ${secs(t)}`);
// The scaffolding tests prove generated modules and scripts with gcc, stap, bpftrace, shellcheck.
const provisionKernelTools = () => execFileSync(process.execPath, ['scripts/provision-kernel-tools.mjs'], { cwd: root, stdio: 'inherit' });

for (const suite of suites) {
  console.log(`\n# suite: ${suite}`);
  suiteStart = Date.now();
  if (suite === 'lint') {
    const [code] = await run(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), 'server', 'client', 'webview', 'scripts', 'test', 'bench', '--no-error-on-unmatched-pattern']);
    count('lint', code === 0 ? 1 : 0, code === 0 ? 0 : 1, code);
  } else if (suite === 'unit') {
    provisionKernelTools();
    // The fleet view is tested against a real Prometheus and node_exporter (Debian packages).
    execFileSync(process.execPath, ['scripts/provision-prometheus.mjs'], { cwd: root, stdio: 'inherit' });
    // The slab panel's webview is tested in headless Chromium (Debian package), outside VS Code.
    (await import('./provision.mjs')).ensureChromium();
    // The fleet test scrapes a real Prometheus for a minute: it runs beside the rest.
    await nodeTests('unit', ['test/unit', 'test/cli', 'test/lsp'].flatMap((d) => findTests(path.join(root, d))), ['test/unit/client/slabPanel/prometheusLive.test.ts']);
  } else if (suite === 'lsp') {
    provisionKernelTools(); // the symbolisation tests build a kernel module
    await nodeTests('lsp', findTests(path.join(root, 'test/lsp')));
  } else if (suite === 'cli') {
    await nodeTests('cli', findTests(path.join(root, 'test/cli')));
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
    for (const m of out.matchAll(/^(?:exthost|ui|harness): (\d+) passed, (\d+) failed$/gm)) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    count('e2e', passed, failed, code);
    // e2e.mjs prints `# <suite>: N passed, M failed in X s` for each of its suites
    for (const m of out.matchAll(/^# ((?:exthost|ui|harness): \d+ passed, \d+ failed in [\d.]+ s)$/gm)) results.push(`  ${m[1]}`);
  }
}

console.log('\n# summary');
for (const r of results) console.log(`# ${r}`);
console.log(`# total: ${secs(t0)}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 || totals.passed === 0 ? 1 : 0;
