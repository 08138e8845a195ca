// Activation: start the language server, then let each feature module register itself.
import * as vscode from 'vscode';
import { startLanguageClient } from './languageClient';
import { registerShowLocations } from './showLocations';
import { registerCaptureStatus } from './captureStatus';
import { registerLargeFileAnalysis } from './largeFiles/largeFileAnalysis';
import { LanguageClient } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = startLanguageClient(context);
  registerShowLocations(context);
  registerCaptureStatus(context, client);
  registerLargeFileAnalysis(context, client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
