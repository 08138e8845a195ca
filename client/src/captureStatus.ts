// Status bar item: what the active capture holds, from the server's analysis.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { CaptureSummaryRequest, CaptureSummaryParams, CaptureSummaryResult } from '../../server/src/protocol';
import { CAPTURE_LANGUAGES } from './languages';
import { formatBytes, suspectSize } from '../../server/src/analysis/units';


export function registerCaptureStatus(context: vscode.ExtensionContext, client: LanguageClient): void {
  const item = vscode.window.createStatusBarItem('kleak.captureStatus', vscode.StatusBarAlignment.Left, 10);
  item.name = 'kleak capture summary';
  item.command = 'workbench.action.problems.focus';
  context.subscriptions.push(item);
  let pending = 0;

  const update = async () => {
    const editor = vscode.window.activeTextEditor;
    const doc = editor?.document;
    if (!doc || !(CAPTURE_LANGUAGES as readonly string[]).includes(doc.languageId)) {
      item.hide();
      return;
    }
    const ticket = ++pending;
    try {
      await client.start();
      const params: CaptureSummaryParams = { uri: client.code2ProtocolConverter.asUri(doc.uri) };
      const s = await client.sendRequest<CaptureSummaryResult>(CaptureSummaryRequest.method, params);
      if (ticket !== pending) return;
      if (!s) return item.hide();
      const top = s.suspects[0];
      item.text = `$(bug) ${s.records} ${s.format} records · ${formatBytes(s.bytes)}`;
      item.tooltip = top ? `Top suspect: ${top.site} (${top.verdict}, ${top.count} × ${suspectSize(top.bytes, top.count)})` : 'No suspects';
      item.show();
    } catch {
      item.hide();
    }
  };
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(() => void update()),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === vscode.window.activeTextEditor?.document) void update();
    }),
  );
  void update();
}
