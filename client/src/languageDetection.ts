// VS Code picks a language by file name before it looks at `firstLine`, so a capture saved as
// `report.txt` opens as Plain Text. Plain-text documents whose first line matches a capture
// language's `firstLine` (from package.json, the one source of truth) are switched to it.
import * as vscode from 'vscode';
import { firstLinePatterns, languageOfFirstLine } from './firstLine';

export function registerLanguageDetection(context: vscode.ExtensionContext): void {
  const patterns = firstLinePatterns(context.extension.packageJSON);
  const detect = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'plaintext' || doc.lineCount === 0) return;
    const id = languageOfFirstLine(doc.lineAt(0).text, patterns);
    if (id) void vscode.languages.setTextDocumentLanguage(doc, id);
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(detect));
  vscode.workspace.textDocuments.forEach(detect);
}
