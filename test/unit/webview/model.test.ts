// webview/src/model.ts: what the slab panel charts and lists, from the real samples (a socket leak
// beside a growing dentry cache, recorded on a real kernel — see samples/README.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TOP_CACHES,
  cacheLines,
  cacheRows,
  chartedCaches,
  csvCell,
  exportName,
  filterRows,
  fleetLines,
  formatBytes,
  formatElapsed,
  formatRate,
  instanceRows,
  instanceSeries,
  meminfoNote,
  meminfoStack,
  pointTitle,
  rowLink,
  seriesCsv,
  sortRows,
  summary,
  tickLabel,
} from '../../../webview/src/model';
import { buildFleet, grid } from '../../../client/src/slabPanel/prometheus';
import { seriesDtoOfText, slabSeriesDto } from '../../helpers/slabSeries';
import { FleetDto } from '../../../server/src/protocol';
import { fixtureText } from '../../helpers/fixtures';

const slabtop = slabSeriesDto('slabtop-series.txt');
const meminfo = slabSeriesDto('meminfo-series.txt');

describe('slab panel model: the caches chart', () => {
  it('charts the top growing caches of the real series, socket inodes among them, one point per snapshot', () => {
    const lines = cacheLines(slabtop, []);
    assert.equal(lines.length, TOP_CACHES);
    assert.deepEqual(
      lines.map((l) => l.label),
      slabtop.caches.filter((c) => c.growthBytes > 0).slice(0, TOP_CACHES).map((c) => c.name),
    );
    assert.equal(lines[0].label, 'dentry', 'the dentry cache grew most');
    assert.equal(lines[0].verdict, 'cache');
    const sock = lines.find((l) => l.label === 'sock_inode_cache');
    assert.ok(sock, 'sock_inode_cache is charted');
    assert.equal(sock.verdict, 'likely-leak');
    // in the first snapshot socket inodes were not yet among slabtop's top 33 rows: 57 points
    const dto = slabtop.caches.find((c) => c.name === 'sock_inode_cache')!;
    assert.equal(dto.bytes[0], null);
    assert.equal(sock.points.length, 57);
    // x: seconds since the first snapshot, increasing; y: the cache's bytes at that snapshot
    assert.equal(dentryFirstX(), 0);
    assert.ok(sock.points[0].x >= 1 && sock.points[56].x >= 55 && sock.points[56].x <= 62, `x ${sock.points[0].x}…${sock.points[56].x}`);
    for (let i = 1; i < sock.points.length; i++) assert.ok(sock.points[i].x > sock.points[i - 1].x);
    assert.deepEqual(sock.points.map((p) => p.y), dto.bytes.filter((b) => b !== null));
    assert.ok(sock.points[56].y > 4 * sock.points[0].y);
    function dentryFirstX() {
      return lines[0].points[0].x;
    }
    assert.equal(lines.every((l) => !l.selected), true);
  });

  it('charts the caches selected in the table instead, each at its own scale', () => {
    const quiet = slabtop.caches.find((c) => !chartedCaches(slabtop, []).includes(c))!;
    const lines = cacheLines(slabtop, [quiet.name, 'sock_inode_cache', 'no-such-cache']);
    assert.deepEqual(lines.map((l) => l.label).sort(), ['sock_inode_cache', quiet.name].sort());
    assert.equal(lines.every((l) => l.selected), true);
    assert.equal(cacheLines(slabtop, ['no-such-cache']).length, TOP_CACHES, 'an unknown selection falls back to the top caches');
  });

  it('leaves out snapshots where a cache is absent (slabtop shows only its top rows)', () => {
    const absentSomewhere = slabtop.caches.find((c) => c.bytes.some((b) => b === null) && c.bytes.some((b) => b !== null));
    assert.ok(absentSomewhere, 'slabtop -o | head leaves some caches out of some snapshots');
    const line = cacheLines(slabtop, [absentSomewhere.name]).find((l) => l.label === absentSomewhere.name)!;
    assert.equal(line.points.length, absentSomewhere.bytes.filter((b) => b !== null).length);
  });
});

describe('slab panel model: the stacked Slab chart', () => {
  it('stacks SReclaimable and SUnreclaim (+ VmallocUsed) of the real meminfo series, adding up to Slab', () => {
    const stack = meminfoStack(meminfo.meminfo, meminfo.times);
    assert.deepEqual(stack.map((s) => s.label), ['SReclaimable', 'SUnreclaim', 'VmallocUsed']);
    const slab = meminfo.meminfo.Slab;
    for (let i = 0; i < 58; i++) {
      assert.equal(stack[0].points[i].y + stack[1].points[i].y, slab[i], `snapshot ${i}: SReclaimable + SUnreclaim = Slab`);
    }
    assert.ok(stack[1].points[57].y > stack[1].points[0].y, 'SUnreclaim grew during the socket leak');
  });

  it('falls back to Slab alone, and to nothing for a capture without meminfo', () => {
    const onlySlab = meminfoStack({ Slab: [1, 2, null] }, [0, 1, 2]);
    assert.deepEqual(onlySlab.map((s) => [s.label, s.points.length]), [['Slab', 2]]);
    assert.deepEqual(meminfoStack(slabtop.meminfo, slabtop.times), []);
  });
});

describe('slab panel model: the note in place of the stacked chart', () => {
  it('a capture without meminfo is told to record it; a grep of LowFree is told it lacks the slab counters', () => {
    assert.match(meminfoNote(slabtop.meminfo), /^No \/proc\/meminfo in this capture/);
    // ../shared/captures/public/meminfo/meminfo_01: LowFree alone, 26 times
    const lowFree = seriesDtoOfText(fixtureText('meminfo', 'meminfo_01_arm32_lowfree_grep_series_leak.txt'));
    assert.deepEqual(meminfoStack(lowFree.meminfo, lowFree.times), []);
    assert.equal(
      meminfoNote(lowFree.meminfo),
      "This capture's /proc/meminfo lines have no Slab, SReclaimable or SUnreclaim (only LowFree): record /proc/meminfo whole, with /proc/slabinfo, to see which kernel memory grows.",
    );
  });
});

describe('slab panel model: the table', () => {
  const rows = cacheRows(slabtop);

  it('has a slabtop-style row per cache with the latest values and the growth columns', () => {
    assert.equal(rows.length, slabtop.caches.length);
    const sock = rows.find((r) => r.name === 'sock_inode_cache')!;
    // the last snapshot of the sample: 7524 objects, 7339 active, 0.81K, 6336K
    assert.equal(sock.total, 7524);
    assert.equal(sock.active, 7339);
    assert.equal(sock.use, 98);
    assert.equal(sock.size, 6336 * 1024);
    assert.equal(sock.verdict, 'likely-leak');
    assert.ok(sock.growth > 5 * 1024 * 1024 && sock.rate > 0 && sock.r2 > 0.8);
    assert.ok(sock.line >= 0, 'links back to its line');
    assert.deepEqual(rowLink(sock), { link: true, title: `Go to line ${sock.line + 1} of the capture` });
  });

  it('links a cache of a folder to the line of its file, but not into a compressed file', () => {
    assert.deepEqual(rowLink({ line: 3, file: 'snap-3.txt' }), { link: true, title: 'Go to line 4 of snap-3.txt' });
    const gz = rowLink({ line: 13731, file: 'slabinfo-series.txt.gz' });
    assert.equal(gz.link, false);
    assert.equal(gz.title, 'Latest row: line 13732 of slabinfo-series.txt.gz, which is compressed (.gz): decompress it to open that line.');
    assert.deepEqual(rowLink({ line: -1 }), { link: false }, 'the fleet view has no lines');
    const row = cacheRows({ ...slabtop, caches: [{ ...slabtop.caches[0], file: 'snap-9.txt' }] })[0];
    assert.equal(row.file, 'snap-9.txt');
  });

  it('sorts by every column, unknowns last, ties by growth rank', () => {
    assert.equal(sortRows(rows, 'growth', true)[0].name, 'dentry');
    assert.equal(sortRows(rows, 'growth', false).at(-1)!.name, 'dentry');
    const byName = sortRows(rows, 'name', false).map((r) => r.name);
    assert.deepEqual(byName, [...byName].sort((a, b) => a.localeCompare(b)));
    const byVerdict = sortRows(rows, 'verdict', true);
    const firstStable = byVerdict.findIndex((r) => r.verdict !== 'likely-leak');
    assert.ok(firstStable > 0 && byVerdict.slice(firstStable).every((r) => r.verdict !== 'likely-leak'));
    assert.equal(byVerdict[0].name, 'signal_cache', 'the likely leaks in growth order');
    const bySize = sortRows(rows, 'size', true);
    for (let i = 1; i < bySize.length; i++) if (bySize[i].size !== null) assert.ok(bySize[i - 1].size! >= bySize[i].size!);
    const withNull = [...rows.slice(0, 3), { ...rows[3], size: null }];
    assert.equal(sortRows(withNull, 'size', true).at(-1)!.size, null);
    assert.equal(sortRows(withNull, 'size', false).at(-1)!.size, null);
  });

  it('filters by name words, verdicts and reclaimability', () => {
    assert.deepEqual(filterRows(rows, 'SOCK').map((r) => r.name), ['sock_inode_cache']);
    const leaks = filterRows(rows, 'leak');
    assert.ok(leaks.length >= 2 && leaks.every((r) => r.verdict === 'likely-leak'));
    assert.ok(filterRows(rows, 'reclaimable').every((r) => r.reclaimable));
    assert.ok(filterRows(rows, 'unreclaimable kmalloc').every((r) => !r.reclaimable && r.name.includes('kmalloc')));
    assert.equal(filterRows(rows, '  ').length, rows.length);
    assert.equal(filterRows(rows, 'no-such-cache').length, 0);
  });
});

describe('slab panel model: exports', () => {
  it('writes the real series as CSV: a row per snapshot, time, meminfo and every cache', () => {
    const csv = seriesCsv(slabtop).split('\r\n');
    assert.equal(csv.length, 58 + 2, 'header, 58 rows, trailing newline');
    const head = csv[0].split(',');
    assert.deepEqual(head.slice(0, 2), ['epoch_seconds', 'elapsed_seconds']);
    const col = head.indexOf('sock_inode_cache');
    assert.ok(col > 1);
    assert.equal(Number(csv[58].split(',')[col]), 6336 * 1024);
    assert.equal(Number(csv[1].split(',')[0]), slabtop.times[0]);
    const withMeminfo = seriesCsv(meminfo).split('\r\n')[0].split(',');
    assert.ok(withMeminfo.includes('SUnreclaim_bytes'));
  });

  it('defuses formulas and quotes what needs quoting', () => {
    assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('kmalloc-64'), 'kmalloc-64');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(NaN), '');
    const hostile = seriesDtoOfText(
      ['=== 1795312468', 'slabinfo - version: 2.1', '=cmd|calc!A0      10     10    192   21    1 : tunables    0    0    0 : slabdata      1      1      0', ''].join('\n'),
    );
    assert.ok(hostile.caches.some((c) => c.name === '=cmd|calc!A0'), JSON.stringify(hostile.caches.map((c) => c.name)));
    assert.match(seriesCsv(hostile).split('\r\n')[0], /,'=cmd\|calc!A0$/);
  });

  it('names export files from the source, without folders or odd characters', () => {
    assert.equal(exportName('file:///home/u/slab/slabtop-series.txt', '.csv'), 'slabtop-series.txt.slab-growth.csv');
    assert.equal(exportName('/tmp/slab dir/my%20series', '.png'), 'my_series.slab-growth.png');
    assert.equal(exportName('file:///x/..', '.png'), 'slab.slab-growth.png');
    assert.equal(exportName('db1.example:9100', '.csv'), 'db1.example_9100.slab-growth.csv');
    assert.equal(exportName('%E0%A4%A', '.csv'), '_E0_A4_A.slab-growth.csv');
  });
});

describe('slab panel model: formatting', () => {
  it('formats bytes, rates, ticks and titles', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(6336 * 1024), '6.19 MiB');
    assert.equal(formatBytes(-2048), '−2.00 KiB');
    assert.equal(formatRate(2048), '+2.00 KiB/s');
    assert.equal(formatRate(1), '+3.52 KiB/h');
    assert.equal(formatRate(0.01), '+864 B/day');
    assert.equal(formatRate(-4096, true), '−4.00 KiB/snapshot');
    assert.equal(formatElapsed(45), '45s');
    assert.equal(formatElapsed(750), '12m 30s');
    assert.equal(formatElapsed(3 * 3600 + 300), '3h 05m');
    assert.equal(tickLabel(4, true), '#5');
    assert.equal(pointTitle(slabtop.times, false, 10), `${new Date((slabtop.times[0] + 10) * 1000).toISOString().slice(0, 19).replace('T', ' ')}Z (+10s)`);
    assert.equal(pointTitle([], true, 10, true), 'snapshot 11');
    assert.match(summary(slabtop), /^58 snapshots over \d+ s · \d+ caches · [1-9]\d* likely leaks? · [1-9]\d* growing reclaimable$/);
    assert.match(summary(meminfo), /SUnreclaim reaches MemTotal in ~/);
  });
});

describe('slab panel model: the fleet', () => {
  const times = grid(1_800_000_000, 1_800_000_000 + 600, 60);
  const series = (instance: string, base: number, slope: number) => ({
    metric: { __name__: 'node_memory_SUnreclaim_bytes', instance, job: 'node' },
    values: times.map((t, i) => [t, base + slope * i * 60] as [number, number]),
  });
  const fleet: FleetDto = {
    url: 'http://127.0.0.1:9090',
    selector: '',
    times,
    step: 60,
    instances: buildFleet(
      { url: 'http://127.0.0.1:9090', selector: '', times, step: 60 },
      { SUnreclaim: [series('a:9100', 1e8, 10), series('b:9100', 2e8, 1000), series('c:9100', 3e8, 0)], Slab: [series('b:9100', 5e8, 0)] },
      new Map(),
    ),
    slabinfo: false,
    warnings: [],
  };

  it('ranks instances by SUnreclaim growth and turns one into a series for the detail view', () => {
    assert.deepEqual(instanceRows(fleet).map((r) => r.instance), ['b:9100', 'a:9100', 'c:9100']);
    assert.equal(instanceRows(fleet)[0].slab, 5e8);
    assert.equal(instanceRows(fleet)[0].sunreclaim, 2e8 + 1000 * 600);
    const lines = fleetLines(fleet, [], 2);
    assert.deepEqual(lines.map((l) => l.label), ['b:9100 (node)', 'a:9100 (node)']);
    assert.equal(fleetLines(fleet, ['c:9100'], 2).length, 3);
    const s = instanceSeries(fleet, 0)!;
    assert.equal(s.times, fleet.times);
    assert.equal(exportName(s.source, '.csv'), 'b_9100.slab-growth.csv');
    assert.deepEqual(meminfoStack(s.meminfo, s.times).map((l) => l.label), ['SUnreclaim']);
    assert.equal(instanceSeries(fleet, 9), undefined);
  });
});
