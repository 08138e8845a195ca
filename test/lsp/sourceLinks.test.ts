// Document links and go-to-definition on frames: web source URLs built from the
// kleak.sourceUrlTemplate / kleak.kernelVersion settings pulled with workspace/configuration.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DocumentLink, Location } from 'vscode-languageserver-protocol/node';
import { FIXTURES, fixture, Fixture, LspClient, positionOf } from './lspClient';
import { records, textAt, TextFrame } from './captureText';

const DEFAULT = (symbol: string) => `https://elixir.bootlin.com/linux/latest/C/ident/${symbol}`;
const CUSTOM = { sourceUrlTemplate: 'https://example.test/{version}/{symbol}', kernelVersion: 'v6.1' };

/** Frames that can have a link: a resolved symbol whose base name is a C identifier. */
const linkable = (f: Fixture): TextFrame[] =>
  records(f.lines).flatMap((r) => r.frames).filter((fr) => fr.symbol !== undefined && /^[A-Za-z_]\w*$/.test(fr.key));

async function links(client: LspClient, f: Fixture): Promise<DocumentLink[]> {
  return client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: f.uri } });
}

async function definition(client: LspClient, f: Fixture, pos: { line: number; character: number }): Promise<Location[]> {
  const r = await client.request<Location[] | Location | null>('textDocument/definition', { textDocument: { uri: f.uri }, position: pos });
  return r === null ? [] : Array.isArray(r) ? r : [r];
}

describe('source links with default settings', () => {
  let client: LspClient;
  const all = Object.values(FIXTURES).map(fixture);
  before(async () => {
    client = await LspClient.start({ settings: {} });
    for (const f of all) await client.open(f.uri, f.text);
  });
  after(async () => {
    await client?.stop();
  });

  for (const f of all) {
    it(`${f.name}: one link per resolved frame symbol, to elixir "latest" with the base name`, async () => {
      const expected = linkable(f);
      assert.ok(expected.length > 0);
      const got = await links(client, f);
      assert.equal(got.length, expected.length);
      for (const fr of expected) {
        const l = got.find((x) => x.range.start.line === fr.line);
        assert.ok(l, `a link on line ${fr.line}`);
        assert.equal(textAt(f.lines, l.range), fr.symbol);
        assert.equal(l.target, DEFAULT(fr.key));
      }
    });
  }

  it('kmemleak_03: the .cold.57 clone links to nvme_tcp_setup_ctrl', async () => {
    const f = all.find((x) => x.name === FIXTURES.nvme)!;
    const line = f.lines.findIndex((l) => l.includes('nvme_tcp_setup_ctrl.cold.57'));
    const l = (await links(client, f)).find((x) => x.range.start.line === line)!;
    assert.equal(textAt(f.lines, l.range), 'nvme_tcp_setup_ctrl.cold.57');
    assert.equal(l.target, DEFAULT('nvme_tcp_setup_ctrl'));
  });

  it('kmemleak_09: the unresolved 0xffffffffc08ea070 frames get no link', async () => {
    const f = all.find((x) => x.name === FIXTURES.poison)!;
    const unresolved = f.lines.map((l, i) => (l.includes('0xffffffffc08ea070') ? i : -1)).filter((i) => i >= 0);
    assert.equal(unresolved.length, 4);
    const got = await links(client, f);
    for (const i of unresolved) assert.ok(!got.some((l) => l.range.start.line === i), `no link on line ${i}`);
  });

  it('definition on a frame: one location whose uri is the web URL', async () => {
    const f = all.find((x) => x.name === FIXTURES.nvme)!;
    const line = f.lines.findIndex((l) => l.includes('blk_iolatency_init+'));
    const locs = await definition(client, f, positionOf(f.lines, line, 'iolatency'));
    assert.equal(locs.length, 1);
    assert.equal(locs[0].uri, DEFAULT('blk_iolatency_init'));
  });

  it('definition on the unresolved frame, on a header and on a hex dump: nothing', async () => {
    const f = all.find((x) => x.name === FIXTURES.poison)!;
    const unresolved = f.lines.findIndex((l) => l.includes('0xffffffffc08ea070'));
    assert.deepEqual(await definition(client, f, positionOf(f.lines, unresolved, 'ffffffffc08ea070')), []);
    const r = records(f.lines)[0];
    assert.deepEqual(await definition(client, f, { line: r.headerLine, character: r.headerCharacter + 3 }), []);
    assert.deepEqual(await definition(client, f, positionOf(f.lines, r.headerLine + 3, '6b')), []);
  });

  describe('after workspace/didChangeConfiguration', () => {
    const nvme = () => all.find((x) => x.name === FIXTURES.nvme)!;

    it(`${JSON.stringify(CUSTOM)}: links and definitions use the template and version`, async () => {
      await client.changeSettings({ kleak: CUSTOM });
      const f = nvme();
      const got = await links(client, f);
      const expected = linkable(f);
      assert.equal(got.length, expected.length);
      for (const fr of expected) {
        assert.equal(got.find((x) => x.range.start.line === fr.line)?.target, `https://example.test/v6.1/${fr.key}`);
      }
      const line = f.lines.findIndex((l) => l.includes('blk_iolatency_init+'));
      const locs = await definition(client, f, positionOf(f.lines, line, 'blk_iolatency_init'));
      assert.deepEqual(locs.map((l) => l.uri), ['https://example.test/v6.1/blk_iolatency_init']);
    });

    it('an empty kernelVersion means "latest"', async () => {
      await client.changeSettings({ kleak: { ...CUSTOM, kernelVersion: '' } });
      const f = nvme();
      const line = f.lines.findIndex((l) => l.includes('blk_iolatency_init+'));
      assert.equal((await links(client, f)).find((x) => x.range.start.line === line)?.target, 'https://example.test/latest/blk_iolatency_init');
    });

    it('a non-http(s) template and a version with path characters fall back to the defaults', async () => {
      await client.changeSettings({ kleak: { sourceUrlTemplate: 'file:///etc/{symbol}', kernelVersion: 'v6.1/../../x' } });
      const f = nvme();
      for (const l of await links(client, f)) assert.match(l.target!, /^https:\/\/elixir\.bootlin\.com\/linux\/latest\/C\/ident\/\w+$/);
    });

    it('settings removed again: back to the default template', async () => {
      await client.changeSettings({});
      const f = nvme();
      const line = f.lines.findIndex((l) => l.includes('blk_iolatency_init+'));
      assert.equal((await links(client, f)).find((x) => x.range.start.line === line)?.target, DEFAULT('blk_iolatency_init'));
    });
  });
});

describe('source links with settings answered at startup', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start({ settings: { kleak: CUSTOM } });
  });
  after(async () => {
    await client?.stop();
  });

  it('the first workspace/configuration answer is used without any didChangeConfiguration', async () => {
    assert.equal(client.configurationRequests, 1);
    const f = fixture(FIXTURES.vsock);
    await client.open(f.uri, f.text);
    const line = f.lines.findIndex((l) => l.includes('__vsock_create.constprop.0+'));
    const l = (await links(client, f)).find((x) => x.range.start.line === line);
    assert.equal(l?.target, 'https://example.test/v6.1/__vsock_create');
  });
});
