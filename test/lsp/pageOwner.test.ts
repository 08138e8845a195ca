// The language server on page_owner dumps: groups by stack, GFP masks and migrate types on hover.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DocumentSymbol, FoldingRange, Hover, MarkupContent, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { LspClient } from './lspClient';
import { capture, find, tokenTypeAt, tokens } from './issue7Capture';

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

  it('semantic tokens: header keyword, order, mask, pid; PFN line; frame function and offset; nothing on the shell prompt', async () => {
    const t = tokens(client.initializeResult, await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc));
    const h = find(c, 'Page allocated via order 2').line;
    assert.deepEqual(
      [['Page allocated via order', 0], ['2', 24], ['0xd20c1', 0], ['62', c.lines[h].indexOf('pid ')], ['121463164', 0]].map(([n, from]) => tokenTypeAt(c, t, h, n as string, from as number)),
      ['keyword', 'number', 'address', 'process', 'number'],
    );
    const pfn = h + 1;
    assert.deepEqual([tokenTypeAt(c, t, pfn, 'PFN'), tokenTypeAt(c, t, pfn, '0x10200')], ['keyword', 'address']);
    const f = find(c, ' prep_new_page+0xcf/0xf0').line;
    assert.deepEqual([tokenTypeAt(c, t, f, 'prep_new_page'), tokenTypeAt(c, t, f, '+0xcf/0xf0')], ['function', 'offset']);
    assert.deepEqual(t.filter((x) => x.line === find(c, 'stable_kernel@kernel').line), [], 'the shell prompt is not coloured');
  });
});
