// The language server on page_owner dumps: groups by stack, GFP masks and migrate types on hover.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DocumentSymbol, FoldingRange, Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, find } from './issue7Capture';

const LANG = 'page-owner';

describe('page-owner over LSP', () => {
  let client: LspClient;
  const c = capture('page-owner', 'page_owner_01_x86_qemu_5.x_head_with_prompt.txt');
  const doc = { textDocument: { uri: c.uri } };
  before(async () => {
    client = await LspClient.start();
    await client.open(c.uri, c.text, LANG);
  });
  after(async () => {
    await client?.stop();
  });

  it('outline groups records by stack like page_owner_sort; one fold per record', async () => {
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc);
    assert.deepEqual(syms.map((s) => [s.name, s.children!.length]), [['sr_probe', 1], ['register_early_stack', 2]]);
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc);
    const headers = c.lines.flatMap((l, i) => (l.startsWith('Page allocated via order') ? [i] : []));
    assert.deepEqual(folds.map((f) => f.startLine), headers);
  });

  it('hover on the mask lists its GFP flags; on the migrate type explains it', async () => {
    const m = find(c, '0xd20c1');
    const h = await client.request<Hover>('textDocument/hover', { ...doc, position: { line: m.line, character: m.character + 1 } });
    const text = (h.contents as MarkupContent).value;
    for (const flag of ['GFP_DMA', '__GFP_IO', '__GFP_FS', '__GFP_NOWARN', '__GFP_NORETRY', '__GFP_COMP', '__GFP_NOMEMALLOC']) assert.ok(text.includes(`\`${flag}\``), flag);
    const t = find(c, 'Unmovable');
    const ht = await client.request<Hover>('textDocument/hover', { ...doc, position: { line: t.line, character: t.character + 1 } });
    assert.match((ht.contents as MarkupContent).value, /\*\*Unmovable\*\*/);
  });
});
