// VS Code picks a language by file name before it looks at `firstLine`, so a capture saved as
// `report.txt` opens as Plain Text. Plain-text (and log) documents are switched to a capture
// language when their first line matches its `firstLine` (package.json, the cheap path) or when
// their head holds the lines the server and CLI detect formats by (headDetection.ts): a series
// that starts with `date`, a dmesg whose leak report comes after other kernel messages.
import * as vscode from 'vscode';
import { firstLinePatterns, languageOfFirstLine } from './firstLine';
import { captureLanguageOfHead, documentHead, isKernelLogName } from './headDetection';

/** Languages a capture may open as when its name says nothing (`.txt`, `.log`, no extension). */
const UNDETECTED = new Set(['plaintext', 'log']);

export function registerLanguageDetection(context: vscode.ExtensionContext): void {
  const patterns = firstLinePatterns(context.extension.packageJSON);
  // A language change reopens the document, so a capture the user set back to Plain Text would
  // come round again: each document is switched once per session, then the user's choice holds.
  const switched = new Set<string>();
  const detect = (doc: vscode.TextDocument) => {
    if (!UNDETECTED.has(doc.languageId) || doc.lineCount === 0 || switched.has(doc.uri.toString())) return;
    const id =
      languageOfFirstLine(doc.lineAt(0).text, patterns) ??
      captureLanguageOfHead(documentHead(doc.lineCount, (i) => doc.lineAt(i).text), doc.languageId === 'log' || isKernelLogName(doc.fileName));
    if (!id) return;
    switched.add(doc.uri.toString());
    void vscode.languages.setTextDocumentLanguage(doc, id);
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(detect));
  vscode.workspace.textDocuments.forEach(detect);
}
