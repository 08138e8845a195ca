// The language server on /proc/allocinfo: growth warnings, links straight to the source line.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Diagnostic, DiagnosticSeverity, DocumentLink, FoldingRange, Location, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, find, message, tokenTypeAt, tokens } from './issue7Capture';

const LANG = 'allocinfo';

describe('allocinfo over LSP', () => {
  let client: LspClient;
  const c = capture('allocinfo', 'allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt');
  const doc = { textDocument: { uri: c.uri } };
  let diags: Diagnostic[];
  before(async () => {
    client = await LspClient.start({ settings: { kleak: { kernelVersion: 'v6.15' } } });
    diags = (await client.open(c.uri, c.text, LANG)).diagnostics;
  });
  after(async () => {
    await client?.stop();
  });

  it('a Warning on the ice line of the last dump, related to the first dump', () => {
    const w = diags.filter((d) => d.code === 'allocinfo-growth');
    assert.equal(w[0].severity, DiagnosticSeverity.Warning);
    assert.match(message(w[0]), /^ice_alloc_mapped_page .* grew by 2\.08 GiB/);
    const last = c.lines.map((l, i) => (l.includes('3341238272') ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual([w[0].range.start.line], last);
    assert.equal(w[0].relatedInformation![0].location.range.start.line, find(c, '1105125376').line);
  });

  it('links on the functions go to their source line in the configured kernel version', async () => {
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', doc);
    const dcache = find(c, 'func:__d_alloc');
    const l = links.find((x) => x.range.start.line === dcache.line)!;
    assert.equal(l.target, 'https://elixir.bootlin.com/linux/v6.15/source/fs/dcache.c#L1681');
    const ice = find(c, 'func:ice_alloc_mapped_page');
    const li = links.find((x) => x.range.start.line === ice.line)!;
    assert.equal(li.target, 'https://elixir.bootlin.com/linux/v6.15/source/drivers/net/ethernet/intel/ice/ice_txrx.c#L681');
    const def = await client.request<Location[] | Location>('textDocument/definition', { ...doc, position: { line: dcache.line, character: dcache.character + 7 } });
    const locs = Array.isArray(def) ? def : [def];
    assert.ok(locs.length === 0 || locs[0].uri.includes('fs/dcache.c'));
  });

  it('semantic tokens: size, calls, file:line, [module], func: and the function of a line', async () => {
    const t = tokens(client.initializeResult, await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc));
    const l = find(c, 'fs/ext4/super.c:1388 [ext4] func:ext4_alloc_inode').line;
    assert.deepEqual(
      ['115470992', '101647', 'fs/ext4/super.c:1388', '[ext4]', 'func', 'ext4_alloc_inode'].map((n) => (n === '[ext4]' ? tokenTypeAt(c, t, l, 'ext4', c.lines[l].indexOf(n) + 1) : tokenTypeAt(c, t, l, n))),
      ['size', 'number', 'sourceLocation', 'module', 'keyword', 'function'],
    );
  });

  it('folding: one range per dump, its sites (the wrapped [ice] line included), not the commands between', async () => {
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    assert.deepEqual(folds.map((f) => [f.startLine, f.endLine]), [[1, 16], [22, 37], [41, 56]]);
    assert.ok(c.lines[56].startsWith('[ice] func:ice_alloc_mapped_page'));
  });
});
