// The slab growth features of the client: the panel (series and fleet modes), the live recorder
// and the Prometheus fleet view, sharing one panel manager.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { registerSlabPanelHost } from './slabPanel';
import { registerSlabRecorder } from './recorder';
import { registerSlabFleet } from './fleet';

export function registerSlabPanel(context: vscode.ExtensionContext, client: LanguageClient): void {
  const manager = registerSlabPanelHost(context, client);
  registerSlabRecorder(context, manager);
  registerSlabFleet(context, manager);
}
