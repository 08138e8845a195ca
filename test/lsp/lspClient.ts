// A minimal LSP client for testing the bundled language server (dist/server.js) over stdio,
// with no VS Code: spawn, initialize, open/change documents, collect publishDiagnostics, answer
// workspace/configuration with settings the test chooses, shut down.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The bundled server; KLEAK_LSP_SERVER may point at another build (e.g. a production bundle). */
export const SERVER_JS = process.env.KLEAK_LSP_SERVER ? path.resolve(process.env.KLEAK_LSP_SERVER) : path.join(REPO_ROOT, 'dist', 'server.js');
export const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'kmemleak');

/** What `workspace/configuration` answers, keyed by section (the server asks for `kleak`). */
export type Settings = Record<string, unknown>;

export interface StartOptions {
  /** Settings answered to `workspace/configuration` (mutable later via `client.settings`). */
  settings?: Settings;
  /** Advertise workspace.configuration (default true). */
  configuration?: boolean;
}

const DEFAULT_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class LspClient {
  settings: Settings;
  initializeResult!: InitializeResult;
  /** Every publishDiagnostics received, in order, per uri. */
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  /** How many workspace/configuration requests were answered. */
  configurationRequests = 0;
  stderr = '';
  exitCode: number | null | undefined;

  private readonly proc: ChildProcess;
  readonly connection: ProtocolConnection;
  private diagnosticWaiters: { uri: string; accept: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private configWaiters: { after: number; resolve: () => void }[] = [];
  private readonly exited: Promise<void>;

  private constructor(opts: StartOptions) {
    this.settings = opts.settings ?? {};
    if (!fs.existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run "node scripts/build.mjs" first`);
    this.proc = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
    });
    this.connection = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
      this.diagnosticWaiters = this.diagnosticWaiters.filter((w) => {
        if (w.uri !== p.uri || !w.accept(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    this.connection.onRequest(ConfigurationRequest.type, (params) => {
      const answer = params.items.map((item) => (item.section ? (this.settings[item.section] ?? null) : this.settings));
      this.configurationRequests++;
      // Release waiters only after the answer has been queued for writing, so a request the test
      // sends next reaches the server after it.
      setImmediate(() => {
        this.configWaiters = this.configWaiters.filter((w) => {
          if (this.configurationRequests <= w.after) return true;
          w.resolve();
          return false;
        });
      });
      return answer;
    });
    this.connection.onRequest(RegistrationRequest.type, () => undefined);
    this.connection.onError(() => undefined);
    this.connection.listen();
  }

  /** Spawn the server and run initialize/initialized (and the first configuration pull). */
  static async start(opts: StartOptions = {}): Promise<LspClient> {
    const client = new LspClient(opts);
    const configuration = opts.configuration ?? true;
    const firstConfig = configuration ? client.nextConfigurationRequest() : Promise.resolve();
    client.initializeResult = await withTimeout(
      client.connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: null,
        workspaceFolders: null,
        capabilities: {
          workspace: { configuration, didChangeConfiguration: { dynamicRegistration: true }, symbol: {} },
          textDocument: {
            synchronization: { dynamicRegistration: false },
            publishDiagnostics: { relatedInformation: true, versionSupport: true, tagSupport: { valueSet: [1, 2] } },
            documentSymbol: { hierarchicalDocumentSymbolSupport: true },
            hover: { contentFormat: ['markdown', 'plaintext'] },
            semanticTokens: {
              requests: { full: true },
              tokenTypes: [],
              tokenModifiers: [],
              formats: ['relative'],
            },
            foldingRange: {},
            codeLens: {},
            documentLink: { tooltipSupport: true },
            definition: { linkSupport: false },
            references: {},
          },
        },
      }),
      DEFAULT_TIMEOUT_MS,
      'initialize',
    );
    await client.connection.sendNotification(InitializedNotification.type, {});
    await withTimeout(firstConfig, DEFAULT_TIMEOUT_MS, 'the first workspace/configuration request');
    return client;
  }

  /** Resolves once the next workspace/configuration request (after now) has been answered. */
  nextConfigurationRequest(): Promise<void> {
    const after = this.configurationRequests;
    return new Promise((resolve) => this.configWaiters.push({ after, resolve }));
  }

  /** Change what configuration answers, notify the server and wait until it has pulled the new values. */
  async changeSettings(settings: Settings): Promise<void> {
    this.settings = settings;
    const pulled = this.nextConfigurationRequest();
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    await withTimeout(pulled, DEFAULT_TIMEOUT_MS, 'workspace/configuration after didChangeConfiguration');
  }

  /** Resolves with the (first) publishDiagnostics for `uri` of that document version, received or to come. */
  diagnostics(uri: string, version: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PublishDiagnosticsParams> {
    const seen = (this.published.get(uri) ?? []).find((p) => p.version === version);
    if (seen) return Promise.resolve(seen);
    return this.nextDiagnostics(uri, (p) => p.version === version, timeoutMs);
  }

  /** Resolves with the next publishDiagnostics for `uri` (from now on) that `accept` takes. */
  nextDiagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PublishDiagnosticsParams> {
    const p = new Promise<PublishDiagnosticsParams>((resolve) => this.diagnosticWaiters.push({ uri, accept, resolve }));
    return withTimeout(p, timeoutMs, `publishDiagnostics for ${uri}`);
  }

  /** didOpen and wait for its diagnostics. */
  async open(uri: string, text: string, languageId = 'kmemleak', version = 1): Promise<PublishDiagnosticsParams> {
    const diags = this.diagnostics(uri, version);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
    return diags;
  }

  /** didChange (full or incremental events) and wait for the diagnostics of the new version. */
  async change(uri: string, version: number, contentChanges: TextDocumentContentChangeEvent[]): Promise<PublishDiagnosticsParams> {
    const diags = this.diagnostics(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges });
    return diags;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** A request by method name, failing on timeout (a hung or crashed server). */
  request<R>(method: string, params: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<R> {
    return withTimeout(this.connection.sendRequest(method, params) as Promise<R>, timeoutMs, method);
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** The server's process id (for /proc/<pid>/status: memory, threads). */
  get pid(): number {
    return this.proc.pid!;
  }

  /** shutdown + exit, then kill if the process is still there. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.alive) {
      try {
        await withTimeout(this.connection.sendRequest(ShutdownRequest.type), 2000, 'shutdown');
        await this.connection.sendNotification(ExitNotification.type);
        await withTimeout(this.exited, 2000, 'server exit');
      } catch {
        // fall through to kill
      }
    }
    this.connection.dispose();
    if (this.alive) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

// ---- fixtures ---------------------------------------------------------------------------------

export const FIXTURES = {
  zr364xx: 'kmemleak_01_syzbot_zr364xx_vmalloc.txt',
  nvme: 'kmemleak_03_nvme_tcp_blk_iolatency.txt',
  vsock: 'kmemleak_05_syzbot_vsock_crc_symbolized.txt',
  mips: 'kmemleak_07_mips_openwrt_kmodloader.txt',
  poison: 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt',
} as const;

export interface Fixture {
  name: string;
  uri: string;
  text: string;
  lines: string[];
}

export function fixture(name: string): Fixture {
  const file = path.join(FIXTURE_DIR, name);
  const text = fs.readFileSync(file, 'utf8');
  return { name, uri: pathToFileURL(file).href, text, lines: text.split(/\r?\n/) };
}

/** Position of the first occurrence of `needle` on `line` (fails loudly if absent). */
export function positionOf(lines: string[], line: number, needle: string): { line: number; character: number } {
  const character = lines[line].indexOf(needle);
  if (character < 0) throw new Error(`"${needle}" not on line ${line}: ${lines[line]}`);
  return { line, character };
}

/** `unreferenced object 0x… (size N)` headers of a capture, read from its text. */
export function headers(lines: string[]): { line: number; character: number; address: string; size: number }[] {
  const out: { line: number; character: number; address: string; size: number }[] = [];
  lines.forEach((l, line) => {
    const m = /unreferenced object 0x([0-9a-f]+) \(size (\d+)\)/.exec(l);
    if (m) out.push({ line, character: m.index, address: m[1], size: Number(m[2]) });
  });
  return out;
}

/** The line (0-based) of the first line containing `needle` at or after `from`. */
export function lineOf(lines: string[], needle: string, from = 0): number {
  for (let i = from; i < lines.length; i++) if (lines[i].includes(needle)) return i;
  throw new Error(`"${needle}" not found after line ${from}`);
}
