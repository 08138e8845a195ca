// The file the user is looking at, for commands run from the palette on "this file".
import * as vscode from 'vscode';

/**
 * The active text editor's file or, when there is no text editor, the active tab's file. A tab
 * without a text editor is a file VS Code will not hand to extensions (binary such as a `.gz`, or
 * over 50 MB), or one opened a moment ago: the extension host hears of the tab before the editor
 * (a command run right after opening a file found no editor, and asked for a file).
 */
export function activeFileUri(): vscode.Uri | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor) return editor.document.uri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputText ? input.uri : undefined;
}
