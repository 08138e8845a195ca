import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSlabtopSignature, parseSlabtopLine, sizeBytes } from '../../../../server/src/analysis/formats/slabtop';
import { fixtureLines } from '../../../helpers/fixtures';
import { generatedLines, snapshotFixtures } from '../../../helpers/slabFixtures';

const ROW = /^\s*\d+\s+\d+\s+\d+%/;
const sources: [string, string[]][] = [
  ...snapshotFixtures().filter(([d]) => d === 'slabtop').map(([d, f]): [string, string[]] => [f, fixtureLines(d, f)]),
  ['slabtop-series.txt', generatedLines('slabtop-series.txt')],
];

describe('slabtop lines on real captures', () => {
  for (const [name, lines] of sources) {
    it(`${name}: summaries, the column header and every row`, () => {
      let rows = 0;
      let summaries = 0;
      for (const line of lines) {
        const p = parseSlabtopLine(line);
        if (/Active \/ Total|Minimum \/ Average/.test(line)) {
          assert.equal(p?.kind, 'summary', line);
          summaries++;
        } else if (/OBJS ACTIVE/.test(line)) {
          assert.equal(p?.kind, 'columns', line);
        } else if (ROW.test(line)) {
          assert.equal(p?.kind, 'row', line);
          if (p?.kind !== 'row') continue;
          const c = line.trim().split(/\s+/);
          const r = p.row;
          assert.deepEqual([r.numObjs, r.activeObjs, r.numSlabs, r.objPerSlab, r.name], [+c[0], +c[1], +c[4], +c[5], c[7]]);
          assert.equal(r.cacheBytes, Number(c[6].slice(0, -1)) * 1024);
          assert.equal(r.objSize, Math.round(Number(c[3].slice(0, -1)) * 1024));
          assert.equal(line.slice(r.nameStart, r.nameEnd), r.name);
          for (const s of p.spans) assert.ok(s.character + s.length <= line.length);
          rows++;
        } else {
          assert.equal(p, undefined, line);
        }
      }
      assert.ok(rows > 0 && summaries > 0);
    });
  }

  it('reads the values of the summary: counts and sizes in bytes', () => {
    const lines = fixtureLines('slabtop', 'slabinfo_07_slabtop_x86_64_2.6.2rc1_two_snapshots_before_after.txt');
    const objects = parseSlabtopLine(lines[0]);
    assert.deepEqual(objects?.kind === 'summary' && [objects.field, objects.active, objects.total], ['objects', 1794827, 1804510]);
    const size = parseSlabtopLine(lines[3]);
    assert.deepEqual(size?.kind === 'summary' && [size.field, size.active, size.total], ['size', Math.round(685008.27 * 1024), Math.round(686856.36 * 1024)]);
    const min = parseSlabtopLine(lines[4]);
    assert.deepEqual(min?.kind === 'summary' && [min.field, min.active, min.total], ['object-size', Math.round(0.02 * 1024), 128 * 1024]);
    assert.ok(isSlabtopSignature(lines[0]) && isSlabtopSignature(lines[6]) && !isSlabtopSignature(lines[7]));
  });

  it('sizes: K, M, G suffixes; a row cut short is a cut, not a row', () => {
    assert.equal(sizeBytes('0.62K'), 635);
    assert.equal(sizeBytes('243872K'), 243872 * 1024);
    assert.equal(sizeBytes('1.5M'), 1.5 * 1024 * 1024);
    assert.equal(sizeBytes('2G'), 2 * 1024 ** 3);
    assert.equal(sizeBytes('K'), undefined);
    const full = '708600 708559  99%    0.25K  47240       15    188960K dentry_cache';
    for (let n = 0; n < full.length; n++) {
      const p = parseSlabtopLine(full.slice(0, n));
      if (p?.kind === 'row') {
        assert.equal(p.row.cacheBytes, 188960 * 1024);
        assert.ok('dentry_cache'.startsWith(p.row.name));
      }
    }
    assert.equal(parseSlabtopLine('708600 708559  99%    0.25K  47240')?.kind, 'cut');
  });
});
