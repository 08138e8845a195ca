// The language server on BCC / libbpf-tools memleak output.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CodeLens, Diagnostic, DocumentSymbol, FoldingRange, Hover, MarkupContent, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, find, tokenTypeAt, tokens } from './issue7Capture';

const LANG = 'bcc-memleak';

describe('bcc-memleak over LSP', () => {
  let client: LspClient;
  const c = capture('bcc-memleak', 'bcc_memleak_07_percpu_allocator_5.x_tabs.txt');
  const doc = { textDocument: { uri: c.uri } };
  let diags: Diagnostic[];
  before(async () => {
    client = await LspClient.start();
    diags = (await client.open(c.uri, c.text, LANG)).diagnostics;
  });
  after(async () => {
    await client?.stop();
  });

  it('a Warning per reported stack, on its header', () => {
    const headers = c.lines.flatMap((l, i) => (/bytes in \d+ allocations from stack/.test(l) ? [i] : []));
    assert.deepEqual(diags.filter((d) => d.code === 'outstanding-stack').map((d) => d.range.start.line).sort((a, b) => a - b), headers);
  });

  it('outline: the dump and its stacks named after their suspect frame; folds per stack; lenses', async () => {
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc);
    assert.deepEqual(syms.map((s) => s.name), ['[14:15:46] dump 1']);
    assert.deepEqual(syms[0].children!.map((s) => s.name), ['perf_trace_event_init', 'bpf_prog_alloc']);
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    assert.equal(folds.length, 2);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc);
    assert.equal(lenses[0].command!.title, '16 B · 1 allocation · bpf_prog_alloc');
  });

  it('hover on a frame tells whether it is the suspect', async () => {
    const f = find(c, 'bpf_prog_alloc+0x33');
    const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri: c.uri }, position: { line: f.line, character: f.character + 2 } });
    assert.match((h.contents as MarkupContent).value, /\*\*Suspect frame\*\*/);
    const p = find(c, 'pcpu_alloc+0x3d8', f.line - 3);
    const hp = await client.request<Hover>('textDocument/hover', { textDocument: { uri: c.uri }, position: { line: p.line, character: p.character + 2 } });
    assert.match((hp.contents as MarkupContent).value, /Not the suspect frame/);
  });

  it('semantic tokens: bytes and allocations of a stack header; function, offset and module of a frame', async () => {
    const t = tokens(client.initializeResult, await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc));
    const h = find(c, '8 bytes in 1 allocations from stack').line;
    assert.deepEqual([tokenTypeAt(c, t, h, '8'), tokenTypeAt(c, t, h, '1', c.lines[h].indexOf(' in ') + 4)], ['size', 'number']);
    const f = find(c, 'perf_trace_event_init+0xc9 [kernel]').line;
    assert.deepEqual(['perf_trace_event_init', '+0xc9', 'kernel'].map((n) => tokenTypeAt(c, t, f, n)), ['function', 'offset', 'module']);
  });
});
