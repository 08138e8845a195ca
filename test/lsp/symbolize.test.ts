// Symbolisation through the bundled server (dist/server.js): a kmemleak capture whose frames
// are real return addresses of the kmem_test module (built with debug info against Debian's
// headers), kleak.moduleSearchPaths and a kallsyms (this machine's live one + the module's
// symbols at load addresses). Checked: links to the local line, go-to-definition, hover with the
// inline chain, inlay hints on bare addresses, and Workspace Trust — the line tools on PATH are
// wrappers that log every run, so "no tool ran" is observed, not assumed.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  DocumentLink,
  ExitNotification,
  Hover,
  InitializedNotification,
  InitializeRequest,
  InlayHint,
  Location,
  MarkupContent,
  ProtocolConnection,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { LspClient, SERVER_JS } from './lspClient';
import { KallsymsTable, formatSymbolized } from '../../server/src/analysis/symbolize/kallsyms';
import { findTool } from '../../server/src/analysis/symbolize/toolRunner';
import { BuiltModule, CallSite, buildKmemTestModule, callSites, frameText, markerLine, moduleKallsyms } from '../helpers/kmemTestModule';
import type { SymbolSourcesStatus } from '../../server/src/protocol';

const TOOLS = ['addr2line', 'llvm-addr2line', 'gdb'];
const LONG = 30_000;

interface Fixture {
  tmp: string;
  mod: BuiltModule;
  kallsyms: string;
  spyLog: string;
  spyPath: string;
  uri: string;
  text: string;
  lines: string[];
  /** Line numbers of frames, by role. */
  at: { newItem: number; leakBuffer: number; bareAux: number; bareDup: number; vmlinux: number };
  sites: { newItem: CallSite; aux: CallSite; dup: CallSite };
  bases: Map<string, bigint>;
}

function hex(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

async function setup(): Promise<Fixture> {
  const mod = await buildKmemTestModule();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-lsp-sym-'));
  // Line tools on PATH are wrappers that log their runs, then run the real program.
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  const spyLog = path.join(tmp, 'tool-runs.log');
  fs.writeFileSync(spyLog, '');
  for (const t of TOOLS) {
    const real = findTool(t);
    if (!real) continue;
    fs.writeFileSync(path.join(bin, t), `#!/bin/sh\nprintf '%s\\n' "${t} $*" >> '${spyLog}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  }
  const { text: moduleLines, sectionBase } = moduleKallsyms(mod.ko);
  const live = fs.readFileSync('/proc/kallsyms', 'utf8');
  const kallsyms = path.join(tmp, 'kallsyms');
  fs.writeFileSync(kallsyms, live + moduleLines);

  const calls = callSites(mod.ko);
  const newItem = calls.find((c) => c.fn.name.startsWith('kmem_test_new_item') && /kmalloc/.test(c.callee))!;
  const leak = calls.find((c) => c.fn.name.startsWith('kmem_test_leak_buffer') && /kmalloc/.test(c.callee))!;
  const aux = calls.find((c) => c.fn.name === 'kmem_test_work_fn' && c.callee === 'kmem_test_aux_leak')!;
  const dup = calls.find((c) => c.fn.name === 'kmem_test_work_fn' && /^kmem_test_dup_tag/.test(c.callee))!;
  const addr = (c: CallSite) => sectionBase.get(c.fn.section)! + BigInt(c.fn.value + c.returnOffset);
  // A real vmlinux frame of this machine, printed the way the kernel prints it.
  const table = KallsymsTable.parse(live);
  const pow = table.find('process_one_work')[0] ?? table.find('kthread')[0];
  const powFrame = formatSymbolized(table.lookup(pow.address + 0x1dfn)!);
  const text = [
    'unreferenced object 0xffff888003a4c000 (size 96):',
    '  comm "kworker/0:1", pid 31, jiffies 4294893451 (age 12.520s)',
    '  hex dump (first 32 bytes):',
    '    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk',
    '  backtrace:',
    `    [<${hex(addr(newItem))}>] ${frameText(newItem)}`,
    `    [<${hex(addr(aux) - BigInt(aux.returnOffset) + 0x1an)}>] kmem_test_work_fn+0x1a/0x${aux.fn.kallsymsSize.toString(16)} [kmem_test]`,
    `    [<${hex(pow.address + 0x1dfn)}>] ${powFrame}`,
    'unreferenced object 0xffff888003a4d000 (size 128):',
    '  comm "kworker/0:1", pid 31, jiffies 4294893452 (age 12.516s)',
    '  backtrace:',
    `    [<${hex(addr(leak))}>] ${frameText(leak)}`,
    `    [<00000000adf25388>] 0x${hex(addr(aux))}`,
    `    [<00000000ba36b6c9>] 0x${hex(addr(dup))}`,
    `    [<00000000c2aa164b>] ${powFrame}`,
    '',
  ].join('\n');
  const lines = text.split('\n');
  const file = path.join(tmp, 'kmemleak-kmem_test.txt');
  fs.writeFileSync(file, text);
  const lineOf = (needle: string, from = 0) => lines.findIndex((l, i) => i >= from && l.includes(needle));
  return {
    tmp,
    mod,
    kallsyms,
    spyLog,
    spyPath: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    uri: pathToFileURL(file).href,
    text,
    lines,
    at: {
      newItem: lineOf(newItem.fn.name),
      leakBuffer: lineOf(leak.fn.name),
      bareAux: lineOf(`0x${hex(addr(aux))}`),
      bareDup: lineOf(`0x${hex(addr(dup))}`),
      vmlinux: lineOf(powFrame),
    },
    sites: { newItem, aux, dup },
    bases: sectionBase,
  };
}

const runs = (fx: Fixture) => fs.readFileSync(fx.spyLog, 'utf8').split('\n').filter(Boolean);
const hoverText = (h: Hover | null) => (h ? (h.contents as MarkupContent).value : '');
const localLine = (fx: Fixture, marker: string) => `${pathToFileURL(path.join(fx.mod.dir, 'kmem_test_main.c')).href}#L${markerLine(fx.mod, 'kmem_test_main.c', marker)}`;

describe('symbolisation through the language server', () => {
  let fx: Fixture;
  let client: LspClient;
  const savedPath = process.env.PATH;
  const links = () => client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: fx.uri } }, LONG);
  const linkOn = async (line: number) => (await links()).find((l) => l.range.start.line === line);
  const hover = (line: number, needle: string) =>
    client.request<Hover | null>('textDocument/hover', { textDocument: { uri: fx.uri }, position: { line, character: fx.lines[line].indexOf(needle) + 1 } }, LONG);
  const hints = () =>
    client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: fx.uri }, range: { start: { line: 0, character: 0 }, end: { line: fx.lines.length, character: 0 } } }, LONG);

  before(async () => {
    fx = await setup();
    process.env.PATH = fx.spyPath; // the server inherits it
    client = await LspClient.start({ settings: { kleak: { moduleSearchPaths: [fx.mod.dir], kallsyms: fx.kallsyms } } });
    await client.open(fx.uri, fx.text);
  });
  after(async () => {
    process.env.PATH = savedPath;
    await client?.stop();
    fs.rmSync(fx.tmp, { recursive: true, force: true });
  });

  it('declares inlay hints; restricted settings are declared for untrusted workspaces in package.json', async () => {
    assert.ok(client.initializeResult.capabilities.inlayHintProvider);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const k of ['kleak.vmlinux', 'kleak.moduleSearchPaths', 'kleak.kernelSourceRoot', 'kleak.kallsyms', 'kleak.systemMap']) {
      assert.ok(restricted.includes(k), k);
      assert.ok(pkg.contributes.configuration.properties[k], `${k} is a setting`);
    }
  });

  describe('untrusted (the default until the client says otherwise)', () => {
    it('no tool runs: module frames keep their web links, hover says why', async () => {
      const l = await linkOn(fx.at.newItem);
      assert.equal(l?.target, 'https://elixir.bootlin.com/linux/latest/C/ident/kmem_test_new_item');
      const h = hoverText(await hover(fx.at.newItem, 'kmem_test_new_item'));
      assert.match(h, /not trusted/);
      assert.deepEqual(runs(fx), []);
      const status = await client.request<SymbolSourcesStatus>('kleak/symbolSources', {});
      assert.equal(status.trusted, false);
      assert.equal(status.runsTools, false);
      assert.deepEqual(runs(fx), [], 'still nothing ran');
    });

    it('kallsyms needs no tool: bare addresses get their symbol as inlay hints', async () => {
      const hs = await hints();
      const onAux = hs.filter((h) => h.position.line === fx.at.bareAux).map((h) => String(h.label));
      assert.deepEqual(onAux, [`kmem_test_work_fn+0x${fx.sites.aux.returnOffset.toString(16)}/0x${fx.sites.aux.fn.kallsymsSize.toString(16)} [kmem_test]`]);
      assert.deepEqual(runs(fx), []);
    });
  });

  describe('after kleak/workspaceTrust { trusted: true }', () => {
    before(async () => {
      await client.connection.sendNotification('kleak/workspaceTrust', { trusted: true });
    });

    it('module frames link to the local line of the call', async () => {
      const all = await links();
      const newItem = all.find((l) => l.range.start.line === fx.at.newItem)!;
      assert.equal(newItem.target, localLine(fx, 'inline-call'));
      assert.equal(fx.lines[fx.at.newItem].slice(newItem.range.start.character, newItem.range.end.character), fx.sites.newItem.fn.name);
      assert.equal(all.find((l) => l.range.start.line === fx.at.leakBuffer)?.target, localLine(fx, 'kzalloc'));
      // Bare addresses: kallsyms → the module → its line.
      assert.equal(all.find((l) => l.range.start.line === fx.at.bareAux)?.target, localLine(fx, 'work-aux'));
      assert.equal(all.find((l) => l.range.start.line === fx.at.bareDup)?.target, localLine(fx, 'work-dup-tag'));
      // No vmlinux configured: kernel frames fall back to the web source browser.
      assert.match(all.find((l) => l.range.start.line === fx.at.vmlinux)!.target!, /^https:\/\/elixir\.bootlin\.com\/linux\/latest\/C\/ident\//);
      const r = runs(fx);
      assert.ok(r.length >= 1 && r.length <= 2, `one addr2line per section of kmem_test.ko: ${r.join(' | ')}`);
      assert.ok(r.every((x) => x.startsWith('addr2line ')));
    });

    it('go to definition opens the local file at the line', async () => {
      for (const [line, needle, marker] of [
        [fx.at.newItem, 'kmem_test_new_item', 'inline-call'],
        [fx.at.bareAux, '0xffff', 'work-aux'],
      ] as const) {
        const locs = await client.request<Location[]>(
          'textDocument/definition',
          { textDocument: { uri: fx.uri }, position: { line, character: fx.lines[line].indexOf(needle) + 2 } },
          LONG,
        );
        assert.equal(locs.length, 1);
        assert.equal(locs[0].uri, pathToFileURL(path.join(fx.mod.dir, 'kmem_test_main.c')).href);
        assert.equal(locs[0].range.start.line, markerLine(fx.mod, 'kmem_test_main.c', marker) - 1);
      }
    });

    it('hover shows the resolved line and the inline chain of the static inline helper', async () => {
      const h = hoverText(await hover(fx.at.newItem, 'kmem_test_new_item'));
      const file = path.join(fx.mod.dir, 'kmem_test_main.c');
      assert.ok(h.includes(`${file}:${markerLine(fx.mod, 'kmem_test_main.c', 'inline-call')}`), h);
      assert.match(h, /inlined `kmem_test_alloc_inline`/);
      assert.ok(h.includes(`${file}:${markerLine(fx.mod, 'kmem_test_main.c', 'inline-kmalloc')}`), h);
      assert.ok(h.includes(localLine(fx, 'inline-kmalloc')), 'the helper’s line is a link');
      assert.match(h, /\*\*Suspect frame\*\*|Not the suspect frame/, 'the capture’s own hover is kept');
      const bare = hoverText(await hover(fx.at.bareAux, '0xffff'));
      assert.match(bare, /kmem_test_work_fn\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kmem_test\]`\*\* \(from kallsyms\)/);
    });

    it('inlay hints: the symbol after a bare address and the file:line after resolved frames', async () => {
      const hs = await hints();
      const at = (line: number) => hs.filter((h) => h.position.line === line).map((h) => String(h.label));
      assert.deepEqual(at(fx.at.bareAux), [
        `kmem_test_work_fn+0x${fx.sites.aux.returnOffset.toString(16)}/0x${fx.sites.aux.fn.kallsymsSize.toString(16)} [kmem_test]`,
        `kmem_test_main.c:${markerLine(fx.mod, 'kmem_test_main.c', 'work-aux')}`,
      ]);
      assert.deepEqual(at(fx.at.newItem), [`kmem_test_main.c:${markerLine(fx.mod, 'kmem_test_main.c', 'inline-call')}`]);
      assert.deepEqual(at(fx.at.vmlinux), [], 'no vmlinux, no line');
      // Hints sit after the address / at the end of the frame, never inside the text.
      for (const h of hs) assert.ok(h.position.character <= fx.lines[h.position.line].length);
    });

    it('kleak/symbolSources reports what is in use', async () => {
      const s = await client.request<SymbolSourcesStatus>('kleak/symbolSources', {}, LONG);
      assert.equal(s.trusted, true);
      assert.equal(s.sources.find((x) => x.setting === 'moduleSearchPaths')?.state, 'ok');
      assert.match(s.sources.find((x) => x.setting === 'kallsyms')!.detail, /symbols, 1 modules/);
      assert.equal(s.sources.find((x) => x.setting === 'vmlinux')?.state, 'unset');
      assert.equal(s.tools[0].path, path.join(fx.tmp, 'bin', 'addr2line'));
    });

    it('a capture of 10,000 frames: one addr2line process per section, however many frames', async () => {
      const frames = callSites(fx.mod.ko).map(frameText);
      const records: string[] = [];
      for (let i = 0, n = 0; n < 10_000; i++) {
        const stack = frames.slice(i % 3);
        n += stack.length;
        records.push(`unreferenced object 0xffff8880${(0x10000000 + i * 0x100).toString(16)} (size 64):`, '  backtrace:', ...stack.map((f) => `    ${f}`));
      }
      const big = records.join('\n');
      const uri = pathToFileURL(path.join(fx.tmp, 'kmemleak-big.txt')).href;
      await client.open(uri, big, 'kmemleak');
      fs.writeFileSync(fx.spyLog, '');
      const t0 = performance.now();
      const got = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }, LONG);
      const ms = performance.now() - t0;
      const local = got.filter((l) => l.target?.startsWith('file:'));
      const frameCount = big.split('\n').filter((l) => l.startsWith('    ')).length;
      console.log(`# lsp symbolize: ${frameCount} frames → ${local.length} local links in ${ms.toFixed(0)} ms, ${runs(fx).length} tool runs`);
      assert.ok(frameCount >= 10_000);
      assert.equal(local.length, frameCount);
      // Every section's answers were cached from the first capture, or looked up once.
      assert.ok(runs(fx).length <= new Set(callSites(fx.mod.ko).map((c) => c.fn.section)).size, runs(fx).join(' | '));
    });
  });
});

/** A bare connection: initialize with the client's initializationOptions (LspClient sends none). */
async function startRaw(options: unknown, settings: unknown, env: NodeJS.ProcessEnv): Promise<{ conn: ProtocolConnection; proc: ChildProcess; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'], env });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  let configured: () => void = () => undefined;
  const firstConfig = new Promise<void>((r) => (configured = r));
  conn.onRequest(ConfigurationRequest.type, (p) => {
    setImmediate(configured);
    return p.items.map(() => settings);
  });
  conn.onRequest(RegistrationRequest.type, () => undefined);
  conn.onError(() => undefined);
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: null,
    initializationOptions: options,
    capabilities: { workspace: { configuration: true }, textDocument: { documentLink: {} } },
  });
  await conn.sendNotification(InitializedNotification.type, {});
  await firstConfig;
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  return {
    conn,
    proc,
    stop: async () => {
      try {
        await Promise.race([conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
        await conn.sendNotification(ExitNotification.type);
      } catch {
        // killed below
      }
      conn.dispose();
      const killer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killer);
    },
  };
}

describe('initializationOptions.trusted', () => {
  let fx: Fixture;
  before(async () => {
    fx = await setup();
  });
  after(() => fs.rmSync(fx.tmp, { recursive: true, force: true }));

  for (const trusted of [false, true]) {
    it(`trusted: ${trusted} → ${trusted ? 'addr2line runs, the link is local' : 'no process is started, the link stays on the web'}`, async () => {
      fs.writeFileSync(fx.spyLog, '');
      const raw = await startRaw({ trusted }, { moduleSearchPaths: [fx.mod.dir], kallsyms: fx.kallsyms }, { ...process.env, PATH: fx.spyPath });
      try {
        await raw.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: fx.uri, languageId: 'kmemleak', version: 1, text: fx.text } });
        const got = await raw.conn.sendRequest<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: fx.uri } });
        const target = got.find((l) => l.range.start.line === fx.at.newItem)?.target;
        if (trusted) {
          assert.equal(target, localLine(fx, 'inline-call'));
          assert.ok(runs(fx).length >= 1);
        } else {
          assert.equal(target, 'https://elixir.bootlin.com/linux/latest/C/ident/kmem_test_new_item');
          assert.deepEqual(runs(fx), []);
        }
      } finally {
        await raw.stop();
      }
    });
  }
});
