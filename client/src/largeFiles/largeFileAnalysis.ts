// Analysis of capture files on disk through the server (`kleak/analyzeFile`): for files VS Code
// does not hand to extensions (over 50 MB), for .gz captures, and on demand from the explorer.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import {
  AnalyzeFileParams,
  AnalyzeFileProgress,
  AnalyzeFileProgressNotification,
  AnalyzeFileRequest,
  AnalyzeFileResult,
  FileAnalysis,
} from '../../../server/src/protocol';
import { formatBytes, suspectSize } from '../../../server/src/analysis/units';
import { SuspectsTree } from './suspectsTree';

/** VS Code does not sync documents over this size to extensions. */
export const LARGE_FILE_BYTES = 50 * 1024 * 1024;
export const ANALYZE_COMMAND = 'kleak.analyzeCaptureFile';

let nextProgressId = 0;

export function registerLargeFileAnalysis(context: vscode.ExtensionContext, client: LanguageClient): SuspectsTree {
  const tree = new SuspectsTree();
  const view = vscode.window.createTreeView('kleak.suspects', { treeDataProvider: tree, showCollapseAll: true });
  const progressListeners = new Map<string, (fraction: number) => void>();
  context.subscriptions.push(
    view,
    client.onNotification(AnalyzeFileProgressNotification.method, (p: AnalyzeFileProgress) => progressListeners.get(p.progressId)?.(p.fraction)),
  );

  const analyze = async (uri: vscode.Uri, quietIfUnknown: boolean): Promise<FileAnalysis | undefined> => {
    const name = vscode.workspace.asRelativePath(uri);
    const progressId = `analyze-${++nextProgressId}`;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `kleak: analysing ${name}`, cancellable: true },
      async (progress, token): Promise<AnalyzeFileResult> => {
        let last = 0;
        progressListeners.set(progressId, (fraction) => {
          const pct = Math.round(fraction * 100);
          if (pct > last) progress.report({ increment: pct - last, message: `${pct}%` });
          last = pct;
        });
        try {
          await client.start();
          const params: AnalyzeFileParams = { path: uri.fsPath, progressId };
          return await client.sendRequest<AnalyzeFileResult>(AnalyzeFileRequest.method, params, token);
        } catch (e) {
          return { ok: false, reason: token.isCancellationRequested ? 'cancelled' : (e as Error).message };
        } finally {
          progressListeners.delete(progressId);
        }
      },
    );
    if (!result.ok) {
      if (result.reason === 'cancelled' || (quietIfUnknown && result.reason.startsWith('unknown format'))) return undefined;
      void vscode.window.showErrorMessage(`kleak: ${name}: ${result.reason}`);
      return undefined;
    }
    const a = result.analysis;
    tree.add(a);
    await vscode.commands.executeCommand('kleak.suspects.focus');
    const top = a.suspects[0];
    void vscode.window.showInformationMessage(
      `kleak: ${name}: ${a.records} ${a.format} records, ${formatBytes(a.bytes)}` +
        (top ? `; top suspect ${top.site} (${top.verdict}, ${top.count} ×, ${suspectSize(top.bytes, top.count)})` : '; no suspects'),
    );
    return a;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(ANALYZE_COMMAND, async (uri?: vscode.Uri) => {
      if (!(uri instanceof vscode.Uri)) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Analyze', title: 'kleak: Analyze Capture File' });
        uri = picked?.[0];
      }
      if (!uri) return undefined;
      if (uri.scheme !== 'file') {
        void vscode.window.showErrorMessage('kleak: only files on disk can be analysed this way; save the capture to a file first.');
        return undefined;
      }
      return analyze(uri, false);
    }),
    vscode.commands.registerCommand('kleak.suspects.clear', () => tree.clear()),
    // A capture too large for VS Code to hand over: analyse it from disk instead.
    vscode.window.tabGroups.onDidChangeTabs((e) => analyzeLargeTabs(e.opened)),
  );
  // Tabs opened before kleak activated (opening a large file activates nothing: VS Code creates no
  // document for it; kleak starts later, e.g. when the Leak Suspects view is shown).
  void analyzeLargeTabs(vscode.window.tabGroups.all.flatMap((g) => g.tabs));
  return tree;

  async function analyzeLargeTabs(tabs: readonly vscode.Tab[]): Promise<void> {
    for (const tab of tabs) {
      const input = tab.input;
      if (!(input instanceof vscode.TabInputText) || input.uri.scheme !== 'file') continue;
      try {
        const st = await vscode.workspace.fs.stat(input.uri);
        if (st.size > LARGE_FILE_BYTES) void analyze(input.uri, true);
      } catch {
        // Gone or unreadable: nothing to analyse.
      }
    }
  }
}
