// The language server on SLUB debug captures: an Error per error report with its tracks as
// related information, outline, folding, hover on poison bytes, tokens, links.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Diagnostic, DiagnosticSeverity, DocumentLink, DocumentSymbol, FoldingRange, Hover, MarkupContent, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, captures, find, message, tokens } from './issue7Capture';

const LANG = 'slub-debug';

describe('slub-debug over LSP', () => {
  let client: LspClient;
  const all = captures('slub-debug');
  const diags = new Map<string, Diagnostic[]>();
  before(async () => {
    client = await LspClient.start({ settings: { kleak: { kernelVersion: 'v6.13' } } });
    for (const c of all) diags.set(c.name, (await client.open(c.uri, c.text, LANG)).diagnostics);
  });
  after(async () => {
    await client?.stop();
  });

  for (const c of all) {
    it(`${c.name}: an Error on each BUG header, nothing past the document`, () => {
      const ds = diags.get(c.name)!;
      const bugLines = c.lines.flatMap((l, i) => (/\bBUG [^\s:]+ \(/.test(l) ? [i] : []));
      assert.deepEqual(ds.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => d.range.start.line), bugLines);
      for (const d of ds) {
        assert.equal(d.source, 'kleak');
        assert.ok(d.range.end.line < c.lines.length);
        for (const r of d.relatedInformation ?? []) assert.equal(r.location.uri, c.uri);
      }
    });
  }

  it('Poison overwritten: the Error relates the allocation and free tracks (mail-wrapped report)', () => {
    const c = capture('slub-debug', 'slub_debug_11_x86_64_amdgpu_poison_overwritten_mailwrapped.txt');
    const e = diags.get(c.name)!.find((d) => d.severity === DiagnosticSeverity.Error)!;
    assert.match(message(e), /Poison overwritten in kmalloc-4k/);
    assert.match(message(e), /Allocated in amdgpu_driver_open_kms\+0x9d\/0x360 \[amdgpu\] \(pid 2343, cpu 0, age 44\)/);
    const lines = (e.relatedInformation ?? []).map((r) => [r.location.range.start.line, r.message.split(':')[0]]);
    assert.deepEqual(lines.slice(0, 2), [[find(c, 'Allocated in').line, 'allocation track'], [find(c, 'Freed in').line, 'free track']]);
  });

  it('Object padding overwritten: an Error at the BUG line with the tracks related; the padding fill explained on hover', async () => {
    const c = capture('slub-debug', 'slub_debug_22_x86_64_5.19_object_padding_overwritten_reconstructed.txt');
    const e = diags.get(c.name)!.find((d) => d.severity === DiagnosticSeverity.Error)!;
    assert.equal(e.range.start.line, find(c, 'BUG kmalloc-64').line);
    assert.match(message(e), /Padding overwritten in kmalloc-64 — something wrote into the padding after the object and its metadata/);
    assert.match(message(e), /First byte 0x0 instead of 0x5a \(0x5a SLUB padding fill\)/);
    const related = (e.relatedInformation ?? []).map((r) => [r.location.range.start.line, r.message.split(':')[0]]);
    assert.deepEqual(related.slice(0, 2), [[find(c, 'Allocated in demo_start').line, 'allocation track'], [find(c, 'Freed in kfree_link').line, 'free track']]);
    const row = find(c, 'Padding  ffff888104a3c408: ');
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri: c.uri }, position: { line: row.line, character: row.character + 'Padding  ffff888104a3c408: '.length + 3 * 8 } });
    assert.match((h.contents as MarkupContent).value, /It breaks the `0x5a` fill: something wrote `0x00` here/);
  });

  it('hover explains the expected poison and the hex rows; outline and folds per report', async () => {
    const c = capture('slub-debug', 'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt');
    const doc = { textDocument: { uri: c.uri } };
    const row = find(c, ': 6b 6b');
    const h = await client.request<Hover>('textDocument/hover', { ...doc, position: { line: row.line, character: row.character + 3 } });
    assert.match((h.contents as MarkupContent).value, /POISON_FREE/);
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc);
    assert.deepEqual(syms.map((s) => s.name), ['BUG kmalloc-16: Object already free', 'BUG kmalloc-16: Slab metadata corrupted']);
    assert.deepEqual(syms[0].children!.map((x) => x.name), ['Allocated in pcibios_scan_phb', 'Freed in pcibios_remove_bus', 'object 0x00000000af116201']);
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    assert.ok(folds.some((f) => f.startLine === find(c, '=====').line && f.endLine >= find(c, 'FIX kmalloc-16: Object at').line));
  });

  it('semantic tokens: prefixes, the cache, frames; links on frames to the kernel source', async () => {
    const c = capture('slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt');
    const doc = { textDocument: { uri: c.uri } };
    const t = tokens(client.initializeResult, await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc));
    for (const x of t) assert.ok(x.character + x.length <= c.lines[x.line].length);
    assert.ok(t.some((x) => x.line === 0 && x.type === 'logPrefix'));
    const fn = find(c, ']  memleak_task_test');
    assert.ok(t.some((x) => x.line === fn.line && x.type === 'function' && c.lines[x.line].slice(x.character, x.character + x.length) === 'memleak_task_test'));
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', doc);
    const l = links.find((x) => x.range.start.line === fn.line)!;
    assert.equal(l.target, 'https://elixir.bootlin.com/linux/v6.13/C/ident/memleak_task_test');
  });
});
