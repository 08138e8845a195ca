// The bundled server on real perf script and ftrace captures: diagnostics (one per suspect stack,
// one summary, problems at their lines), outline, folding, hover, semantic tokens, code lenses, links.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeLens, Diagnostic, DiagnosticSeverity, DocumentLink, DocumentSymbol, FoldingRange, Hover, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient, REPO_ROOT } from './lspClient';

const open = (dir: string, name: string) => {
  const file = path.join(REPO_ROOT, 'test', 'fixtures', dir, name);
  const text = fs.readFileSync(file, 'utf8');
  return { uri: pathToFileURL(file).href, text, lines: text.split('\n') };
};

describe('LSP on allocation traces', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    await client?.stop();
  });

  it('perf script: one diagnostic per suspect stack on an allocation, a summary, folds per event, hovers', async () => {
    const f = open('perf_script', 'perf_gen_21_socketpair_task_head.txt');
    const { diagnostics } = await client.open(f.uri, f.text, 'perf-script');
    const summary = diagnostics.filter((d: Diagnostic) => d.code === 'summary');
    assert.equal(summary.length, 1);
    assert.equal(summary[0].severity, DiagnosticSeverity.Information);
    assert.match(summary[0].message as string, /^perf script: \d+ events \(\d+ allocations, \d+ frees\)/);
    const suspects = diagnostics.filter((d: Diagnostic) => d.code === 'leak-suspect');
    const allocLines = f.lines.filter((l) => / kmem:(?:kmalloc|kmem_cache_alloc):/.test(l)).length;
    assert.ok(suspects.length > 0 && suspects.length < allocLines, `${suspects.length} suspect diagnostics for ${allocLines} allocations`);
    for (const d of suspects) {
      assert.match(f.lines[d.range.start.line], / kmem:(?:kmalloc|kmem_cache_alloc):/);
      assert.equal(d.source, 'kleak');
    }
    const doc = { textDocument: { uri: f.uri } };
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    const eventLines = f.lines.flatMap((l, i) => (/ kmem:\w+: /.test(l) && f.lines[i + 1]?.startsWith('\t') ? [i] : []));
    assert.deepEqual(folds.map((x) => x.startLine).sort((a, b) => a - b), eventLines);
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc);
    assert.equal(syms.length, suspects.length);
    assert.ok(syms.every((s) => s.children!.length > 0 && s.children!.every((c) => / kmem:/.test(f.lines[c.selectionRange.start.line]))));
    const line = f.lines.findIndex((l) => l.includes('call_site=sk_prot_alloc'));
    const h = await client.request<Hover | null>('textDocument/hover', { ...doc, position: { line, character: 40 } });
    assert.match((h!.contents as { value: string }).value, /signal_cache/);
    assert.match((h!.contents as { value: string }).value, /requested \*\*1152 B\*\*/);
    const frameLine = f.lines.findIndex((l) => l.includes(' sk_prot_alloc+0x32'));
    const fh = await client.request<Hover | null>('textDocument/hover', { ...doc, position: { line: frameLine, character: f.lines[frameLine].indexOf('sk_prot_alloc') + 2 } });
    assert.match((fh!.contents as { value: string }).value, /sk\\_prot\\_alloc/);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc);
    assert.equal(lenses.length, suspects.length);
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc);
    assert.ok(tokens.data.length > 5 * 400);
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', doc);
    assert.ok(links.some((l) => /\/ident\/sk_prot_alloc$/.test(l.target!)));
  });

  it('ftrace: lost events are a warning at their line; stacks fold and link to source', async () => {
    const f = open('ftrace', 'ftrace_local_11_trace_pipe_lost_events_6.18.txt');
    const { diagnostics } = await client.open(f.uri, f.text, 'ftrace');
    const lost = diagnostics.find((d: Diagnostic) => d.code === 'lost-events')!;
    assert.equal(lost.severity, DiagnosticSeverity.Warning);
    assert.equal(lost.range.start.line, 0);
    assert.match(lost.message as string, /124 events lost/);
    const g = open('ftrace', 'ftrace_gen_21_socketpair_stacktrace_head.txt');
    await client.open(g.uri, g.text, 'ftrace');
    const doc = { textDocument: { uri: g.uri } };
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    assert.ok(folds.length > 10 && folds.every((x) => g.lines[x.startLine].endsWith('<stack trace>') && g.lines[x.endLine].startsWith(' => ')));
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', doc);
    assert.ok(links.some((l) => /\/ident\/copy_process$/.test(l.target!)));
    const stackLine = g.lines.findIndex((l) => l.endsWith('<stack trace>'));
    const h = await client.request<Hover | null>('textDocument/hover', { ...doc, position: { line: stackLine, character: 2 } });
    assert.match((h!.contents as { value: string }).value, /Stack trace\*\* of the \w+ event on line \d+/);
  });
});
