// "kleak: Show Slab Growth" from the command palette (no argument) on the file the user is looking
// at, when VS Code gives extensions no text editor for it: the real gzipped slabinfo series of
// ../shared/captures/generated/slab-socketpair/ (58 snapshots of a socket leak) open in a tab. The
// command used to find no active text editor there and ask for a file; the same happened for a
// file opened a moment before the command ran (the UI test's journey 3b, failing in CI).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import { slabTestHooks } from './slabHooks';
import { waitFor } from './waitFor';

const SERIES_GZ = path.join('captures', 'generated', 'slab-socketpair', 'slabinfo-series.txt.gz');

describe('kleak: Show Slab Growth from the palette', function () {
  this.timeout(60_000);

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('charts the gzipped series open in the active tab, which has no text editor', async () => {
    const hooks = await slabTestHooks();
    const ext = vscode.extensions.getExtension('kleak.kleak')!;
    const shared = path.resolve(ext.extensionPath, '..', 'shared', SERIES_GZ);
    assert.ok(fs.existsSync(shared), `${shared} is missing: this test needs ../shared/captures beside the repository`);
    const dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'slab-panel-exthost');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'slabinfo-series.txt.gz');
    fs.copyFileSync(shared, file);
    // the expectation comes from the capture's text: one header per snapshot
    const snapshots = (zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').match(/^slabinfo - version:/gm) ?? []).length;
    assert.equal(snapshots, 58);

    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
    const tab = await waitFor('the .gz to show in the active tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputText && input.uri.fsPath === file ? input : undefined;
    });
    assert.ok(tab);
    assert.equal(vscode.window.activeTextEditor, undefined, 'VS Code shows binary data in no text editor');

    await vscode.commands.executeCommand('kleak.showSlabGrowth');
    const shown = await waitFor('the slab panel to chart the series', () => {
      const p = hooks.panel(file);
      return p?.type === 'series' && p.snapshots > 0 ? p : undefined;
    });
    assert.equal(shown.snapshots, snapshots);
    assert.ok(shown.caches.includes('sock_inode_cache'), 'the leaking socket cache is charted');
  });
});
