// The language server's side of symbolisation: reads the kleak.* symbol-source settings,
// knows whether the workspace is trusted (no external tool runs when it is not), and resolves
// each open capture's frames (stack frames and `call_site=` fields) once per document version,
// sharing the result between links, go-to-definition, hover and inlay hints.
import { callSiteFrames } from './analysis/callSiteFrames';
import { Frame } from './analysis/model';
import { CaptureView } from './analysis/views/captureView';
import {
  EMPTY_SYMBOL_SOURCES,
  FrameQuery,
  FrameResolution,
  SymbolSourcesConfig,
  Symbolizer,
  SymbolizerStatus,
  frameQueryKey,
  validatePath,
} from './analysis/symbolize/symbolizer';
import { ToolRunner, denyTools, execTool } from './analysis/symbolize/toolRunner';
import { SymbolSourcesStatus } from './protocol';

export interface DocumentSymbols {
  /** Resolutions of the view's stack frames and of the call-site frames, by frame. */
  frames: Map<Frame, FrameResolution>;
  /** The `call_site=` fields of the text as frames (symbolic or bare addresses). */
  callSites: Frame[];
}

/** The frame as a resolution query. */
export function frameQuery(f: Frame): FrameQuery | undefined {
  if (f.symbol) {
    // A printed `file:line` answers without tools; an offset lets the binary answer.
    if (f.offset === undefined && !(f.file && f.fileLine !== undefined)) return undefined;
    return { symbol: f.symbol, offset: f.offset, size: f.size, module: f.module, address: f.address, file: f.file, line: f.fileLine };
  }
  if (f.address) return { address: f.address, module: f.module };
  return undefined;
}

export interface SymbolSettingsResult {
  config: SymbolSourcesConfig;
  errors: string[];
}

/** The symbol-source settings from the `kleak` configuration section, validated. */
export function readSymbolSettings(c: Record<string, unknown> | null | undefined): SymbolSettingsResult {
  const errors: string[] = [];
  const config: SymbolSourcesConfig = { moduleSearchPaths: [] };
  const one = (key: 'vmlinux' | 'kernelSourceRoot' | 'kallsyms' | 'systemMap', kind: 'file' | 'dir') => {
    const v = validatePath(c?.[key], kind);
    if (v.error) errors.push(`kleak.${key}: ${v.error}`);
    else if (v.path) config[key] = v.path;
  };
  one('vmlinux', 'file');
  one('kernelSourceRoot', 'dir');
  one('kallsyms', 'file');
  one('systemMap', 'file');
  const paths = c?.moduleSearchPaths;
  if (Array.isArray(paths)) {
    for (const p of paths.slice(0, 64)) {
      const v = validatePath(p, 'dir');
      if (v.error) errors.push(`kleak.moduleSearchPaths: ${v.error}`);
      else if (v.path && !config.moduleSearchPaths.includes(v.path)) config.moduleSearchPaths.push(v.path);
    }
  } else if (paths !== undefined && paths !== null) errors.push('kleak.moduleSearchPaths: not a list of folders');
  return { config, errors };
}

export class SymbolService {
  private trustedWorkspace: boolean;
  private config: SymbolSourcesConfig = EMPTY_SYMBOL_SOURCES;
  private settingErrors: string[] = [];
  private symbolizer: Symbolizer;
  private generation = 0;
  private readonly docs = new Map<string, { version: number; generation: number; result: Promise<DocumentSymbols>; abort: AbortController }>();

  /** @param runner the runner used when the workspace is trusted (tests pass a spy). */
  constructor(
    trusted: boolean,
    private readonly runner: ToolRunner = execTool,
  ) {
    this.trustedWorkspace = trusted;
    this.symbolizer = this.makeSymbolizer();
  }

  get trusted(): boolean {
    return this.trustedWorkspace;
  }

  setTrusted(trusted: boolean): boolean {
    if (trusted === this.trustedWorkspace) return false;
    this.trustedWorkspace = trusted;
    this.reset();
    return true;
  }

  configure(settings: Record<string, unknown> | null | undefined): void {
    const { config, errors } = readSymbolSettings(settings);
    const changed = JSON.stringify(config) !== JSON.stringify(this.config) || JSON.stringify(errors) !== JSON.stringify(this.settingErrors);
    this.config = config;
    this.settingErrors = errors;
    if (changed) this.reset();
  }

  private makeSymbolizer(): Symbolizer {
    return new Symbolizer(this.config, { runner: this.trustedWorkspace ? this.runner : denyTools });
  }

  private reset(): void {
    this.generation++;
    for (const d of this.docs.values()) d.abort.abort();
    this.docs.clear();
    this.symbolizer = this.makeSymbolizer();
  }

  /** Is anything configured at all? (Without sources, features skip resolution entirely.) */
  get active(): boolean {
    return this.symbolizer.canResolveLines || this.symbolizer.canSymbolizeAddresses;
  }

  forget(uri: string): void {
    this.docs.get(uri)?.abort.abort();
    this.docs.delete(uri);
  }

  /** The resolution of a document's frames and call sites; shared by every feature. */
  async resolve(uri: string, version: number, view: CaptureView, text: string | undefined, signal?: AbortSignal): Promise<DocumentSymbols> {
    let entry = this.docs.get(uri);
    if (!entry || entry.version !== version || entry.generation !== this.generation) {
      entry?.abort.abort();
      const abort = new AbortController();
      const result = this.compute(view, text, abort.signal);
      result.catch(() => undefined);
      entry = { version, generation: this.generation, result, abort };
      this.docs.set(uri, entry);
      const mine = entry;
      result.catch(() => {
        if (this.docs.get(uri) === mine) this.docs.delete(uri);
      });
    }
    if (!signal) return entry.result;
    // A cancelled request stops waiting; the shared work goes on for the next one.
    return new Promise<DocumentSymbols>((resolve, reject) => {
      const onAbort = () => reject(new Error('cancelled'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      entry!.result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async compute(view: CaptureView, text: string | undefined, signal: AbortSignal): Promise<DocumentSymbols> {
    const frames = new Map<Frame, FrameResolution>();
    // Call sites are frames even without symbol sources: they get the web source link then.
    let callSites = text === undefined ? [] : callSiteFrames(text);
    if (callSites.length > 0) {
      // A parser that already made a call site a frame keeps its own.
      const at = (f: Frame) => `${f.symbolRange.start.line}:${f.symbolRange.start.character}`;
      const printed = new Set(view.frames.map(({ frame }) => at(frame)));
      callSites = callSites.filter((f) => !printed.has(at(f)));
    }
    if (!this.active) return { frames, callSites };
    const queries: [Frame, FrameQuery][] = [];
    for (const frame of [...view.frames.map((o) => o.frame), ...callSites]) {
      const q = frameQuery(frame);
      if (q) queries.push([frame, q]);
    }
    const resolved = await this.symbolizer.resolve(
      queries.map(([, q]) => q),
      signal,
    );
    for (const [frame, q] of queries) {
      const r = resolved.get(frameQueryKey(q));
      if (r) frames.set(frame, r);
    }
    return { frames, callSites };
  }

  async status(): Promise<SymbolSourcesStatus> {
    let s: SymbolizerStatus;
    try {
      s = await this.symbolizer.status();
    } catch (e) {
      s = { sources: [], tools: [] };
      this.settingErrors.push(String(e));
    }
    return {
      trusted: this.trustedWorkspace,
      sources: s.sources,
      tools: s.tools.map((t) => ({ kind: t.kind, path: t.path })),
      errors: [...this.settingErrors],
      runsTools: this.trustedWorkspace && s.tools.length > 0,
    };
  }
}
