// Code actions on kmemleak diagnostics: where a leaked object's suspect function is known,
// offer to generate the dalloc/dfree stap script that counts its calls against a freeing
// function (asked for, kfree suggested).
import * as vscode from 'vscode';
import { SCAFFOLD_COMMANDS, ScaffoldCommandArgs } from './scaffoldCommands';
import { suspectFunction } from './suspect';

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

export class ScaffoldCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<string>();
    for (const d of context.diagnostics) {
      if (d.source !== 'kleak' || codeOf(d) !== 'leaked-object') continue;
      const fn = suspectFunction(d.message);
      if (!fn || seen.has(fn)) continue;
      seen.add(fn);
      const action = new vscode.CodeAction(`Generate dalloc/dfree stap script for ${fn}`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      const args: ScaffoldCommandArgs = { options: { alloc: fn }, defaults: { free: 'kfree' } };
      const folder = vscode.workspace.getWorkspaceFolder(document.uri);
      if (folder) args.folder = folder.uri.toString();
      action.command = { command: SCAFFOLD_COMMANDS.dallocStap, title: action.title, arguments: [args] };
      actions.push(action);
    }
    return actions;
  }
}

export function registerScaffoldCodeActions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider({ language: 'kmemleak' }, new ScaffoldCodeActions(), {
      providedCodeActionKinds: ScaffoldCodeActions.kinds,
    }),
  );
}
