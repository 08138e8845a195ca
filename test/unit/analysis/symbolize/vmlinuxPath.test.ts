// The vmlinux path (a non-relocatable ELF with absolute addresses: no section argument to
// addr2line) and the System.map path (bare address → symbol → line), on a stand-in built here:
// a non-PIE program compiled with -g -O2, whose `nm -n` output is its System.map. Also each
// line tool on its own: binutils addr2line, llvm-addr2line and gdb (when installed) must agree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameQuery, Symbolizer, frameQueryKey } from '../../../../server/src/analysis/symbolize/symbolizer';
import { execTool, findTool } from '../../../../server/src/analysis/symbolize/toolRunner';
import { buildKmemTestModule, callSites, frameText, markerLine } from '../../../helpers/kmemTestModule';
import { parseFrame } from '../../../../server/src/analysis/frames';

const PROGRAM = `#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	char name[24];
};

static struct node *head;

static inline struct node *node_alloc(void)
{
	return malloc(sizeof(struct node)); /* KLEAK: user-inline-malloc */
}

__attribute__((noinline)) struct node *leaky_push(const char *name)
{
	struct node *n = node_alloc(); /* KLEAK: user-inline-call */

	if (!n)
		return NULL;
	strncpy(n->name, name, sizeof(n->name) - 1);
	n->next = head;
	head = n;
	return n;
}

__attribute__((noinline)) char *leaky_copy(const char *s)
{
	char *c = strdup(s); /* KLEAK: user-strdup */

	if (c)
		c[0] ^= 1;
	return c;
}

int main(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		leaky_push(argv[i]);
		leaky_copy(argv[i]);
	}
	return head == NULL;
}
`;

interface Call {
  fn: string;
  fnAddr: bigint;
  fnSize: number;
  ret: bigint;
  callee: string;
}

describe('vmlinux-style binary and System.map (non-PIE stand-in)', () => {
  let tmp: string;
  let prog: string;
  let systemMap: string;
  let calls: Call[];
  const line = (marker: string) => PROGRAM.split('\n').findIndex((l) => l.includes(`KLEAK: ${marker}`)) + 1;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-vmlinux-'));
    fs.writeFileSync(path.join(tmp, 'leaky.c'), PROGRAM);
    prog = path.join(tmp, 'leaky');
    execFileSync('gcc', ['-g', '-O2', '-no-pie', '-fno-pie', '-o', prog, 'leaky.c'], { cwd: tmp, timeout: 60_000 });
    systemMap = path.join(tmp, 'System.map');
    const nm = execFileSync('nm', ['-n', '-S', prog], { encoding: 'utf8' });
    fs.writeFileSync(path.join(tmp, 'System.map'), execFileSync('nm', ['-n', prog], { encoding: 'utf8' }));
    const sizes = new Map<string, { addr: bigint; size: number }>();
    for (const m of nm.matchAll(/^([0-9a-f]+) ([0-9a-f]+) [Tt] (\S+)$/gm)) sizes.set(m[3], { addr: BigInt(`0x${m[1]}`), size: parseInt(m[2], 16) });
    calls = [];
    let fn: string | undefined;
    let pending: { callee: string } | undefined;
    for (const l of execFileSync('objdump', ['-d', '--no-show-raw-insn', prog], { encoding: 'utf8' }).split('\n')) {
      const h = /^[0-9a-f]+ <([^>]+)>:$/.exec(l);
      if (h) {
        fn = h[1];
        pending = undefined;
        continue;
      }
      const ins = /^\s+([0-9a-f]+):\s+(\S+)(?:\s(.*))?$/.exec(l);
      if (!ins) continue;
      const at = BigInt(`0x${ins[1]}`);
      if (pending && fn && sizes.has(fn)) calls.push({ fn, fnAddr: sizes.get(fn)!.addr, fnSize: sizes.get(fn)!.size, ret: at, callee: pending.callee });
      pending = ins[2] === 'call' ? { callee: /<([^>@+]+)/.exec(ins[3] ?? '')?.[1] ?? '' } : undefined;
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const expected = [
    { fn: 'leaky_push', callee: 'malloc', marker: 'user-inline-call', inline: 'user-inline-malloc' },
    { fn: 'leaky_copy', callee: 'strdup', marker: 'user-strdup' },
    { fn: 'main', callee: 'leaky_push' },
  ];

  it('symbol+off frames (no module) resolve through kleak.vmlinux with absolute addresses', async () => {
    const s = new Symbolizer({ vmlinux: prog, moduleSearchPaths: [] }, { runner: execTool });
    for (const e of expected.filter((x) => x.marker)) {
      const c = calls.find((x) => x.fn === e.fn && x.callee === e.callee);
      assert.ok(c, `${e.fn} calls ${e.callee}`);
      const q: FrameQuery = { symbol: c.fn, offset: Number(c.ret - c.fnAddr) };
      const r = (await s.resolve([q])).get(frameQueryKey(q))!;
      assert.equal(r.sites[0]?.section, undefined, 'no section for a non-relocatable file');
      assert.equal(BigInt(`0x${r.sites[0].address}`), c.ret);
      assert.equal(r.location?.line, line(e.marker!), `${e.fn}: ${r.notes.join('; ')}`);
      assert.equal(r.location?.localPath, path.join(tmp, 'leaky.c'), 'the vmlinux folder is a source root');
      if (e.inline) assert.ok(r.sites[0].chain.some((x) => x.function === 'node_alloc' && x.line === line(e.inline!)), 'inlined helper in the chain');
    }
  });

  it('bare addresses resolve through System.map to symbol+off/len and then to the line', async () => {
    const s = new Symbolizer({ vmlinux: prog, systemMap, moduleSearchPaths: [] }, { runner: execTool });
    const c = calls.find((x) => x.fn === 'leaky_copy' && x.callee === 'strdup')!;
    const q: FrameQuery = { address: c.ret.toString(16) };
    const r = (await s.resolve([q])).get(frameQueryKey(q))!;
    assert.equal(r.symbolized?.source, 'System.map');
    assert.equal(r.symbolized?.symbol, 'leaky_copy');
    assert.equal(r.symbolized?.offset, Number(c.ret - c.fnAddr));
    assert.ok(r.symbolized!.size! >= c.fnSize, 'length to the next symbol');
    assert.equal(r.location?.line, line('user-strdup'));
  });

  it('every installed line tool answers the same (addr2line, llvm-addr2line, gdb): vmlinux-style and a module’s .text', async () => {
    const mod = await buildKmemTestModule();
    const modCall = callSites(mod.ko).find((x) => x.fn.name.startsWith('kmem_test_leak_buffer.isra') && /kmalloc/.test(x.callee))!;
    const modQuery = (() => {
      const f = parseFrame(frameText(modCall), 0, 0)!.frame;
      return { symbol: f.symbol, offset: f.offset, size: f.size, module: f.module } as FrameQuery;
    })();
    const c = calls.find((x) => x.fn === 'leaky_copy' && x.callee === 'strdup')!;
    const progQuery: FrameQuery = { symbol: c.fn, offset: Number(c.ret - c.fnAddr) };
    const tools = ['addr2line', 'llvm-addr2line', 'gdb'].filter((t) => findTool(t));
    assert.ok(tools.includes('addr2line'), 'binutils addr2line is installed');
    let reference: { file: string; line: number }[] | undefined;
    for (const tool of tools) {
      const s = new Symbolizer({ vmlinux: prog, moduleSearchPaths: [mod.dir] }, { runner: execTool, findTool: (n) => (n === tool ? findTool(n) : undefined) });
      const res = await s.resolve([progQuery, modQuery]);
      assert.equal(res.get(frameQueryKey(progQuery))?.location?.line, line('user-strdup'), `${tool} on the program`);
      const m = res.get(frameQueryKey(modQuery))!;
      assert.equal(m.sites[0]?.tool, tool);
      const chain = m.sites[0].chain.map((x) => ({ file: x.file, line: x.line }));
      if (tool === 'addr2line') {
        reference = chain;
        assert.equal(m.location?.line, markerLine(mod, 'kmem_test_main.c', 'kzalloc'), `${tool} on the module`);
      } else if (tool === 'llvm-addr2line') {
        assert.deepEqual(chain, reference, 'llvm-addr2line: the same inline chain');
        assert.equal(m.location?.function, 'kmem_test_leak_buffer');
      } else {
        // gdb's `info line` knows the innermost line only, and says so.
        assert.deepEqual(chain, reference!.slice(0, 1), 'gdb: the innermost line');
        assert.ok(m.notes.some((n) => /innermost line only/.test(n)));
      }
      assert.equal(s.runs.get(tool as 'addr2line'), 2, `${tool}: one process per binary`);
    }
    console.log(`# line tools compared: ${tools.join(', ')}`);
  });
});
