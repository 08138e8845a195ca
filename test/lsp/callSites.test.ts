// `call_site=` fields through the bundled server: in an ftrace and a perf script capture whose
// call sites are real return addresses of the kmem_test module (built with debug info), printed
// every way the kernel and perf print them — `%pS` with `[kmem_test]`, perf's `sym+off` without
// module, and raw hex — and a bpftrace kstack(perf) with the module's addresses. With
// kleak.moduleSearchPaths and a kallsyms (this machine's live one + the module's symbols at load
// addresses), each links to, goes to and hovers with the local line of the call.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DocumentLink, Hover, InlayHint, Location, MarkupContent } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { KallsymsTable } from '../../server/src/analysis/symbolize/kallsyms';
import { BuiltModule, CallSite, buildKmemTestModule, callSites, frameText, markerLine, moduleKallsyms } from '../helpers/kmemTestModule';

const LONG = 30_000;

interface Capture {
  uri: string;
  lines: string[];
  languageId: string;
}

describe('call_site= fields and bpftrace frames through the language server', () => {
  let mod: BuiltModule;
  let tmp: string;
  let client: LspClient;
  let newItem: CallSite;
  let leak: CallSite;
  let bases: Map<string, bigint>;
  let ftrace: Capture;
  let perf: Capture;
  let bpftrace: Capture;
  let powHex: string;

  const addr = (c: CallSite) => bases.get(c.fn.section)! + BigInt(c.fn.value + c.returnOffset);
  const hex = (v: bigint) => v.toString(16).padStart(16, '0');
  const localLine = (marker: string) => `${pathToFileURL(path.join(mod.dir, 'kmem_test_main.c')).href}#L${markerLine(mod, 'kmem_test_main.c', marker)}`;
  const lineOf = (c: Capture, needle: string) => c.lines.findIndex((l) => l.includes(needle));
  const links = (c: Capture) => client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: c.uri } }, LONG);
  const linkAt = async (c: Capture, needle: string) => {
    const line = lineOf(c, needle);
    const col = c.lines[line].indexOf(needle);
    return (await links(c)).find((l) => l.range.start.line === line && l.range.start.character === col);
  };
  const at = (c: Capture, needle: string) => ({ line: lineOf(c, needle), character: c.lines[lineOf(c, needle)].indexOf(needle) + 2 });
  const hover = async (c: Capture, needle: string) => {
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: c.uri }, position: at(c, needle) }, LONG);
    return h ? (h.contents as MarkupContent).value : '';
  };
  const definition = (c: Capture, needle: string) => client.request<Location[]>('textDocument/definition', { textDocument: { uri: c.uri }, position: at(c, needle) }, LONG);

  async function open(name: string, languageId: string, lines: string[]): Promise<Capture> {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, lines.join('\n'));
    const c = { uri: pathToFileURL(file).href, lines, languageId };
    await client.open(c.uri, lines.join('\n'), languageId);
    return c;
  }

  before(async () => {
    mod = await buildKmemTestModule();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-lsp-callsites-'));
    const calls = callSites(mod.ko);
    newItem = calls.find((c) => c.fn.name.startsWith('kmem_test_new_item') && /kmalloc/.test(c.callee))!;
    leak = calls.find((c) => c.fn.name.startsWith('kmem_test_leak_buffer') && /kmalloc/.test(c.callee))!;
    const k = moduleKallsyms(mod.ko);
    bases = k.sectionBase;
    const live = fs.readFileSync('/proc/kallsyms', 'utf8');
    const kallsyms = path.join(tmp, 'kallsyms');
    fs.writeFileSync(kallsyms, live + k.text);
    const table = KallsymsTable.parse(live);
    const pow = table.find('process_one_work')[0];
    assert.ok(pow, 'process_one_work in /proc/kallsyms');
    powHex = hex(pow.address + 0x18cn);

    client = await LspClient.start({ settings: { kleak: { moduleSearchPaths: [mod.dir], kallsyms } } });
    await client.connection.sendNotification('kleak/workspaceTrust', { trusted: true });
    // ftrace as 6.x prints kmem events (%pS), as in ../shared/captures/generated/ftrace-kmalloc-1024.trace.
    ftrace = await open('ftrace-kmem_test.trace', 'ftrace', [
      '# tracer: nop',
      '#',
      `     kworker/0:1-31      [000] .....   851.648645: kmalloc: call_site=${frameText(newItem)} ptr=00000000277ca191 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL node=-1 accounted=false`,
      `     kworker/0:1-31      [000] .....   851.648702: kmalloc: call_site=${hex(addr(leak))} ptr=000000009fdf3923 bytes_req=128 bytes_alloc=128 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false`,
      '           <...>-19871   [001] .....  1280.090885: kmem_cache_free: call_site=__fput+0x141/0x2a0 ptr=000000009fdf3923 name=lsm_file_cache',
      '',
    ]);
    // perf script prints `%pS` of modules without `[mod]` and without the size.
    perf = await open('perf-kmem_test.txt', 'perf-script', [
      `kworker/0:1    31 [000]   851.648645: kmem:kmalloc: call_site=${newItem.fn.name}+0x${newItem.returnOffset.toString(16)} ptr=0xffff888003a4c000 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL node=-1 accounted=false`,
      `kworker/0:1    31 [000]   851.648702: kmem:kmalloc: call_site=${leak.fn.name}+0x${leak.returnOffset.toString(16)} ptr=0xffff888003a4d000 bytes_req=128 bytes_alloc=128 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false`,
      '',
    ]);
    // bpftrace kstack(perf): address, then symbol+decimal offset, no module.
    bpftrace = await open('bpftrace-kmem_test.txt', 'bpftrace-output', [
      'Attaching 1 probe...',
      '@[',
      `\t${hex(addr(newItem))} ${newItem.fn.name}+${newItem.returnOffset}`,
      `\t${powHex} process_one_work+396`,
      ']: 3',
      '',
    ]);
  });
  after(async () => {
    await client?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ftrace %pS call site of module code: link, definition and hover at the local line', async () => {
    const l = await linkAt(ftrace, newItem.fn.name);
    assert.equal(l?.target, localLine('inline-call'));
    const locs = await definition(ftrace, newItem.fn.name);
    assert.deepEqual(
      locs.map((x) => [x.uri, x.range.start.line]),
      [[pathToFileURL(path.join(mod.dir, 'kmem_test_main.c')).href, markerLine(mod, 'kmem_test_main.c', 'inline-call') - 1]],
    );
    const h = await hover(ftrace, newItem.fn.name);
    assert.ok(h.includes(`${path.join(mod.dir, 'kmem_test_main.c')}:${markerLine(mod, 'kmem_test_main.c', 'inline-call')}`), h);
    assert.match(h, /inlined `kmem_test_alloc_inline`/);
    assert.doesNotMatch(h, /No line information/, 'a resolved frame has no "no line" note');
    assert.ok(h.includes(`Symbols: \`${path.join(mod.dir, 'kmem_test.ko')}\``), 'the path keeps its underscores');
  });

  it('ftrace raw hex call site: kallsyms names it, then it links and goes to the local line', async () => {
    const digits = hex(addr(leak));
    assert.equal((await linkAt(ftrace, digits))?.target, localLine('kzalloc'));
    const locs = await definition(ftrace, digits);
    assert.deepEqual(
      locs.map((x) => x.range.start.line),
      [markerLine(mod, 'kmem_test_main.c', 'kzalloc') - 1],
    );
    const h = await hover(ftrace, digits);
    assert.ok(h.includes(`**\`${leak.fn.name}+0x${leak.returnOffset.toString(16)}/0x${leak.fn.kallsymsSize.toString(16)} [kmem_test]\`** (from kallsyms)`), h);
    assert.doesNotMatch(h, /No line information/);
    const hs = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: ftrace.uri }, range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } } }, LONG);
    assert.deepEqual(
      hs.filter((x) => x.position.line === lineOf(ftrace, digits)).map((x) => String(x.label)),
      [`${leak.fn.name}+0x${leak.returnOffset.toString(16)}/0x${leak.fn.kallsymsSize.toString(16)} [kmem_test]`, `kmem_test_main.c:${markerLine(mod, 'kmem_test_main.c', 'kzalloc')}`],
    );
  });

  it('a kernel call site without vmlinux links to the web source browser', async () => {
    assert.equal((await linkAt(ftrace, '__fput'))?.target, 'https://elixir.bootlin.com/linux/latest/C/ident/__fput');
  });

  it('perf script `call_site=sym+off` of module code: kallsyms finds the module, the .ko the line', async () => {
    assert.equal((await linkAt(perf, newItem.fn.name))?.target, localLine('inline-call'));
    assert.equal((await linkAt(perf, leak.fn.name))?.target, localLine('kzalloc'));
    assert.doesNotMatch(await hover(perf, leak.fn.name), /No line information/);
  });

  it('bpftrace kstack frame without [mod]: its printed address finds the module in kallsyms', async () => {
    assert.equal((await linkAt(bpftrace, newItem.fn.name))?.target, localLine('inline-call'));
    assert.match((await linkAt(bpftrace, 'process_one_work'))!.target!, /^https:\/\/elixir\.bootlin\.com\/linux\/latest\/C\/ident\/process_one_work$/);
  });
});

describe('call_site= fields without symbol sources', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start({ settings: { kleak: {} } });
  });
  after(async () => client?.stop());

  it('a symbolic call site still links to the web source browser; a bare address does not', async () => {
    const uri = pathToFileURL(path.join(os.tmpdir(), 'kleak-no-sources-callsites.trace')).href;
    const text = [
      '     kworker/0:1-31      [000] .....   851.648645: kmalloc: call_site=__alloc_skb+0x80/0x1a0 ptr=00000000277ca191 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL node=-1 accounted=false',
      '     kworker/0:1-31      [000] .....   851.648702: kfree: call_site=ffffffff81e2b4be ptr=00000000277ca191',
      '',
    ].join('\n');
    await client.open(uri, text, 'ftrace');
    const got = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }, LONG);
    assert.deepEqual(
      got.map((l) => [l.range.start.line, l.target]),
      [[0, 'https://elixir.bootlin.com/linux/latest/C/ident/__alloc_skb']],
    );
  });
});
