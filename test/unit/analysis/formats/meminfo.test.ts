import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MEMINFO_FIELDS, isMeminfoSignature, parseMeminfoLine } from '../../../../server/src/analysis/formats/meminfo';
import { fixtureLines } from '../../../helpers/fixtures';
import { generatedLines, snapshotFixtures } from '../../../helpers/slabFixtures';

const FIELD = /^([A-Za-z][\w]*(?:\(\w+\))?):\s+(\d+)(?: kB)?\s*$/;
const sources: [string, string[]][] = [
  ...snapshotFixtures().filter(([d]) => d === 'meminfo').map(([d, f]): [string, string[]] => [f, fixtureLines(d, f)]),
  ['meminfo-series.txt', generatedLines('meminfo-series.txt')],
];

describe('meminfo lines on real captures', () => {
  for (const [name, lines] of sources) {
    it(`${name}: every "Key: value [kB]" line is a field with its value in bytes`, () => {
      let fields = 0;
      for (const line of lines) {
        const m = FIELD.exec(line);
        const p = parseMeminfoLine(line);
        if (!m) {
          assert.ok(p === undefined, line);
          continue;
        }
        assert.equal(p?.kind, 'field', line);
        if (p?.kind !== 'field') continue;
        const kb = line.includes(' kB');
        assert.equal(p.field.key, m[1]);
        assert.equal(p.field.value, kb ? Number(m[2]) * 1024 : Number(m[2]));
        assert.equal(p.field.unit, kb ? 'kB' : '');
        assert.equal(line.slice(p.field.keyStart, p.field.keyEnd), m[1]);
        fields++;
      }
      assert.ok(fields > 0);
    });
  }

  it('knows the old and the new field sets', () => {
    const old = fixtureLines('meminfo', 'meminfo_07_x86_64_ubuntu_2010_2.6.3x.txt').map(parseMeminfoLine).filter((p) => p?.kind === 'field');
    const keys = old.map((p) => (p?.kind === 'field' ? p.field.key : ''));
    assert.ok(keys.includes('SUnreclaim') && !keys.includes('Shmem') && !keys.includes('KernelStack'));
    const modern = fixtureLines('meminfo', 'meminfo_03_x86_64_5.x_vm_jc_fixture.txt').map(parseMeminfoLine);
    assert.ok(modern.some((p) => p?.kind === 'field' && p.field.key === 'KReclaimable'));
    for (const k of ['MemTotal', 'SUnreclaim', 'LowFree', 'Zswapped', 'HugePages_Total']) assert.ok(MEMINFO_FIELDS.has(k));
  });

  it('per-node meminfo, the 2.4 table, and what is not meminfo', () => {
    const node = parseMeminfoLine('Node 0 MemFree:          123456 kB');
    assert.deepEqual(node?.kind === 'field' && [node.field.key, node.field.value], ['Node 0 MemFree', 123456 * 1024]);
    const header = '        total:    used:    free:  shared: buffers:  cached:';
    assert.deepEqual(parseMeminfoLine(header), { kind: 'table', header: true, spans: [{ character: 8, length: header.length - 8, kind: 'prefix' }] });
    assert.equal(parseMeminfoLine('Mem:  261496832 255176704  6320128        0 12853248 144625664')?.kind, 'table');
    for (const line of ['Timestamp: 1795312468', 'Foo: 3', 'total 372', 'LowFree: 599392 kB extra', 'slabinfo - version: 2.1']) assert.equal(parseMeminfoLine(line), undefined, line);
    assert.ok(isMeminfoSignature('MemTotal:        3997272 kB') && isMeminfoSignature('LowFree:          599392 kB'));
    assert.ok(!isMeminfoSignature('HugePages_Total:       0') && !isMeminfoSignature('Foo:  12 kB'));
  });
});
