// The scaffolding commands in VS Code's real extension host: each command, given its options
// (as a code action passes them), writes its files into the workspace,
// opens the main file, refuses a hostile value without writing, and the kmemleak light bulb
// offers the stap script for a leaked object's suspect function.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

interface Result {
  written: string[];
  cancelled?: string;
}

const root = () => {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace must be open');
  return f.uri;
};

/** command, kind, options, files written (relative), main file, a line the main file must contain */
const CASES: [string, string, Record<string, string | number | boolean>, string[], string, string][] = [
  ['kleak.generateKmemTestModule', 'kmem-test-module', { name: 'kt_exthost', allocator: 'kmem_cache', size: 128, count: 10, leak: true },
    ['kt_exthost/kt_exthost.c', 'kt_exthost/Makefile', 'kt_exthost/README.md'], 'kt_exthost/kt_exthost.c', 'MODULE_LICENSE("GPL");'],
  ['kleak.generateDallocStap', 'dalloc-stap', { alloc: 'd_alloc', free: 'd_free', interval: 5 }, ['d_alloc-d_free.stp'], 'd_alloc-d_free.stp', '  if (counted()) allocs++'],
  ['kleak.generateSlabBacktraceStap', 'slab-backtrace-stap', { cache: 'kmalloc-64', interval: 10, top: 20 },
    ['slab-kmalloc-64-backtrace.stp'], 'slab-kmalloc-64-backtrace.stp', '  if (name != "kmalloc-64") return 0'],
  ['kleak.generateBpftraceScript', 'bpftrace', { mode: 'outstanding', by: 'size', size: 1024 },
    ['kmalloc-1024-outstanding.bt'], 'kmalloc-1024-outstanding.bt', '/args->bytes_alloc == 1024 && comm != "bpftrace"/'],
  ['kleak.generateCaptureScript', 'capture-ftrace-kmem', { events: 'both', filter: 'bytes_alloc == 1024', seconds: 2, stacktrace: true, frees: true, bufferKb: 4096 },
    ['capture-ftrace-kmem.sh'], 'capture-ftrace-kmem.sh', "FILTER='bytes_alloc == 1024'   # ftrace filter on the allocation events ('' = none)"],
];

describe('scaffolding commands', function () {
  this.timeout(60_000);

  for (const [command, kind, options, files, main, line] of CASES) {
    it(`${command} writes its files and opens the main one`, async () => {
      const folder = vscode.Uri.joinPath(root(), 'scaffold-exthost', kind);
      const args = { ...(command === 'kleak.generateCaptureScript' ? { kind } : {}), options, folder: folder.toString() };
      const r = (await vscode.commands.executeCommand(command, args)) as Result;
      assert.equal(r.cancelled, undefined);
      assert.deepEqual(r.written.map((u) => vscode.Uri.parse(u).path), files.map((f) => vscode.Uri.joinPath(folder, ...f.split('/')).path));
      const text = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, ...main.split('/')))).toString('utf8');
      assert.ok(text.split('\n').includes(line), `${main} lacks: ${line}`);
      assert.equal(vscode.window.activeTextEditor?.document.uri.path, vscode.Uri.joinPath(folder, ...main.split('/')).path);
    });
  }

  it('refuses a hostile value with the reason and writes nothing', async () => {
    const folder = vscode.Uri.joinPath(root(), 'scaffold-exthost', 'hostile');
    const r = (await vscode.commands.executeCommand('kleak.generateDallocStap', {
      options: { alloc: 'd_alloc; rm -rf /', free: 'd_free', interval: 5 },
      folder: folder.toString(),
    })) as Result;
    assert.deepEqual(r.written, []);
    assert.match(r.cancelled ?? '', /contains ";"/);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(folder)));
  });

  it('offers the stap script for the suspect of a leaked object', async () => {
    const uri = vscode.Uri.joinPath(root(), 'kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const end = Date.now() + 30_000;
    let diags: vscode.Diagnostic[] = [];
    while (Date.now() < end) {
      diags = vscode.languages.getDiagnostics(uri).filter((d) => String(typeof d.code === 'object' ? d.code.value : d.code) === 'leaked-object');
      if (diags.length) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(diags.length > 0, 'no leaked-object diagnostics');
    const actions = (await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, diags[0].range)) as vscode.CodeAction[];
    const stap = actions.find((a) => a.title === 'Generate dalloc/dfree stap script for blk_iolatency_init');
    assert.ok(stap, actions.map((a) => a.title).join(' | '));
    assert.equal(stap.command?.command, 'kleak.generateDallocStap');
    assert.deepEqual((stap.command?.arguments?.[0] as { options: unknown }).options, { alloc: 'blk_iolatency_init' });
  });
});
