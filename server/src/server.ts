// Wires the LSP connection to the feature providers; no analysis happens here.
import {
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CaptureService } from './captureService';
import {
  AnalyzeFileParams,
  AnalyzeFileProgress,
  AnalyzeFileProgressNotification,
  AnalyzeFileRequest,
  AnalyzeFileResult,
  CaptureSummaryRequest,
  CaptureSummaryParams,
  CaptureSummaryResult,
} from './protocol';
import { runFileAnalysis } from './fileAnalysisRunner';
import { diagnostics } from './features/diagnostics';
import { documentSymbols } from './features/documentSymbols';
import { foldingRanges } from './features/foldingRanges';
import { hover } from './features/hover';
import { semanticTokens, semanticTokensLegend } from './features/semanticTokens';
import { codeLenses } from './features/codeLenses';
import { documentLinks } from './features/documentLinks';
import { definition } from './features/definition';
import { references } from './features/references';
import { workspaceSymbols } from './features/workspaceSymbols';
import { captureSummary } from './features/captureSummary';
import { DEFAULT_SOURCE_LINK_SETTINGS, SourceLinkSettings } from './features/sourceLinks';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new CaptureService();
let settings: SourceLinkSettings = DEFAULT_SOURCE_LINK_SETTINGS;
let canPullConfiguration = false;

connection.onInitialize((params) => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      hoverProvider: true,
      semanticTokensProvider: { legend: semanticTokensLegend, full: true },
      codeLensProvider: { resolveProvider: false },
      documentLinkProvider: { resolveProvider: false },
      definitionProvider: true,
      referencesProvider: true,
      workspaceSymbolProvider: true,
    },
    serverInfo: { name: 'kleak' },
  };
});

connection.onInitialized(() => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'kleak' });
    void refreshSettings();
  }
});

async function refreshSettings(): Promise<void> {
  if (!canPullConfiguration) return;
  const c = (await connection.workspace.getConfiguration('kleak')) as Partial<SourceLinkSettings> | null;
  settings = {
    sourceUrlTemplate: typeof c?.sourceUrlTemplate === 'string' && c.sourceUrlTemplate ? c.sourceUrlTemplate : DEFAULT_SOURCE_LINK_SETTINGS.sourceUrlTemplate,
    kernelVersion: typeof c?.kernelVersion === 'string' ? c.kernelVersion : '',
  };
}

connection.onDidChangeConfiguration(() => {
  void refreshSettings();
});

function publish(doc: TextDocument): void {
  service.open(doc);
  const view = service.view(doc.uri);
  void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: view ? diagnostics(doc.uri, view) : [] });
}

documents.onDidOpen((e) => publish(e.document));
documents.onDidChangeContent((e) => publish(e.document));
documents.onDidClose((e) => {
  service.close(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

const viewOf = (uri: string) => service.view(uri);

connection.onDocumentSymbol((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? documentSymbols(v) : [];
});
connection.onFoldingRanges((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? foldingRanges(v) : [];
});
connection.onHover((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? hover(v, p.position) : null;
});
connection.languages.semanticTokens.on((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? semanticTokens(v) : { data: [] };
});
connection.onCodeLens((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? codeLenses(p.textDocument.uri, v) : [];
});
connection.onDocumentLinks(async (p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? documentLinks(v, settings) : [];
});
connection.onDefinition((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? definition(v, p.position, settings) : [];
});
connection.onReferences((p) => references(service, p.textDocument.uri, p.position));
connection.onWorkspaceSymbol((p) => workspaceSymbols(service, p.query));
connection.onRequest(CaptureSummaryRequest.method, (p: CaptureSummaryParams): CaptureSummaryResult => {
  const v = viewOf(p.uri);
  return v ? captureSummary(p.uri, v) : null;
});

connection.onRequest(AnalyzeFileRequest.method, (p: AnalyzeFileParams, token): Promise<AnalyzeFileResult> =>
  runFileAnalysis(p, token, (fraction) => {
    const progress: AnalyzeFileProgress = { progressId: p.progressId, fraction };
    void connection.sendNotification(AnalyzeFileProgressNotification.method, progress);
  }),
);

documents.listen(connection);
connection.listen();
