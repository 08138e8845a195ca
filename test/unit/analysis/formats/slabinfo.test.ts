import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSlabinfoSignature, parseSlabinfoLine } from '../../../../server/src/analysis/formats/slabinfo';
import { fixtureLines } from '../../../helpers/fixtures';
import { generatedLines, snapshotFixtures } from '../../../helpers/slabFixtures';

/** The columns of a 2.x row read with a plain split: the oracle for the parser. */
function oracle(line: string) {
  const c = line.trim().split(/\s+/);
  const sd = c.indexOf('slabdata');
  return { name: c[0], active: +c[1], num: +c[2], objSize: +c[3], perSlab: +c[4], pages: +c[5], activeSlabs: +c[sd + 1], numSlabs: +c[sd + 2] };
}

const sources: [string, string[]][] = [
  ...snapshotFixtures().filter(([d]) => d === 'slabinfo').map(([d, f]): [string, string[]] => [f, fixtureLines(d, f)]),
  ['slabinfo-series.txt.gz', generatedLines('slabinfo-series.txt.gz')],
];

describe('slabinfo lines on real captures', () => {
  for (const [name, lines] of sources) {
    it(`${name}: every row with ": slabdata" parses to its columns, names and spans inside the line`, () => {
      let rows = 0;
      for (const line of lines) {
        if (!line.includes(': slabdata') || line.startsWith('#')) continue;
        const p = parseSlabinfoLine(line, 2);
        assert.equal(p?.kind, 'row', line);
        if (p?.kind !== 'row') continue;
        const o = oracle(line);
        const r = p.row;
        assert.deepEqual(
          [r.name, r.activeObjs, r.numObjs, r.objSize, r.objPerSlab, r.pagesPerSlab, r.activeSlabs, r.numSlabs],
          [o.name, o.active, o.num, o.objSize, o.perSlab, o.pages, o.activeSlabs, o.numSlabs],
        );
        assert.equal(line.slice(r.nameStart, r.nameEnd), r.name);
        for (const s of p.spans) assert.ok(s.character >= 0 && s.character + s.length <= line.length, `span past the line: ${line}`);
        assert.ok(p.spans.some((s) => s.kind === 'cache' && s.character === r.nameStart));
        assert.ok(isSlabinfoSignature(line));
        rows++;
      }
      // a 1.1 dump (2.4 kernels) has no ": slabdata" columns: its rows are read below
      assert.ok(rows > 0 || lines[0].startsWith('slabinfo - version: 1.'), name);
    });
  }

  it('reads the 2.1 header and the column header', () => {
    const [, lines] = sources.find(([n]) => n.startsWith('slabinfo_03'))!;
    const v = parseSlabinfoLine(lines[0]);
    assert.equal(v?.kind, 'version');
    assert.deepEqual(v?.kind === 'version' && [v.version, v.major], ['2.1', 2]);
    assert.equal(parseSlabinfoLine(lines[1])?.kind, 'columns');
    assert.ok(isSlabinfoSignature(lines[0]) && isSlabinfoSignature(lines[1]));
  });

  it('reads slabinfo 1.1 rows (2.4 kernels: active/num slabs before pages per slab, SMP limit/batchcount)', () => {
    // Built from the 2.4 format string "%-17s %6lu %6lu %6u %4lu %4lu %4u" + " : %4u %4u".
    const p = parseSlabinfoLine('kmem_cache            80     80    244    5    5    1 :  252  126', 1);
    assert.equal(p?.kind, 'row');
    const r = p?.kind === 'row' ? p.row : undefined;
    assert.deepEqual(r && [r.name, r.activeObjs, r.numObjs, r.objSize, r.activeSlabs, r.numSlabs, r.pagesPerSlab, r.objPerSlab], ['kmem_cache', 80, 80, 244, 5, 5, 1, 16]);
    // Without a header the 1.1 layout is told by its shape (six numbers, no tunables).
    const bare = parseSlabinfoLine('ip_conntrack           0      0    384    0    0    1');
    assert.equal(bare?.kind === 'row' && bare.row.pagesPerSlab, 1);
  });

  it('reads the 2.0 header of 2.6 kernels and its rows (slabinfo_22, LKML 2004)', () => {
    const [, lines] = sources.find(([n]) => n.startsWith('slabinfo_22'))!;
    const v = parseSlabinfoLine(lines[0]);
    assert.deepEqual(v?.kind === 'version' && [v.version, v.major], ['2.0', 2]);
    assert.equal(parseSlabinfoLine(lines[1])?.kind, 'columns');
    const rows = lines.slice(2).filter(Boolean).map((l) => parseSlabinfoLine(l, 2));
    assert.equal(rows.length, 20);
    assert.ok(rows.every((r) => r?.kind === 'row'));
    const bh = rows.at(-1);
    const r = bh?.kind === 'row' ? bh.row : undefined;
    // buffer_head        33719  36126     48   81    1 : tunables  120   60    0 : slabdata    446    446      0
    assert.deepEqual(r && [r.name, r.activeObjs, r.numObjs, r.objSize, r.objPerSlab, r.pagesPerSlab, r.activeSlabs, r.numSlabs], ['buffer_head', 33719, 36126, 48, 81, 1, 446, 446]);
  });

  it('reads the "1.1 (SMP)" header of 2.4 kernels and every row of its layout, names with spaces too (slabinfo_23, LKML 2001)', () => {
    const [, lines] = sources.find(([n]) => n.startsWith('slabinfo_23'))!;
    const v = parseSlabinfoLine(lines[0]);
    assert.deepEqual(v?.kind === 'version' && [v.version, v.major], ['1.1', 1]);
    let rows = 0;
    for (const line of lines.slice(1).filter(Boolean)) {
      // oracle: the name is every word before the first number; then active num objsize active_slabs num_slabs pages
      const words = line.trim().split(/\s+/);
      const k = words.findIndex((w) => /^\d+$/.test(w));
      const [active, num, objSize, activeSlabs, numSlabs, pages] = words.slice(k, k + 6).map(Number);
      const p = parseSlabinfoLine(line, 1);
      assert.equal(p?.kind, 'row', line);
      const r = p?.kind === 'row' ? p.row : undefined;
      assert.deepEqual(
        r && [r.name, r.activeObjs, r.numObjs, r.objSize, r.activeSlabs, r.numSlabs, r.pagesPerSlab],
        [words.slice(0, k).join(' '), active, num, objSize, activeSlabs, numSlabs, pages],
        line,
      );
      assert.equal(r && line.slice(r.nameStart, r.nameEnd), r?.name);
      rows++;
    }
    assert.equal(rows, 81);
    // xfs_inode           7706   9160    468 1140 1145    1 :  124   62: 8 objects per slab (9160 / 1145)
    const xfs = parseSlabinfoLine(lines.find((l) => l.startsWith('xfs_inode '))!, 1);
    assert.equal(xfs?.kind === 'row' && xfs.row.objPerSlab, 8);
    // size-131072            0      0 131072    0    0   32 :    0    0: 32 pages per slab
    const big = parseSlabinfoLine(lines.find((l) => l.startsWith('size-131072 '))!, 1);
    assert.deepEqual(big?.kind === 'row' && [big.row.objSize, big.row.pagesPerSlab, big.row.objPerSlab], [131072, 32, 0]);
    const lock = parseSlabinfoLine('file lock cache       84     84     92    2    2    1 :  252  126', 1);
    assert.deepEqual(lock?.kind === 'row' && [lock.row.name, lock.row.nameStart, lock.row.nameEnd, lock.row.numObjs], ['file lock cache', 0, 15, 84]);
    // a name with spaces only after a 1.x header, and never prose that follows the dump
    assert.equal(parseSlabinfoLine('file lock cache       84     84     92    2    2    1 :  252  126'), undefined);
    assert.equal(parseSlabinfoLine('file lock cache       84     84     92    2    2    1 :  252  126', 2), undefined);
    assert.equal(parseSlabinfoLine('Total of 2 processors activated (3188.32 BogoMIPS).', 1), undefined);
    assert.equal(parseSlabinfoLine('Loaded 22179 symbols from /boot/System.map.', 1), undefined);
    assert.equal(parseSlabinfoLine('Loaded 14 symbols from 2 modules.', 1), undefined);
  });

  it('a row cut anywhere never yields wrong numbers: undefined, a cut, or the full row', () => {
    const full = 'dentry            1000729 1295994    192   21    1 : tunables    0    0    0 : slabdata  61714  61714      0';
    let cuts = 0;
    for (let n = 0; n < full.length; n++) {
      const p = parseSlabinfoLine(full.slice(0, n), 2);
      if (p?.kind === 'cut') cuts++;
      if (p?.kind === 'row') assert.equal(p.row.numSlabs, 61714, `prefix of ${n} chars read as a row: ${full.slice(0, n)}`);
      else assert.ok(p === undefined || p.kind === 'cut');
    }
    assert.ok(cuts > 50, `${cuts} prefixes recognised as cut rows`);
  });

  it('does not take other lines for rows', () => {
    for (const line of [
      'Linux pi4 6.6.60-test+ #1 SMP PREEMPT Mon Nov 18 15:04:07 CET 2024 aarch64 aarch64 aarch64 GNU/Linux',
      'root@pi4:~# cat /proc/slabinfo |grep -e skb -e kmalloc-1k',
      'MemTotal:       24684092 kB',
      'Node 0, zone   Normal  18807   6121   9658',
      '751218 620779  82%    0.10K  19262       39     77048K buffer_head',
      '=== 1795312468',
      'total 372',
      '',
    ]) {
      assert.equal(parseSlabinfoLine(line), undefined, line);
      assert.equal(isSlabinfoSignature(line), false, line);
    }
  });
});
