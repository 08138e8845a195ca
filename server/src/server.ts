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
  KleakInitializationOptions,
  SymbolSourcesChangedNotification,
  SymbolSourcesRequest,
  SymbolSourcesStatus,
  WorkspaceTrustNotification,
  isWorkspaceTrustParams,
} from './protocol';
import { runFileAnalysis, runSlabSeriesFromDisk } from './fileAnalysisRunner';
import { SlabSeriesParams, SlabSeriesRequest, SlabSeriesResult } from './protocol';
import { slabSeries } from './features/slabSeries';
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
import { SymbolService } from './symbolService';
import { inlayHints } from './features/inlayHints';
import { withSymbolHover } from './features/symbolHover';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = new CaptureService();
let settings: SourceLinkSettings = DEFAULT_SOURCE_LINK_SETTINGS;
let canPullConfiguration = false;
// Symbol sources (issue 8): no external tool runs until the client says the workspace is trusted.
const symbols = new SymbolService(false);
let canRefreshInlayHints = false;

connection.onInitialize((params) => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  canRefreshInlayHints = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
  symbols.setTrusted((params.initializationOptions as KleakInitializationOptions | undefined)?.trusted === true);
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
      inlayHintProvider: { resolveProvider: false },
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
  symbols.configure(c as Record<string, unknown> | null);
  symbolSourcesChanged();
}

/** Tell the client (status bar) and re-ask inlay hints after settings or trust changed. */
function symbolSourcesChanged(): void {
  void symbols.status().then((s) => connection.sendNotification(SymbolSourcesChangedNotification.method, s));
  if (canRefreshInlayHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
}

connection.onNotification(WorkspaceTrustNotification.method, (p: unknown) => {
  if (isWorkspaceTrustParams(p) && symbols.setTrusted(p.trusted)) symbolSourcesChanged();
});
connection.onRequest(SymbolSourcesRequest.method, (): Promise<SymbolSourcesStatus> => symbols.status());

/** The call sites and symbolisation of an open capture (no resolutions when no symbol source is configured). */
async function symbolsOf(uri: string, token?: { isCancellationRequested: boolean; onCancellationRequested: (f: () => void) => unknown }) {
  const v = viewOf(uri);
  const doc = documents.get(uri);
  if (!v || !doc) return undefined;
  const abort = new AbortController();
  token?.onCancellationRequested(() => abort.abort());
  try {
    return await symbols.resolve(uri, doc.version, v, doc.getText(), abort.signal);
  } catch {
    return undefined;
  }
}

connection.onDidChangeConfiguration(() => {
  void refreshSettings();
});

function publish(doc: TextDocument): void {
  service.open(doc);
  const view = service.view(doc.uri);
  void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: view ? diagnostics(doc.uri, view) : [] });
}

// onDidChangeContent also fires when a document opens: one publish per version.
documents.onDidChangeContent((e) => publish(e.document));
documents.onDidClose((e) => {
  service.close(e.document.uri);
  symbols.forget(e.document.uri);
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
connection.onHover(async (p, token) => {
  const v = viewOf(p.textDocument.uri);
  if (!v) return null;
  const base = hover(v, p.position);
  const s = await symbolsOf(p.textDocument.uri, token);
  return s ? withSymbolHover(base, v, p.position, s) : base;
});
connection.languages.inlayHint.on(async (p, token) => {
  const v = viewOf(p.textDocument.uri);
  const s = v && (await symbolsOf(p.textDocument.uri, token));
  return v && s ? inlayHints(v, p.range, s) : [];
});
connection.languages.semanticTokens.on((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? semanticTokens(v) : { data: [] };
});
connection.onCodeLens((p) => {
  const v = viewOf(p.textDocument.uri);
  return v ? codeLenses(p.textDocument.uri, v) : [];
});
connection.onDocumentLinks(async (p, token) => {
  const v = viewOf(p.textDocument.uri);
  return v ? documentLinks(v, settings, await symbolsOf(p.textDocument.uri, token)) : [];
});
connection.onDefinition(async (p, token) => {
  const v = viewOf(p.textDocument.uri);
  return v ? definition(v, p.position, settings, await symbolsOf(p.textDocument.uri, token)) : [];
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

// Files and folders on disk are read in a worker thread, like kleak/analyzeFile.
connection.onRequest(SlabSeriesRequest.method, (p: SlabSeriesParams, token): Promise<SlabSeriesResult> =>
  slabSeries(service, p, (source, file) => runSlabSeriesFromDisk(source, file, token)),
);

documents.listen(connection);
connection.listen();
