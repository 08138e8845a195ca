// Builds the kmem_test module of test/fixtures/symbolize/kmem_test/ against Debian's kernel
// headers (with debug info: Debian's config has CONFIG_DEBUG_INFO) and reads its ground truth
// with binutils directly — readelf for symbols and sections, objdump for call sites, addr2line
// for lines — independently of kleak's own ELF reader.
//
// The build is shared by the test files of one run: it goes to a temp folder named after a
// hash of the sources and the header version; the first process to create the folder builds,
// the others wait for its `.done` marker.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './fixtures';

export const MODULE_SOURCES = path.join(REPO_ROOT, 'test', 'fixtures', 'symbolize', 'kmem_test');
const SOURCE_FILES = ['kmem_test_main.c', 'kmem_test_aux.c', 'Kbuild'];
const BUILD_TIMEOUT_MS = 180_000;

export interface BuiltModule {
  dir: string;
  ko: string;
  headersVersion: string;
  /** The kbuild folder of the headers (`make -C` target). */
  headersDir: string;
  /** Lines of each C source, by absolute path. */
  sources: Map<string, string[]>;
}

export interface ModuleSection {
  index: number;
  name: string;
  size: number;
}

export interface ModuleFunction {
  name: string;
  section: string;
  value: number;
  elfSize: number;
  /** Distance to the next symbol of its section (or its end): what kallsyms prints after `/`. */
  kallsymsSize: number;
}

export interface CallSite {
  fn: ModuleFunction;
  /** Offset of the instruction after the call (the return address a stack trace shows). */
  returnOffset: number;
  /** Relocation target or direct target of the call. */
  callee: string;
}

export interface OracleLine {
  function: string;
  file: string;
  line: number;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, timeout: opts.timeout ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } });
}

async function headers(): Promise<{ version: string; dir: string }> {
  const script = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'provision-kernel-tools.mjs')).href;
  const mod = (await import(script)) as { ensureKernelTools: () => { missing: string[]; headers?: { version: string; dir: string } } };
  const r = mod.ensureKernelTools();
  if (!r.headers) throw new Error('no kernel headers after provisioning (linux-headers-amd64)');
  return r.headers;
}

let built: Promise<BuiltModule> | undefined;

/** Builds the module sources in `dir` (a fresh folder) with extra compiler flags; returns the .ko. */
export function buildModuleIn(mod: BuiltModule, dir: string, kcflags: string): string {
  for (const f of SOURCE_FILES) fs.copyFileSync(path.join(MODULE_SOURCES, f), path.join(dir, f));
  run('make', ['-C', mod.headersDir, `M=${dir}`, `KCFLAGS=${kcflags}`, 'modules'], { timeout: BUILD_TIMEOUT_MS });
  return path.join(dir, 'kmem_test.ko');
}

export function buildKmemTestModule(): Promise<BuiltModule> {
  built ??= (async () => {
    const h = await headers();
    const hash = createHash('sha256');
    hash.update(h.version);
    for (const f of SOURCE_FILES) hash.update(fs.readFileSync(path.join(MODULE_SOURCES, f)));
    const dir = path.join(os.tmpdir(), `kleak-kmem_test-${hash.digest('hex').slice(0, 16)}`);
    const done = path.join(dir, '.done');
    let mine = false;
    try {
      fs.mkdirSync(dir);
      mine = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (mine) {
      try {
        for (const f of SOURCE_FILES) fs.copyFileSync(path.join(MODULE_SOURCES, f), path.join(dir, f));
        run('make', ['-C', h.dir, `M=${dir}`, 'modules'], { timeout: BUILD_TIMEOUT_MS });
        fs.writeFileSync(done, h.version);
      } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    } else {
      const t0 = Date.now();
      while (!fs.existsSync(done)) {
        if (Date.now() - t0 > BUILD_TIMEOUT_MS) throw new Error(`timed out waiting for another process to build ${dir}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const ko = path.join(dir, 'kmem_test.ko');
    if (!fs.existsSync(ko)) throw new Error(`${ko} was not built`);
    const sources = new Map<string, string[]>();
    for (const f of SOURCE_FILES.filter((x) => x.endsWith('.c'))) sources.set(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8').split('\n'));
    return { dir, ko, headersVersion: h.version, headersDir: h.dir, sources };
  })();
  return built;
}

/** Section headers, from `readelf -SW`. */
export function moduleSections(ko: string): ModuleSection[] {
  const out: ModuleSection[] = [];
  for (const line of run('readelf', ['-SW', ko]).split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(line);
    if (m) out.push({ index: Number(m[1]), name: m[2], size: parseInt(m[3], 16) });
  }
  return out;
}

/** Function symbols, from `readelf -sW`, with kallsyms-style lengths computed as faddr2line does. */
export function moduleFunctions(ko: string): ModuleFunction[] {
  const sections = moduleSections(ko);
  const rows: { name: string; value: number; size: number; type: string; ndx: number }[] = [];
  for (const line of run('readelf', ['-sW', ko]).split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+(\w+)\s+\w+\s+\w+\s+(\w+)\s+(\S+)$/.exec(line);
    if (!m || !/^\d+$/.test(m[4])) continue;
    rows.push({ value: parseInt(m[1], 16), size: Number(m[2]), type: m[3], ndx: Number(m[4]), name: m[5] });
  }
  const fns: ModuleFunction[] = [];
  for (const r of rows) {
    if (r.type !== 'FUNC') continue;
    const sec = sections.find((s) => s.index === r.ndx)!;
    const next = rows
      .filter((x) => x.ndx === r.ndx && x.type !== 'SECTION' && x.type !== 'FILE' && x.value > r.value && x.value - r.value >= r.size)
      .map((x) => x.value)
      .sort((a, b) => a - b)[0];
    fns.push({ name: r.name, section: sec.name, value: r.value, elfSize: r.size, kallsymsSize: (next ?? sec.size) - r.value });
  }
  return fns;
}

/** Every `call` instruction of the module's functions, from `objdump -dr`. */
export function callSites(ko: string): CallSite[] {
  const fns = moduleFunctions(ko);
  const out: CallSite[] = [];
  let section = '';
  let fn: ModuleFunction | undefined;
  let pending: { at: number; target: string } | undefined;
  const lines = run('objdump', ['-dr', '--no-show-raw-insn', ko]).split('\n');
  const flush = (nextAt: number | undefined, reloc?: string) => {
    if (!pending || !fn) return;
    const callee = reloc ?? pending.target;
    if (nextAt !== undefined && !/__fentry__/.test(callee)) out.push({ fn, returnOffset: nextAt - fn.value, callee });
    pending = undefined;
  };
  for (const line of lines) {
    let m = /^Disassembly of section (\S+):$/.exec(line);
    if (m) {
      section = m[1];
      continue;
    }
    m = /^([0-9a-f]+) <([^>]+)>:$/.exec(line);
    if (m) {
      const value = parseInt(m[1], 16);
      pending = undefined;
      fn = fns.find((f) => f.section === section && f.value === value && f.name === m![2]);
      continue;
    }
    m = /^\s+[0-9a-f]+: (R_X86_64_\w+)\s+(\S+?)(?:[-+]0x[0-9a-f]+)?$/.exec(line);
    if (m && pending) {
      // The relocation names the callee; the return address is the next instruction.
      (pending as { reloc?: string }).reloc = m[2];
      continue;
    }
    m = /^\s+([0-9a-f]+):\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (m) {
      const at = parseInt(m[1], 16);
      if (pending) flush(at, (pending as { reloc?: string }).reloc);
      if (m[2] === 'call') {
        const operands = (m[3] ?? '').trim();
        const t = /<([^>+]+)/.exec(operands);
        pending = { at, target: t ? t[1] : operands };
      }
    }
  }
  return out.filter((c) => c.fn !== undefined);
}

/** What `addr2line -f -i` says for one address of one section (one process per call). */
export function addr2lineOracle(ko: string, section: string, address: number): OracleLine[] {
  const out = run('addr2line', ['-f', '-i', '-e', ko, '-j', section, `0x${address.toString(16)}`]).trim().split('\n');
  const chain: OracleLine[] = [];
  for (let i = 0; i + 1 < out.length; i += 2) {
    const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(out[i + 1]);
    if (m) chain.push({ function: out[i], file: m[1], line: Number(m[2]) });
  }
  return chain;
}

/** The 1-based line of `marker` (`KLEAK: <marker>`) in a module source. */
export function markerLine(mod: BuiltModule, file: string, marker: string): number {
  const lines = mod.sources.get(path.join(mod.dir, file));
  if (!lines) throw new Error(`no source ${file}`);
  const i = lines.findIndex((l) => l.includes(`/* KLEAK: ${marker} */`));
  if (i < 0) throw new Error(`no marker ${marker} in ${file}`);
  return i + 1;
}

/** The text of a 1-based line of a module source file (absolute path). */
export function sourceLine(mod: BuiltModule, file: string, line: number): string {
  return mod.sources.get(file)?.[line - 1] ?? '';
}

/** `name+0xoff/0xlen [kmem_test]` as a kernel stack trace prints a return address. */
export function frameText(c: CallSite): string {
  return `${c.fn.name}+0x${c.returnOffset.toString(16)}/0x${c.fn.kallsymsSize.toString(16)} [kmem_test]`;
}

/**
 * A /proc/kallsyms as it reads with the module loaded: this machine's real kallsyms (when
 * readable) followed by the module's symbols at load addresses — each allocated section placed
 * after the previous one (16-byte aligned) from `base`, like the module loader's layout.
 */
export function moduleKallsyms(ko: string, base = 0xffffffffc0a00000n): { text: string; sectionBase: Map<string, bigint> } {
  const sections = moduleSections(ko);
  const placed = new Map<string, bigint>();
  let at = base;
  for (const name of ['.text', '.text.unlikely', '.init.text', '.exit.text', '.rodata', '.rodata.str1.1', '.rodata.str1.8', '.data', '.bss']) {
    const s = sections.find((x) => x.name === name);
    if (!s) continue;
    placed.set(name, at);
    at = (at + BigInt(s.size) + 15n) & ~15n;
  }
  const lines: string[] = [];
  for (const line of run('readelf', ['-sW', ko]).split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+(FUNC|OBJECT|NOTYPE)\s+(\w+)\s+\w+\s+(\d+)\s+(\S+)$/.exec(line);
    if (!m) continue;
    const sec = sections.find((s) => s.index === Number(m[5]));
    const b = sec && placed.get(sec.name);
    if (b === undefined || m[6].startsWith('__UNIQUE_ID') || m[6].startsWith('$')) continue;
    const exec = sec!.name.includes('text');
    const global = m[4] === 'GLOBAL';
    const type = exec ? (global ? 'T' : 't') : sec!.name.startsWith('.rodata') ? (global ? 'R' : 'r') : sec!.name === '.bss' ? 'b' : global ? 'D' : 'd';
    lines.push(`${(b + BigInt(parseInt(m[1], 16))).toString(16).padStart(16, '0')} ${type} ${m[6]}\t[kmem_test]`);
  }
  return { text: lines.join('\n') + '\n', sectionBase: placed };
}
