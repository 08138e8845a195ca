// publishDiagnostics of the bundled server on real kmemleak captures.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver-protocol/node';
import { FIXTURES, fixture, LspClient } from './lspClient';
import { backtraceGroups, linesOutsideRecords, records, textAt } from './captureText';

/** Diagnostics with this code; kleak sends plain-string messages. */
const byCode = (ds: Diagnostic[], code: string) =>
  ds
    .filter((d) => d.code === code)
    .map((d) => {
      assert.equal(typeof d.message, 'string');
      return { ...d, message: d.message as string };
    });

describe('diagnostics on real captures', () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    await client?.stop();
  });

  for (const name of Object.values(FIXTURES)) {
    describe(name, () => {
      const f = fixture(name);
      const recs = records(f.lines);
      const groups = backtraceGroups(recs);
      let diags: Diagnostic[];
      before(async () => {
        diags = (await client.open(f.uri, f.text)).diagnostics;
      });

      it('reads at least one object from the capture text (sanity of the oracle)', () => {
        assert.ok(recs.length > 0);
      });

      it('has one Warning `leaked-object` on each `unreferenced object` header', () => {
        const leaked = byCode(diags, 'leaked-object');
        assert.deepEqual(
          leaked.map((d) => d.range.start.line).sort((a, b) => a - b),
          recs.map((r) => r.headerLine),
        );
        for (const r of recs) {
          const d = leaked.find((x) => x.range.start.line === r.headerLine)!;
          assert.equal(d.severity, DiagnosticSeverity.Warning);
          assert.equal(d.source, 'kleak');
          assert.equal(textAt(f.lines, d.range), r.headerText, 'the diagnostic underlines the header phrase');
          assert.match(d.message, new RegExp(`0x${r.address}\\b`));
          assert.match(d.message, new RegExp(`\\b${r.size} bytes`));
        }
      });

      it('relates each object to the other objects of its backtrace group (and only those)', () => {
        const headerLines = new Set(recs.map((r) => r.headerLine));
        for (const g of groups) {
          for (const r of g) {
            const d = byCode(diags, 'leaked-object').find((x) => x.range.start.line === r.headerLine)!;
            const related = d.relatedInformation ?? [];
            for (const ri of related) assert.equal(ri.location.uri, f.uri);
            const relatedHeaders = related.filter((ri) => headerLines.has(ri.location.range.start.line)).map((ri) => ri.location.range.start.line);
            const others = g.filter((x) => x !== r).map((x) => x.headerLine);
            assert.deepEqual(relatedHeaders.sort((a, b) => a - b), others);
            if (others.length > 0) assert.match(d.message, new RegExp(`${g.length} objects \\(`));
            else assert.doesNotMatch(d.message, /share this backtrace/);
          }
        }
      });

      it('has one Information `summary` on line 0 counting the objects', () => {
        const s = byCode(diags, 'summary');
        assert.equal(s.length, 1);
        assert.equal(s[0].severity, DiagnosticSeverity.Information);
        assert.equal(s[0].range.start.line, 0);
        assert.equal(s[0].range.end.line, 0);
        assert.match(s[0].message, new RegExp(`^kmemleak: ${recs.length} unreferenced objects?\\b`));
        assert.match(s[0].message, new RegExp(`in ${groups.length} distinct backtraces?`));
        // One related entry per group, each at the header of a member of that group.
        assert.equal(s[0].relatedInformation?.length, groups.length);
        const firstHeaders = new Set(groups.map((g) => g[0].headerLine));
        for (const ri of s[0].relatedInformation!) assert.ok(firstHeaders.has(ri.location.range.start.line));
      });

      it('reports lines outside records as one Information `foreign-lines` (or none)', () => {
        const outside = linesOutsideRecords(f.lines, recs);
        const fl = byCode(diags, 'foreign-lines');
        if (outside.length === 0) {
          assert.equal(fl.length, 0);
        } else {
          assert.equal(fl.length, 1);
          assert.equal(fl[0].severity, DiagnosticSeverity.Information);
          assert.equal(fl[0].range.start.line, outside[0]);
          assert.match(fl[0].message, new RegExp(`^${outside.length} lines? outside kmemleak records`));
        }
      });

      it('every diagnostic range lies inside the document', () => {
        for (const d of diags) {
          for (const p of [d.range.start, d.range.end]) {
            assert.ok(p.line >= 0 && p.line < f.lines.length, `line ${p.line} of ${d.code}`);
            assert.ok(p.character >= 0 && p.character <= f.lines[p.line].length, `character ${p.character} of ${d.code}`);
          }
        }
      });
    });
  }

  it('kmemleak_03: every object names blk_iolatency_init as suspect and points at that frame', async () => {
    const f = fixture(FIXTURES.nvme);
    const diags = (await client.diagnostics(f.uri, 1)).diagnostics;
    const leaked = byCode(diags, 'leaked-object');
    assert.equal(leaked.length, 3);
    for (const d of leaked) {
      assert.match(d.message, /suspect blk_iolatency_init\+0x4e\/0x380/);
      const first = d.relatedInformation![0];
      assert.equal(textAt(f.lines, first.location.range), 'blk_iolatency_init');
      // The suspect frame pointed at is in this object's own backtrace (the 7th line after its header).
      assert.equal(first.location.range.start.line, d.range.start.line + 7);
    }
  });

  it('kmemleak_07: the record cut after "hex dump (first 32 by" is a Warning `truncated-record` and a `cut-line`', async () => {
    const f = fixture(FIXTURES.mips);
    const diags = (await client.diagnostics(f.uri, 1)).diagnostics;
    const last = records(f.lines).at(-1)!;
    const tr = byCode(diags, 'truncated-record');
    assert.equal(tr.length, 1);
    assert.equal(tr[0].severity, DiagnosticSeverity.Warning);
    assert.equal(tr[0].range.start.line, last.headerLine);
    assert.match(tr[0].message, new RegExp(`0x${last.address}`));
    const cutLine = f.lines.findIndex((l) => /hex dump \(first 32 by$/.test(l));
    assert.ok(cutLine > last.headerLine);
    const cl = byCode(diags, 'cut-line');
    assert.deepEqual(cl.map((d) => [d.range.start.line, d.severity]), [[cutLine, DiagnosticSeverity.Warning]]);
    // The cut record has no backtrace, so its object diagnostic says the origin is unknown.
    const obj = byCode(diags, 'leaked-object').find((d) => d.range.start.line === last.headerLine)!;
    assert.match(obj.message, /origin unknown/);
    // The two complete records are not truncated.
    for (const d of tr) assert.notEqual(d.range.start.line, records(f.lines)[0].headerLine);
  });

  it('a syz-manager line printed inside a backtrace is a Hint `interleaved-line`, tagged Unnecessary, and ignored', async () => {
    const nvme = fixture(FIXTURES.nvme);
    // The foreign line comes from the real syzbot capture (kmemleak_05, first line).
    const foreign = fixture(FIXTURES.vsock).lines[0];
    assert.match(foreign, /executed programs/);
    const recs = records(nvme.lines);
    const at = recs[1].frames[2].line; // inside the second object's backtrace
    const lines = [...nvme.lines.slice(0, at), foreign, ...nvme.lines.slice(at)];
    const uri = 'untitled:interleaved.kmemleak';
    const diags = (await client.open(uri, lines.join('\n'))).diagnostics;
    const il = byCode(diags, 'interleaved-line');
    assert.equal(il.length, 1);
    assert.equal(il[0].severity, DiagnosticSeverity.Hint);
    assert.equal(il[0].range.start.line, at);
    assert.deepEqual(il[0].tags, [DiagnosticTag.Unnecessary]);
    // The backtrace goes on after it: the three objects still share one backtrace.
    const leaked = byCode(diags, 'leaked-object');
    assert.equal(leaked.length, 3);
    for (const d of leaked) assert.match(d.message, /3 objects \(576 B\) share this backtrace/);
    assert.equal(byCode(diags, 'truncated-record').length, 0);
  });

  it('didClose clears the diagnostics of the document', async () => {
    const uri = 'untitled:closing.kmemleak';
    const f = fixture(FIXTURES.poison);
    const opened = await client.open(uri, f.text);
    assert.ok(opened.diagnostics.length > 0);
    // The publish that follows didClose carries no version (the document is gone).
    const next = client.nextDiagnostics(uri, (p) => p.version === undefined || p.version === null);
    await client.close(uri);
    const cleared = await next;
    assert.deepEqual(cleared.diagnostics, []);
  });

  it('the server is still running', () => {
    assert.ok(client.alive, client.stderr);
  });
});
