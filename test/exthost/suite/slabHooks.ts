// The test hooks activate() returns in test mode, as the slab suites see them: the shape of
// client/src/slabPanel/index.ts SlabTestHooks (this project cannot import it: rootDir).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export interface RecorderDeps {
  read: (path: string) => Promise<string>;
  ask: (message: string, ...choices: string[]) => Thenable<string | undefined>;
  createTerminal: (o: vscode.TerminalOptions) => Pick<vscode.Terminal, 'show' | 'sendText'>;
}
export interface PanelShown { type: string; snapshots: number; caches: string[]; meminfoKeys: string[]; live: boolean; loads: number; lastLoadMs: number }
export interface SlabTestHooks {
  recorderDeps: RecorderDeps;
  recording: () => { file: string; snapshots: number; slabinfo: boolean; statusText: string; statusVisible: boolean } | undefined;
  panel: (fsPath: string) => PanelShown | undefined;
}

/** Activate kleak (a no-op when it is active) and take its test hooks. */
export async function slabTestHooks(): Promise<SlabTestHooks> {
  const ext = vscode.extensions.getExtension<{ slab: SlabTestHooks } | undefined>('kleak.kleak');
  assert.ok(ext, 'kleak is installed');
  const api = await ext.activate();
  assert.ok(api?.slab, 'activate() returns the test hooks under test');
  return api.slab;
}
