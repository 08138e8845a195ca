// The language server on /proc/vmallocinfo: summary with top callers, outline by caller,
// hovers on kinds and pages, code lenses.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CodeLens, DiagnosticSeverity, DocumentSymbol, Hover, MarkupContent, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, find, message, tokens } from './issue7Capture';

const LANG = 'vmallocinfo';

describe('vmallocinfo over LSP', () => {
  let client: LspClient;
  const c = capture('vmallocinfo', 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt');
  const doc = { textDocument: { uri: c.uri } };
  let diags: import('vscode-languageserver-protocol/node').Diagnostic[];
  before(async () => {
    client = await LspClient.start();
    diags = (await client.open(c.uri, c.text, LANG)).diagnostics;
  });
  after(async () => {
    await client?.stop();
  });

  it('one Information summary naming the top callers', () => {
    const s = diags.filter((d) => d.code === 'summary');
    assert.equal(s.length, 1);
    assert.equal(s[0].severity, DiagnosticSeverity.Information);
    assert.match(message(s[0]), /Top callers: dup_task_struct \(20 areas, 320 KiB\)/);
  });

  it('outline: callers with their areas', async () => {
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc);
    const dup = syms.find((s) => s.name === 'dup_task_struct')!;
    assert.equal(dup.children!.length, c.lines.filter((l) => l.includes('dup_task_struct')).length);
    assert.match(dup.detail!, /20 areas · 320 KiB · vmalloc/);
  });

  it('hovers on pages=, kinds and callers; lenses on the top callers', async () => {
    const p = find(c, 'pages=4');
    const h = await client.request<Hover>('textDocument/hover', { ...doc, position: { line: p.line, character: p.character + 1 } });
    assert.match((h.contents as MarkupContent).value, /4 pages\*\* × 4\.00 KiB = 16\.0 KiB/);
    const k = find(c, ' vmap');
    const hk = await client.request<Hover>('textDocument/hover', { ...doc, position: { line: k.line, character: k.character + 2 } });
    assert.match((hk.contents as MarkupContent).value, /mapping of pages allocated elsewhere/);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc);
    assert.equal(lenses[0].command!.title, 'dup_task_struct: 20 areas · 320 KiB (vmalloc)');
    const t = tokens(client.initializeResult, await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc));
    assert.ok(t.some((x) => x.line === 0 && x.type === 'address' && x.character === 0));
    assert.ok(t.some((x) => x.line === 0 && x.type === 'function' && c.lines[0].slice(x.character, x.character + x.length) === 'map_irq_stack'));
  });
});
