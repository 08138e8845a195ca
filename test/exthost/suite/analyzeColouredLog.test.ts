// "kleak: Analyze Capture File…" in the real extension host on a log saved with its terminal
// colours (as `dmesg --color=always`, `script` or `less -R` keep them): the real SLUB report of
// samples/slub-debug with its console time in green and its BUG line in bold is analysed as the
// plain log is. Before, it was "unknown format".
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const SAMPLE = path.join('slub-debug', 'slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt');

/** Only the fields the test reads of what the command returns (server/src/protocol.ts FileAnalysis). */
interface FileAnalysis { path: string; format: string; records: number; suspects: unknown[]; problems: { line: number; severity: string; message: string }[] }

describe('kleak: Analyze Capture File on a coloured log', function () {
  this.timeout(60_000);

  it('reads a SLUB report saved with terminal colours as the plain report', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const plainFile = path.join(root, SAMPLE);
    const text = fs.readFileSync(plainFile, 'utf8');
    const coloured = text
      .split('\n')
      .map((l) => l.replace(/^(\[\d\d:\d\d:\d\d\] )(.*)$/, (_, time: string, rest: string) => `\x1b[32m${time}\x1b[0m${/BUG/.test(rest) ? `\x1b[1;31m${rest}\x1b[0m` : rest}`))
      .join('\n');
    assert.ok((coloured.match(/\x1b\[32m/g) ?? []).length > 10, 'the copy is coloured');
    const dir = path.join(root, 'coloured-exthost');
    fs.mkdirSync(dir, { recursive: true });
    const colouredFile = path.join(dir, 'dmesg-colour.txt');
    fs.writeFileSync(colouredFile, coloured);

    const analyse = (f: string) => vscode.commands.executeCommand<FileAnalysis | undefined>('kleak.analyzeCaptureFile', vscode.Uri.file(f));
    const plain = await analyse(plainFile);
    const fromColour = await analyse(colouredFile);
    assert.ok(plain && fromColour, 'both analysed');
    assert.equal(fromColour.format, 'slub-debug');
    assert.ok(fromColour.problems.some((p) => p.severity === 'error' && /Poison overwritten/.test(p.message)), 'the corruption is reported as an error');
    const { path: _p1, ...a } = plain;
    const { path: _p2, ...b } = fromColour;
    assert.deepEqual(b, a, 'the report of the plain log');
  });
});
