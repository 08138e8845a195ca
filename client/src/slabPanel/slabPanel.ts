// The slab growth panel's host: `kleak: Show Slab Growth` (active snapshot file, explorer file
// or folder, or a code lens's document uri) opens a webview beside the editor; it asks the
// language server for the series (kleak/slabSeries), follows the document or file as it changes
// (a live recording too), reveals capture lines the webview asks for, saves its PNG/CSV exports,
// and comes back after a reload (WebviewPanelSerializer). The fleet view (fleet.ts) uses the
// same panel in its second mode. Messages from the webview are checked with the protocol guards.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import {
  FleetDto,
  HostToWebview,
  SHOW_SLAB_GROWTH_COMMAND,
  SlabPanelOrigin,
  SlabSeriesParams,
  SlabSeriesRequest,
  SlabSeriesResult,
  WebviewToHost,
  isSlabPanelState,
  isSlabSeriesDto,
  isWebviewToHost,
} from '../../../server/src/protocol';
import { activeFileUri } from '../activeFile';
import { makeNonce, panelHtml } from './html';

export const SLAB_PANEL_VIEW_TYPE = 'kleak.slabGrowth';
/** Files larger than this are analysed from disk by path (VS Code does not open them as documents). */
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

/** Loads fleet data for a fleet origin (fleet.ts provides it). */
export type FleetLoader = (origin: Extract<SlabPanelOrigin, { kind: 'fleet' }>) => Promise<FleetDto>;

const originKey = (o: SlabPanelOrigin) => JSON.stringify(o);

/** A panel's last message, summed up: snapshots and caches of its series, how many loads it
 * took and how long the last one lasted (a live recording reloads the whole file each time). */
export interface PanelShown {
  type: HostToWebview['type'];
  snapshots: number;
  caches: string[];
  meminfoKeys: string[];
  live: boolean;
  loads: number;
  lastLoadMs: number;
}

export class SlabPanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, SlabPanel>();
  private readonly live = new Set<string>();
  fleetLoader: FleetLoader | undefined;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly client: LanguageClient,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens (or reveals) the panel of an origin. */
  show(origin: SlabPanelOrigin, fleet?: FleetDto): SlabPanel {
    const key = originKey(origin);
    let p = this.panels.get(key);
    if (p) {
      p.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(SLAB_PANEL_VIEW_TYPE, titleOf(origin), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.webviewOptions());
      p = this.adopt(panel, origin);
    }
    if (fleet) p.showFleet(fleet);
    else void p.load();
    return p;
  }

  webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Only the bundle: the webview can load nothing else of the extension or the workspace.
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')], retainContextWhenHidden: false };
  }

  adopt(panel: vscode.WebviewPanel, origin: SlabPanelOrigin): SlabPanel {
    const p = new SlabPanel(this, panel, origin);
    this.panels.set(originKey(origin), p);
    panel.onDidDispose(() => {
      if (this.panels.get(originKey(origin)) === p) this.panels.delete(originKey(origin));
      p.dispose();
    });
    return p;
  }

  /** A recording (or another writer) changed a file on disk: refresh the panels showing it. */
  fileChanged(fsPath: string): void {
    for (const p of this.panels.values()) if (p.follows(fsPath)) p.reloadSoon();
  }

  setLive(fsPath: string, live: boolean): void {
    if (live) this.live.add(path.resolve(fsPath));
    else this.live.delete(path.resolve(fsPath));
    this.fileChanged(fsPath);
  }

  /** What the panel of a file on disk shows now (for the extension-host test), undefined without one. */
  shown(fsPath: string): PanelShown | undefined {
    const p = this.panels.get(originKey({ kind: 'series', path: fsPath }));
    return p?.shown();
  }

  isLive(fsPath: string | undefined): boolean {
    return fsPath !== undefined && this.live.has(path.resolve(fsPath));
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    this.panels.clear();
  }
}

function titleOf(origin: SlabPanelOrigin): string {
  if (origin.kind === 'fleet') {
    let host = origin.url;
    try {
      host = new URL(origin.url).host;
    } catch {
      /* keep the text */
    }
    return `Slab Fleet: ${host}`;
  }
  const p = origin.path ?? vscode.Uri.parse(origin.uri ?? '').path;
  return `Slab Growth: ${path.basename(p) || p}`;
}

export class SlabPanel {
  private readonly disposables: vscode.Disposable[] = [];
  private last: HostToWebview | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticket = 0;
  private loads = 0;
  private lastLoadMs = 0;
  private readonly docUri: vscode.Uri | undefined;
  private readonly fsPath: string | undefined;

  constructor(
    private readonly manager: SlabPanelManager,
    readonly panel: vscode.WebviewPanel,
    readonly origin: SlabPanelOrigin,
  ) {
    panel.title = titleOf(origin);
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(manager.context.extensionUri, 'dist')] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(manager.context.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(manager.context.extensionUri, 'dist', 'webview.css')).toString(),
    });
    this.disposables.push(webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));

    if (origin.kind === 'series') {
      this.docUri = origin.uri ? vscode.Uri.parse(origin.uri) : undefined;
      this.fsPath = origin.path ?? (this.docUri?.scheme === 'file' ? this.docUri.fsPath : undefined);
      if (this.docUri) {
        const uri = this.docUri.toString();
        this.disposables.push(
          vscode.workspace.onDidChangeTextDocument((e) => {
            if (e.document.uri.toString() === uri && e.contentChanges.length) this.scheduleLoad(400);
          }),
        );
      } else if (origin.path) {
        // a file or a folder on disk: follow it (a recording not started yet counts as a file)
        let folder = false;
        try {
          folder = fs.statSync(origin.path).isDirectory();
        } catch {
          /* not there yet */
        }
        const pattern = folder
          ? new vscode.RelativePattern(vscode.Uri.file(origin.path), '**/*')
          : new vscode.RelativePattern(vscode.Uri.file(path.dirname(origin.path)), path.basename(origin.path));
        const w = vscode.workspace.createFileSystemWatcher(pattern);
        this.disposables.push(w, w.onDidChange(() => this.reloadSoon()), w.onDidCreate(() => this.reloadSoon()), w.onDidDelete(() => this.reloadSoon()));
      }
    }
  }

  /** Does this panel show the file (or the folder holding it)? */
  follows(fsPath: string): boolean {
    if (!this.fsPath) return false;
    const a = path.resolve(this.fsPath);
    const b = path.resolve(fsPath);
    return a === b || b.startsWith(a + path.sep);
  }

  shown(): PanelShown | undefined {
    const m = this.last;
    if (!m) return undefined;
    const series = m.type === 'series' ? m.series : undefined;
    return {
      type: m.type,
      snapshots: series?.times.length ?? 0,
      caches: series?.caches.map((c) => c.name) ?? [],
      meminfoKeys: Object.keys(series?.meminfo ?? {}),
      live: m.type === 'series' && m.live,
      loads: this.loads,
      lastLoadMs: this.lastLoadMs,
    };
  }

  /** Reload after typing stops (each call restarts the wait). */
  scheduleLoad(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.load();
    }, ms);
  }

  /** Reload a file that changed on disk (a live recording: once per snapshot), at most one pending
   * at a time and waiting twice as long as the last load took: a reload reads the whole file again
   * (about 1.5 s for an hour of 5 s snapshots, 720 of them), so this keeps it under a third of a core. */
  reloadSoon(): void {
    if (this.timer) return;
    this.scheduleLoad(Math.max(100, 2 * this.lastLoadMs));
  }

  private post(m: HostToWebview): void {
    this.last = m;
    void this.panel.webview.postMessage(m);
  }

  showFleet(fleet: FleetDto): void {
    if (this.origin.kind !== 'fleet') return;
    this.post({ type: 'fleet', title: this.panel.title, origin: this.origin, fleet });
  }

  /** (Re)loads the panel's data and sends it to the webview. */
  async load(): Promise<void> {
    const ticket = ++this.ticket;
    const title = this.panel.title;
    try {
      if (this.origin.kind === 'fleet') {
        if (!this.manager.fleetLoader) throw new Error('The fleet view is not available.');
        this.post({ type: 'status', title, message: `Querying ${this.origin.url}…`, severity: 'info' });
        const fleet = await this.manager.fleetLoader(this.origin);
        if (ticket === this.ticket) this.showFleet(fleet);
        return;
      }
      const t0 = Date.now();
      const series = await this.requestSeries();
      if (ticket !== this.ticket) return;
      this.loads++;
      this.lastLoadMs = Date.now() - t0;
      if (!series) {
        this.post({
          type: 'status',
          title,
          message: `No slab or meminfo snapshots found in ${this.origin.path ?? this.origin.uri}. kleak reads /proc/slabinfo, slabtop and /proc/meminfo captures, one or many snapshots per file (or a folder of snapshot files).`,
          severity: 'error',
        });
        return;
      }
      this.post({ type: 'series', title, origin: this.origin, series, live: this.manager.isLive(this.fsPath) });
    } catch (e) {
      if (ticket !== this.ticket) return;
      const message = e instanceof Error ? e.message : String(e);
      this.manager.log.error(`slab panel ${titleOf(this.origin)}: ${message}`);
      this.post({ type: 'status', title, message, severity: 'error' });
    }
  }

  private async requestSeries() {
    if (this.origin.kind !== 'series') return null;
    const client = this.manager.client;
    await client.start();
    const ask = async (params: SlabSeriesParams) => {
      const r = await client.sendRequest<SlabSeriesResult>(SlabSeriesRequest.method, params);
      if (r !== null && !isSlabSeriesDto(r)) {
        this.manager.log.warn(`kleak/slabSeries answered something that is not a SlabSeriesDto for ${params.uri ?? params.path}`);
        return null;
      }
      return r;
    };
    if (this.origin.uri) {
      const r = await ask({ uri: this.origin.uri });
      if (r || !this.fsPath) return r;
      // the document may not be synchronised yet (just opened) or not be in a capture language
      return ask({ path: this.fsPath });
    }
    return this.origin.path ? ask({ path: this.origin.path }) : null;
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isWebviewToHost(m)) {
      const type = typeof m === 'object' && m !== null ? String((m as { type?: unknown }).type).slice(0, 40) : typeof m;
      this.manager.log.warn(`slab panel: dropped a malformed message from the webview (type ${type})`);
      return;
    }
    const msg: WebviewToHost = m;
    switch (msg.type) {
      case 'ready':
        if (this.last && this.last.type !== 'status') void this.panel.webview.postMessage(this.last);
        else await this.load();
        return;
      case 'refresh':
        await this.load();
        return;
      case 'reveal':
        await this.reveal(msg.line, msg.file);
        return;
      case 'exportCsv':
        await this.save(msg.fileName, Buffer.from(msg.csv, 'utf8'), { CSV: ['csv'] });
        return;
      case 'exportPng':
        await this.save(msg.fileName, Buffer.from(msg.dataUrl.slice('data:image/png;base64,'.length), 'base64'), { 'PNG image': ['png'] });
        return;
    }
  }

  private async reveal(line: number, file?: string): Promise<void> {
    let uri = this.docUri ?? (this.fsPath ? vscode.Uri.file(this.fsPath) : undefined);
    if (file !== undefined) {
      // a folder series: only a file the series named, inside the folder, and not a compressed one
      const named = this.last?.type === 'series' && this.last.series.caches.some((c) => c.file === file);
      if (!named || !this.fsPath || this.docUri) return;
      if (/\.gz$/i.test(file)) {
        void vscode.window.showInformationMessage(`kleak: ${file} is compressed: decompress it to open line ${line + 1}.`);
        return;
      }
      uri = vscode.Uri.file(path.join(this.fsPath, file));
    }
    if (!uri) return;
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      const l = Math.min(line, Math.max(0, doc.lineCount - 1));
      const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
      const column = visible?.viewColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
      const range = new vscode.Range(l, 0, l, doc.lineAt(l).text.length);
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: range, preserveFocus: false, preview: false });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch (e) {
      void vscode.window.showErrorMessage(`kleak: cannot open ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async save(fileName: string, data: Uint8Array, filters: Record<string, string[]>): Promise<void> {
    const dir = this.fsPath ? vscode.Uri.file(path.dirname(this.fsPath)) : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: dir ? vscode.Uri.joinPath(dir, fileName) : undefined, filters, saveLabel: 'Export' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, data);
    void vscode.window.showInformationMessage(`kleak: saved ${vscode.workspace.asRelativePath(target)}.`);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.ticket++;
    for (const d of this.disposables) d.dispose();
  }
}

/** What the command was given: nothing (active editor), a Uri (explorer), or a uri string (code lens). */
export async function seriesOrigin(client: LanguageClient, arg: unknown): Promise<Extract<SlabPanelOrigin, { kind: 'series' }> | undefined> {
  let uri: vscode.Uri | undefined;
  if (typeof arg === 'string' && arg !== '') uri = vscode.Uri.parse(arg);
  else if (arg instanceof vscode.Uri) uri = arg;
  else uri = activeFileUri();
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Show Slab Growth',
      title: 'A slab/meminfo snapshot series, or a folder of snapshot files',
    });
    uri = picked?.[0];
    if (!uri) return undefined;
  }
  if (uri.scheme === 'file') {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) return { kind: 'series', path: uri.fsPath };
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!open && (stat.size > MAX_DOCUMENT_BYTES || /\.gz$/i.test(uri.path))) return { kind: 'series', path: uri.fsPath };
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  return { kind: 'series', uri: client.code2ProtocolConverter.asUri(doc.uri) };
}

export function registerSlabPanelHost(context: vscode.ExtensionContext, client: LanguageClient): SlabPanelManager {
  const log = vscode.window.createOutputChannel('kleak Slab Panel', { log: true });
  const manager = new SlabPanelManager(context, client, log);
  context.subscriptions.push(
    log,
    manager,
    vscode.commands.registerCommand(SHOW_SLAB_GROWTH_COMMAND, async (arg?: unknown) => {
      try {
        const origin = await seriesOrigin(client, arg);
        if (origin) manager.show(origin);
      } catch (e) {
        void vscode.window.showErrorMessage(`kleak: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
    vscode.window.registerWebviewPanelSerializer(SLAB_PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        if (!isSlabPanelState(state)) {
          log.warn('slab panel: no usable state to restore; closing the panel');
          panel.dispose();
          return;
        }
        panel.webview.options = manager.webviewOptions();
        const p = manager.adopt(panel, state.origin);
        await p.load();
      },
    }),
  );
  return manager;
}
