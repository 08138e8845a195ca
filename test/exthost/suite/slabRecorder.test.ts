// "kleak: Record Slab Snapshots" / "kleak: Stop Slab Recording" in the real extension host, recording
// this machine's /proc/slabinfo and /proc/meminfo: one snapshot per interval into the file, the
// status bar item counting them, the slab panel following the file, stop leaving it intact. Then
// /proc/slabinfo denied (through the test hooks activate() returns in test mode: the recorder's
// reader, its modal questions and its terminal): the recorder script is written and `sudo sh …` is
// typed into a terminal without being run; or /proc/meminfo is recorded alone.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RecorderDeps, SlabTestHooks, slabTestHooks } from './slabHooks';
import { waitFor } from './waitFor';

type RecordResult = { started: true; file: string; slabinfo: boolean } | { started: false; script?: string; reason?: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The snapshots of a recording as written: the `=== <epoch>` line and the text up to the next one. */
function snapshotsOf(file: string): { epoch: number; text: string }[] {
  if (!fs.existsSync(file)) return [];
  const parts = fs.readFileSync(file, 'utf8').split(/^=== /m).slice(1);
  return parts.map((p) => ({ epoch: Number(p.slice(0, p.indexOf('\n'))), text: p.slice(p.indexOf('\n') + 1) }));
}

describe('kleak: Record Slab Snapshots', function () {
  this.timeout(60_000);
  let hooks: SlabTestHooks;
  let dir: string;
  let real: RecorderDeps;

  before(async () => {
    hooks = await slabTestHooks();
    real = { ...hooks.recorderDeps };
    dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'slab-recorder-exthost');
    fs.mkdirSync(dir, { recursive: true });
    // the smallest interval the setting allows (package.json: minimum 1)
    await vscode.workspace.getConfiguration('kleak').update('recorder.intervalSeconds', 1, vscode.ConfigurationTarget.Workspace);
  });

  afterEach(async () => {
    Object.assign(hooks.recorderDeps, real);
    if (hooks.recording()) await vscode.commands.executeCommand('kleak.stopSlabRecording');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('kleak').update('recorder.intervalSeconds', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('records one snapshot per second, counts them in the status bar, streams them into the panel and stops', async () => {
    const file = path.join(dir, 'recording.slabinfo');
    assert.equal(hooks.recording(), undefined, 'nothing records before the command');
    const started = Date.now();
    const r = (await vscode.commands.executeCommand('kleak.recordSlabSnapshots', { file })) as RecordResult;
    assert.deepEqual(r, { started: true, file, slabinfo: true });

    // the first snapshot is taken at once
    const first = hooks.recording();
    assert.ok(first, 'recording');
    assert.equal(first.snapshots, 1);
    assert.equal(first.statusVisible, true);
    assert.match(first.statusText, /^\$\(record\) Slab rec 1 · \d+s$/);
    assert.equal(snapshotsOf(file).length, 1);

    // the file grows by one snapshot at a time, about a second apart
    const grew: { count: number; at: number }[] = [{ count: 1, at: Date.now() - started }];
    await waitFor('3 snapshots in the file', () => {
      const n = snapshotsOf(file).length;
      if (n !== grew[grew.length - 1].count) grew.push({ count: n, at: Date.now() - started });
      return n >= 3 ? true : undefined;
    });
    assert.deepEqual(grew.map((g) => g.count), [1, 2, 3], `growth steps: ${JSON.stringify(grew)}`);
    for (let i = 1; i < grew.length; i++) {
      const gap = grew[i].at - grew[i - 1].at;
      assert.ok(gap > 600 && gap < 2500, `snapshot ${grew[i].count} came ${gap} ms after the previous one`);
    }
    const third = hooks.recording();
    assert.ok(third && third.snapshots >= 3);
    assert.match(third.statusText, new RegExp(`^\\$\\(record\\) Slab rec ${third.snapshots} · \\d+s$`));

    // the panel opened on the recording and follows it while it records
    const live = await waitFor('the panel showing 3 snapshots', () => {
      const p = hooks.panel(file);
      return p && p.type === 'series' && p.snapshots >= 3 ? p : undefined;
    });
    assert.equal(live.live, true);
    console.log(`      (panel: ${live.loads} loads for ${live.snapshots} snapshots, the last took ${live.lastLoadMs} ms)`);
    assert.ok(live.lastLoadMs < 2000, `a reload of a ${live.snapshots}-snapshot recording took ${live.lastLoadMs} ms`);

    await vscode.commands.executeCommand('kleak.stopSlabRecording');
    assert.equal(hooks.recording(), undefined, 'stopped');
    const written = snapshotsOf(file);
    await sleep(2200);
    assert.deepEqual(snapshotsOf(file), written, 'nothing is written after stop');
    assert.ok(written.length >= 3 && written.length <= 4, `${written.length} snapshots`);

    // each snapshot is this machine's /proc/slabinfo then /proc/meminfo, epochs a second apart
    for (const [i, s] of written.entries()) {
      assert.match(s.text, /^slabinfo - version: 2\.1\n# name /, `snapshot ${i + 1} opens with the slabinfo header`);
      assert.match(s.text, /^MemTotal: +\d+ kB$/m);
      assert.match(s.text, /^SUnreclaim: +\d+ kB$/m);
      if (i) assert.ok(s.epoch - written[i - 1].epoch >= 1 && s.epoch - written[i - 1].epoch <= 2, `epochs ${written[i - 1].epoch} → ${s.epoch}`);
    }

    // and it reads as a series: the panel, no longer live, has every snapshot and the caches of the file
    const done = await waitFor('the panel after stop', () => {
      const p = hooks.panel(file);
      return p && p.type === 'series' && !p.live && p.snapshots === written.length ? p : undefined;
    });
    const rows = new Set(written[0].text.split('\n').slice(2).map((l) => l.split(/\s+/)[0]).filter((n) => n && !n.includes(':')));
    assert.ok(done.caches.length > 0, 'caches in the series');
    for (const c of done.caches) assert.ok(rows.has(c), `${c} is a cache of the recording`);
    for (const k of ['MemTotal', 'Slab', 'SUnreclaim']) assert.ok(done.meminfoKeys.includes(k), `meminfo ${k}`);
  });

  it('without permission for /proc/slabinfo offers the sudo script in a terminal and runs nothing', async () => {
    const file = path.join(dir, 'denied.slabinfo');
    const script = path.join(dir, 'record-slab.sh');
    const asked: { message: string; choices: string[] }[] = [];
    const typed: { text: string; addNewLine: boolean | undefined }[] = [];
    const terminals: vscode.TerminalOptions[] = [];
    Object.assign(hooks.recorderDeps, {
      read: async (p: string) => {
        if (p === '/proc/slabinfo') throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
        return real.read(p);
      },
      ask: async (message: string, ...choices: string[]) => {
        asked.push({ message, choices });
        return choices.find((c) => c.startsWith('Use Recorder Script'));
      },
      createTerminal: (o: vscode.TerminalOptions) => {
        terminals.push(o);
        return { show: () => {}, sendText: (text: string, addNewLine?: boolean) => void typed.push({ text, addNewLine }) };
      },
    } satisfies RecorderDeps);

    const r = (await vscode.commands.executeCommand('kleak.recordSlabSnapshots', { file })) as RecordResult;
    assert.deepEqual(r, { started: false, reason: 'EACCES', script });
    assert.equal(asked.length, 1);
    assert.match(asked[0].message, /cannot read \/proc\/slabinfo \(EACCES\).*never elevates by itself/);
    assert.deepEqual(asked[0].choices, ['Use Recorder Script (sudo)', 'Record /proc/meminfo Only']);

    // the script records into the chosen file; it is shown, and its command typed but not entered
    const text = fs.readFileSync(script, 'utf8');
    assert.ok(text.startsWith('#!/bin/sh\n'));
    assert.ok(text.split('\n').includes(`out='${file}'`), 'the script writes the chosen file');
    assert.ok(text.split('\n').includes('interval=1'), 'at the configured interval');
    assert.equal(fs.statSync(script).mode & 0o777, 0o755);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, script);
    assert.deepEqual(terminals.map((t) => [t.name, t.cwd]), [['kleak slab recorder', dir]]);
    assert.deepEqual(typed, [{ text: `sudo sh '${script}'`, addNewLine: false }]);

    // and kleak records nothing itself
    assert.equal(hooks.recording(), undefined);
    await sleep(1500);
    assert.equal(fs.existsSync(file), false, 'no recording file');
  });

  it('without permission for /proc/slabinfo records /proc/meminfo alone when asked to', async () => {
    const file = path.join(dir, 'meminfo-only.slabinfo');
    Object.assign(hooks.recorderDeps, {
      read: async (p: string) => {
        if (p === '/proc/slabinfo') throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
        return real.read(p);
      },
      ask: async (_message: string, ...choices: string[]) => choices.find((c) => c.startsWith('Record /proc/meminfo')),
    });
    // a file outside the workspace is refused (beside the workspace folder)
    const beside = path.join(path.dirname(vscode.workspace.workspaceFolders![0].uri.fsPath), 'outside.slabinfo');
    const outside = (await vscode.commands.executeCommand('kleak.recordSlabSnapshots', { file: beside })) as RecordResult;
    assert.deepEqual(outside, { started: false, reason: 'file outside the workspace' });
    assert.equal(fs.existsSync(beside), false);
    const r = (await vscode.commands.executeCommand('kleak.recordSlabSnapshots', { file })) as RecordResult;
    assert.deepEqual(r, { started: true, file, slabinfo: false });
    await waitFor('2 snapshots', () => (snapshotsOf(file).length >= 2 ? true : undefined));
    await vscode.commands.executeCommand('kleak.stopSlabRecording');
    const written = snapshotsOf(file);
    for (const s of written) {
      assert.match(s.text, /^MemTotal: +\d+ kB\n/, 'meminfo right after the === line');
      assert.doesNotMatch(s.text, /slabinfo - version/);
    }
  });
});
