// "kleak: Compare Captures" in the real extension host: an earlier kmemleak scan (the first
// record of a real report) against the later, full report opens a Markdown report that says
// blk_iolatency_init grew from 1 to 3 objects.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('kleak: Compare Captures', function () {
  this.timeout(60_000);

  it('compares two captures selected in the explorer and opens who grew', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri;
    const later = vscode.Uri.joinPath(root, 'kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const text = Buffer.from(await vscode.workspace.fs.readFile(later)).toString('utf8');
    const firstRecord = text.split('\n').slice(0, 18).join('\n') + '\n';
    const earlier = vscode.Uri.joinPath(root, 'compare-exthost', 'kmemleak-earlier.kmemleak');
    await vscode.workspace.fs.writeFile(earlier, Buffer.from(firstRecord));

    const doc = (await vscode.commands.executeCommand('kleak.compareCaptures', earlier, [earlier, later])) as vscode.TextDocument | undefined;
    assert.ok(doc, 'a report document opened');
    assert.equal(doc.languageId, 'markdown');
    assert.equal(vscode.window.activeTextEditor?.document, doc);
    const report = doc.getText();
    assert.match(report, /^# kleak: compare-exthost\/kmemleak-earlier\.kmemleak → kmemleak\/kmemleak\\_03\\_nvme\\_tcp\\_blk\\_iolatency\.txt/);
    assert.match(report, /\| records \| 1 \| 3 \| \+2 \|/);
    assert.match(report, /## Who grew \(1\)[\s\S]*blk\\_iolatency\\_init \| 1 · 192 B \| 3 · 576 B \| \+2 · \+384 B \|/);
  });

  it('says why when a file is not a capture', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri;
    const notCapture = vscode.Uri.joinPath(root, 'compare-exthost', 'notes.txt');
    await vscode.workspace.fs.writeFile(notCapture, Buffer.from('Notes from the leak hunt.\nNothing to see here.\n'));
    const later = vscode.Uri.joinPath(root, 'kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const doc = await vscode.commands.executeCommand('kleak.compareCaptures', notCapture, [notCapture, later]);
    assert.equal(doc, undefined, 'no report for a file that is not a capture');
  });
});
