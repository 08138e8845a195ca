// Symbol-source settings honoured in the real extension host, set through the configuration API as
// a user's settings.json would: kleak.kallsyms turns a bare address of a capture into its symbol
// (inlay hint and hover), kleak.kernelSourceRoot turns a printed `mm/slub.c:5287` into a link to
// that line of a local tree. The files are written by the test into a temporary folder, so the
// expected symbols and offsets below follow from them by hand:
//   0xffffffff812a4c77 - 0xffffffff812a4c30 = 0x47 into kleak_demo_alloc, whose size runs to the
//   next text symbol: 0xffffffff812a4d10 - 0xffffffff812a4c30 = 0xe0.
// (The workspace is trusted: the harness starts code-server with --disable-workspace-trust.)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

const SYSTEM_MAP = [
  'ffffffff81000000 T _stext',
  'ffffffff812a4c30 T kleak_demo_alloc',
  'ffffffff812a4d10 T kleak_demo_next',
  'ffffffff812a4e00 t kleak_demo_end',
  '',
].join('\n');
const BARE = '0xffffffff812a4c77';
const CAPTURE = [
  'unreferenced object 0xffff888003a4c000 (size 96):',
  '  comm "kworker/0:1", pid 31, jiffies 4294893451 (age 12.520s)',
  '  backtrace:',
  `    [<00000000adf25388>] ${BARE}`,
  '',
].join('\n');

const cfg = () => vscode.workspace.getConfiguration('kleak');
const labelText = (h: vscode.InlayHint) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
const hoverText = (hs: vscode.Hover[]) => hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

describe('kleak settings in the VS Code extension host', function () {
  this.timeout(90_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-exthost-settings-'));
  });
  after(async () => {
    await cfg().update('kallsyms', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg().update('kernelSourceRoot', undefined, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('kleak.kallsyms: a bare address becomes kleak_demo_alloc+0x47/0xe0 (inlay hint and hover)', async () => {
    const map = path.join(tmp, 'System.map-kleak-demo');
    fs.writeFileSync(map, SYSTEM_MAP);
    const file = path.join(tmp, 'kmemleak-bare.txt');
    fs.writeFileSync(file, CAPTURE);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(doc.languageId, 'kmemleak');
    const line = 3;
    const range = new vscode.Range(0, 0, doc.lineCount, 0);
    const hints = async () => (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range)) ?? [];
    // before: no symbol source, so no symbol after the address
    await waitFor('the capture to be analysed (its object in the outline)', async () =>
      ((await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri)) ?? []).length ? true : undefined);
    assert.deepEqual((await hints()).map(labelText).filter((l) => l.includes('kleak_demo')), []);

    await cfg().update('kallsyms', map, vscode.ConfigurationTarget.Workspace);
    const hint = await waitFor('an inlay hint with the symbol after the bare address', async () =>
      (await hints()).find((h) => h.position.line === line && labelText(h).includes('kleak_demo_alloc')));
    assert.equal(labelText(hint).trim(), 'kleak_demo_alloc+0x47/0xe0');
    assert.equal(hint.position.character, doc.lineAt(line).text.indexOf(BARE) + BARE.length);
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf(BARE) + 4);
    const hover = hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? []);
    assert.match(hover, /kleak_demo_alloc\+0x47\/0xe0/);
  });

  it('kleak.kernelSourceRoot: a printed mm/slub.c:5287 links to that line of the local tree', async () => {
    const root = path.join(tmp, 'linux');
    fs.mkdirSync(path.join(root, 'mm'), { recursive: true });
    fs.writeFileSync(path.join(root, 'mm', 'slub.c'), Array.from({ length: 6000 }, (_, i) => `/* line ${i + 1} */`).join('\n') + '\n');
    // a real syzbot report whose frames carry decoded lines (samples/kmemleak, see samples/README.md)
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    const line = Array.from({ length: doc.lineCount }, (_, i) => i).find((i) => doc.lineAt(i).text.includes('kmem_cache_alloc_noprof+0x397/0x5a0 mm/slub.c:5287'));
    assert.ok(line !== undefined, 'the sample prints kmem_cache_alloc_noprof+0x397/0x5a0 mm/slub.c:5287');
    const want = `${vscode.Uri.file(path.join(root, 'mm', 'slub.c')).toString()}#L5287`;
    const localLinks = async () => ((await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', doc.uri, 1000)) ?? [])
      .filter((l) => l.range.start.line === line && l.target?.scheme === 'file');
    assert.deepEqual((await localLinks()).map((l) => l.target!.toString()), [], 'no local link before the setting');
    await cfg().update('kernelSourceRoot', root, vscode.ConfigurationTarget.Workspace);
    const link = await waitFor(`a link to ${want}`, async () => (await localLinks()).find((l) => l.target!.toString() === want));
    assert.equal(link.target!.toString(), want);
  });
});
