// kleak in an untrusted workspace (code-server started without --disable-workspace-trust, see
// test/exthost/run.mjs): the kmem_test module's folder is a user setting, which an untrusted
// workspace still honours, so only the trust check can keep addr2line and gdb from running. The
// harness puts wrappers of those tools first on the extension host's PATH; each run of one is
// written to the file named by KLEAK_TOOL_SPY_LOG. In a trusted workspace the same capture and
// setting make addr2line run (symbolize.test.ts reaches the module's source line through it).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ModuleFacts, moduleFacts, moduleFrameReport } from './moduleFacts';
import { waitFor } from './waitFor';

const spyLog = () => process.env.KLEAK_TOOL_SPY_LOG!;
const toolRuns = () => fs.readFileSync(spyLog(), 'utf8').split('\n').filter(Boolean);

describe('kleak in an untrusted workspace', function () {
  this.timeout(300_000);
  let facts: ModuleFacts;

  before(async () => {
    facts = moduleFacts();
    await vscode.workspace.getConfiguration('kleak').update('moduleSearchPaths', [facts.dir], vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('kleak').update('moduleSearchPaths', undefined, vscode.ConfigurationTarget.Global);
  });

  it('the workspace is not trusted, and PATH finds the tool wrappers before the real tools', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(spyLog() && fs.existsSync(spyLog()), `KLEAK_TOOL_SPY_LOG=${spyLog()}`);
    const dirs = (process.env.PATH ?? '').split(path.delimiter);
    for (const tool of ['addr2line', 'gdb']) {
      const first = dirs.find((d) => fs.existsSync(path.join(d, tool)));
      assert.equal(first, path.join(path.dirname(spyLog()), 'bin'), `${tool} is found in ${first} (PATH ${process.env.PATH})`);
    }
  });

  it('a module frame with its module folder configured: analysed, hover says why it is not resolved, and no tool runs', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'symbolize', 'kmemleak-kmem_test-untrusted.txt');
    const text = moduleFrameReport(facts);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(doc.languageId, 'kmemleak');
    await waitFor('the capture to be analysed (its object in the outline)', async () =>
      ((await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri)) ?? []).length ? true : undefined);
    const pos = new vscode.Position(3, doc.lineAt(3).text.indexOf('kmem_test_new_item') + 3);
    const hover = await waitFor('a hover on the module frame', async () => {
      const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
      const t = hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      return t || undefined;
    });
    assert.match(hover, /not trusted/);
    const links = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri, 1000)) ?? [];
    assert.deepEqual(links.filter((l) => l.target?.scheme === 'file').map((l) => l.target!.toString()), [], 'no link into the module folder');
    assert.deepEqual(toolRuns(), []);
  });
});
