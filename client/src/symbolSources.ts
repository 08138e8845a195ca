// Symbol sources on the client side: tells the server when the workspace becomes trusted
// (external tools such as addr2line only run in a trusted workspace), shows which sources are
// in use in a status bar item, and offers "kleak: Configure Symbol Sources" to pick them.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import {
  SymbolSourceDto,
  SymbolSourcesChangedNotification,
  SymbolSourcesRequest,
  SymbolSourcesStatus,
  WorkspaceTrustNotification,
  WorkspaceTrustParams,
} from '../../server/src/protocol';
import { CAPTURE_LANGUAGES } from './languages';
import { symbolStatusText } from './symbolStatusText';

export const CONFIGURE_SYMBOL_SOURCES_COMMAND = 'kleak.configureSymbolSources';

/** The status bar item's text and Markdown tooltip (see symbolStatusText). */
export function describeStatus(s: SymbolSourcesStatus): { text: string; tooltip: vscode.MarkdownString } {
  const { text, tooltip } = symbolStatusText(s);
  const md = new vscode.MarkdownString(undefined, true);
  for (const p of tooltip) {
    if (p.kind === 'markdown') md.appendMarkdown(p.value);
    else md.appendText(p.value);
  }
  return { text, tooltip: md };
}

export function registerSymbolSources(context: vscode.ExtensionContext, client: LanguageClient): void {
  const item = vscode.window.createStatusBarItem('kleak.symbolSources', vscode.StatusBarAlignment.Left, 9);
  item.name = 'kleak symbol sources';
  item.command = CONFIGURE_SYMBOL_SOURCES_COMMAND;
  context.subscriptions.push(item);
  let status: SymbolSourcesStatus | undefined;

  const render = () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!status || !doc || !(CAPTURE_LANGUAGES as readonly string[]).includes(doc.languageId)) {
      item.hide();
      return;
    }
    const { text, tooltip } = describeStatus(status);
    item.text = text;
    item.tooltip = tooltip;
    item.show();
  };
  // The server starts with the first capture (see extension.ts); it then sends its status
  // itself. Ask only a running server, never start it from here.
  const refresh = async () => {
    if (!client.isRunning()) return render();
    try {
      status = await client.sendRequest<SymbolSourcesStatus>(SymbolSourcesRequest.method);
    } catch {
      status = undefined;
    }
    render();
  };

  client.onNotification(SymbolSourcesChangedNotification.method, (s: SymbolSourcesStatus) => {
    status = s;
    render();
  });
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(() => (status ? render() : void refresh())),
    // Trust can be granted during a session (never revoked without a reload). A server started
    // later reads it from its initializationOptions.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      const p: WorkspaceTrustParams = { trusted: true };
      if (client.isRunning()) void client.sendNotification(WorkspaceTrustNotification.method, p);
    }),
    vscode.commands.registerCommand(CONFIGURE_SYMBOL_SOURCES_COMMAND, () => configureSymbolSources(status)),
  );
  void refresh();
}

type Pick = vscode.QuickPickItem & { run: () => Promise<void> };

/** Where settings go: the workspace when it is open and trusted, else the user settings. */
function target(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('kleak').update(key, value, target());
}

async function pickFile(title: string, folders: boolean, many = false): Promise<string[] | undefined> {
  const uris = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: !folders,
    canSelectFolders: folders,
    canSelectMany: many,
    openLabel: 'Use',
  });
  return uris?.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
}

export async function configureSymbolSources(status: SymbolSourcesStatus | undefined): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('kleak');
  const current = (key: string) => {
    const v = cfg.get<unknown>(key);
    if (Array.isArray(v)) return v.length ? v.join(', ') : 'not set';
    return typeof v === 'string' && v ? v : 'not set';
  };
  const state = (setting: SymbolSourceDto['setting']) => status?.sources.find((s) => s.setting === setting)?.detail;
  const file = (key: string, title: string) => async () => {
    const p = await pickFile(title, false);
    if (p?.[0]) await set(key, p[0]);
  };
  const picks: Pick[] = [
    {
      label: '$(file-binary) vmlinux',
      description: current('vmlinux'),
      detail: state('vmlinux') ?? 'A vmlinux with debug info (CONFIG_DEBUG_INFO), e.g. from the -dbg package',
      run: file('vmlinux', 'vmlinux with debug info'),
    },
    {
      label: '$(folder-library) Add module search folder…',
      description: current('moduleSearchPaths'),
      detail: state('moduleSearchPaths') ?? 'Folders searched for <module>.ko and <module>.ko.debug (e.g. /lib/modules/<version>, /usr/lib/debug)',
      run: async () => {
        const p = await pickFile('Folders with kernel modules (.ko, .ko.debug)', true, true);
        if (!p?.length) return;
        const list = cfg.get<string[]>('moduleSearchPaths') ?? [];
        await set('moduleSearchPaths', [...new Set([...list, ...p])]);
      },
    },
    {
      label: '$(folder) Kernel source root',
      description: current('kernelSourceRoot'),
      detail: 'A local kernel tree: links open its files at the resolved line',
      run: async () => {
        const p = await pickFile('Kernel source tree', true);
        if (p?.[0]) await set('kernelSourceRoot', p[0]);
      },
    },
    {
      label: '$(list-flat) kallsyms file',
      description: current('kallsyms'),
      detail: state('kallsyms') ?? 'A /proc/kallsyms captured at the same boot as the capture: bare addresses become symbols',
      run: file('kallsyms', 'A captured /proc/kallsyms'),
    },
  ];
  if (process.platform === 'linux') {
    picks.push({
      label: "$(pulse) Use this machine's /proc/kallsyms",
      detail: 'Right when the capture comes from this boot of this machine (needs root to see addresses)',
      run: () => set('kallsyms', '/proc/kallsyms'),
    });
  }
  picks.push(
    {
      label: '$(map) System.map',
      description: current('systemMap'),
      detail: state('systemMap') ?? 'The System.map of the kernel (no module symbols, no KASLR offset)',
      run: file('systemMap', 'System.map'),
    },
    {
      label: '$(clear-all) Clear all symbol sources',
      run: async () => {
        for (const key of ['vmlinux', 'moduleSearchPaths', 'kernelSourceRoot', 'kallsyms', 'systemMap']) await set(key, undefined);
      },
    },
  );
  const chosen = await vscode.window.showQuickPick(picks, {
    title: 'kleak: Configure Symbol Sources',
    placeHolder: vscode.workspace.isTrusted ? 'Pick a symbol source to set' : 'Untrusted workspace: sources are saved in your user settings; no tool runs until you trust it',
    matchOnDescription: true,
  });
  if (!chosen) return;
  try {
    await chosen.run();
  } catch (e) {
    void vscode.window.showErrorMessage(`kleak: could not save the setting: ${(e as Error).message}`);
  }
}
