// Frames → source lines, from the symbol sources the user configured:
//  - a bare address → `symbol+off/len [mod]` through kallsyms (or System.map);
//  - `symbol+off/len [mod]` → an address in vmlinux or the module's .ko (faddr2line rules);
//  - addresses → file:line and inline chains, one addr2line process per binary (for a .ko with
//    addresses in several sections, on a copy with its sections moved apart; per section when
//    objcopy is missing), cached per binary build-id;
//  - debug-info paths → local files inside the configured source roots.
// No vscode, no LSP; external programs only through the injected ToolRunner.
import { promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseSymbol } from '../symbols';
import { InlineChain, LineQuery, LineTool, LineToolKind, runLineBatch } from './addr2line';
import { ElfError, readElf } from './elf';
import { LocatedSite, SymbolTable } from './faddr2line';
import { KallsymsTable, SymbolizedAddress, parseAddress } from './kallsyms';
import { codeSectionLayout, objcopyMoveArgs } from './sectionLayout';
import { SourceMapper, kernelRelativePath } from './sourcePaths';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TOOL_TIMEOUT_MS, ToolRunner, findTool } from './toolRunner';

export interface SymbolSourcesConfig {
  /** A vmlinux with debug info. */
  vmlinux?: string;
  /** Folders searched (recursively) for `<module>.ko` and `<module>.ko.debug`. */
  moduleSearchPaths: string[];
  /** A local kernel tree; relative debug-info paths are mapped onto it. */
  kernelSourceRoot?: string;
  /** A captured /proc/kallsyms (or the live one). */
  kallsyms?: string;
  /** A System.map. */
  systemMap?: string;
}

export const EMPTY_SYMBOL_SOURCES: SymbolSourcesConfig = { moduleSearchPaths: [] };

export interface SymbolizerOptions {
  runner: ToolRunner;
  /** Finds a program by name (default: PATH). */
  findTool?: (name: string) => string | undefined;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** A frame as printed, reduced to what resolution needs. */
export interface FrameQuery {
  symbol?: string;
  offset?: number;
  size?: number;
  module?: string;
  /** A printed address (hex digits, with or without 0x). */
  address?: string;
  /** A source location printed in the frame itself (syzbot, decode_stacktrace.sh). */
  file?: string;
  line?: number;
  /** Stack frames hold return addresses: the call is at address − 1 (default true). */
  returnAddress?: boolean;
}

export interface ResolvedLocation {
  function?: string;
  /** The file as the debug info (or the capture) names it. */
  file: string;
  line: number;
  discriminator?: number;
  /** The file on this machine, inside a configured source root. */
  localPath?: string;
  /** Its path in a kernel tree (`mm/slub.c`), for web source browsers. */
  kernelPath?: string;
}

export interface ResolvedSite {
  /** The symbol of the binary the frame was matched to (may be a clone of the printed one). */
  symbol: string;
  section?: string;
  /** The looked-up address (hex, no 0x): absolute, or relative to `section`. */
  address: string;
  exact: boolean;
  /** Innermost first; the last entry is the line in the frame's own function. */
  chain: ResolvedLocation[];
  /** The program that answered. */
  tool?: LineToolKind;
}

export interface FrameResolution {
  /** A bare address turned into a symbol through kallsyms or System.map. */
  symbolized?: SymbolizedAddress & { source: 'kallsyms' | 'System.map' };
  /** The binary whose symbols and debug info answered. */
  binary?: string;
  /** Every function the frame can be (several for duplicate static symbols). */
  sites: ResolvedSite[];
  /** Where the frame's function is: the outermost line of the first site, or the printed one. */
  location?: ResolvedLocation;
  /** Why something could not be resolved, ambiguities, the tool used. */
  notes: string[];
}

export type SourceState = 'unset' | 'ok' | 'error';

export interface SourceStatus {
  setting: 'vmlinux' | 'moduleSearchPaths' | 'kernelSourceRoot' | 'kallsyms' | 'systemMap';
  state: SourceState;
  path?: string;
  detail: string;
}

export interface SymbolizerStatus {
  sources: SourceStatus[];
  /** Line tools found, in the order they are tried. */
  tools: LineTool[];
}

/** Identity of a frame query: equal keys resolve the same. */
export function frameQueryKey(q: FrameQuery): string {
  return [q.symbol ?? '', q.offset ?? '', q.size ?? '', q.module ?? '', q.symbol ? '' : (q.address ?? '').toLowerCase(), q.file ?? '', q.line ?? '', q.returnAddress === false ? 'pc' : 'ra'].join('|');
}

const MAX_SCAN_ENTRIES = 300_000;
const MAX_SCAN_DEPTH = 10;
const MAX_KALLSYMS_BYTES = 256 * 1024 * 1024;
/** Larger binaries are looked up per section rather than copied (a .ko.debug can be huge). */
const MAX_SECTION_COPY_BYTES = 512 * 1024 * 1024;
const SAFE_SETTING_PATH = /^[^\0-\x1f]{1,4096}$/;

/** A setting's path, `~` expanded; undefined unless absolute and of the expected kind. */
export function validatePath(p: unknown, kind: 'file' | 'dir'): { path?: string; error?: string } {
  if (p === undefined || p === null || (typeof p === 'string' && p.trim() === '')) return {};
  if (typeof p !== 'string') return { error: 'not a path' };
  let v = p.trim();
  if (!SAFE_SETTING_PATH.test(v)) return { error: 'the path holds control characters' };
  if (v === '~' || v.startsWith('~/')) v = path.join(os.homedir(), v.slice(1));
  if (!path.isAbsolute(v)) return { error: `"${v}" is not an absolute path` };
  v = path.normalize(v);
  try {
    const st = fs.statSync(v);
    if (kind === 'file' && !st.isFile()) return { path: v, error: `${v} is not a file` };
    if (kind === 'dir' && !st.isDirectory()) return { path: v, error: `${v} is not a folder` };
  } catch {
    return { path: v, error: `${v} does not exist` };
  }
  return { path: v };
}

interface LoadedBinary {
  path: string;
  /** build-id, or path+mtime+size when the file has none. */
  identity: string;
  table: SymbolTable;
  hasDebugInfo: boolean;
}

interface Pending {
  binary: LoadedBinary;
  section?: string;
  address: bigint;
  expression?: string;
}

export class Symbolizer {
  readonly config: SymbolSourcesConfig;
  private readonly opts: Required<Omit<SymbolizerOptions, 'findTool'>> & { findTool: (name: string) => string | undefined };
  private readonly mapper: SourceMapper;
  private kallsymsTable?: Promise<{ kallsyms?: KallsymsTable; systemMap?: KallsymsTable; errors: string[] }>;
  private moduleIndex?: Promise<Map<string, string[]>>;
  private readonly binaries = new Map<string, Promise<LoadedBinary>>();
  /** Inline chains per binary identity and section-qualified address; null = no answer. */
  private readonly lineCache = new Map<string, Map<string, { chain: InlineChain; tool: LineToolKind } | null>>();
  private tools?: LineTool[];
  /** objcopy's path; null when it is not installed. */
  private objcopy?: string | null;
  /** Processes started, per tool kind (for status and benchmarks). */
  readonly runs = new Map<LineToolKind, number>();

  constructor(config: SymbolSourcesConfig, opts: SymbolizerOptions) {
    this.config = config;
    this.opts = {
      runner: opts.runner,
      findTool: opts.findTool ?? ((n) => findTool(n)),
      timeoutMs: opts.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
      maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    };
    const roots = [...config.moduleSearchPaths, ...(config.vmlinux ? [path.dirname(config.vmlinux)] : [])];
    this.mapper = new SourceMapper(config.kernelSourceRoot, roots);
  }

  /** Is anything configured that can turn frames into lines? */
  get canResolveLines(): boolean {
    return this.config.vmlinux !== undefined || this.config.moduleSearchPaths.length > 0 || this.config.kernelSourceRoot !== undefined;
  }

  get canSymbolizeAddresses(): boolean {
    return this.config.kallsyms !== undefined || this.config.systemMap !== undefined;
  }

  lineTools(): LineTool[] {
    if (!this.tools) {
      const kinds: LineToolKind[] = ['addr2line', 'llvm-addr2line', 'gdb'];
      this.tools = kinds.flatMap((kind) => {
        const p = this.opts.findTool(kind);
        return p ? [{ kind, path: p }] : [];
      });
    }
    return this.tools;
  }

  // ---- kallsyms / System.map ----------------------------------------------------------------

  private loadKallsyms(): Promise<{ kallsyms?: KallsymsTable; systemMap?: KallsymsTable; errors: string[] }> {
    this.kallsymsTable ??= (async () => {
      const errors: string[] = [];
      const load = async (file: string | undefined, what: string) => {
        if (!file) return undefined;
        try {
          const st = await fsp.stat(file);
          if (st.size > MAX_KALLSYMS_BYTES) throw new Error(`larger than ${MAX_KALLSYMS_BYTES} bytes`);
          const table = KallsymsTable.parse(await fsp.readFile(file, 'utf8'));
          if (table.hidden) errors.push(`${what} ${file}: every address is 0 (read without privilege, see kptr_restrict)`);
          else if (table.size === 0) errors.push(`${what} ${file}: no symbols`);
          return table;
        } catch (e) {
          errors.push(`${what} ${file}: ${(e as Error).message}`);
          return undefined;
        }
      };
      const [kallsyms, systemMap] = await Promise.all([load(this.config.kallsyms, 'kallsyms'), load(this.config.systemMap, 'System.map')]);
      return { kallsyms, systemMap, errors };
    })();
    return this.kallsymsTable;
  }

  /** `symbol+off/len [mod]` of a bare address, through kallsyms then System.map. */
  async symbolizeAddress(hex: string): Promise<FrameResolution['symbolized']> {
    const address = parseAddress(hex);
    if (address === undefined || !this.canSymbolizeAddresses) return undefined;
    const { kallsyms, systemMap } = await this.loadKallsyms();
    const k = kallsyms?.lookup(address);
    if (k) return { ...k, source: 'kallsyms' };
    const s = systemMap?.lookup(address);
    return s ? { ...s, source: 'System.map' } : undefined;
  }

  /**
   * The module of a frame printed without `[mod]` (perf script's `call_site=sym+off`, bpftrace's
   * `ffffffffc0a000c8 sym+24`): the image kallsyms gives its printed address when that names the
   * same function, else the one module that alone has a function of that name.
   */
  private async moduleFromKallsyms(symbol: string, address: string | undefined): Promise<string | undefined> {
    if (!this.canSymbolizeAddresses) return undefined;
    if (address !== undefined) {
      const s = await this.symbolizeAddress(address);
      if (s && baseSymbol(s.symbol) === baseSymbol(symbol)) return s.module;
    }
    const { kallsyms, systemMap } = await this.loadKallsyms();
    const images = (kallsyms ?? systemMap)?.imagesOf(symbol) ?? [];
    return images.length === 1 ? images[0] : undefined;
  }

  // ---- binaries ------------------------------------------------------------------------------

  private indexModules(): Promise<Map<string, string[]>> {
    this.moduleIndex ??= (async () => {
      const index = new Map<string, string[]>();
      let seen = 0;
      const walk = async (dir: string, depth: number): Promise<void> => {
        if (depth > MAX_SCAN_DEPTH || seen > MAX_SCAN_ENTRIES) return;
        let entries: fs.Dirent[];
        try {
          entries = await fsp.readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
          if (++seen > MAX_SCAN_ENTRIES) return;
          const p = path.join(dir, e.name);
          if (e.isDirectory()) await walk(p, depth + 1);
          else if (e.isFile()) {
            const m = /^(.+?)\.ko(?:\.debug)?$/.exec(e.name);
            if (m) {
              const name = m[1].replace(/-/g, '_');
              const list = index.get(name) ?? [];
              list.push(p);
              index.set(name, list);
            }
          }
        }
      };
      for (const root of this.config.moduleSearchPaths) await walk(root, 0);
      return index;
    })();
    return this.moduleIndex;
  }

  private loadBinary(file: string): Promise<LoadedBinary> {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file);
    } catch {
      // readElf reports it
    }
    const key = `${file}\0${st?.mtimeMs ?? 0}\0${st?.size ?? 0}`;
    let p = this.binaries.get(key);
    if (!p) {
      p = readElf(file).then((elf) => ({
        path: file,
        identity: elf.buildId ? `build-id:${elf.buildId}` : key,
        table: new SymbolTable(elf),
        hasDebugInfo: elf.hasDebugInfo,
      }));
      // A failed load is not remembered: the file may be fixed.
      p.catch(() => this.binaries.delete(key));
      this.binaries.set(key, p);
    }
    return p;
  }

  /** The binary that holds a frame's function: vmlinux, or the module's .ko (with debug info first). */
  private async binaryFor(module: string | undefined, notes: string[]): Promise<LoadedBinary | undefined> {
    if (!module) {
      if (!this.config.vmlinux) {
        notes.push('No vmlinux configured (kleak.vmlinux).');
        return undefined;
      }
      try {
        const b = await this.loadBinary(this.config.vmlinux);
        if (!b.hasDebugInfo) notes.push(`${this.config.vmlinux} has no debug info: lines may be missing.`);
        return b;
      } catch (e) {
        notes.push(`vmlinux ${this.config.vmlinux}: ${(e as Error).message}`);
        return undefined;
      }
    }
    const files = (await this.indexModules()).get(module.replace(/-/g, '_')) ?? [];
    if (files.length === 0) {
      notes.push(`No ${module}.ko found in kleak.moduleSearchPaths.`);
      return undefined;
    }
    let fallback: LoadedBinary | undefined;
    for (const f of files) {
      try {
        const b = await this.loadBinary(f);
        if (b.hasDebugInfo) return b;
        fallback ??= b;
      } catch (e) {
        notes.push(`${f}: ${(e as Error).message}`);
      }
    }
    if (fallback) notes.push(`${fallback.path} has no debug info: lines may be missing.`);
    return fallback;
  }

  // ---- resolution ----------------------------------------------------------------------------

  /** Resolves frames; equal queries are resolved once. Never throws (except when aborted). */
  async resolve(queries: FrameQuery[], signal?: AbortSignal): Promise<Map<string, FrameResolution>> {
    const out = new Map<string, FrameResolution>();
    const unique = new Map<string, FrameQuery>();
    for (const q of queries) unique.set(frameQueryKey(q), q);

    const useKallsyms = this.canSymbolizeAddresses ? await this.kallsymsAgrees([...unique.values()]) : { ok: false, note: undefined };
    interface Work {
      res: FrameResolution;
      q: FrameQuery;
      symbol?: string;
      offset?: number;
      size?: number;
      module?: string;
      located: LocatedSite[];
      binary?: LoadedBinary;
    }
    const work: Work[] = [];
    for (const [key, q] of unique) {
      const res: FrameResolution = { sites: [], notes: [] };
      out.set(key, res);
      const w: Work = { res, q, symbol: q.symbol, offset: q.offset, size: q.size, module: q.module, located: [] };
      work.push(w);
      if (!q.symbol && q.address !== undefined) {
        if (!this.canSymbolizeAddresses) res.notes.push('No kallsyms or System.map configured: the address stays unresolved.');
        else if (!useKallsyms.ok) res.notes.push(useKallsyms.note ?? 'kallsyms does not match this capture.');
        else {
          const s = await this.symbolizeAddress(q.address);
          if (s) {
            res.symbolized = s;
            w.symbol = s.symbol;
            w.offset = s.offset;
            w.size = s.size;
            w.module = s.module;
          } else {
            // An unreadable or all-zero kallsyms says so rather than "no symbol covers it".
            const { errors } = await this.loadKallsyms();
            const why = errors.length > 0 ? ` ${errors.join('; ')}.` : '';
            res.notes.push(`No text symbol covers 0x${q.address.replace(/^0x/, '')} in ${this.config.kallsyms ? 'kallsyms' : 'System.map'}.${why}`);
          }
        }
      }
      if (q.symbol && !q.module && useKallsyms.ok) w.module = await this.moduleFromKallsyms(q.symbol, q.address);
      if (q.file && q.line !== undefined) {
        res.location = this.location({ file: q.file, line: q.line, function: q.symbol ? baseSymbol(q.symbol) : undefined });
      }
    }
    signal?.throwIfAborted();

    // Symbols → addresses (faddr2line rules), then one line lookup per binary and section.
    const pending = new Map<string, Pending[]>();
    for (const w of work) {
      if (w.res.location || w.symbol === undefined || w.offset === undefined) continue;
      if (!this.config.vmlinux && this.config.moduleSearchPaths.length === 0) continue;
      const binary = await this.binaryFor(w.module, w.res.notes);
      if (!binary) continue;
      w.binary = binary;
      w.res.binary = binary.path;
      const { sites, rejected } = binary.table.locate({ symbol: w.symbol, offset: w.offset, size: w.size });
      if (sites.length === 0) {
        w.res.notes.push(...rejected.slice(0, 5));
        continue;
      }
      if (sites.length > 1) w.res.notes.push(`${sites.length} functions named ${w.symbol} match: duplicate static symbols.`);
      if (!sites[0].exact) w.res.notes.push(`${w.symbol} is not in ${binary.path}; matched ${sites[0].symbol.name} (a clone of the same function).`);
      w.located = sites;
      for (const site of sites) {
        const address = lookupAddress(site, w.q.returnAddress !== false);
        const list = pending.get(binary.identity) ?? [];
        list.push({ binary, section: site.section, address, expression: gdbExpression(site, binary, w.q.returnAddress !== false) });
        pending.set(binary.identity, list);
      }
    }
    const errors = new Map<string, string>();
    for (const list of pending.values()) {
      // A .ko's sections in one run when they can be, else one run per section.
      if (await this.lookupAllSections(list, signal)) continue;
      const bySection = new Map<string, Pending[]>();
      for (const p of list) {
        const group = bySection.get(p.section ?? '');
        if (group) group.push(p);
        else bySection.set(p.section ?? '', [p]);
      }
      for (const group of bySection.values()) {
        const error = await this.lookupLines(group, signal);
        if (error) errors.set(`${group[0].binary.identity}\0${group[0].section ?? ''}`, error);
      }
    }
    signal?.throwIfAborted();

    for (const w of work) {
      if (!w.binary) continue;
      const cache = this.lineCache.get(w.binary.identity);
      for (const site of w.located) {
        const address = lookupAddress(site, w.q.returnAddress !== false);
        const hit = cache?.get(cacheKey(site.section, address));
        const resolved: ResolvedSite = {
          symbol: site.symbol.name,
          section: site.section,
          address: site.address.toString(16),
          exact: site.exact,
          chain: (hit?.chain ?? []).flatMap((s) => (s.file && s.line !== undefined ? [this.location({ ...s, file: s.file, line: s.line })] : [])),
        };
        if (hit) resolved.tool = hit.tool;
        // llvm-addr2line names a .ko's outermost function from the wrong section's symbols.
        if (hit?.tool === 'llvm-addr2line' && site.section && resolved.chain.length > 0) resolved.chain[resolved.chain.length - 1].function = baseSymbol(site.symbol.name);
        w.res.sites.push(resolved);
      }
      const first = w.res.sites.find((s) => s.chain.length > 0);
      if (first) w.res.location = first.chain[first.chain.length - 1];
      if (first?.tool === 'gdb') w.res.notes.push('Resolved with gdb, which gives the innermost line only (no inline chain): install binutils for the line in the function itself.');
      else if (!first && w.located.length > 0) {
        // Only when no site found a line: otherwise the hover would deny what it just showed.
        const err = errors.get(`${w.binary.identity}\0${w.located[0].section ?? ''}`);
        w.res.notes.push(err ?? `No line information for ${w.symbol}+0x${(w.offset ?? 0).toString(16)} in ${w.binary.path}.`);
      }
    }
    return out;
  }

  private location(s: { function?: string; file: string; line: number; discriminator?: number }): ResolvedLocation {
    const loc: ResolvedLocation = { file: s.file, line: s.line };
    if (s.function) loc.function = s.function;
    if (s.discriminator !== undefined) loc.discriminator = s.discriminator;
    const local = this.mapper.localPath(s.file);
    if (local) loc.localPath = local;
    const kernelPath = kernelRelativePath(s.file);
    if (kernelPath) loc.kernelPath = kernelPath;
    return loc;
  }

  /**
   * The lines of a relocatable binary's addresses in several code sections with one addr2line
   * run, on a copy whose sections objcopy moved apart (see sectionLayout.ts). False when that
   * does not apply or fails: the caller then runs once per section.
   */
  private async lookupAllSections(list: Pending[], signal?: AbortSignal): Promise<boolean> {
    const binary = list[0].binary;
    const tool = this.lineTools()[0];
    if (!binary.table.relocatable || tool?.kind !== 'addr2line') return false;
    const cache = this.lineCache.get(binary.identity) ?? new Map<string, { chain: InlineChain; tool: LineToolKind } | null>();
    const todo = list.filter((p) => !cache.has(cacheKey(p.section, p.address)));
    if (new Set(todo.map((p) => p.section)).size < 2) return false;
    const layout = codeSectionLayout(binary.table.elf.sections);
    if (this.objcopy === undefined) this.objcopy = this.opts.findTool('objcopy') ?? null;
    const objcopy = this.objcopy;
    if (!layout || !objcopy || !todo.every((p) => p.section !== undefined && layout.has(p.section))) return false;
    try {
      if ((await fsp.stat(binary.path)).size > MAX_SECTION_COPY_BYTES) return false;
    } catch {
      return false;
    }
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kleak-sections-'));
    try {
      const copy = path.join(dir, 'moved.ko');
      const moved = await this.opts.runner({
        command: objcopy,
        args: objcopyMoveArgs(layout, binary.path, copy),
        timeoutMs: this.opts.timeoutMs,
        maxOutputBytes: this.opts.maxOutputBytes,
        signal,
      });
      signal?.throwIfAborted();
      if (!moved.ok || moved.exitCode !== 0) return false;
      const at = (p: Pending) => layout.get(p.section!)! + p.address;
      this.runs.set(tool.kind, (this.runs.get(tool.kind) ?? 0) + 1);
      const r = await runLineBatch(this.opts.runner, {
        tool,
        binary: copy,
        queries: todo.map((p) => ({ address: at(p) })),
        timeoutMs: this.opts.timeoutMs,
        maxOutputBytes: this.opts.maxOutputBytes,
        signal,
      });
      signal?.throwIfAborted();
      if (r.error && r.chains.size === 0) return false;
      this.lineCache.set(binary.identity, cache);
      for (const p of todo) {
        const chain = r.chains.get(at(p));
        cache.set(cacheKey(p.section, p.address), chain ? { chain, tool: tool.kind } : null);
      }
      return true;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }

  /** Looks up the lines of one binary section's addresses; returns an error message if every tool failed. */
  private async lookupLines(list: Pending[], signal?: AbortSignal): Promise<string | undefined> {
    const binary = list[0].binary;
    const section = list[0].section;
    let cache = this.lineCache.get(binary.identity);
    if (!cache) this.lineCache.set(binary.identity, (cache = new Map()));
    const todo = new Map<bigint, Pending>();
    for (const p of list) if (!cache.has(cacheKey(section, p.address))) todo.set(p.address, p);
    if (todo.size === 0) return undefined;
    const tools = this.lineTools();
    if (tools.length === 0) return 'No addr2line, llvm-addr2line or gdb found on PATH.';
    let lastError: string | undefined;
    for (const tool of tools) {
      const relocatable = binary.table.relocatable;
      // llvm-addr2line cannot pick a section of a .ko: only .text addresses mean the same to it.
      if (tool.kind === 'llvm-addr2line' && relocatable && section !== '.text') continue;
      const queries: LineQuery[] = [...todo.values()].flatMap((p) => {
        if (tool.kind === 'gdb' && relocatable) return p.expression ? [{ address: p.address, expression: p.expression }] : [];
        return [{ address: p.address }];
      });
      if (queries.length === 0) continue;
      this.runs.set(tool.kind, (this.runs.get(tool.kind) ?? 0) + 1);
      const r = await runLineBatch(this.opts.runner, {
        tool,
        binary: binary.path,
        section,
        queries,
        timeoutMs: this.opts.timeoutMs,
        maxOutputBytes: this.opts.maxOutputBytes,
        signal,
      });
      signal?.throwIfAborted();
      if (r.error && r.chains.size === 0) {
        lastError = `${tool.kind}: ${r.error}`;
        // A tool that ran but timed out would be as slow the next time; a missing one is skipped.
        if (/timed out|output larger|not trusted/.test(r.error)) break;
        continue;
      }
      for (const q of queries) {
        const chain = r.chains.get(q.address);
        cache.set(cacheKey(section, q.address), chain ? { chain, tool: tool.kind } : null);
      }
      return undefined;
    }
    return lastError;
  }

  /**
   * Frames printed with both a real address and a symbol tell whether kallsyms belongs to the
   * capture's boot: if most disagree, its addresses (KASLR) are another boot's.
   */
  private async kallsymsAgrees(queries: FrameQuery[]): Promise<{ ok: boolean; note?: string }> {
    let agree = 0;
    let disagree = 0;
    for (const q of queries) {
      if (!q.symbol || q.address === undefined || q.offset === undefined) continue;
      const s = await this.symbolizeAddress(q.address);
      if (!s) continue;
      if (baseSymbol(s.symbol) === baseSymbol(q.symbol) && s.offset === q.offset) agree++;
      else disagree++;
      if (agree + disagree >= 200) break;
    }
    if (disagree > agree) {
      return { ok: false, note: `kallsyms/System.map does not match this capture (${disagree} of ${agree + disagree} printed addresses name other symbols): another boot or kernel?` };
    }
    return { ok: true };
  }

  // ---- status --------------------------------------------------------------------------------

  async status(): Promise<SymbolizerStatus> {
    const sources: SourceStatus[] = [];
    const c = this.config;
    if (c.vmlinux) {
      try {
        const b = await this.loadBinary(c.vmlinux);
        sources.push({
          setting: 'vmlinux',
          state: 'ok',
          path: c.vmlinux,
          detail: `${b.table.functionCount} functions${b.hasDebugInfo ? ', debug info' : ', no debug info'}${b.identity.startsWith('build-id:') ? `, build-id ${b.identity.slice(9, 21)}…` : ''}`,
        });
      } catch (e) {
        sources.push({ setting: 'vmlinux', state: 'error', path: c.vmlinux, detail: e instanceof ElfError ? e.message : String(e) });
      }
    } else sources.push({ setting: 'vmlinux', state: 'unset', detail: 'not set' });
    if (c.moduleSearchPaths.length > 0) {
      const index = await this.indexModules();
      sources.push({ setting: 'moduleSearchPaths', state: 'ok', path: c.moduleSearchPaths.join(', '), detail: `${index.size} modules found` });
    } else sources.push({ setting: 'moduleSearchPaths', state: 'unset', detail: 'not set' });
    sources.push(
      c.kernelSourceRoot
        ? { setting: 'kernelSourceRoot', state: 'ok', path: c.kernelSourceRoot, detail: 'local kernel tree' }
        : { setting: 'kernelSourceRoot', state: 'unset', detail: 'not set' },
    );
    if (c.kallsyms || c.systemMap) {
      const { kallsyms, systemMap, errors } = await this.loadKallsyms();
      for (const [setting, file, table] of [
        ['kallsyms', c.kallsyms, kallsyms],
        ['systemMap', c.systemMap, systemMap],
      ] as const) {
        if (!file) sources.push({ setting, state: 'unset', detail: 'not set' });
        else {
          const err = errors.find((e) => e.includes(file));
          sources.push(
            table && !err
              ? { setting, state: 'ok', path: file, detail: `${table.size} symbols${table.modules.size ? `, ${table.modules.size} modules` : ''}` }
              : { setting, state: 'error', path: file, detail: err ?? 'unreadable' },
          );
        }
      }
    } else {
      sources.push({ setting: 'kallsyms', state: 'unset', detail: 'not set' }, { setting: 'systemMap', state: 'unset', detail: 'not set' });
    }
    return { sources, tools: this.lineTools() };
  }
}

function cacheKey(section: string | undefined, address: bigint): string {
  return `${section ?? ''}:${address.toString(16)}`;
}

/** A return address's call is the byte before it (unless it is the function's first byte). */
function lookupAddress(site: LocatedSite, returnAddress: boolean): bigint {
  return returnAddress && site.offset > 0 ? site.address - 1n : site.address;
}

/** gdb names a relocatable file's addresses by symbol; only unambiguous, plain names qualify. */
function gdbExpression(site: LocatedSite, binary: LoadedBinary, returnAddress: boolean): string | undefined {
  const name = site.symbol.name;
  if (!binary.table.relocatable || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) || binary.table.named(name).length !== 1) return undefined;
  const off = returnAddress && site.offset > 0 ? site.offset - 1 : site.offset;
  return `'${name}'+0x${off.toString(16)}`;
}
