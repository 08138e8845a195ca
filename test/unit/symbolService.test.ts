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
import { BuiltModule, buildKmemTestModule, callSites, frameText, markerLine } from '../helpers/kmemTestModule';
import { hexCallSiteCapture, liveCallSites } from '../helpers/liveKmemTrace';

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
      const result = await service.resolve('file:///trace', 1, kmemleakView(text), text);
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
