// Addresses → source lines with inline chains, through one process per binary (and, for a
// relocatable .ko, per section): binutils `addr2line -f -i -a` reading every address from
// stdin; `llvm-addr2line` (same output) or `gdb -batch` (`info line`, no inline chain) when
// binutils is not installed. Builds the argument arrays and parses the outputs; the runs go
// through the ToolRunner.
import { ToolRunner } from './toolRunner';

export type LineToolKind = 'addr2line' | 'llvm-addr2line' | 'gdb';

export interface LineTool {
  kind: LineToolKind;
  /** Absolute path of the program. */
  path: string;
}

export interface SourceLine {
  /** Function the line belongs to, as the debug info names it. */
  function?: string;
  /** File as the debug info spells it (absolute or relative to the build directory). */
  file?: string;
  line?: number;
  discriminator?: number;
}

/** Innermost first: [inlined callee, …, the function the address belongs to]. */
export type InlineChain = SourceLine[];

export interface LineQuery {
  address: bigint;
  /** gdb only: the same address as an expression (`'sym'+0x1c`), for relocatable files. */
  expression?: string;
}

export interface LineBatch {
  tool: LineTool;
  binary: string;
  /** Relocatable files: the section the addresses are relative to. */
  section?: string;
  queries: LineQuery[];
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
}

export interface LineBatchResult {
  chains: Map<bigint, InlineChain>;
  /** Set when the run failed as a whole (tool missing, timeout, …). */
  error?: string;
}

/** gdb gets its addresses as command-line arguments: keep each process's list bounded. */
const GDB_CHUNK = 400;

export function addr2lineArgs(tool: LineToolKind, binary: string, section?: string): string[] {
  if (tool === 'addr2line') {
    const args = ['--functions', '--inlines', '--addresses', `--exe=${binary}`];
    if (section) args.push(`--section=${section}`);
    return args;
  }
  // llvm-addr2line has no --section; callers only use it where section-relative addresses
  // and its own are the same (non-relocatable files, or .text of a .ko).
  return ['--functions', '--inlines', '--addresses', `--obj=${binary}`];
}

export function addressInput(addresses: bigint[]): string {
  return addresses.map((a) => `0x${a.toString(16)}\n`).join('');
}

const ADDRESS_LINE = /^0x([0-9a-fA-F]{1,16})$/;
const LOCATION = /^(.*):(\d+|\?)(?: \(discriminator (\d+)\))?$/;

function sourceLine(fn: string | undefined, loc: string | undefined): SourceLine {
  const out: SourceLine = {};
  if (fn && fn !== '??') out.function = fn;
  const m = loc ? LOCATION.exec(loc) : null;
  if (m && m[1] !== '??' && m[1] !== '' && m[2] !== '?' && m[2] !== '0') {
    out.file = m[1];
    out.line = Number(m[2]);
    if (m[3] !== undefined) out.discriminator = Number(m[3]);
  }
  return out;
}

/** Parses `addr2line -f -i -a` output (binutils or LLVM): an address line, then function/location pairs. */
export function parseAddr2lineOutput(stdout: string): Map<bigint, InlineChain> {
  const chains = new Map<bigint, InlineChain>();
  const lines = stdout.split(/\r?\n/);
  let current: InlineChain | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = ADDRESS_LINE.exec(line);
    if (m) {
      current = [];
      chains.set(BigInt(`0x${m[1]}`), current);
      continue;
    }
    if (!current || line === '') continue;
    const loc = lines[i + 1];
    i++;
    const s = sourceLine(line, loc);
    if (s.file || s.function) current.push(s);
  }
  // A chain that knows no file at all is no answer.
  for (const [k, chain] of chains) if (!chain.some((s) => s.file)) chains.delete(k);
  return chains;
}

const GDB_LINE = /^Line (\d+) of "(.*)" (?:starts at address|is at address)/;

/** Parses gdb output of `echo @@kleak N\n` + `info line *(…)` pairs. */
export function parseGdbOutput(stdout: string, queries: LineQuery[]): Map<bigint, InlineChain> {
  const chains = new Map<bigint, InlineChain>();
  let index = -1;
  for (const line of stdout.split(/\r?\n/)) {
    const marker = /^@@kleak (\d+)$/.exec(line);
    if (marker) {
      index = Number(marker[1]);
      continue;
    }
    const m = GDB_LINE.exec(line);
    if (m && index >= 0 && index < queries.length && !chains.has(queries[index].address)) {
      chains.set(queries[index].address, [{ file: m[2], line: Number(m[1]) }]);
    }
  }
  return chains;
}

export function gdbArgs(binary: string, queries: LineQuery[]): string[] {
  const args = ['-q', '-batch', '-nx', '-nh'];
  queries.forEach((q, i) => {
    args.push('-ex', `echo @@kleak ${i}\\n`, '-ex', `info line *(${q.expression ?? `0x${q.address.toString(16)}`})`);
  });
  args.push(binary);
  return args;
}

/** Runs one batch: one process (gdb: one per GDB_CHUNK addresses). */
export async function runLineBatch(runner: ToolRunner, batch: LineBatch): Promise<LineBatchResult> {
  if (batch.queries.length === 0) return { chains: new Map() };
  if (batch.tool.kind === 'gdb') {
    const chains = new Map<bigint, InlineChain>();
    for (let i = 0; i < batch.queries.length; i += GDB_CHUNK) {
      const chunk = batch.queries.slice(i, i + GDB_CHUNK);
      const r = await runner({
        command: batch.tool.path,
        args: gdbArgs(batch.binary, chunk),
        timeoutMs: batch.timeoutMs,
        maxOutputBytes: batch.maxOutputBytes,
        signal: batch.signal,
      });
      if (!r.ok) return { chains, error: r.error };
      for (const [k, v] of parseGdbOutput(r.stdout, chunk)) chains.set(k, v);
    }
    return { chains };
  }
  const r = await runner({
    command: batch.tool.path,
    args: addr2lineArgs(batch.tool.kind, batch.binary, batch.section),
    input: addressInput(batch.queries.map((q) => q.address)),
    timeoutMs: batch.timeoutMs,
    maxOutputBytes: batch.maxOutputBytes,
    signal: batch.signal,
  });
  if (!r.ok) return { chains: new Map(), error: r.error };
  const chains = parseAddr2lineOutput(r.stdout);
  if (r.exitCode !== 0 && chains.size === 0) {
    return { chains, error: `${batch.tool.kind} exited with status ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  }
  return { chains };
}
