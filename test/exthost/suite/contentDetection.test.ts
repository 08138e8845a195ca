// Captures saved under names that say nothing (`leak.txt`, `dmesg.txt`) and whose first line says
// nothing either open as Plain Text; kleak reads their head and gives them their language, so the
// server's diagnostics follow. Inputs are real: the recorder's slabinfo series from
// ../shared/captures/generated (ground truth in its README: AF_UNIX socketpairs leak, so
// sock_inode_cache grows) and the slub_debug_13 sample (a `BUG kmalloc-64 … Poison overwritten` report
// after an `=====` line). Expectations come from their text.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

const EXT_ID = 'kleak.kleak';
const SLUB = 'slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt';

const folder = () => {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace (a copy of samples/) must be open');
  return f.uri;
};

async function openAs(name: string, content: Uint8Array): Promise<vscode.TextDocument> {
  const uri = vscode.Uri.joinPath(folder(), name);
  await vscode.workspace.fs.writeFile(uri, content);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

async function languageOf(doc: vscode.TextDocument, expected: string): Promise<void> {
  await waitFor(`${path.basename(doc.uri.path)} to be ${expected} (it is ${doc.languageId})`, () => (doc.languageId === expected ? true : undefined), 10_000);
}

async function slubSample(): Promise<Uint8Array> {
  return vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), 'slub-debug', SLUB));
}

describe('content detection of captures saved as plain text', function () {
  this.timeout(60_000);

  it('leak.txt, a slabinfo series with `date` before each snapshot: slabinfo, and sock_inode_cache is a likely leak', async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not loaded as development extension`);
    const gz = path.resolve(ext.extensionPath, '..', 'shared', 'captures', 'generated', 'slab-socketpair', 'slabinfo-series.txt.gz');
    assert.ok(fs.existsSync(gz), `${gz} is missing: this test needs ../shared/captures beside the repository`);
    const doc = await openAs('leak.txt', zlib.gunzipSync(fs.readFileSync(gz)));
    assert.equal(doc.lineAt(0).text, 'Sun Nov 22 01:54:28 UTC 2026');
    await languageOf(doc, 'slabinfo');

    // From the text: sock_inode_cache's rows, the first and the latest snapshot's, and its growth.
    const rows: number[] = [];
    for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.startsWith('sock_inode_cache ')) rows.push(i);
    assert.ok(rows.length >= 50, `${rows.length} snapshots of sock_inode_cache`);
    const active = (line: number) => Number(doc.lineAt(line).text.split(/\s+/)[1]);
    assert.ok(active(rows[rows.length - 1]) > active(rows[0]), 'sock_inode_cache grows over the series');

    const warning = await waitFor('a warning on sock_inode_cache', () =>
      vscode.languages.getDiagnostics(doc.uri).find((d) => d.severity === vscode.DiagnosticSeverity.Warning && d.message.startsWith('sock_inode_cache:')),
    );
    assert.match(warning.message, /likely leak/);
    assert.equal(warning.range.start.line, rows[rows.length - 1], 'on its row of the latest snapshot');
    const summary = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Information && d.range.start.line === 0);
    assert.equal(summary.length, 1, 'one summary on line 0');
  });

  it('dmesg.txt, a SLUB report after an unrelated first line: slub-debug, an Error on its BUG line', async () => {
    const doc = await openAs('dmesg.txt', await slubSample());
    assert.match(doc.lineAt(0).text, /^\[\d\d:\d\d:\d\d\] =+$/);
    await languageOf(doc, 'slub-debug');
    const bug = Array.from({ length: doc.lineCount }, (_, i) => i).find((i) => / BUG kmalloc-64 \(Not tainted\): Poison overwritten/.test(doc.lineAt(i).text));
    assert.equal(bug, 1);
    const error = await waitFor('an Error on the BUG line', () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.severity === vscode.DiagnosticSeverity.Error));
    assert.equal(error.range.start.line, bug);
    assert.match(error.message, /Poison overwritten in kmalloc-64/);
  });

  it('keeps Plain Text once the user sets a detected capture back to it', async () => {
    const doc = await openAs('dmesg-again.txt', await slubSample());
    await languageOf(doc, 'slub-debug');
    const plain = await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
    // a language change reopens the document; detection would run on it again within a tick
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(plain.languageId, 'plaintext');
  });

  it('leaves notes that quote one capture line as plain text (while the same line in a kernel log counts)', async () => {
    const bugLine = new TextDecoder().decode(await slubSample()).split('\n')[1];
    const notes = await openAs('hunt-notes.txt', new TextEncoder().encode(`Notes from the leak hunt\n${bugLine}\nask upstream\n`));
    const log = await openAs('messages', new TextEncoder().encode(`Notes from the leak hunt\n${bugLine}\nask upstream\n`));
    // documents are detected in the order they open: once `messages` has its language, hunt-notes.txt was looked at
    await languageOf(log, 'slub-debug');
    assert.equal(notes.languageId, 'plaintext');
  });
});
