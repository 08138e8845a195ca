// `kleak: Record Slab Snapshots` / `kleak: Stop Slab Recording`: samples /proc/slabinfo and
// /proc/meminfo of the machine the workspace is on (the extension runs on the workspace side, so
// over Remote-SSH that is the remote machine) every kleak.recorder.intervalSeconds into a series
// file in the workspace, flushed per snapshot, with a status bar item while it records and the
// slab panel following the file live. Without permission to read /proc/slabinfo it says so and
// offers the recorder shell script to run with sudo in a terminal (typed, not run: the user
// decides) or a meminfo-only recording. It never elevates by itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ProcReader, SlabRecorderCore, readProcFile, slabinfoReadable } from './recorderCore';
import { RECORDING_EXTENSION, intervalSeconds, invalidScriptPath, recorderScript, recordingFileName, vmallocinfoRecordingName } from './recorderFormat';
import { shellQuote } from '../../../server/src/analysis/shellWord';
import { SlabPanelManager } from './slabPanel';

export const RECORD_COMMAND = 'kleak.recordSlabSnapshots';
export const STOP_RECORDING_COMMAND = 'kleak.stopSlabRecording';
const RECORDING_CONTEXT = 'kleak.slabRecording';

/** What the recorder reaches outside itself: the real ones by default; the extension-host test
 * swaps them (through the hooks activate() returns in test mode only) to deny /proc/slabinfo,
 * answer the modal questions and see what would be typed into a terminal. */
export interface RecorderDeps {
  read: ProcReader;
  /** A modal warning with choices; resolves to the choice, undefined when dismissed. */
  ask: (message: string, ...choices: string[]) => Thenable<string | undefined>;
  createTerminal: (o: vscode.TerminalOptions) => Pick<vscode.Terminal, 'show' | 'sendText'>;
}

export const realRecorderDeps = (): RecorderDeps => ({
  read: readProcFile,
  ask: (message, ...choices) => vscode.window.showWarningMessage(message, { modal: true }, ...choices),
  createTerminal: (o) => vscode.window.createTerminal(o),
});

/** Optional argument of kleak.recordSlabSnapshots (a keybinding or a test gives the file; the
 * input box asks otherwise). */
export interface RecordArgs {
  /** Recording file: an absolute path or a file: uri. */
  file?: string;
}

/** What kleak.recordSlabSnapshots did: recording (started), offered the script, or nothing. */
export type RecordResult =
  | { started: true; file: string; slabinfo: boolean }
  | { started: false; script?: string; reason?: string };

/** The recorder as the status bar shows it (for the extension-host test). */
export interface RecordingState {
  file: string;
  snapshots: number;
  slabinfo: boolean;
  statusText: string;
  statusVisible: boolean;
}

interface Recording {
  core: SlabRecorderCore;
  file: string;
  interval: number;
  slabinfo: boolean;
}

export function registerSlabRecorder(context: vscode.ExtensionContext, manager: SlabPanelManager, deps: RecorderDeps): () => RecordingState | undefined {
  const item = vscode.window.createStatusBarItem('kleak.slabRecorder', vscode.StatusBarAlignment.Left, 9);
  item.name = 'kleak slab recorder';
  item.command = STOP_RECORDING_COMMAND;
  let rec: Recording | undefined;
  let itemVisible = false;

  const showItem = () => {
    if (!rec) {
      itemVisible = false;
      return item.hide();
    }
    const elapsed = Math.round((Date.now() - rec.core.startedAt) / 1000);
    item.text = `$(record) Slab rec ${rec.core.snapshots} · ${elapsed}s`;
    item.tooltip = `kleak is recording ${rec.slabinfo ? '/proc/slabinfo and ' : ''}/proc/meminfo every ${rec.interval} s to ${vscode.workspace.asRelativePath(rec.file)} (${rec.core.snapshots} snapshots). Click to stop.`;
    item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    item.show();
    itemVisible = true;
  };

  const stop = async (why?: string) => {
    const r = rec;
    if (!r) return;
    rec = undefined;
    r.core.stop();
    item.hide();
    itemVisible = false;
    await vscode.commands.executeCommand('setContext', RECORDING_CONTEXT, false);
    manager.setLive(r.file, false);
    const rel = vscode.workspace.asRelativePath(r.file);
    if (why) {
      void vscode.window.showErrorMessage(`kleak: the slab recording to ${rel} stopped after ${r.core.snapshots} snapshots: ${why}`);
      return;
    }
    // not awaited: the command returns once the recording stopped, not when the toast goes
    void vscode.window.showInformationMessage(`kleak: recorded ${r.core.snapshots} snapshots to ${rel}.`, 'Open File', 'Show Slab Growth').then(async (choice) => {
      if (choice === 'Open File') await vscode.window.showTextDocument(vscode.Uri.file(r.file));
      if (choice === 'Show Slab Growth') manager.show({ kind: 'series', path: r.file });
    });
  };

  context.subscriptions.push(
    item,
    { dispose: () => rec?.core.stop() },
    vscode.commands.registerCommand(STOP_RECORDING_COMMAND, async () => {
      if (!rec) {
        void vscode.window.showInformationMessage('kleak: no slab recording is running.');
        return;
      }
      await stop();
    }),
    vscode.commands.registerCommand(RECORD_COMMAND, async (args?: unknown): Promise<RecordResult> => {
      const none = (reason: string): RecordResult => ({ started: false, reason });
      if (rec) {
        const c = await vscode.window.showInformationMessage(`kleak is already recording to ${vscode.workspace.asRelativePath(rec.file)}.`, 'Stop Recording');
        if (c) await stop();
        return none('already recording');
      }
      if (process.platform !== 'linux') {
        void vscode.window.showErrorMessage('kleak: the slab recorder reads /proc/slabinfo and /proc/meminfo, which only Linux has. Open this workspace on the Linux machine (e.g. with Remote-SSH) to record there.');
        return none('not Linux');
      }
      const interval = intervalSeconds(vscode.workspace.getConfiguration('kleak').get('recorder.intervalSeconds'));
      const given = givenFile(args);
      if (given === null) {
        void vscode.window.showErrorMessage('kleak: the recording file must be an absolute path inside a workspace folder.');
        return none('file outside the workspace');
      }
      const file = await chooseFile(given, deps);
      if (!file) return none('no file');

      let slabinfo = true;
      const readable = await slabinfoReadable(deps.read);
      if (!readable.ok) {
        const useScript = 'Use Recorder Script (sudo)';
        const meminfoOnly = 'Record /proc/meminfo Only';
        const choice = await deps.ask(
          `kleak cannot read /proc/slabinfo (${readable.code}): the kernel lets only root read it, and kleak never elevates by itself. ` +
            'Record with a script you run through sudo in a terminal, or record /proc/meminfo alone (Slab, SReclaimable, SUnreclaim: no per-cache detail)?',
          useScript,
          meminfoOnly,
        );
        if (choice === useScript) return { started: false, reason: readable.code, script: await offerScript(file.path, interval, deps) };
        if (choice !== meminfoOnly) return none(readable.code);
        slabinfo = false;
      }

      const core = new SlabRecorderCore({ file: file.path, intervalMs: interval * 1000, slabinfo, mode: file.mode, vmallocinfoFile: vmallocinfoRecordingName(file.path), read: deps.read });
      rec = { core, file: file.path, interval, slabinfo };
      core.onSnapshot = () => {
        showItem();
        manager.fileChanged(file.path);
      };
      core.onError = (e) => void stop(e.message);
      try {
        await core.start();
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        await stop(why);
        return none(why);
      }
      if (!rec) return none('stopped at once');
      await vscode.commands.executeCommand('setContext', RECORDING_CONTEXT, true);
      showItem();
      manager.setLive(file.path, true);
      manager.show({ kind: 'series', path: file.path });
      return { started: true, file: file.path, slabinfo };
    }),
  );
  return () => (rec ? { file: rec.file, snapshots: rec.core.snapshots, slabinfo: rec.slabinfo, statusText: item.text, statusVisible: itemVisible } : undefined);
}

/** The file named by the command's argument (a path or a file: uri), if any: `null` when it is
 * not inside a workspace folder (a recording goes into the workspace, as the input box offers). */
function givenFile(args: unknown): string | null | undefined {
  const f = typeof args === 'object' && args !== null ? (args as RecordArgs).file : undefined;
  if (typeof f !== 'string' || f === '') return undefined;
  const p = f.startsWith('file:') ? vscode.Uri.parse(f).fsPath : f;
  if (!path.isAbsolute(p)) return null;
  const inside = (vscode.workspace.workspaceFolders ?? []).some((w) => w.uri.scheme === 'file' && path.resolve(p).startsWith(path.resolve(w.uri.fsPath) + path.sep));
  return inside ? path.resolve(p) : null;
}

/** The recording file: the given one, or a name in the workspace (asks before overwriting; appending is offered). */
async function chooseFile(given: string | undefined, deps: RecorderDeps): Promise<{ path: string; mode: 'w' | 'a' } | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  let target: string | undefined;
  if (given) {
    const why = invalidScriptPath(given);
    if (why) {
      void vscode.window.showErrorMessage(`kleak: cannot record to that file: ${why}.`);
      return undefined;
    }
    target = given;
  } else if (folder && folder.uri.scheme === 'file') {
    const name = await vscode.window.showInputBox({
      title: 'kleak: Record Slab Snapshots',
      prompt: `File in ${folder.name} to record the snapshots into (a series kleak reads: "=== <epoch>" before each snapshot)`,
      value: recordingFileName(new Date()),
      validateInput: (v) => {
        const t = v.trim();
        if (!t) return 'A file name is needed.';
        if (invalidScriptPath(t)) return invalidScriptPath(t);
        if (t.endsWith('/') || t.endsWith(path.sep)) return 'A file name, not a folder.';
        return undefined;
      },
    });
    if (name === undefined) return undefined;
    target = path.resolve(folder.uri.fsPath, name.trim());
  } else {
    const uri = await vscode.window.showSaveDialog({ title: 'kleak: Record Slab Snapshots into…', filters: { 'Slab snapshot series': [RECORDING_EXTENSION.slice(1)] }, saveLabel: 'Record' });
    if (!uri || uri.scheme !== 'file') return undefined;
    target = uri.fsPath;
  }
  let mode: 'w' | 'a' = 'w';
  let exists = false;
  try {
    const st = fs.statSync(target);
    if (st.isDirectory()) {
      void vscode.window.showErrorMessage(`kleak: ${target} is a folder; choose a file name.`);
      return undefined;
    }
    exists = true;
  } catch {
    /* a new file */
  }
  if (exists) {
    const choice = await deps.ask(
      `${vscode.workspace.asRelativePath(target)} already exists. Append the new snapshots to it, or overwrite it?`,
      'Append',
      'Overwrite',
    );
    if (!choice) return undefined;
    mode = choice === 'Append' ? 'a' : 'w';
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  return { path: target, mode };
}

/** Writes record-slab.sh beside the recording and types `sudo sh …` into a terminal (not run).
 * Resolves to the script's path, undefined when it was not written. */
async function offerScript(recording: string, interval: number, deps: RecorderDeps): Promise<string | undefined> {
  const script = path.join(path.dirname(recording), 'record-slab.sh');
  if (fs.existsSync(script)) {
    const c = await deps.ask(`${vscode.workspace.asRelativePath(script)} already exists. Overwrite it?`, 'Overwrite');
    if (c !== 'Overwrite') return undefined;
  }
  let text: string;
  try {
    text = recorderScript({ file: recording, interval });
  } catch (e) {
    void vscode.window.showErrorMessage(`kleak: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  // atomic: write aside, then rename over
  const tmp = `${script}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o755 });
  fs.renameSync(tmp, script);
  await vscode.window.showTextDocument(vscode.Uri.file(script), { preview: false });
  const terminal = deps.createTerminal({ name: 'kleak slab recorder', cwd: path.dirname(script) });
  terminal.show();
  terminal.sendText(`sudo sh ${shellQuote(script)}`, false); // typed, not run: no newline
  void vscode.window.showInformationMessage(
    `kleak wrote ${vscode.workspace.asRelativePath(script)} and typed "sudo sh …" in a terminal: press Enter there to start recording as root (Ctrl-C stops it), then run "kleak: Show Slab Growth" on ${vscode.workspace.asRelativePath(recording)}.`,
  );
  return script;
}
