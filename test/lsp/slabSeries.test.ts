// Slab series over LSP: diagnostics, lens, outline, hover, tokens of an open series, and the
// `kleak/slabSeries` request on an open document, a file and a folder on disk.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import {
  CodeLens,
  DocumentSymbol,
  FoldingRange,
  Hover,
  SemanticTokens,
} from 'vscode-languageserver-protocol/node';
import { LspClient, fixture, FIXTURES } from './lspClient';
import { decodeSemanticTokens } from './captureText';
import { isSlabSeriesDto, SHOW_SLAB_GROWTH_COMMAND, SlabSeriesDto } from '../../server/src/protocol';
import { SLAB_SERIES_DIR, generatedLines, generatedPath, generatedText } from '../helpers/slabFixtures';

let client: LspClient;
before(async () => {
  client = await LspClient.start();
});
after(async () => {
  await client?.stop();
});

const series = (params: unknown) => client.request<SlabSeriesDto | null>('kleak/slabSeries', params, 30_000);

describe('an open slabinfo series', () => {
  const uri = pathToFileURL(generatedPath('slabinfo-series.txt')).href; // the .gz, as an editor would show it inflated
  const text = generatedText('slabinfo-series.txt.gz');
  const lines = text.split('\n');
  let diagnostics: Awaited<ReturnType<LspClient['open']>>['diagnostics'];
  before(async () => {
    diagnostics = (await client.open(uri, text, 'slabinfo')).diagnostics;
  });

  it('diagnostics: the growing caches at their latest row, the summary on line 0', () => {
    const growth = diagnostics.filter((d) => d.code === 'slab-growth');
    assert.equal(growth.length, 10);
    const leaks = growth.filter((d) => d.severity === 2).map((d) => lines[d.range.start.line].slice(d.range.start.character, d.range.end.character));
    assert.deepEqual(leaks.sort(), ['filp', 'kmalloc-192', 'lsm_file_cache', 'lsm_inode_cache', 'signal_cache', 'sock_inode_cache']);
    const dentry = growth.find((d) => lines[d.range.start.line].startsWith('dentry '))!;
    assert.equal(dentry.severity, 3);
    assert.match(dentry.message as string, /reclaimable cache/);
    assert.ok(diagnostics.some((d) => d.code === 'summary' && d.range.start.line === 0));
  });

  it('kleak/slabSeries on the open document', async () => {
    const dto = await series({ uri });
    assert.ok(dto && isSlabSeriesDto(dto));
    assert.equal(dto.source, uri);
    assert.equal(dto.times.length, 58);
    const sig = dto.caches.find((c) => c.name === 'signal_cache')!;
    assert.equal(sig.verdict, 'likely-leak');
    assert.ok(lines[sig.line].startsWith('signal_cache '));
    assert.equal(dto.caches.find((c) => c.name === 'dentry')!.verdict, 'cache');
  });

  it('a "Show Slab Growth" lens with the document uri', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].command?.command, SHOW_SLAB_GROWTH_COMMAND);
    assert.deepEqual(lenses[0].command?.arguments, [uri]);
    assert.match(lenses[0].command!.title, /^Show Slab Growth · 58 snapshots · 6 likely leaks$/);
  });

  it('outline, folding, hover and semantic tokens', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.equal(symbols.length, 58);
    assert.equal(symbols[57].name, 'Sun Nov 22 01:55:29 UTC 2026');
    assert.equal(symbols[57].children?.length, 235);
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
    assert.equal(folds.length, 58);
    const row = lines.lastIndexOf(lines.filter((l) => l.startsWith('sock_inode_cache ')).pop()!);
    const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: row, character: 4 } });
    const value = (hover.contents as { value: string }).value;
    assert.match(value, /^\*\*sock\\_inode\\_cache\*\* — slab cache, Sun Nov 22 01:55:29 UTC 2026 \(snapshot 58 of 58\)/, 'markdown-escaped name');
    assert.match(value, /Reclaimable: \*\*no\*\* — socket inodes/);
    const legend = client.initializeResult.capabilities.semanticTokensProvider!.legend.tokenTypes;
    assert.ok(legend.includes('slabCache'));
    const tokens = decodeSemanticTokens((await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } })).data, legend);
    const names = tokens.filter((t) => t.type === 'slabCache' && t.line === row);
    assert.deepEqual(names.map((t) => lines[t.line].slice(t.character, t.character + t.length)), ['sock_inode_cache']);
  });
});

describe('kleak/slabSeries from disk', () => {
  it('a folder by path: slabinfo and meminfo merged, the SUnreclaim projection', async () => {
    const dto = await series({ path: SLAB_SERIES_DIR });
    assert.ok(dto && isSlabSeriesDto(dto));
    assert.equal(dto.times.length, 58);
    assert.ok(dto.meminfo.SUnreclaim.every((v) => v !== null));
    assert.ok(dto.secondsUntilExhaustion! > 0);
    const sock = dto.caches.find((c) => c.name === 'sock_inode_cache')!;
    assert.equal(sock.verdict, 'likely-leak');
    // its latest row: a line of the folder's slabinfo series (compressed: the panel shows it, without a link)
    assert.equal(sock.file, 'slabinfo-series.txt.gz');
    assert.ok(generatedLines('slabinfo-series.txt.gz')[sock.line].startsWith('sock_inode_cache '));
  });

  it('a file: uri that is not open (the meminfo series)', async () => {
    const uri = pathToFileURL(generatedPath('meminfo-series.txt')).href;
    const dto = await series({ uri });
    assert.ok(dto && isSlabSeriesDto(dto));
    assert.equal(dto.caches.length, 0);
    assert.equal(dto.meminfo.MemTotal[0], 24684092 * 1024);
    assert.ok(dto.snapshotLines[1] > 0, 'a single file keeps its lines');
  });

  it('null for what is not a slab series', async () => {
    const k = fixture(FIXTURES.nvme);
    await client.open(k.uri, k.text, 'kmemleak');
    assert.equal(await series({ uri: k.uri }), null);
    assert.equal(await series({ uri: 'untitled:Untitled-1' }), null);
    assert.equal(await series({ path: generatedPath('no-such-file.txt') }), null);
    assert.equal(await series({ path: generatedPath('vmallocinfo.txt') }), null);
    assert.equal(await series({}), null);
    assert.ok(client.alive);
  });
});
