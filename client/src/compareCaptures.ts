// "kleak: Compare Captures": two captures of the same machine (two vmallocinfo or allocinfo
// dumps, two kmemleak scans, two memleak runs…) analysed by the server, then compared by the
// pure analysis (server/src/analysis/compare.ts): who grew, who is new, who shrank. The report
// opens as a Markdown document.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import {
  AnalyzeFileParams,
  AnalyzeFileRequest,
  AnalyzeFileResult,
  CaptureSummaryParams,
  CaptureSummaryRequest,
  CaptureSummaryResult,
} from '../../server/src/protocol';
import { ComparedCapture, compareCaptures, comparisonMarkdown } from '../../server/src/analysis/compare';
import { CAPTURE_LANGUAGES } from './languages';

export const COMPARE_COMMAND = 'kleak.compareCaptures';

let nextId = 0;

async function analyse(client: LanguageClient, uri: vscode.Uri, token: vscode.CancellationToken): Promise<ComparedCapture | string> {
  const name = vscode.workspace.asRelativePath(uri);
  await client.start();
  if (uri.scheme === 'file') {
    const params: AnalyzeFileParams = { path: uri.fsPath, progressId: `compare-${++nextId}` };
    const r = await client.sendRequest<AnalyzeFileResult>(AnalyzeFileRequest.method, params, token);
    if (!r.ok) return `${name}: ${r.reason}`;
    return { name, format: r.analysis.format, records: r.analysis.records, suspects: r.analysis.suspects };
  }
  // Unsaved captures: the server's analysis of the open document.
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (!doc || !(CAPTURE_LANGUAGES as readonly string[]).includes(doc.languageId)) return `${name}: not an open capture`;
  const params: CaptureSummaryParams = { uri: client.code2ProtocolConverter.asUri(uri) };
  const s = await client.sendRequest<CaptureSummaryResult>(CaptureSummaryRequest.method, params, token);
  if (!s) return `${name}: not analysed`;
  return { name, format: s.format, records: s.records, suspects: s.suspects };
}

async function pick(title: string, openLabel: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, title, openLabel });
  return picked?.[0];
}

export function registerCompareCaptures(context: vscode.ExtensionContext, client: LanguageClient): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMPARE_COMMAND, async (uri?: unknown, uris?: unknown) => {
      // From the explorer with two files selected: (clicked, [selected…]).
      const selected = Array.isArray(uris) ? uris.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
      let before: vscode.Uri | undefined;
      let after: vscode.Uri | undefined;
      if (selected.length >= 2) [before, after] = selected;
      else {
        const active = vscode.window.activeTextEditor?.document;
        before = uri instanceof vscode.Uri ? uri : active && (CAPTURE_LANGUAGES as readonly string[]).includes(active.languageId) ? active.uri : undefined;
        before ??= await pick('kleak: Compare Captures — the earlier capture', 'Earlier');
        if (!before) return undefined;
        after = await pick(`kleak: Compare ${vscode.workspace.asRelativePath(before)} with — the later capture`, 'Later');
      }
      if (!before || !after) return undefined;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'kleak: comparing captures', cancellable: true },
        async (_progress, token) => {
          try {
            const a = await analyse(client, before!, token);
            const b = typeof a === 'string' ? a : await analyse(client, after!, token);
            return typeof a === 'string' ? a : typeof b === 'string' ? b : comparisonMarkdown(compareCaptures(a, b));
          } catch (e) {
            return token.isCancellationRequested ? undefined : `cannot compare: ${(e as Error).message}`;
          }
        },
      );
      if (result === undefined) return undefined;
      if (!result.startsWith('# ')) {
        void vscode.window.showErrorMessage(`kleak: ${result}`);
        return undefined;
      }
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: result });
      await vscode.window.showTextDocument(doc, { preview: false });
      return doc;
    }),
  );
}
