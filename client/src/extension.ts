// Activation: each feature module registers itself; the language server starts once a capture
// is open. The extension also activates for plain text and logs (onLanguage:plaintext/log): VS Code
// only knows a capture saved as .txt by its first line, kleak reads its head (languageDetection).
import * as vscode from 'vscode';
import { startLanguageClient } from './languageClient';
import { registerShowLocations } from './showLocations';
import { registerLanguageDetection } from './languageDetection';
import { CAPTURE_LANGUAGES } from './languages';
import { registerCaptureStatus } from './captureStatus';
import { registerLargeFileAnalysis } from './largeFiles/largeFileAnalysis';
import { registerSymbolSources } from './symbolSources';
import { SlabTestHooks, registerSlabPanel } from './slabPanel';
import { registerCompareCaptures } from './compareCaptures';
import { registerScaffoldCommands } from './scaffold/scaffoldCommands';
import { registerScaffoldCodeActions } from './scaffold/scaffoldCodeActions';
import { LanguageClient } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** What activate() returns: hooks for the extension-host test, only when VS Code runs kleak under test. */
export interface KleakTestApi {
  slab: SlabTestHooks;
}

export async function activate(context: vscode.ExtensionContext): Promise<KleakTestApi | undefined> {
  client = startLanguageClient(context);
  registerShowLocations(context);
  registerCaptureStatus(context, client);
  registerLargeFileAnalysis(context, client);
  registerSymbolSources(context, client);
  const slab = registerSlabPanel(context, client);
  registerCompareCaptures(context, client);
  registerScaffoldCommands(context);
  registerScaffoldCodeActions(context);
  registerLanguageDetection(context);
  const startOnCapture = (doc: vscode.TextDocument) => {
    if ((CAPTURE_LANGUAGES as readonly string[]).includes(doc.languageId)) void client?.start();
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(startOnCapture));
  const open = vscode.workspace.textDocuments.find((d) => (CAPTURE_LANGUAGES as readonly string[]).includes(d.languageId));
  if (open) await client.start();
  return context.extensionMode === vscode.ExtensionMode.Test ? { slab } : undefined;
}

export async function deactivate(): Promise<void> {
  if (client?.isRunning()) await client.stop();
  client = undefined;
}
