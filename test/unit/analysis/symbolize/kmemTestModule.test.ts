// Acceptance of issue 8 on a real module: kmem_test (test/fixtures/symbolize/kmem_test/) is
// built with debug info against Debian's linux-headers-amd64; its real frames — return
// addresses after each call instruction (objdump -dr), printed `sym+off/len [kmem_test]` with
// kallsyms lengths (readelf) — must resolve to the line addr2line gives for the same address
// AND to the source line holding the expected statement (each marked `KLEAK: <marker>`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseFrame } from '../../../../server/src/analysis/frames';
import { FrameQuery, FrameResolution, Symbolizer, frameQueryKey } from '../../../../server/src/analysis/symbolize/symbolizer';
import { ToolRequest, ToolRunner, execTool, findTool } from '../../../../server/src/analysis/symbolize/toolRunner';
import {
  BuiltModule,
  CallSite,
  addr2lineOracle,
  buildKmemTestModule,
  buildModuleIn,
  callSites,
  frameText,
  markerLine,
  moduleFunctions,
  sourceLine,
} from '../../../helpers/kmemTestModule';

interface Expectation {
  fn: RegExp;
  callee: RegExp;
  /** Marker of the line in the frame's own function, per source file. */
  outer: Record<string, string>;
  statement: RegExp;
  /** Inlined static helper expected in the chain: function and marker of its line. */
  inline?: { fn: string; marker: string; statement: RegExp };
}

const MAIN = 'kmem_test_main.c';
const AUX = 'kmem_test_aux.c';
const EXPECT: Expectation[] = [
  {
    fn: /^kmem_test_new_item/,
    callee: /kmalloc/,
    outer: { [MAIN]: 'inline-call' },
    statement: /kmem_test_alloc_inline\(/,
    inline: { fn: 'kmem_test_alloc_inline', marker: 'inline-kmalloc', statement: /kmalloc\(len, GFP_KERNEL\)/ },
  },
  { fn: /^kmem_test_leak_buffer\.isra/, callee: /kmalloc/, outer: { [MAIN]: 'kzalloc' }, statement: /kzalloc\(/ },
  { fn: /^kmem_test_dup_tag/, callee: /kstrdup/, outer: { [MAIN]: 'kstrdup' }, statement: /kstrdup\(/ },
  { fn: /^kmem_test_fill$/, callee: /kmalloc/, outer: { [MAIN]: 'fill-main', [AUX]: 'fill-aux' }, statement: /k[mc]alloc\(/ },
  { fn: /^kmem_test_vbuf/, callee: /vzalloc/, outer: { [MAIN]: 'vzalloc' }, statement: /vzalloc\(/ },
  { fn: /^kmem_test_work_fn$/, callee: /^kmem_test_new_item/, outer: { [MAIN]: 'work-new-item' }, statement: /kmem_test_new_item\(/ },
  { fn: /^kmem_test_work_fn$/, callee: /^kmem_test_leak_buffer/, outer: { [MAIN]: 'work-leak-buffer' }, statement: /kmem_test_leak_buffer\(/ },
  { fn: /^kmem_test_work_fn$/, callee: /^kmem_test_dup_tag/, outer: { [MAIN]: 'work-dup-tag' }, statement: /kmem_test_dup_tag\(/ },
  { fn: /^kmem_test_work_fn$/, callee: /^kmem_test_fill$/, outer: { [MAIN]: 'work-fill' }, statement: /kmem_test_fill\(/ },
  { fn: /^kmem_test_work_fn$/, callee: /^kmem_test_aux_leak$/, outer: { [MAIN]: 'work-aux' }, statement: /kmem_test_aux_leak\(/ },
  { fn: /^(init_module|kmem_test_init)$/, callee: /^\.text\.unlikely$|kmem_test_vbuf/, outer: { [MAIN]: 'init-vbuf' }, statement: /kmem_test_vbuf\(/ },
];

/** A runner that records every request and runs it for real. */
export function spyRunner(): { runner: ToolRunner; calls: ToolRequest[] } {
  const calls: ToolRequest[] = [];
  return { calls, runner: (req) => (calls.push(req), execTool(req)) };
}

function queryOf(text: string): FrameQuery {
  const parsed = parseFrame(text, 0, 0);
  assert.ok(parsed, `kleak parses ${text}`);
  const f = parsed.frame;
  return { symbol: f.symbol, offset: f.offset, size: f.size, module: f.module };
}

describe('kmem_test module with debug info: real frames land on the right source line', () => {
  let mod: BuiltModule;
  let sites: { call: CallSite; exp: Expectation; text: string }[];

  before(async () => {
    mod = await buildKmemTestModule();
    sites = [];
    for (const call of callSites(mod.ko)) {
      const exp = EXPECT.find((e) => e.fn.test(call.fn.name) && e.callee.test(call.callee));
      if (exp) sites.push({ call, exp, text: frameText(call) });
    }
  });

  it('the module has debug info, and every expected call site exists in its code', () => {
    const sections = execFileSync('readelf', ['-SW', mod.ko], { encoding: 'utf8' });
    assert.match(sections, /\.debug_info/);
    assert.match(sections, /\.debug_line/);
    for (const e of EXPECT) assert.ok(sites.some((s) => s.exp === e), `a call site for ${e.fn} → ${e.callee}`);
    // The compiler's clones and parts are really there: the rules below are exercised.
    const names = moduleFunctions(mod.ko).map((f) => f.name);
    assert.ok(names.some((n) => /\.isra\.\d+$/.test(n)), 'an .isra clone');
    assert.ok(names.some((n) => /\.constprop\.\d+/.test(n)), 'a .constprop clone');
    assert.ok(names.some((n) => /\.cold$/.test(n)), 'a .cold part');
    assert.equal(names.filter((n) => n === 'kmem_test_fill').length, 2, 'a duplicate static symbol');
  });

  it('resolves every frame to addr2line’s line for the same address and to the expected statement', async () => {
    const spy = spyRunner();
    const s = new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: spy.runner });
    const queries = sites.map((x) => queryOf(x.text));
    const resolved = await s.resolve(queries);
    const seenFiles = new Set<string>();
    for (const [i, site] of sites.entries()) {
      const r = resolved.get(frameQueryKey(queries[i]))!;
      const where = `${site.text} (call of ${site.call.callee})`;
      assert.ok(r.location, `${where}: resolved (${r.notes.join('; ')})`);
      assert.equal(r.sites.length, 1, `${where}: one function (length check)`);
      assert.equal(r.sites[0].symbol, site.call.fn.name);
      assert.equal(r.sites[0].section, site.call.fn.section);
      // The oracle: addr2line itself, one process for this one address (the call: ret − 1).
      const oracle = addr2lineOracle(mod.ko, site.call.fn.section, site.call.fn.value + site.call.returnOffset - 1);
      assert.ok(oracle.length > 0, `${where}: addr2line knows the address`);
      assert.deepEqual(
        r.sites[0].chain.map((c) => ({ function: c.function, file: c.file, line: c.line })),
        oracle,
        `${where}: same inline chain as addr2line`,
      );
      const outer = oracle[oracle.length - 1];
      assert.equal(r.location.file, outer.file);
      assert.equal(r.location.line, outer.line);
      // The source text: the line holds the statement that makes the call.
      const base = path.basename(r.location.file);
      const marker = site.exp.outer[base];
      assert.ok(marker, `${where}: resolved into ${base}, which is expected to hold ${JSON.stringify(site.exp.outer)}`);
      assert.equal(r.location.line, markerLine(mod, base, marker), `${where}: line of KLEAK: ${marker}`);
      assert.match(sourceLine(mod, r.location.file, r.location.line), site.exp.statement);
      // A local file inside the module's folder (a configured root) to link to.
      assert.equal(r.location.localPath, path.join(mod.dir, base));
      seenFiles.add(`${site.call.fn.name}:${base}`);
      if (site.exp.inline) {
        const helper = r.sites[0].chain.find((c) => c.function === site.exp.inline!.fn);
        assert.ok(helper, `${where}: the static inline helper ${site.exp.inline.fn} is in the chain`);
        assert.equal(helper.line, markerLine(mod, MAIN, site.exp.inline.marker));
        assert.match(sourceLine(mod, helper.file, helper.line), site.exp.inline.statement);
        assert.ok(r.sites[0].chain.indexOf(helper) < r.sites[0].chain.length - 1, 'the helper is inlined into the frame’s function');
      }
    }
    // The two static kmem_test_fill functions were told apart by their lengths.
    assert.ok(seenFiles.has(`kmem_test_fill:${MAIN}`) && seenFiles.has(`kmem_test_fill:${AUX}`), [...seenFiles].join(', '));
    // Frames in several sections: objcopy moves them apart in a copy, one addr2line answers all.
    assert.ok(new Set(sites.map((x) => x.call.fn.section)).size >= 2);
    assert.deepEqual(
      spy.calls.map((c) => path.basename(c.command)),
      ['objcopy', 'addr2line'],
      spy.calls.map((c) => c.args.join(' ')).join('\n'),
    );
    const [objcopy, addr2line] = spy.calls;
    assert.equal(objcopy.args.at(-2), mod.ko);
    assert.ok(addr2line.args.includes(`--exe=${objcopy.args.at(-1)}`));
    assert.ok(!addr2line.args.some((a) => a.startsWith('--section')));
    for (const c of spy.calls) assert.ok(c.timeoutMs > 0 && c.maxOutputBytes > 0, 'every run has a timeout and an output cap');
  });

  it('a .cold part resolves to its own lines (the unlikely branch)', async () => {
    const cold = moduleFunctions(mod.ko).find((f) => f.name.endsWith('.cold'))!;
    const s = new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: execTool });
    // Not a return address: a pc inside the cold part, as the first frame of an oops shows.
    const q: FrameQuery = { symbol: cold.name, offset: 3, size: cold.kallsymsSize, module: 'kmem_test', returnAddress: false };
    const r = (await s.resolve([q])).get(frameQueryKey(q))!;
    assert.equal(r.sites[0]?.section, '.text.unlikely');
    const oracle = addr2lineOracle(mod.ko, '.text.unlikely', cold.value + 3);
    assert.equal(r.location?.line, oracle[oracle.length - 1].line);
    assert.equal(r.location?.line, markerLine(mod, MAIN, 'cold-warn'));
    assert.match(sourceLine(mod, r.location!.file, r.location!.line), /pr_warn\(/);
  });

  it('faddr2line rules: a wrong length matches nothing, no length matches both duplicates, a clone name matches its function', async () => {
    const s = new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: execTool });
    const fills = moduleFunctions(mod.ko).filter((f) => f.name === 'kmem_test_fill');
    const wrong: FrameQuery = { symbol: 'kmem_test_fill', offset: 0xf, size: 0x50, module: 'kmem_test' };
    const none: FrameQuery = { symbol: 'kmem_test_fill', offset: 0xf, module: 'kmem_test' };
    const leak = moduleFunctions(mod.ko).find((f) => /^kmem_test_leak_buffer\.isra\.\d+$/.test(f.name))!;
    const clone: FrameQuery = { symbol: 'kmem_test_leak_buffer', offset: 0x13, size: leak.kallsymsSize, module: 'kmem_test' };
    const elfSize: FrameQuery = { symbol: fills[1].name, offset: 0x1b, size: fills[1].elfSize, module: 'kmem_test' };
    const res = await s.resolve([wrong, none, clone, elfSize]);
    const w = res.get(frameQueryKey(wrong))!;
    assert.equal(w.sites.length, 0);
    assert.equal(w.location, undefined);
    assert.ok(w.notes.some((n) => /has length 0x30, the frame says 0x50/.test(n)), w.notes.join('; '));
    const n = res.get(frameQueryKey(none))!;
    assert.equal(n.sites.length, 2, 'both duplicates, as faddr2line prints both');
    assert.deepEqual(n.sites.map((x) => path.basename(x.chain.at(-1)!.file)).sort(), [AUX, MAIN]);
    assert.ok(n.notes.some((x) => /duplicate static symbols/.test(x)));
    const c = res.get(frameQueryKey(clone))!;
    assert.equal(c.sites[0].symbol, leak.name);
    assert.equal(c.sites[0].exact, false);
    assert.equal(c.location?.line, markerLine(mod, MAIN, 'kzalloc'));
    const e = res.get(frameQueryKey(elfSize))!;
    assert.equal(e.sites.length, 1, 'ELF st_size is accepted as the printed length too');
    assert.equal(path.basename(e.location!.file), AUX);
  });

  it('a .constprop clone: another build\'s clone number or the plain name matches this build\'s clone', async () => {
    const dup = sites.find((x) => x.exp.outer[MAIN] === 'kstrdup')!.call;
    assert.match(dup.fn.name, /^kmem_test_dup_tag\.constprop\.\d+/, `this build has a .constprop clone: ${dup.fn.name}`);
    const s = new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: execTool });
    const printed = ['kmem_test_dup_tag.constprop.7', 'kmem_test_dup_tag'].map(
      (symbol): FrameQuery => ({ symbol, offset: dup.returnOffset, size: dup.fn.kallsymsSize, module: 'kmem_test' }),
    );
    const res = await s.resolve(printed);
    for (const q of printed) {
      const r = res.get(frameQueryKey(q))!;
      assert.deepEqual(
        r.sites.map((x) => [x.symbol, x.exact]),
        [[dup.fn.name, false]],
        q.symbol,
      );
      assert.equal(r.location?.line, markerLine(mod, MAIN, 'kstrdup'), q.symbol);
      assert.ok(r.notes.some((n) => n.includes(`matched ${dup.fn.name} (a clone of the same function)`)), r.notes.join('; '));
    }
  });

  it('two copies of the same binary (same build-id) share the line cache; a copy without build-id does not', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-buildid-'));
    try {
      const ko = path.join(tmp, 'kmem_test.ko');
      fs.copyFileSync(mod.ko, ko);
      const q = queryOf(sites.find((x) => x.exp.outer[MAIN] === 'kzalloc')!.text);
      const spy = spyRunner();
      const s = new Symbolizer({ moduleSearchPaths: [tmp] }, { runner: spy.runner });
      const line = async () => (await s.resolve([q])).get(frameQueryKey(q))!.location?.line;
      assert.equal(await line(), markerLine(mod, MAIN, 'kzalloc'));
      assert.equal(spy.calls.length, 1);
      // A fresh copy of the same bytes (new inode and mtime, same build-id): no new run.
      fs.rmSync(ko);
      fs.copyFileSync(mod.ko, ko);
      fs.utimesSync(ko, new Date(), new Date(Date.now() + 5000));
      assert.equal(await line(), markerLine(mod, MAIN, 'kzalloc'));
      assert.equal(spy.calls.length, 1, 'answered from the build-id cache');
      // The same code without its build-id note is another binary to the cache: it runs again.
      fs.rmSync(ko);
      execFileSync('objcopy', ['--remove-section=.note.gnu.build-id', mod.ko, ko]);
      assert.equal(await line(), markerLine(mod, MAIN, 'kzalloc'));
      assert.equal(spy.calls.length, 2);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a module without debug info next to its .ko.debug: the .ko.debug answers', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-kodebug-'));
    try {
      const stripped = path.join(tmp, 'lib', 'kmem_test.ko');
      const debug = path.join(tmp, 'debug', 'kmem_test.ko.debug');
      fs.mkdirSync(path.dirname(stripped), { recursive: true });
      fs.mkdirSync(path.dirname(debug), { recursive: true });
      execFileSync('objcopy', ['--strip-debug', mod.ko, stripped]);
      execFileSync('objcopy', ['--only-keep-debug', mod.ko, debug]);
      const call = sites.find((x) => x.exp.outer[MAIN] === 'kzalloc')!;
      const q = queryOf(call.text);
      const onlyStripped = await new Symbolizer({ moduleSearchPaths: [path.dirname(stripped)] }, { runner: execTool }).resolve([q]);
      const r0 = onlyStripped.get(frameQueryKey(q))!;
      assert.equal(r0.location, undefined);
      assert.ok(r0.notes.some((x) => /no debug info/.test(x)), r0.notes.join('; '));
      const both = await new Symbolizer({ moduleSearchPaths: [path.dirname(stripped), path.dirname(debug)] }, { runner: execTool }).resolve([q]);
      const r1 = both.get(frameQueryKey(q))!;
      assert.equal(r1.binary, debug);
      assert.equal(r1.location?.line, markerLine(mod, MAIN, 'kzalloc'));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('debug info with relative paths (-fdebug-prefix-map): the files are found under kleak.kernelSourceRoot', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-prefixmap-'));
    try {
      const build = path.join(tmp, 'build');
      const modules = path.join(tmp, 'modules');
      const tree = path.join(tmp, 'tree');
      for (const d of [build, modules, tree]) fs.mkdirSync(d);
      const ko = buildModuleIn(mod, build, `-fdebug-prefix-map=${build}=.`);
      // Only the .ko goes to the module folder; the sources to the "source tree".
      fs.copyFileSync(ko, path.join(modules, 'kmem_test.ko'));
      for (const f of ['kmem_test_main.c', 'kmem_test_aux.c']) fs.copyFileSync(path.join(build, f), path.join(tree, f));
      fs.rmSync(build, { recursive: true, force: true });
      const call = sites.find((x) => x.exp.outer[MAIN] === 'kzalloc')!;
      const q = queryOf(call.text);
      const without = (await new Symbolizer({ moduleSearchPaths: [modules] }, { runner: execTool }).resolve([q])).get(frameQueryKey(q))!;
      assert.equal(without.location?.line, markerLine(mod, MAIN, 'kzalloc'), 'the line is known');
      assert.ok(!without.location!.file.includes(build), `the build folder is not in the debug info: ${without.location!.file}`);
      assert.equal(without.location?.localPath, undefined, 'but the file is nowhere to open');
      const withTree = (await new Symbolizer({ moduleSearchPaths: [modules], kernelSourceRoot: tree }, { runner: execTool }).resolve([q])).get(frameQueryKey(q))!;
      assert.equal(withTree.location?.localPath, path.join(tree, MAIN));
      assert.match(fs.readFileSync(path.join(tree, MAIN), 'utf8').split('\n')[withTree.location!.line - 1], /kzalloc\(/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('10,000 frames in four sections: one objcopy and one addr2line process, results cached per build-id', async () => {
    const fns = moduleFunctions(mod.ko);
    const queries: FrameQuery[] = [];
    for (let i = 0; queries.length < 10_000; i++) {
      const f = fns[i % fns.length];
      queries.push({ symbol: f.name, offset: 1 + ((i * 7) % Math.max(1, f.kallsymsSize - 1)), size: f.kallsymsSize, module: 'kmem_test' });
    }
    const spy = spyRunner();
    const s = new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: spy.runner });
    const t0 = performance.now();
    const res = await s.resolve(queries);
    const ms = performance.now() - t0;
    const sectionsUsed = new Set(fns.map((f) => f.section));
    console.log(`# symbolize: ${queries.length} frames (${res.size} distinct) of kmem_test.ko resolved in ${ms.toFixed(0)} ms with ${spy.calls.length} processes`);
    assert.deepEqual([...sectionsUsed].sort(), ['.exit.text', '.init.text', '.text', '.text.unlikely']);
    assert.deepEqual(
      spy.calls.map((c) => path.basename(c.command)),
      ['objcopy', 'addr2line'],
    );
    const resolved = [...res.values()].filter((r: FrameResolution) => r.location).length;
    assert.ok(resolved > res.size * 0.9, `${resolved} of ${res.size} distinct frames resolved`);
    // Again, the same binary: every answer comes from the cache.
    await s.resolve(queries.slice(0, 500));
    assert.equal(spy.calls.length, 2);
  });

  it('one run on the moved copy answers exactly as one run per section (every byte of every code section)', async () => {
    const fns = moduleFunctions(mod.ko);
    const queries: FrameQuery[] = fns.flatMap((f) =>
      Array.from({ length: f.kallsymsSize }, (_, off): FrameQuery => ({ symbol: f.name, offset: off, size: f.kallsymsSize, module: 'kmem_test', returnAddress: false })),
    );
    const merged = spyRunner();
    const perSection = spyRunner();
    const a = await new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: merged.runner }).resolve(queries);
    // Without objcopy: one addr2line -j <section> per section, as before.
    const noObjcopy = (name: string) => (name === 'objcopy' ? undefined : findTool(name));
    const b = await new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: perSection.runner, findTool: noObjcopy }).resolve(queries);
    assert.equal(merged.calls.length, 2);
    assert.equal(perSection.calls.length, new Set(fns.map((f) => f.section)).size);
    assert.ok(perSection.calls.every((c) => c.args.some((x) => x.startsWith('--section='))));
    let lines = 0;
    for (const q of queries) {
      const k = frameQueryKey(q);
      assert.deepEqual(a.get(k)!.sites, b.get(k)!.sites, k);
      if (a.get(k)!.location) lines++;
    }
    assert.ok(lines > queries.length * 0.9, `${lines} of ${queries.length} bytes have a line`);
    // The copy was temporary.
    assert.deepEqual(
      fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('kleak-sections-') && merged.calls.some((c) => c.args.some((x) => x.includes(d)))),
      [],
    );
  });

  after(() => undefined);
});
