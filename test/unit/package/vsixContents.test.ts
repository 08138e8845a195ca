// Issue 9: the .vsix contains only what the extension needs — the bundles, grammars, walkthrough
// media and the package's own documents; no source maps, no sources, no node_modules, no test
// fixtures. Listed with vsce exactly as `npm run package` packs it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures';

const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^syntaxes\/[\w-]+\.(tmLanguage|language-configuration)\.json$/,
  /^dist\/(extension|server|cli|analysisWorker|partWorker|webview)\.js$/,
  /^dist\/webview\.css$/,
  /^client\/media\/[\w/-]+\.(md|svg|png)$/,
];
const REQUIRED = ['package.json', 'dist/extension.js', 'dist/server.js', 'dist/analysisWorker.js', 'dist/partWorker.js', 'dist/cli.js', 'dist/webview.js', 'syntaxes/kmemleak.tmLanguage.json'];

it('the .vsix holds only the bundles, grammars, media and package documents', () => {
  const out = execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const files = out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  assert.ok(files.length > 10, `vsce listed: ${out}`);
  const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  assert.deepEqual(unexpected, [], 'files that do not belong in the package');
  for (const f of REQUIRED) assert.ok(files.includes(f), `${f} is missing from the package`);
  // Every contributed grammar (bpftrace-output's included) is packed.
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { grammars: { path: string }[] } };
  for (const g of pkg.contributes.grammars) assert.ok(files.includes(path.posix.normalize(g.path)), `${g.path} is missing from the package`);
  assert.ok(!files.some((f) => /\.map$|node_modules|^test\/|fixtures|\.ts$/.test(f)));
});
