// Issue 8 in the real extension host: a kmemleak capture with real frames of the kmem_test
// module (built with debug info against Debian's headers by test/helpers/kmemTestModule.ts),
// kleak.moduleSearchPaths set through the configuration API, and the built-in link, definition
// and hover commands must lead to the module's source line. (The test workspace is trusted:
// the harness starts code-server with --disable-workspace-trust.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ModuleFacts, moduleFacts, moduleFrameReport } from './moduleFacts';
import { waitFor } from './waitFor';

describe('kleak symbol sources in the VS Code extension host', function () {
  this.timeout(300_000);
  let facts: ModuleFacts;
  let doc: vscode.TextDocument;
  let frameLine: number;

  before(async () => {
    facts = moduleFacts();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'symbolize', 'kmemleak-kmem_test.txt');
    const text = moduleFrameReport(facts);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    await vscode.workspace.getConfiguration('kleak').update('moduleSearchPaths', [facts.dir], vscode.ConfigurationTarget.Workspace);
    doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    frameLine = 3;
  });

  after(async () => {
    await vscode.workspace.getConfiguration('kleak').update('moduleSearchPaths', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('the workspace is trusted, so tools may run; "kleak: Configure Symbol Sources" is registered', async () => {
    assert.equal(vscode.workspace.isTrusted, true);
    assert.ok((await vscode.commands.getCommands(true)).includes('kleak.configureSymbolSources'));
  });

  it('the frame’s link opens the module source at the line of the call', async () => {
    const want = `${vscode.Uri.file(facts.file).toString()}#L${facts.outerLine}`;
    const link = await waitFor('a local link on the frame', async () => {
      const all = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri, 1000)) ?? [];
      const l = all.find((x) => x.range.start.line === frameLine);
      return l?.target?.scheme === 'file' ? l : undefined;
    });
    assert.equal(link.target!.toString(), want);
  });

  it('go to definition: the module source, at that line', async () => {
    const pos = new vscode.Position(frameLine, doc.lineAt(frameLine).text.indexOf('kmem_test_new_item') + 3);
    const locs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, pos);
    const loc = locs[0] as vscode.Location;
    assert.equal(loc.uri.fsPath, facts.file);
    assert.equal(loc.range.start.line, facts.outerLine - 1);
  });

  it('hover: the line of the frame and the inlined static helper', async () => {
    const pos = new vscode.Position(frameLine, doc.lineAt(frameLine).text.indexOf('kmem_test_new_item') + 3);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.ok(text.includes(`${facts.file}:${facts.outerLine}`), text);
    assert.ok(text.includes('kmem_test_alloc_inline'), text);
    assert.ok(text.includes(`${facts.file}:${facts.helperLine}`), text);
  });

  it('a call_site= field of an ftrace capture links to the same module line (a call site is a frame)', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'symbolize', 'call-sites.trace');
    // ftrace's kmalloc event prints its call site with %pS: the frame text of kmemleak's backtrace
    const event = `     kworker/0:1-31      [000] .....   851.648645: kmalloc: call_site=${facts.frame} ptr=00000000277ca191 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL node=-1 accounted=false`;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(['# tracer: nop', '#', event, ''].join('\n')));
    const trace = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(trace, { preview: false });
    assert.equal(trace.languageId, 'ftrace');
    const want = `${vscode.Uri.file(facts.file).toString()}#L${facts.outerLine}`;
    const link = await waitFor('a local link on the call site', async () => {
      const all = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', trace.uri, 1000)) ?? [];
      const l = all.find((x) => x.range.start.line === 2);
      return l?.target?.scheme === 'file' ? l : undefined;
    });
    assert.equal(link.target!.toString(), want);
    // on the call site itself, not elsewhere on the event line
    assert.ok(link.range.start.character >= event.indexOf('call_site=') + 'call_site='.length, `link at ${link.range.start.character}`);
    assert.ok(link.range.end.character <= event.indexOf(' ptr='), `link ends at ${link.range.end.character}`);
  });
});
