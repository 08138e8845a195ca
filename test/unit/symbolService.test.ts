// The server's symbol service: settings validation, Workspace Trust (no tool runs when the
// workspace is not trusted — the runner is a spy), sharing one resolution per document version,
// and bare `call_site=` addresses in a real ftrace capture of this machine.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeLines, formatById } from '../../server/src/analysis/formats/registry';
import { splitLines } from '../../server/src/analysis/lineReader';
import { CaptureView } from '../../server/src/analysis/views/captureView';
import { ToolRequest, ToolRunner, execTool } from '../../server/src/analysis/symbolize/toolRunner';
import { SymbolService, readSymbolSettings } from '../../server/src/symbolService';
import { documentLinks } from '../../server/src/features/documentLinks';
import { DEFAULT_SOURCE_LINK_SETTINGS } from '../../server/src/features/sourceLinks';
import { pathToFileURL } from 'node:url';
import { BuiltModule, buildKmemTestModule, callSites, frameText, markerLine } from '../helpers/kmemTestModule';
import { LiveCallSite, hexCallSiteCapture, liveCallSites } from '../helpers/liveKmemTrace';
import { GENERATED } from '../helpers/fixtures';
import { formatSymbolized } from '../../server/src/analysis/symbolize/kallsyms';
import { execFileSync } from 'node:child_process';

function spy(): { runner: ToolRunner; calls: ToolRequest[] } {
  const calls: ToolRequest[] = [];
  return { calls, runner: (req) => (calls.push(req), execTool(req)) };
}

function kmemleakView(text: string): CaptureView {
  return analyzeLines(formatById('kmemleak')!, splitLines(text));
}

/** A pre-6.8 kmemleak record whose frames are the module's real return addresses. */
function moduleCapture(mod: BuiltModule): { text: string; frames: string[] } {
  const frames = callSites(mod.ko)
    .filter((c) => /kmalloc|kstrdup/.test(c.callee))
    .map(frameText);
  const text = [
    'unreferenced object 0xffff888003a4c000 (size 96):',
    '  comm "kworker/0:1", pid 31, jiffies 4294893451 (age 12.520s)',
    '  hex dump (first 32 bytes):',
    '    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk',
    '  backtrace:',
    ...frames.map((f, i) => `    [<00000000${(0xadf25388 + i).toString(16)}>] ${f}`),
    '    [<00000000ba36b6c9>] process_one_work+0x1df/0x3a0',
    '',
  ].join('\n');
  return { text, frames };
}

describe('symbol service', () => {
  let mod: BuiltModule;
  before(async () => {
    mod = await buildKmemTestModule();
  });

  it('settings: only absolute, existing paths of the right kind are used; the rest is reported', () => {
    const { config, errors } = readSymbolSettings({
      vmlinux: mod.dir,
      moduleSearchPaths: [mod.dir, 'relative/dir', mod.ko, 42, mod.dir],
      kernelSourceRoot: '/no/such/tree',
      kallsyms: 'proc/kallsyms',
      systemMap: '',
    });
    assert.deepEqual(config, { moduleSearchPaths: [mod.dir] });
    assert.equal(errors.length, 6, errors.join('\n'));
    assert.ok(errors.some((e) => /kleak.vmlinux: .* is not a file/.test(e)));
    assert.ok(errors.some((e) => /kleak.kernelSourceRoot: .* does not exist/.test(e)));
    assert.ok(errors.some((e) => /kleak.kallsyms: .* is not an absolute path/.test(e)));
    assert.deepEqual(readSymbolSettings({ moduleSearchPaths: 'not-a-list' }).errors, ['kleak.moduleSearchPaths: not a list of folders']);
    assert.deepEqual(readSymbolSettings(null), { config: { moduleSearchPaths: [] }, errors: [] });
  });

  it('untrusted workspace: the tool runner is never called, nothing resolves to a line, the reason is given', async () => {
    const s = spy();
    const service = new SymbolService(false, s.runner);
    service.configure({ moduleSearchPaths: [mod.dir] });
    const { text } = moduleCapture(mod);
    const view = kmemleakView(text);
    const result = await service.resolve('file:///capture', 1, view, text);
    assert.equal(s.calls.length, 0, 'no tool ran');
    const resolutions = [...result.frames.values()];
    assert.ok(resolutions.length >= 3);
    for (const r of resolutions) assert.equal(r.location, undefined);
    assert.ok(resolutions.some((r) => r.notes.some((n) => /not trusted/.test(n))), 'says why');
    const status = await service.status();
    assert.equal(status.trusted, false);
    assert.equal(status.runsTools, false);
  });

  it('trust granted: the same capture resolves, with one tool run, shared by every request of that version', async () => {
    const s = spy();
    const service = new SymbolService(false, s.runner);
    service.configure({ moduleSearchPaths: [mod.dir] });
    const { text, frames } = moduleCapture(mod);
    const view = kmemleakView(text);
    await service.resolve('file:///capture', 1, view, text);
    assert.equal(s.calls.length, 0);
    assert.equal(service.setTrusted(true), true);
    const [a, b] = await Promise.all([service.resolve('file:///capture', 1, view, text), service.resolve('file:///capture', 1, view, text)]);
    assert.equal(a, b, 'one resolution shared');
    assert.equal(s.calls.length, 1, 'one addr2line run for the .text frames');
    const lines = view.frames.filter((f) => f.frame.module === 'kmem_test').map((f) => a.frames.get(f.frame)?.location?.line);
    assert.equal(lines.length, frames.length);
    assert.ok(lines.includes(markerLine(mod, 'kmem_test_main.c', 'kzalloc')));
    assert.ok(lines.includes(markerLine(mod, 'kmem_test_main.c', 'kstrdup')));
    // A new version is resolved again (from the per-build-id cache: no new process).
    await service.resolve('file:///capture', 2, view, text);
    assert.equal(s.calls.length, 1);
    // Settings changed: caches dropped.
    service.configure({ moduleSearchPaths: [mod.dir], kernelSourceRoot: mod.dir });
    await service.resolve('file:///capture', 2, view, text);
    assert.equal(s.calls.length, 2);
  });

  it('an alloc_traces line of module code (`%7ld %pS`): its caller links to the local line of the call', async () => {
    const leak = callSites(mod.ko).find((c) => c.fn.name.startsWith('kmem_test_leak_buffer') && /kmalloc/.test(c.callee))!;
    const text = [`      3 ${frameText(leak)} age=1402/1402/1403 pid=31 cpus=0`, `        ${frameText(leak)}`, ''].join('\n');
    const view = analyzeLines(formatById('slub-debug')!, splitLines(text));
    const service = new SymbolService(true);
    service.configure({ moduleSearchPaths: [mod.dir] });
    const links = documentLinks(view, DEFAULT_SOURCE_LINK_SETTINGS, await service.resolve('file:///alloc_traces', 1, view, text));
    const local = `${pathToFileURL(path.join(mod.dir, 'kmem_test_main.c')).href}#L${markerLine(mod, 'kmem_test_main.c', 'kzalloc')}`;
    assert.deepEqual(
      links.map((l) => [l.range.start.line, l.range.start.character, l.target]),
      [
        [0, 8, local],
        [1, 8, local],
      ],
    );
  });

  it('call_site= hex addresses of a real ftrace capture of this machine, through the live /proc/kallsyms', async () => {
    const sites = liveCallSites();
    const text = hexCallSiteCapture(sites);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-svc-'));
    try {
      const kallsyms = path.join(tmp, 'kallsyms');
      fs.writeFileSync(kallsyms, fs.readFileSync('/proc/kallsyms'));
      const s = spy();
      const service = new SymbolService(false, s.runner);
      service.configure({ kallsyms });
      const result = await service.resolve('file:///trace', 1, analyzeLines(formatById('ftrace')!, splitLines(text)), text);
      assert.equal(result.callSites.length, sites.length);
      const lines = text.split('\n');
      for (const a of result.callSites) {
        const site = sites.find((x) => x.address === a.address)!;
        assert.equal(lines[a.symbolRange.start.line].slice(a.symbolRange.start.character, a.symbolRange.end.character), site.address);
        const r = result.frames.get(a);
        assert.equal(r?.symbolized?.symbol, site.symbol);
        assert.equal(r?.symbolized?.offset, site.offset);
        assert.equal(r?.symbolized?.size, site.size);
      }
      assert.equal(s.calls.length, 0, 'kallsyms lookups run no tool');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** `perf script` of kmem events with raw call sites (`call_site=ffffffff…`), from the same sites. */
function perfHexCallSiteCapture(sites: LiveCallSite[]): string {
  return sites
    .map((s, i) => `ls 4242 [000] ${(100 + i / 1000).toFixed(6)}: kmem:${s.event || 'kmalloc'}: call_site=${s.address} ptr=0xffff888103caef00 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL`)
    .join('\n');
}

const HIDDEN = /kallsyms \/proc\/kallsyms: every address is 0 \(read without privilege, see kptr_restrict\)/;

describe('symbol sources through the settings', () => {
  const root = process.getuid?.() === 0;

  it('kleak.kallsyms = /proc/kallsyms itself: hex call sites of a live ftrace and perf script capture, each parsed by its own parser', async () => {
    const service = new SymbolService(true);
    service.configure({ kallsyms: '/proc/kallsyms' });
    const status = await service.status();
    const kallsyms = status.sources.find((x) => x.setting === 'kallsyms')!;
    if (!root) {
      // Without root every address reads as 0: kleak says so in the status and on each call site.
      assert.equal(kallsyms.state, 'error');
      assert.match(kallsyms.detail, HIDDEN);
      const text = fs.readFileSync(path.join(GENERATED, '..', 'public', 'ftrace_kmem', 'ftrace_kmem_03_i386_boot_trace_event_kmalloc_kfree_hex_callsite.txt'), 'utf8');
      const r = await service.resolve('file:///trace', 1, analyzeLines(formatById('ftrace')!, splitLines(text)), text);
      assert.equal(r.callSites.length, 9);
      for (const f of r.callSites) assert.match(r.frames.get(f)!.notes.join('\n'), HIDDEN);
      return;
    }
    assert.equal(kallsyms.state, 'ok', kallsyms.detail);
    const sites = liveCallSites();
    assert.ok(sites.length >= 5, `${sites.length} call sites recorded`);
    for (const [format, text] of [
      ['ftrace', hexCallSiteCapture(sites)],
      ['perf-script', perfHexCallSiteCapture(sites)],
    ] as const) {
      const view = analyzeLines(formatById(format)!, splitLines(text));
      assert.equal(view.format, format);
      const r = await service.resolve(`file:///${format}`, 1, view, text);
      assert.equal(r.callSites.length, sites.length, format);
      for (const f of r.callSites) {
        const site = sites.find((x) => x.address === f.address)!;
        // The kernel's own %pS of the same address is the oracle.
        assert.equal(formatSymbolized(r.frames.get(f)!.symbolized!), formatSymbolized({ ...site, type: 'T' }), `${format} 0x${f.address}`);
      }
    }
  });

  it('an unprivileged read of /proc/kallsyms (all zeros) gives the clear message, not wrong symbols', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-svc-'));
    try {
      const hidden = path.join(tmp, 'kallsyms');
      // What a non-root user reads: the same file, every address 0.
      const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', '/proc/kallsyms'];
      fs.writeFileSync(hidden, root ? execFileSync('setpriv', asNobody, { maxBuffer: 256 * 1024 * 1024 }) : fs.readFileSync('/proc/kallsyms'));
      const service = new SymbolService(true);
      service.configure({ kallsyms: hidden });
      const detail = (await service.status()).sources.find((x) => x.setting === 'kallsyms')!.detail;
      assert.match(detail, /every address is 0 \(read without privilege, see kptr_restrict\)/);
      assert.equal(fs.readFileSync(hidden, 'utf8').split('\n').length, fs.readFileSync('/proc/kallsyms', 'utf8').split('\n').length, 'the same symbols');
      const text = fs.readFileSync(path.join(GENERATED, '..', 'public', 'ftrace_kmem', 'ftrace_kmem_03_i386_boot_trace_event_kmalloc_kfree_hex_callsite.txt'), 'utf8');
      const r = await service.resolve('file:///trace', 1, analyzeLines(formatById('ftrace')!, splitLines(text)), text);
      assert.equal(r.callSites.length, 9);
      for (const f of r.callSites) {
        assert.equal(r.frames.get(f)!.symbolized, undefined);
        assert.match(r.frames.get(f)!.notes.join('\n'), /every address is 0/);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('kleak.systemMap: a System.map made of /proc/kallsyms text symbols names the hex call sites of a live capture (needs root, as CI)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-svc-'));
    try {
      // System.map's format: `addr type name`, vmlinux only (no [module] column).
      const map = fs
        .readFileSync('/proc/kallsyms', 'utf8')
        .split('\n')
        .filter((l) => /^[0-9a-f]+ [tTwW] \S+$/.test(l))
        .join('\n');
      const systemMap = path.join(tmp, 'System.map');
      fs.writeFileSync(systemMap, map + '\n');
      const service = new SymbolService(true);
      service.configure({ systemMap });
      const s = (await service.status()).sources.find((x) => x.setting === 'systemMap')!;
      assert.equal(s.state, 'ok', s.detail);
      const sites = liveCallSites().filter((x) => !x.module);
      const text = hexCallSiteCapture(sites);
      const r = await service.resolve('file:///trace', 1, analyzeLines(formatById('ftrace')!, splitLines(text)), text);
      assert.equal(r.callSites.length, sites.length);
      for (const f of r.callSites) {
        const res = r.frames.get(f)!;
        const site = sites.find((x) => x.address === f.address)!;
        assert.equal(res.symbolized?.source, 'System.map');
        assert.equal(formatSymbolized(res.symbolized!), formatSymbolized({ ...site, type: 'T' }), `0x${f.address}`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
