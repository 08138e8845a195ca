// Per-document features of the bundled server on real captures: outline, folding, hover,
// semantic tokens and code lenses.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CodeLens, DocumentSymbol, FoldingRange, Hover, MarkupContent, SemanticTokens, SymbolKind } from 'vscode-languageserver-protocol/node';
import { FIXTURES, fixture, Fixture, LspClient, positionOf } from './lspClient';
import { backtraceGroups, decodeSemanticTokens, records, textAt } from './captureText';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
const before_ = (a: { line: number; character: number }, b: { line: number; character: number }) =>
  a.line < b.line || (a.line === b.line && a.character <= b.character);
const contains = (outer: Range, inner: Range) => before_(outer.start, inner.start) && before_(inner.end, outer.end);

describe('document features on real captures', () => {
  let client: LspClient;
  const all = Object.values(FIXTURES).map(fixture);
  const get = (name: string) => all.find((f) => f.name === name)!;
  const doc = (f: Fixture) => ({ textDocument: { uri: f.uri } });
  const hover = async (f: Fixture, pos: { line: number; character: number }) => {
    const h = await client.request<Hover | null>('textDocument/hover', { ...doc(f), position: pos });
    assert.ok(h, `a hover at ${pos.line}:${pos.character}`);
    return { text: (h.contents as MarkupContent).value, kind: (h.contents as MarkupContent).kind, range: h.range! };
  };

  before(async () => {
    client = await LspClient.start();
    for (const f of all) await client.open(f.uri, f.text);
  });
  after(async () => {
    await client?.stop();
  });

  describe('textDocument/documentSymbol', () => {
    for (const name of Object.values(FIXTURES)) {
      it(`${name}: backtrace groups with their objects as children`, async () => {
        const f = get(name);
        const recs = records(f.lines);
        const groups = backtraceGroups(recs);
        const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc(f));
        assert.equal(syms.length, groups.length);
        for (const s of syms) assert.equal(s.kind, SymbolKind.Function);
        const children = syms.flatMap((s) => s.children ?? []);
        assert.deepEqual(
          children.map((c) => c.selectionRange.start.line).sort((a, b) => a - b),
          recs.map((r) => r.headerLine),
        );
        for (const s of syms) {
          const members = groups.find((g) => g.some((r) => r.headerLine === s.children![0].selectionRange.start.line))!;
          assert.deepEqual(s.children!.map((c) => c.name), members.map((r) => `0x${r.address}`));
          assert.ok(contains(s.range, s.selectionRange), `${s.name}: selectionRange inside range`);
          for (const c of s.children!) {
            assert.equal(c.kind, SymbolKind.Object);
            assert.ok(contains(s.range, c.range), `${c.name}: inside its group`);
            assert.ok(contains(c.range, c.selectionRange), `${c.name}: selectionRange inside range`);
            const r = recs.find((x) => x.headerLine === c.selectionRange.start.line)!;
            assert.equal(textAt(f.lines, c.selectionRange), r.headerText);
            assert.deepEqual(c.range.end, { line: r.endLine, character: f.lines[r.endLine].length }, `${c.name}: range ends with its last line`);
            assert.match(c.detail ?? '', new RegExp(`^${r.size} bytes`));
          }
        }
      });
    }

    it('kmemleak_03: one group named after its suspect blk_iolatency_init holding the 3 objects', async () => {
      const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc(get(FIXTURES.nvme)));
      assert.deepEqual(syms.map((s) => [s.name, s.children?.length]), [['blk_iolatency_init', 3]]);
      assert.equal(syms[0].detail, '3 objects · 576 B');
    });

    it('a record cut right after its header (kmemleak_07 cut one line earlier): selectionRange still inside range', async () => {
      const m = get(FIXTURES.mips);
      const last = records(m.lines).at(-1)!;
      const text = m.lines.slice(0, last.headerLine + 1).join('\n') + '\n';
      const uri = 'untitled:cut-after-header.kmemleak';
      await client.open(uri, text);
      const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
      const all = syms.flatMap((s) => [s, ...(s.children ?? [])]);
      const obj = all.find((s) => s.name === `0x${last.address}`);
      assert.ok(obj, 'the cut object is in the outline');
      for (const s of all) assert.ok(contains(s.range, s.selectionRange), `${s.name}: selectionRange inside range`);
    });

    it('kmemleak_01: the group is named after the inlined zr364xx_board_init, not the vmalloc frames', async () => {
      const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', doc(get(FIXTURES.zr364xx)));
      assert.deepEqual(syms.map((s) => s.name), ['zr364xx_board_init']);
    });
  });

  describe('textDocument/foldingRange', () => {
    for (const name of Object.values(FIXTURES)) {
      it(`${name}: one fold per object from its header to its last line`, async () => {
        const f = get(name);
        const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', doc(f));
        const expected = records(f.lines)
          .filter((r) => r.endLine > r.headerLine)
          .map((r) => [r.headerLine, r.endLine]);
        assert.ok(expected.length > 0);
        assert.deepEqual(
          folds.map((x) => [x.startLine, x.endLine]).sort((a, b) => a[0] - b[0]),
          expected,
        );
      });
    }
  });

  describe('textDocument/hover', () => {
    it('on the suspect frame blk_iolatency_init (kmemleak_03): says it is the suspect and how many objects have it', async () => {
      const f = get(FIXTURES.nvme);
      const line = records(f.lines)[0].frames.find((x) => x.key === 'blk_iolatency_init')!.line;
      const h = await hover(f, positionOf(f.lines, line, 'blk_iolatency_init'));
      assert.equal(h.kind, 'markdown');
      assert.match(h.text, /^\*\*blk_iolatency_init\*\*/);
      assert.match(h.text, /\*\*Suspect frame\*\*/);
      assert.match(h.text, /Offset `0x4e` of `0x380`/);
      const n = records(f.lines).filter((r) => r.frames.some((x) => x.key === 'blk_iolatency_init')).length;
      assert.match(h.text, new RegExp(`${n} leaked objects have this function`));
      assert.equal(h.range.start.line, line);
    });

    it('on a module frame (kmemleak_03 nvme_tcp_setup_ctrl [nvme_tcp]): not the suspect, names the module', async () => {
      const f = get(FIXTURES.nvme);
      const line = f.lines.findIndex((l) => l.includes('nvme_tcp_setup_ctrl+'));
      const h = await hover(f, positionOf(f.lines, line, 'nvme_tcp_setup_ctrl'));
      assert.match(h.text, /^\*\*nvme_tcp_setup_ctrl\*\*/);
      assert.match(h.text, /Module: `nvme_tcp`/);
      assert.match(h.text, /Not the suspect frame \(suspect: `blk_iolatency_init`\)/);
      assert.doesNotMatch(h.text, /\*\*Suspect frame\*\*/);
    });

    it('on the inlined suspect zr364xx_board_init (kmemleak_01): inlined, suspect, with its source line', async () => {
      const f = get(FIXTURES.zr364xx);
      const line = f.lines.findIndex((l) => /\] zr364xx_board_init .*\[inline\]$/.test(l));
      const h = await hover(f, positionOf(f.lines, line, 'zr364xx_board_init'));
      assert.match(h.text, /^\*\*zr364xx_board_init\*\* \(inlined\)/);
      assert.match(h.text, /\*\*Suspect frame\*\*/);
      assert.match(h.text, /Source: `drivers\/media\/usb\/zr364xx\/zr364xx\.c:1348`/);
    });

    it('on an allocator frame (kmemleak_01 vmalloc): not the suspect', async () => {
      const f = get(FIXTURES.zr364xx);
      const line = f.lines.findIndex((l) => l.includes('] vmalloc+'));
      const h = await hover(f, positionOf(f.lines, line, 'vmalloc'));
      assert.match(h.text, /Not the suspect frame \(suspect: `zr364xx_board_init`\)/);
    });

    it('on the unresolved 0xffffffffc08ea070 frame (kmemleak_09): unresolved address, and the suspect', async () => {
      const f = get(FIXTURES.poison);
      const line = f.lines.findIndex((l) => /\] 0xffffffffc08ea070$/.test(l));
      const h = await hover(f, positionOf(f.lines, line, '0xffffffffc08ea070'));
      assert.match(h.text, /^\*\*0xffffffffc08ea070\*\*/);
      assert.match(h.text, /Unresolved address/);
      assert.match(h.text, /\*\*Suspect frame\*\*/);
    });

    it('on an object header: its size, process and group', async () => {
      const f = get(FIXTURES.nvme);
      const r = records(f.lines)[1];
      const h = await hover(f, { line: r.headerLine, character: r.headerCharacter + 5 });
      assert.match(h.text, new RegExp(`\\*\\*Unreferenced object\\*\\* \`0x${r.address}\``));
      assert.match(h.text, new RegExp(`Size: \\*\\*${r.size} bytes\\*\\*`));
      assert.match(h.text, /Allocated by `nvme` \(pid 3711\)/);
      assert.match(h.text, /suspect `blk_iolatency_init`/);
      assert.equal(textAt(f.lines, h.range), r.headerText);
    });

    it('on the all-0x6b hex dump (kmemleak_09): POISON_FREE', async () => {
      const f = get(FIXTURES.poison);
      const line = f.lines.findIndex((l) => /^\s+(6b ){15}6b\s/.test(l));
      assert.ok(line > 0);
      const h = await hover(f, positionOf(f.lines, line, '6b'));
      assert.match(h.text, /\*\*Hex dump\*\*/);
      assert.match(h.text, /100% of the dumped bytes are `0x6b` POISON_FREE/);
    });

    it('on a hex dump with data (kmemleak_07 "nls_base"): no POISON_FREE', async () => {
      const f = get(FIXTURES.mips);
      const line = f.lines.findIndex((l) => l.endsWith('nls_base........'));
      const h = await hover(f, { line, character: f.lines[line].indexOf('6e') + 1 });
      assert.match(h.text, /\*\*Hex dump\*\*/);
      assert.doesNotMatch(h.text, /POISON_FREE/);
    });

    it('outside anything hoverable: null', async () => {
      const f = get(FIXTURES.poison);
      const h = await client.request<Hover | null>('textDocument/hover', { ...doc(f), position: { line: 0, character: 3 } });
      assert.equal(h, null);
    });
  });

  describe('textDocument/semanticTokens/full', () => {
    let legend: string[];
    before(() => {
      legend = client.initializeResult.capabilities.semanticTokensProvider!.legend.tokenTypes;
    });

    for (const name of Object.values(FIXTURES)) {
      it(`${name}: tokens are ordered, non-overlapping, inside their lines, typed from the legend`, async () => {
        const f = get(name);
        const st = await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc(f));
        const tokens = decodeSemanticTokens(st.data, legend);
        assert.ok(tokens.length > 0);
        let prev: { line: number; end: number } | undefined;
        for (const t of tokens) {
          assert.ok(t.length > 0, `positive length at ${t.line}:${t.character}`);
          assert.ok(t.character >= 0);
          assert.ok(t.line < f.lines.length && t.character + t.length <= f.lines[t.line].length, `inside line ${t.line}`);
          assert.ok(legend.includes(t.type), `type ${t.type} in legend`);
          if (prev && prev.line === t.line) assert.ok(t.character >= prev.end, `no overlap at ${t.line}:${t.character}`);
          if (prev) assert.ok(t.line >= prev.line);
          prev = { line: t.line, end: t.character + t.length };
        }
        // Every frame symbol from the text is a `function` token, every unresolved frame an `address`.
        for (const r of records(f.lines)) {
          for (const fr of r.frames) {
            const word = fr.symbol ?? fr.key;
            const t = tokens.find((x) => x.line === fr.line && x.character === fr.character);
            assert.ok(t, `token for ${word} on line ${fr.line}`);
            assert.equal(t.type, fr.symbol ? 'function' : 'address');
            assert.equal(t.length, word.length);
          }
        }
      });
    }

    it('kmemleak_03: blk_iolatency_init is a function, nvme_tcp a module, the size a size', async () => {
      const f = get(FIXTURES.nvme);
      const tokens = decodeSemanticTokens((await client.request<SemanticTokens>('textDocument/semanticTokens/full', doc(f))).data, legend);
      const at = (line: number, word: string) => {
        const p = positionOf(f.lines, line, word);
        const t = tokens.find((x) => x.line === line && x.character === p.character);
        assert.ok(t, `a token at "${word}" on line ${line}`);
        assert.equal(t.length, word.length);
        return t.type;
      };
      const fnLine = f.lines.findIndex((l) => l.includes('blk_iolatency_init+'));
      assert.equal(at(fnLine, 'blk_iolatency_init'), 'function');
      assert.equal(at(fnLine, '+0x4e/0x380'), 'offset');
      const modLine = f.lines.findIndex((l) => l.includes('[nvme_tcp]'));
      assert.equal(at(modLine, 'nvme_tcp_setup_ctrl'), 'function');
      const modAt = f.lines[modLine].indexOf('[nvme_tcp]') + 1;
      const mod = tokens.find((x) => x.line === modLine && x.character === modAt);
      assert.deepEqual(mod && [mod.type, mod.length], ['module', 'nvme_tcp'.length]);
      // (The keyword token also covers the space after "object".)
      assert.equal(tokens.find((x) => x.line === 0 && x.character === 0)?.type, 'keyword');
      assert.equal(at(0, '0xffff8881675f7000'), 'address');
      assert.equal(at(0, '192'), 'size');
      assert.equal(at(1, '"nvme"'), 'process');
      // The pid is a process token of its own: the digits after "pid ", not the jiffies.
      assert.equal(at(1, '3711'), 'process');
      const jiffiesAt = f.lines[1].indexOf('4296033311');
      assert.equal(tokens.find((x) => x.line === 1 && x.character === jiffiesAt), undefined);
    });
  });

  describe('textDocument/codeLens', () => {
    it('kmemleak_03: one lens "3 objects · 576 B · same backtrace" on the first header, leading to the 3 objects', async () => {
      const f = get(FIXTURES.nvme);
      const recs = records(f.lines);
      const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc(f));
      const bytes = recs.reduce((s, r) => s + r.size, 0);
      assert.ok(bytes < 1024);
      assert.equal(lenses.length, 1);
      assert.equal(lenses[0].command?.title, `${recs.length} objects · ${bytes} B · same backtrace`);
      assert.equal(lenses[0].command?.title, '3 objects · 576 B · same backtrace');
      assert.equal(lenses[0].range.start.line, recs[0].headerLine);
      assert.equal(lenses[0].command?.command, 'kleak.showLocations');
      const args = lenses[0].command!.arguments![0] as { uri: string; locations: { uri: string; range: Range }[] };
      assert.equal(args.uri, f.uri);
      assert.deepEqual(args.locations.map((l) => [l.uri, l.range.start.line]), recs.map((r) => [f.uri, r.headerLine]));
    });

    for (const name of Object.values(FIXTURES)) {
      it(`${name}: one lens per backtrace group, counting its objects`, async () => {
        const f = get(name);
        const groups = backtraceGroups(records(f.lines));
        const lenses = await client.request<CodeLens[]>('textDocument/codeLens', doc(f));
        assert.equal(lenses.length, groups.length);
        for (const g of groups) {
          const lens = lenses.find((l) => l.range.start.line === g[0].headerLine);
          assert.ok(lens, `lens on line ${g[0].headerLine}`);
          assert.match(lens.command!.title, new RegExp(`^${g.length} objects? · .* · same backtrace$`));
          const bytes = g.reduce((s, r) => s + r.size, 0);
          if (bytes < 1024) assert.match(lens.command!.title, new RegExp(` · ${bytes} B · `));
        }
      });
    }
  });
});
