// The slab growth features of the client: the panel (series and fleet modes), the live recorder
// and the Prometheus fleet view, sharing one panel manager.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { PanelShown, registerSlabPanelHost } from './slabPanel';
import { RecorderDeps, RecordingState, realRecorderDeps, registerSlabRecorder } from './recorder';
import { registerSlabFleet } from './fleet';

/** What the extension-host test reaches (activate() returns it in test mode only): the recorder's
 * outside world to swap, and what the recorder and the panels show. */
export interface SlabTestHooks {
  recorderDeps: RecorderDeps;
  recording: () => RecordingState | undefined;
  panel: (fsPath: string) => PanelShown | undefined;
}

export function registerSlabPanel(context: vscode.ExtensionContext, client: LanguageClient): SlabTestHooks {
  const manager = registerSlabPanelHost(context, client);
  // one object: a test replacing a member changes what the recorder uses from then on
  const deps = realRecorderDeps();
  const live: RecorderDeps = { read: (p) => deps.read(p), ask: (m, ...c) => deps.ask(m, ...c), createTerminal: (o) => deps.createTerminal(o) };
  const recording = registerSlabRecorder(context, manager, live);
  registerSlabFleet(context, manager);
  return { recorderDeps: deps, recording, panel: (p) => manager.shown(p) };
}
