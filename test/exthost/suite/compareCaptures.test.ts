// "kleak: Compare Captures" in the real extension host: an earlier kmemleak scan (the first
// record of a real report) against the later, full report opens a Markdown report that says
// blk_iolatency_init grew from 1 to 3 objects; a real vmallocinfo dump against a later one
// (the same with areas added) says who grew.
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

  it('compares two vmallocinfo dumps: the kernel stacks of new threads, a tty and a BPF JIT image grew', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri;
    const earlier = vscode.Uri.joinPath(root, 'vmallocinfo', 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt');
    const text = Buffer.from(await vscode.workspace.fs.readFile(earlier)).toString('utf8');
    // The later dump: the real one with the areas a few minutes of use add past its last address.
    const added = [
      '0xffffb3c1c00ec000-0xffffb3c1c00f1000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4',
      '0xffffb3c1c00f1000-0xffffb3c1c00f5000   16384 n_tty_open+0x19/0xa0 pages=3 vmalloc N0=3',
      '0xffffb3c1c00f5000-0xffffb3c1c00f7000    8192 bpf_jit_binary_alloc+0x54/0xf0 pages=1 vmalloc N0=1',
      '0xffffb3c1c00f8000-0xffffb3c1c00fd000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4',
      '0xffffb3c1c0100000-0xffffb3c1c0105000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4',
    ];
    const later = vscode.Uri.joinPath(root, 'compare-exthost', 'vmallocinfo-later.vmallocinfo');
    await vscode.workspace.fs.writeFile(later, Buffer.from(text.trimEnd() + '\n' + added.join('\n') + '\n'));

    const doc = (await vscode.commands.executeCommand('kleak.compareCaptures', earlier, [earlier, later])) as vscode.TextDocument | undefined;
    assert.ok(doc, 'a report document opened');
    const report = doc.getText();
    assert.match(report, /\| records \| 50 \| 55 \| \+5 \|/);
    assert.match(report, /## Who grew \(3\)/);
    assert.match(report, /\| dup\\_task\\_struct \| 20 · 320 KiB \| 23 · 368 KiB \| \+3 · \+48\.0 KiB \|/);
    assert.match(report, /\| n\\_tty\\_open \| 1 · 12\.0 KiB \| 2 · 24\.0 KiB \| \+1 · \+12\.0 KiB \|/);
    assert.match(report, /\| bpf\\_jit\\_binary\\_alloc \(new\) \| 0 · 0 B \| 1 · 4\.00 KiB \| \+1 · \+4\.00 KiB \|/);
    assert.doesNotMatch(report, /## Shrank or gone/);
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
