// kleak inside VS Code's real extension host, driven only through the public `vscode` API the way
// the workbench drives it: open documents, read diagnostics, execute the built-in provider commands.
// The workspace is a fresh copy of samples/ (real kmemleak captures), so expectations are derived from
// the capture text itself (its `unreferenced object` headers), not from kleak's own analysis.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

const EXT_ID = 'kleak.kleak';
const NVME = 'kmemleak_03_nvme_tcp_blk_iolatency.txt'; // 3 objects, module frames, suspect blk_iolatency_init
const POISON = 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt'; // 4 identical backtraces after a shell prompt
const FIRST_LINE = 'report.txt'; // NVME's content under a name no file pattern matches
const DEFAULT_LINK = 'https://elixir.bootlin.com/linux/latest/C/ident/blk_iolatency_init';

const folder = () => {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace (a copy of samples/) must be open');
  return f.uri;
};
const sample = (name: string) => vscode.Uri.joinPath(folder(), 'kmemleak', name);
/** The real captures as published (kmemleak_*.txt), i.e. every sample but the renamed copy. */
async function captureNames(): Promise<string[]> {
  const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(folder(), 'kmemleak'));
  return entries.filter(([n, t]) => t === vscode.FileType.File && n.startsWith('kmemleak_')).map(([n]) => n).sort();
}

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(sample(name));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** 0-based lines of the `unreferenced object 0x…` headers: the objects the capture reports. */
function headerLines(doc: vscode.TextDocument): number[] {
  const lines: number[] = [];
  for (let i = 0; i < doc.lineCount; i++) if (/unreferenced object 0x[0-9a-f]+/.test(doc.lineAt(i).text)) lines.push(i);
  return lines;
}

function lineOf(doc: vscode.TextDocument, needle: string): { line: number; character: number } {
  for (let i = 0; i < doc.lineCount; i++) {
    const c = doc.lineAt(i).text.indexOf(needle);
    if (c >= 0) return { line: i, character: c };
  }
  throw new Error(`"${needle}" not in ${doc.uri.path}`);
}

const warnings = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Warning);

/** Diagnostics once the server has published at least one warning per object. */
async function objectWarnings(doc: vscode.TextDocument): Promise<vscode.Diagnostic[]> {
  const n = headerLines(doc).length;
  return waitFor(`${n} warnings on ${doc.uri.path}`, () => { const w = warnings(doc.uri); return w.length >= n ? w : undefined; });
}

const text = (h: vscode.Hover) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n');

async function links(uri: vscode.Uri): Promise<vscode.DocumentLink[]> {
  return (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', uri, 1000)) ?? [];
}

function linkTargetAt(all: vscode.DocumentLink[], pos: vscode.Position): string | undefined {
  return all.find((l) => l.range.contains(pos))?.target?.toString(true);
}

describe('kleak in the VS Code extension host', function () {
  this.timeout(40_000);

  describe('activation and language detection', () => {
    it('is dormant until a capture is opened, and opening one activates it (onLanguage:kmemleak)', async () => {
      const ext = vscode.extensions.getExtension(EXT_ID);
      assert.ok(ext, `${EXT_ID} is not loaded as development extension`);
      assert.equal(ext.isActive, false, 'kleak activated before any capture was opened (too eager activation event?)');
      const doc = await open(NVME);
      assert.equal(doc.languageId, 'kmemleak');
      // never ext.activate(): opening the document must be enough
      await waitFor('kleak to activate', () => (ext.isActive ? true : undefined), 15_000);
    });

    it('recognises every sample capture by its file name (kmemleak*)', async () => {
      const names = await captureNames();
      assert.equal(names.length, 5);
      for (const name of names) {
        const doc = await vscode.workspace.openTextDocument(sample(name));
        assert.equal(doc.languageId, 'kmemleak', `${name} was opened as ${doc.languageId}`);
      }
    });

    it('recognises a capture saved as report.txt by its first line', async () => {
      const doc = await vscode.workspace.openTextDocument(sample(FIRST_LINE));
      assert.match(doc.lineAt(0).text, /^unreferenced object 0x/);
      await waitFor(`${FIRST_LINE} to be kmemleak (it is ${doc.languageId})`, () => (doc.languageId === 'kmemleak' ? true : undefined), 5000);
    });

    it('leaves other .txt files alone, even when they mention kmemleak further down', async () => {
      const notes = vscode.Uri.joinPath(folder(), 'notes.txt');
      await vscode.workspace.fs.writeFile(notes, new TextEncoder().encode('meeting notes\nunreferenced object 0xffff888100000000 (size 8):\n'));
      const doc = await vscode.workspace.openTextDocument(notes);
      assert.equal(doc.languageId, 'plaintext');
    });
  });

  describe('diagnostics (vscode.languages.getDiagnostics)', () => {
    for (const name of [NVME, FIRST_LINE]) {
      it(`${name}: one warning per leaked object on its header line, one summary on line 0`, async () => {
        const doc = await open(name);
        await waitFor(`${name} to be kmemleak (it is ${doc.languageId})`, () => (doc.languageId === 'kmemleak' ? true : undefined), 5000);
        const headers = headerLines(doc);
        assert.equal(headers.length, 3);
        const w = await objectWarnings(doc);
        assert.deepEqual(w.map((d) => d.range.start.line).sort((a, b) => a - b), headers);
        for (const d of w) {
          assert.equal(d.source, 'kleak');
          assert.match(d.message, /192 bytes/, d.message);
          assert.match(d.message, /nvme/, d.message);
          assert.match(d.message, /blk_iolatency_init/, `the suspect frame is the first outside the allocator: ${d.message}`);
        }
        const infos = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Information && d.range.start.line === 0);
        assert.equal(infos.length, 1, 'one summary on line 0');
        assert.match(infos[0].message, /3 unreferenced objects/);
        assert.match(infos[0].message, /576 B|0\.56 KiB|576 bytes/, infos[0].message); // 3 × 192 bytes
      });
    }

    it('every sample: each unreferenced object gets a warning on its own line', async () => {
      for (const name of await captureNames()) {
        const doc = await open(name);
        const w = await objectWarnings(doc);
        for (const line of headerLines(doc)) {
          assert.ok(w.some((d) => d.range.start.line === line), `${name}: no warning on line ${line + 1}`);
        }
      }
    });

    it('objects with the same backtrace point at each other (related information)', async () => {
      const doc = await open(POISON);
      const headers = headerLines(doc);
      assert.equal(headers.length, 4);
      const w = await objectWarnings(doc);
      assert.equal(w.length, 4);
      for (const d of w) {
        const own = d.range.start.line;
        const others = (d.relatedInformation ?? [])
          .filter((r) => r.location.uri.toString() === doc.uri.toString() && headers.includes(r.location.range.start.line))
          .map((r) => r.location.range.start.line)
          .sort((a, b) => a - b);
        assert.deepEqual(others, headers.filter((l) => l !== own), `related information of the object on line ${own + 1}`);
      }
    });
  });

  describe('language features (vscode.execute…Provider)', () => {
    it('document symbols: backtrace groups containing every object exactly once', async () => {
      for (const [name, groups] of [[NVME, undefined], [POISON, 1]] as const) {
        const doc = await open(name);
        await objectWarnings(doc); // analysed
        const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
        assert.ok(symbols?.length, `${name}: no symbols`);
        if (groups !== undefined) assert.equal(symbols.length, groups, `${name}: ${symbols.map((s) => s.name)}`);
        for (const g of symbols) assert.ok(g.children.length > 0, `group ${g.name} has no objects`);
        const objects = symbols.flatMap((g) => g.children.map((o) => o.selectionRange.start.line)).sort((a, b) => a - b);
        assert.deepEqual(objects, headerLines(doc), `${name}: objects in the outline`);
        if (name === NVME) assert.ok(symbols.some((g) => g.name.includes('blk_iolatency_init')), `groups: ${symbols.map((s) => s.name)}`);
      }
    });

    it('hover on a frame says whether it is the suspect', async () => {
      const doc = await open(NVME);
      await objectWarnings(doc);
      const suspect = lineOf(doc, 'blk_iolatency_init');
      const [h] = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(suspect.line, suspect.character + 3));
      assert.ok(h, 'no hover on blk_iolatency_init');
      assert.match(text(h), /blk_iolatency_init/);
      assert.match(text(h), /suspect frame/i);
      assert.doesNotMatch(text(h), /not the suspect/i);
      const other = lineOf(doc, 'vfs_write');
      const [h2] = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(other.line, other.character + 2));
      assert.ok(h2, 'no hover on vfs_write');
      assert.match(text(h2), /vfs_write/);
      assert.match(text(h2), /not the suspect/i);
    });

    it('folding: one range per object, from its header to the end of its backtrace', async () => {
      const doc = await open(NVME);
      await objectWarnings(doc);
      const ranges = await vscode.commands.executeCommand<vscode.FoldingRange[]>('vscode.executeFoldingRangeProvider', doc.uri);
      const headers = headerLines(doc);
      headers.forEach((h, i) => {
        const next = headers[i + 1] ?? doc.lineCount;
        let lastFrame = next - 1;
        while (lastFrame > h && !/\[<[0-9a-f]+>\]/.test(doc.lineAt(lastFrame).text)) lastFrame--;
        const r = ranges.find((x) => x.start === h);
        assert.ok(r, `no folding range at object line ${h + 1}`);
        assert.ok(r.end >= lastFrame && r.end < next, `range ${r.start + 1}-${r.end + 1} should end at its backtrace (line ${lastFrame + 1})`);
      });
    });

    it('code lens above each group: "N objects · size · same backtrace"', async () => {
      const doc = await open(POISON);
      await objectWarnings(doc);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
      assert.equal(lenses.length, 1, 'one group, one lens');
      assert.equal(lenses[0].range.start.line, headerLines(doc)[0]);
      assert.match(lenses[0].command?.title ?? '', /^4 objects · .+ · same backtrace$/);
    });

    it('semantic tokens cover the object address and the frames', async () => {
      const doc = await open(NVME);
      await objectWarnings(doc);
      const legend = await vscode.commands.executeCommand<vscode.SemanticTokensLegend>('vscode.provideDocumentSemanticTokensLegend', doc.uri);
      const tokens = await vscode.commands.executeCommand<vscode.SemanticTokens>('vscode.provideDocumentSemanticTokens', doc.uri);
      assert.ok(legend?.tokenTypes.length, 'no semantic token legend');
      assert.ok(tokens?.data.length, 'no semantic tokens');
      const decoded: { line: number; start: number; length: number; type: string }[] = [];
      let line = 0, start = 0;
      for (let i = 0; i < tokens.data.length; i += 5) {
        line += tokens.data[i];
        start = tokens.data[i] === 0 ? start + tokens.data[i + 1] : tokens.data[i + 1];
        decoded.push({ line, start, length: tokens.data[i + 2], type: legend.tokenTypes[tokens.data[i + 3]] });
      }
      const covered = (needle: string) => {
        const p = lineOf(doc, needle);
        return decoded.find((t) => t.line === p.line && t.start <= p.character && p.character < t.start + t.length);
      };
      for (const needle of ['0xffff8881675f7000', 'blk_iolatency_init', 'nvme_tcp]']) {
        const t = covered(needle);
        assert.ok(t, `no semantic token on "${needle}"`);
        assert.ok(t.type, `token on "${needle}" has a type outside the legend`);
      }
    });

    it('document links on frames lead to the kernel source (default template)', async () => {
      const doc = await open(NVME);
      await objectWarnings(doc);
      const p = lineOf(doc, 'blk_iolatency_init');
      const all = await links(doc.uri);
      assert.ok(all.length >= 12, `expected a link per resolved frame, got ${all.length}`);
      assert.equal(linkTargetAt(all, new vscode.Position(p.line, p.character + 1)), DEFAULT_LINK);
      const header = headerLines(doc)[0];
      assert.equal(all.filter((l) => l.range.start.line === header).length, 0, 'no link on the object header');
    });
  });

  describe('settings', () => {
    it('kleak.sourceUrlTemplate and kleak.kernelVersion change the link targets, live', async () => {
      const doc = await open(NVME);
      await objectWarnings(doc);
      const p = lineOf(doc, 'blk_iolatency_init');
      const pos = new vscode.Position(p.line, p.character + 1);
      const cfg = () => vscode.workspace.getConfiguration('kleak');
      try {
        await cfg().update('sourceUrlTemplate', 'https://src.example.test/linux/{version}/ident/{symbol}', vscode.ConfigurationTarget.Global);
        await cfg().update('kernelVersion', 'v5.17', vscode.ConfigurationTarget.Global);
        const want = 'https://src.example.test/linux/v5.17/ident/blk_iolatency_init';
        await waitFor(`the link to become ${want}`, async () => (linkTargetAt(await links(doc.uri), pos) === want ? true : undefined), 10_000);
      } finally {
        await cfg().update('sourceUrlTemplate', undefined, vscode.ConfigurationTarget.Global);
        await cfg().update('kernelVersion', undefined, vscode.ConfigurationTarget.Global);
      }
      await waitFor('the link to return to the default', async () => (linkTargetAt(await links(doc.uri), pos) === DEFAULT_LINK ? true : undefined), 10_000);
    });
  });

  describe('commands', () => {
    it('every contributed command, and every command a code lens or menu carries, is registered', async () => {
      const ext = vscode.extensions.getExtension(EXT_ID);
      assert.ok(ext);
      await open(NVME);
      await waitFor('activation', () => (ext.isActive ? true : undefined));
      const pkg = ext.packageJSON as { contributes?: { commands?: { command: string; title: string }[]; menus?: Record<string, { command?: string }[]> } };
      const contributed = pkg.contributes?.commands ?? [];
      assert.ok(Array.isArray(contributed), 'contributes.commands must be an array');
      for (const c of contributed) {
        assert.match(c.command, /^kleak\./, `command ${c.command} is not namespaced`);
        assert.ok(c.title, `command ${c.command} has no title`);
      }
      const menuCommands = Object.values(pkg.contributes?.menus ?? {}).flat().map((m) => m.command).filter((c): c is string => !!c);
      for (const m of menuCommands) assert.ok(contributed.some((c) => c.command === m), `menu entry for uncontributed command ${m}`);
      const doc = await open(POISON);
      await objectWarnings(doc);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
      const lensCommands = lenses.map((l) => l.command?.command).filter((c): c is string => !!c);
      assert.ok(lensCommands.length > 0, 'code lenses carry a command');
      const registered = new Set(await vscode.commands.getCommands(true));
      const needed = [...new Set([...contributed.map((c) => c.command), ...lensCommands])];
      const missing = needed.filter((c) => !registered.has(c));
      assert.deepEqual(missing, [], `not registered: ${missing.join(', ')}`);
    });
  });
});
