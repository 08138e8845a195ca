import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { CAPTURE_LANGUAGES } from './languages';

export function startLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: CAPTURE_LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    synchronize: { configurationSection: 'kleak' },
    // Whether external tools (addr2line, gdb) may run: only in a trusted workspace.
    initializationOptions: () => ({ trusted: vscode.workspace.isTrusted }),
    middleware: {
      // Definitions in the web source browser cannot open as text documents: open them in
      // the browser and report no in-editor location.
      provideDefinition: async (document, position, token, next) => {
        const result = await next(document, position, token);
        const locations = Array.isArray(result) ? result : result ? [result] : [];
        const web = locations.find((l) => 'uri' in l && /^https?$/.test(l.uri.scheme)) as vscode.Location | undefined;
        if (web) {
          await vscode.env.openExternal(web.uri);
          return [];
        }
        return result;
      },
    },
  };
  return new LanguageClient('kleak', 'kleak Language Server', serverOptions, clientOptions);
}
