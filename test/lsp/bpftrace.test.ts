// The language server on bpftrace map output (the scaffolded stacks script's, saved with -o):
// every feature through the shared view machinery — diagnostics, outline, folding, code lenses,
// hovers, semantic tokens, links, references and workspace symbols across open captures.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  CodeLens,
  Diagnostic,
  DiagnosticSeverity,
  DocumentLink,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  MarkupContent,
  SemanticTokens,
  SymbolInformation,
  SymbolKind,
} from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, find, message, tokens } from './issue7Capture';
import { SHOW_LOCATIONS_COMMAND, ShowLocationsArgs } from '../../server/src/protocol';

const LANG = 'bpftrace-output';

describe('bpftrace map output over LSP', () => {
  let client: LspClient;
  const filp = capture('bpftrace', 'bpftrace_local_01_filp_stacks_script_6.18.txt');
  const k64 = capture('bpftrace', 'bpftrace_local_02_kmalloc64_stacks_script_6.18.txt');
  const doc = { textDocument: { uri: filp.uri } };
  let diags: Diagnostic[];
  before(async () => {
    client = await LspClient.start();
    diags = (await client.open(filp.uri, filp.text, LANG)).diagnostics;
    await client.open(k64.uri, k64.text, LANG);
  });
  after(async () => {
    await client?.stop();
  });

  it('one Information summary of the top stacks that says counts are not leaks; no warning', () => {
    assert.deepEqual(diags.map((d) => [d.severity, d.code, d.range.start.line]), [[DiagnosticSeverity.Information, 'summary', 0]]);
    assert.match(message(diags[0]), /Top stacks by @allocs: alloc_empty_file ← path_openat/);
    assert.match(message(diags[0]), /not leaks: allocating is not leaking/);
    assert.ok(diags[0].relatedInformation!.length > 0);
  });

  it('outline: maps → entries named by their suspect frame; a fold per entry; a lens per stack entry', async () => {
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc);
    assert.deepEqual(syms.map((s) => [s.name, s.children!.length]), [['@allocs', 84], ['@bytes', 84]]);
    assert.ok(syms[0].children!.every((c) => c.name === 'alloc_empty_file'));
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    assert.equal(folds.length, 168);
    assert.match(filp.lines[folds[0].endLine], /^\]: \d+$/);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc);
    assert.equal(lenses.length, 168);
    const first = lenses.find((l) => l.range.start.line === 2)!;
    assert.equal(first.command!.title, '1 alloc · 192 B · alloc_empty_file');
    assert.equal(first.command!.command, SHOW_LOCATIONS_COMMAND);
    const args = first.command!.arguments![0] as ShowLocationsArgs;
    assert.deepEqual(args.locations.map((l) => [l.uri, filp.lines[l.range.start.line].slice(0, 8)]), [[filp.uri, '@allocs['], [filp.uri, '@bytes[p']]);
  });

  it('hover on a frame: decimal offset, suspect or not', async () => {
    const f = find(filp, 'alloc_empty_file+60');
    const h = await client.request<Hover>('textDocument/hover', { ...doc, position: { line: f.line, character: f.character + 3 } });
    assert.match((h.contents as MarkupContent).value, /Offset 60 \(`0x3c`\)[\s\S]*\*\*Suspect frame\*\*/);
  });

  it('semantic tokens: map names, comms, functions, offsets, values', async () => {
    const st = await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc);
    const toks = tokens(client.initializeResult, st);
    const at = (line: number, character: number) => toks.find((t) => t.line === line && t.character === character)?.type;
    assert.deepEqual([at(0, 0), at(2, 0), at(2, 8)], ['keyword', 'keyword', 'process']);
    const f = find(filp, 'alloc_empty_file+60');
    assert.deepEqual([at(f.line, f.character), at(f.line, f.character + 'alloc_empty_file'.length)], ['function', 'offset']);
    const v = filp.lines.findIndex((l) => l.startsWith(']: '));
    assert.equal(at(v, 3), 'number');
  });

  it('links and go-to-definition from frames to the kernel source browser', async () => {
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', doc);
    const f = find(filp, 'alloc_empty_file+60');
    const l = links.find((x) => x.range.start.line === f.line)!;
    assert.equal(l.target, 'https://elixir.bootlin.com/linux/latest/C/ident/alloc_empty_file');
    assert.equal(links.length, filp.lines.filter((x) => /^ {4}[A-Za-z_]/.test(x)).length);
    const def = await client.request<Location[] | Location>('textDocument/definition', { ...doc, position: { line: f.line, character: f.character + 2 } });
    assert.deepEqual((Array.isArray(def) ? def : [def]).map((x) => x.uri), [l.target]);
  });

  it('references of a frame function across both open captures; workspace symbols', async () => {
    const f = find(filp, 'do_filp_open+');
    const refs = await client.request<Location[]>('textDocument/references', { ...doc, position: { line: f.line, character: f.character + 2 }, context: { includeDeclaration: true } });
    const expected = [filp, k64].flatMap((c) => c.lines.flatMap((x, i) => (x.trim().startsWith('do_filp_open+') ? [`${c.uri}:${i}`] : [])));
    assert.ok(expected.some((e) => e.startsWith(k64.uri)));
    assert.deepEqual(refs.map((r) => `${r.uri}:${r.range.start.line}`).sort(), expected.sort());
    const ws = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'alloc_empty_file' });
    assert.ok(ws.some((s) => s.name === 'alloc_empty_file' && s.kind === SymbolKind.Function && s.location.uri === filp.uri));
  });
});
