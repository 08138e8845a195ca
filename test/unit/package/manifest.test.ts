// Where kleak runs under VS Code Remote (Remote-SSH, WSL, containers): on the workspace side, so
// the slab recorder samples the /proc of the machine being investigated, the language server reads
// captures where they are, and addr2line runs beside the vmlinux and modules.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures';

it('the extension is a workspace extension (runs where the workspace is, never in the UI side only)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { extensionKind?: string[]; main?: string; browser?: string };
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.main, './dist/extension.js');
  assert.equal(pkg.browser, undefined, 'no web-worker build: the recorder and the tools need Node on the workspace side');
});
