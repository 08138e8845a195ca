// Cross-document features (references, workspace/symbol) and the kleak/captureSummary request.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Location, SymbolInformation, SymbolKind } from 'vscode-languageserver-protocol/node';
import { FIXTURES, fixture, Fixture, LspClient, positionOf } from './lspClient';
import { backtraceGroups, records, textAt } from './captureText';

interface CaptureSummary {
  uri: string;
  format: string;
  records: number;
  bytes: number;
  suspects: { rank: number; verdict: string; count: number; bytes: number; site: string; stack: string[]; line: number }[];
}

describe('workspace features across open captures', () => {
  let client: LspClient;
  const all = Object.values(FIXTURES).map(fixture);
  const get = (name: string) => all.find((f) => f.name === name)!;
  /** Every frame (file, line, column) whose function is `key`, read from the texts. */
  const framesOf = (key: string, docs: Fixture[]) =>
    docs.flatMap((f) => records(f.lines).flatMap((r) => r.frames.filter((x) => x.key === key).map((x) => ({ uri: f.uri, line: x.line, character: x.character }))));
  const sortLocs = <T extends { uri: string; line: number; character: number }>(xs: T[]) =>
    [...xs].sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line || a.character - b.character);

  before(async () => {
    client = await LspClient.start();
    for (const f of all) await client.open(f.uri, f.text);
  });
  after(async () => {
    await client?.stop();
  });

  describe('textDocument/references', () => {
    it('kthread in kmemleak_09 is found in kmemleak_09 and kmemleak_05', async () => {
      const f = get(FIXTURES.poison);
      const line = f.lines.findIndex((l) => l.includes('] kthread+'));
      const refs = await client.request<Location[]>('textDocument/references', {
        textDocument: { uri: f.uri },
        position: positionOf(f.lines, line, 'kthread'),
        context: { includeDeclaration: true },
      });
      const expected = framesOf('kthread', all);
      assert.deepEqual(new Set(expected.map((e) => e.uri)), new Set([f.uri, get(FIXTURES.vsock).uri]));
      assert.deepEqual(sortLocs(refs.map((r) => ({ uri: r.uri, line: r.range.start.line, character: r.range.start.character }))), sortLocs(expected));
      for (const r of refs) assert.equal(textAt(all.find((x) => x.uri === r.uri)!.lines, r.range), 'kthread');
    });

    it('do_syscall_64 in kmemleak_03 is found in kmemleak_03 and kmemleak_05 (not the inlined do_syscall_x64)', async () => {
      const f = get(FIXTURES.nvme);
      const line = f.lines.findIndex((l) => l.includes('] do_syscall_64+'));
      const refs = await client.request<Location[]>('textDocument/references', {
        textDocument: { uri: f.uri },
        position: positionOf(f.lines, line, 'syscall'),
        context: { includeDeclaration: true },
      });
      const expected = framesOf('do_syscall_64', all);
      assert.equal(expected.filter((e) => e.uri === f.uri).length, 3);
      assert.ok(expected.some((e) => e.uri === get(FIXTURES.vsock).uri));
      assert.deepEqual(sortLocs(refs.map((r) => ({ uri: r.uri, line: r.range.start.line, character: r.range.start.character }))), sortLocs(expected));
    });

    it('nvme_tcp_setup_ctrl and its .cold.57 clone are the same function', async () => {
      const f = get(FIXTURES.nvme);
      const line = f.lines.findIndex((l) => l.includes('nvme_tcp_setup_ctrl.cold.57'));
      const refs = await client.request<Location[]>('textDocument/references', {
        textDocument: { uri: f.uri },
        position: positionOf(f.lines, line, 'nvme_tcp_setup_ctrl'),
        context: { includeDeclaration: true },
      });
      assert.deepEqual(refs.map((r) => textAt(f.lines, r.range)).sort(), ['nvme_tcp_setup_ctrl', 'nvme_tcp_setup_ctrl', 'nvme_tcp_setup_ctrl.cold.57']);
    });

    it('closing a document removes its references', async () => {
      const uri = 'untitled:second-copy-of-09.kmemleak';
      const f = get(FIXTURES.poison);
      await client.open(uri, f.text);
      const ask = () =>
        client.request<Location[]>('textDocument/references', {
          textDocument: { uri: f.uri },
          position: positionOf(f.lines, f.lines.findIndex((l) => l.includes('] ret_from_fork+')), 'ret_from_fork'),
          context: { includeDeclaration: true },
        });
      const withCopy = await ask();
      assert.equal(withCopy.filter((r) => r.uri === uri).length, 4);
      await client.close(uri);
      const without = await ask();
      assert.equal(without.filter((r) => r.uri === uri).length, 0);
      assert.equal(without.length, withCopy.length - 4);
    });

    it('not on a frame: no references', async () => {
      const f = get(FIXTURES.nvme);
      const refs = await client.request<Location[] | null>('textDocument/references', {
        textDocument: { uri: f.uri },
        position: { line: 0, character: 2 },
        context: { includeDeclaration: true },
      });
      assert.deepEqual(refs ?? [], []);
    });
  });

  describe('workspace/symbol', () => {
    it('"nvme" finds the nvme functions and the nvme_tcp / nvme_fabrics modules of kmemleak_03', async () => {
      const syms = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'nvme' });
      const f = get(FIXTURES.nvme);
      for (const s of syms) assert.match(s.name.toLowerCase(), /nvme/);
      const inNvme = syms.filter((s) => s.location.uri === f.uri);
      const fns = inNvme.filter((s) => s.kind === SymbolKind.Function).map((s) => s.name).sort();
      const mods = inNvme.filter((s) => s.kind === SymbolKind.Module).map((s) => s.name).sort();
      const textFns = [...new Set(records(f.lines).flatMap((r) => r.frames.map((x) => x.key)).filter((k) => k.includes('nvme')))].sort();
      const textMods = [...new Set(records(f.lines).flatMap((r) => r.frames.map((x) => x.module ?? '')).filter((m) => m.includes('nvme')))].sort();
      assert.deepEqual(fns, textFns);
      assert.deepEqual(mods, textMods);
      assert.deepEqual(mods, ['nvme_fabrics', 'nvme_tcp']);
      for (const s of inNvme) {
        const text = textAt(f.lines, s.location.range);
        if (s.kind === SymbolKind.Module) assert.equal(text, s.name);
        else assert.ok(text.startsWith(s.name), `${text} is ${s.name}`);
      }
      const setup = inNvme.find((s) => s.name === 'nvme_tcp_setup_ctrl')!;
      assert.equal(setup.containerName, 'nvme_tcp');
    });

    it('"kthread" finds it in both captures that have it', async () => {
      const syms = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'KThread' });
      const expectedUris = new Set(framesOf('kthread', all).map((e) => e.uri));
      const got = syms.filter((s) => s.name === 'kthread' && s.kind === SymbolKind.Function);
      assert.deepEqual(new Set(got.map((s) => s.location.uri)), expectedUris);
      assert.equal(got.length, expectedUris.size, 'once per document');
    });

    it('a query matching nothing: no symbols', async () => {
      assert.deepEqual(await client.request<SymbolInformation[]>('workspace/symbol', { query: 'no_such_kernel_function_xyz' }), []);
    });
  });

  describe('kleak/captureSummary', () => {
    for (const name of Object.values(FIXTURES)) {
      it(`${name}: format, records, bytes and one suspect per backtrace group`, async () => {
        const f = get(name);
        const recs = records(f.lines);
        const s = await client.request<CaptureSummary>('kleak/captureSummary', { uri: f.uri });
        assert.equal(s.uri, f.uri);
        assert.equal(s.format, 'kmemleak');
        assert.equal(s.records, recs.length);
        assert.equal(s.bytes, recs.reduce((n, r) => n + r.size, 0));
        const groups = backtraceGroups(recs);
        assert.equal(s.suspects.length, groups.length);
        assert.deepEqual(s.suspects.map((x) => x.rank), groups.map((_, i) => i + 1));
        for (let i = 1; i < s.suspects.length; i++) assert.ok(s.suspects[i - 1].bytes >= s.suspects[i].bytes, 'ranked by bytes');
        for (const sus of s.suspects) {
          const g = groups.find((x) => x[0].headerLine === sus.line);
          assert.ok(g, `suspect line ${sus.line} is the first header of a group`);
          assert.equal(sus.count, g.length);
          assert.equal(sus.bytes, g.reduce((n, r) => n + r.size, 0));
        }
      });
    }

    it('kmemleak_03: blk_iolatency_init, 3 objects, 576 bytes, likely a leak', async () => {
      const f = get(FIXTURES.nvme);
      const s = await client.request<CaptureSummary>('kleak/captureSummary', { uri: f.uri });
      assert.deepEqual(
        s.suspects.map((x) => [x.site, x.count, x.bytes, x.verdict, x.stack[0]]),
        [['blk_iolatency_init', 3, 576, 'likely-leak', 'blk_iolatency_init']],
      );
    });

    it('kmemleak_01: the inlined zr364xx_board_init; kmemleak_09: the unresolved 0xffffffffc08ea070', async () => {
      const z = await client.request<CaptureSummary>('kleak/captureSummary', { uri: get(FIXTURES.zr364xx).uri });
      assert.deepEqual(z.suspects.map((x) => x.site), ['zr364xx_board_init']);
      const p = await client.request<CaptureSummary>('kleak/captureSummary', { uri: get(FIXTURES.poison).uri });
      assert.deepEqual(p.suspects.map((x) => [x.site, x.count]), [['0xffffffffc08ea070', 4]]);
    });

    it('kmemleak_05 and kmemleak_07: suspects are the first callers outside the allocator, biggest first', async () => {
      const v = await client.request<CaptureSummary>('kleak/captureSummary', { uri: get(FIXTURES.vsock).uri });
      // 1264-byte sock from sk_prot_alloc; 2×184-byte creds from prepare_creds; 96 B virtio socket; two 32-byte LSM blobs.
      assert.deepEqual(
        v.suspects.map((x) => [x.site, x.count, x.bytes]),
        [['sk_prot_alloc', 1, 1264], ['prepare_creds', 2, 368], ['virtio_transport_do_socket_init', 1, 96], ['lsm_blob_alloc', 1, 32], ['lsm_blob_alloc', 1, 32]],
      );
      const m = await client.request<CaptureSummary>('kleak/captureSummary', { uri: get(FIXTURES.mips).uri });
      // strndup_user/memdup_user/kstrdup/__kmalloc_track_caller are allocator helpers; the cut record has no backtrace.
      assert.deepEqual(m.suspects.map((x) => x.site), ['load_module', 'kobject_set_name_vargs', '(backtrace missing)']);
      assert.deepEqual(m.suspects.map((x) => x.verdict), ['possible-leak', 'possible-leak', 'possible-leak']);
    });

    it('an unknown uri: null', async () => {
      assert.equal(await client.request<CaptureSummary | null>('kleak/captureSummary', { uri: 'untitled:never-opened' }), null);
    });
  });
});
