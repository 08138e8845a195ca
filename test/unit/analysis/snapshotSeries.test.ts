import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  inferPageSize,
  mergeSeries,
  naturalCompare,
  parseSeparator,
  parseSnapshotSeries,
  parseTimestamp,
  promptLength,
  timeFromFileName,
} from '../../../server/src/analysis/snapshotSeries';
import { execFileSync } from 'node:child_process';
import { fixtureLines, fixturePath } from '../../helpers/fixtures';
import { generatedLines, snapshotFixtures } from '../../helpers/slabFixtures';

const T0 = Date.UTC(2026, 10, 22, 1, 54, 28) / 1000;

describe('timestamps', () => {
  it('reads date (default and locale forms), date -Is/-Ins/-R, ISO with a space and epoch seconds', () => {
    const cases: [string, number, boolean][] = [
      ['Sun Nov 22 01:54:28 UTC 2026', T0, true],
      ['2026-11-22T01:54:28+00:00', T0, true],
      ['1795312468', T0, true],
      ['1795312468000', T0, true],
      ['Sun 22 Nov 2026 01:54:28 AM UTC', T0, true],
      ['Sun Nov 22 01:54:28 AM UTC 2026', T0, true],
      ['Sun Nov 22 02:54:28 PM CET 2026', T0 + 12 * 3600, true],
      ['Sun, 22 Nov 2026 01:54:28 +0000', T0, true],
      ['2026-11-22T02:54:28,500000000+01:00', T0 + 0.5, true],
      ['2026-11-22 01:54:28', T0, false],
      ['Sun Nov 22 01:54:28 XYZT 2026', T0, false],
      ['Sun Nov 22 01:54:28 2026', T0, false],
    ];
    for (const [text, seconds, zoneKnown] of cases) assert.deepEqual(parseTimestamp(text), { seconds, zoneKnown }, text);
  });

  it('rejects what is not a timestamp', () => {
    for (const text of ['Nov 22 01:54:28', 'dentry 1 2 3', '12345', '2026-13-01T00:00:00Z', 'Sun Nov 32 01:54:28 UTC 2026', 'MemTotal: 1 kB', 'Sun Nov 22 13:54:28 PM UTC 2026', '']) {
      assert.equal(parseTimestamp(text), undefined, text);
    }
  });

  it('separators: markers with times, labelled times, bare markers, head/tail file headers', () => {
    assert.deepEqual(parseSeparator('=== 1795312468')?.time?.seconds, T0);
    assert.equal(parseSeparator('--- Sun Nov 22 01:54:28 UTC 2026 ---')?.time?.seconds, T0);
    assert.equal(parseSeparator('Timestamp: 2026-11-22T01:54:28Z')?.time?.seconds, T0);
    const bare = parseSeparator('=== snapshot 3 ===');
    assert.deepEqual(bare && [bare.time, bare.label, bare.soft], [undefined, 'snapshot 3', false]);
    assert.equal(parseSeparator('==> /proc/slabinfo <==')?.soft, true);
    for (const line of ['# name            <active_objs> <num_objs>', 'dentry 1 2 3', 'LowFree:  599392 kB', '$ date']) assert.equal(parseSeparator(line), undefined, line);
  });

  it('shell prompts of the captures', () => {
    assert.equal(promptLength('$ head -3 /proc/slabinfo'), 2);
    assert.equal(promptLength('root@pi4:~# uname -a'), 12);
    assert.equal(promptLength('oli@bert:/tmp$ cat /proc/meminfo'), 15);
    assert.equal(promptLength('root@beaglebone:/# more /proc/meminfo '), 19);
    assert.equal(promptLength('[root@host ~]# cat /proc/slabinfo'), 15);
    assert.equal(promptLength('# name            <active_objs>'), 2, 'a root "# " prompt; the series parser reads the slabinfo header first');
    assert.equal(promptLength('dentry 1 2'), 0);
  });

  it('file names: epoch seconds and ISO dates; natural order', () => {
    assert.equal(timeFromFileName('slabinfo-1795312468.txt'), T0);
    assert.equal(timeFromFileName('meminfo_2026-11-22T01:54:28.txt'), T0);
    assert.equal(timeFromFileName('slab-20261122-015428'), T0);
    assert.equal(timeFromFileName('slabinfo.3'), undefined);
    assert.deepEqual(['snap-10', 'snap-2', 'snap-1'].sort(naturalCompare), ['snap-1', 'snap-2', 'snap-10']);
  });
});

describe('snapshot series on every real capture', () => {
  const expected: Record<string, { snapshots: number; kinds: string[] }> = {
    'slabinfo_03_x86_64_5': { snapshots: 1, kinds: ['slabinfo'] },
    'slabinfo_05_x86_64_d': { snapshots: 3, kinds: ['slabinfo'] },
    'slabinfo_11_arm64_rp': { snapshots: 1, kinds: ['slabinfo'] },
    'slabinfo_21_x86_64_p': { snapshots: 4, kinds: ['slabinfo', 'meminfo'] },
    'slabinfo_22_i386_2.6': { snapshots: 1, kinds: ['slabinfo'] },
    'slabinfo_23_i686_smp': { snapshots: 1, kinds: ['slabinfo'] },
    'slabinfo_01_slabtop_': { snapshots: 1, kinds: ['slabtop'] },
    'slabinfo_07_slabtop_': { snapshots: 2, kinds: ['slabtop'] },
    'slabinfo_09_slabtop_': { snapshots: 1, kinds: ['slabtop'] },
    'meminfo_01_arm32_low': { snapshots: 26, kinds: ['meminfo'] },
    'meminfo_03_x86_64_5.': { snapshots: 1, kinds: ['meminfo'] },
    'meminfo_05_armv7_bea': { snapshots: 1, kinds: ['meminfo'] },
    'meminfo_07_x86_64_ub': { snapshots: 1, kinds: ['meminfo'] },
    'meminfo_21_x86_64_pr': { snapshots: 3, kinds: ['meminfo', 'buddyinfo'] },
  };
  for (const [dir, file] of snapshotFixtures()) {
    it(`${file}: snapshots, kinds, rows and tokens inside the lines`, () => {
      const lines = fixtureLines(dir, file);
      const s = parseSnapshotSeries(lines);
      const want = expected[file.slice(0, 20)];
      assert.ok(want, `no expectation for ${file}`);
      assert.equal(s.snapshots.length, want.snapshots);
      assert.deepEqual(s.kinds, want.kinds);
      for (const snap of s.snapshots) {
        assert.ok(snap.startLine <= snap.endLine && snap.endLine < lines.length);
        assert.ok(!snap.truncated);
      }
      const rowLines = new Set<number>();
      for (const c of s.caches) {
        c.line.forEach((l, i) => {
          assert.equal(lines[l].slice(c.nameStart[i], c.nameEnd[i]), c.name);
          rowLines.add(l);
        });
      }
      for (const t of s.tokens) assert.ok(t.length > 0 && t.character + t.length <= lines[t.line].length, `token past line ${t.line}`);
      assert.ok(s.problems.every((p) => p.code !== 'no-records'));
    });
  }

  it('slabinfo_05: prompts and "Permission denied" split the snapshots; the refusal is a warning', () => {
    const lines = fixtureLines('slabinfo', 'slabinfo_05_x86_64_dentry_growth_grep_before_after_permission_denied.txt');
    const s = parseSnapshotSeries(lines);
    assert.deepEqual(s.snapshots.map((x) => x.rows.slabinfo), [1, 2, 2]);
    // A snapshot opened by rows after a prompt starts at that prompt.
    assert.deepEqual(s.snapshots.map((x) => lines[x.startLine].slice(0, 6)), ['$ sudo', '$ sudo', '$ sudo']);
    const denied = s.problems.filter((p) => p.code === 'permission-denied');
    assert.equal(denied.length, 1);
    assert.equal(denied[0].range.start.line, 1);
    assert.match(denied[0].message, /\/proc\/slabinfo.*root/);
    const dentry = s.caches.find((c) => c.name === 'dentry')!;
    assert.deepEqual(dentry.active, [1000729, 1004904]);
    assert.equal(s.time.unit, 'snapshot');
  });

  it('slabtop_07: the summary after a blank line opens the second snapshot; a blank line inside slabtop_09 does not', () => {
    const s = parseSnapshotSeries(fixtureLines('slabtop', 'slabinfo_07_slabtop_x86_64_2.6.2rc1_two_snapshots_before_after.txt'));
    assert.deepEqual(s.snapshots.map((x) => x.rows.slabtop), [4, 3]);
    assert.equal(s.snapshots[1].slabtop?.objects?.active, 741266);
    const one = parseSnapshotSeries(fixtureLines('slabtop', 'slabinfo_09_slabtop_x86_64_5.x_vm_10k_tcp_conns_trailing_spaces.txt'));
    assert.deepEqual(one.snapshots.map((x) => x.rows.slabtop), [9]);
  });

  it('meminfo_01: a grepped field repeated line after line is one snapshot per line', () => {
    const s = parseSnapshotSeries(fixtureLines('meminfo', 'meminfo_01_arm32_lowfree_grep_series_leak.txt'));
    assert.equal(s.meminfo.length, 1);
    assert.equal(s.meminfo[0].key, 'LowFree');
    assert.equal(s.meminfo[0].value[0], 599392 * 1024);
    assert.deepEqual(s.meminfo[0].snap, [...Array(26).keys()]);
  });

  it('recorded mixes: slabinfo + meminfo per `date`, meminfo + buddyinfo per `date -Is`', () => {
    const mix = parseSnapshotSeries(fixtureLines('slabinfo', 'slabinfo_21_x86_64_project_machine_recorder_mix_grep_series.txt'));
    assert.deepEqual(mix.snapshots.map((x) => [x.rows.slabinfo, x.rows.meminfo]), [[3, 3], [3, 3], [3, 3], [3, 3]]);
    assert.deepEqual(mix.time.xs, [0, 1, 2, 3]);
    const mb = parseSnapshotSeries(fixtureLines('meminfo', 'meminfo_21_x86_64_project_machine_meminfo_buddyinfo_series.txt'));
    assert.deepEqual(mb.snapshots.map((x) => x.rows.buddyinfo), [3, 3, 3]);
    assert.deepEqual(mb.buddyinfo.map((b) => b.key), ['Node 0, zone DMA', 'Node 0, zone DMA32', 'Node 0, zone Normal']);
    assert.equal(mb.time.unit, 'seconds');
  });
});

// Other shapes of real rows (see test/fixtures/SOURCES.md): slabinfo_21's four grep snapshots
// with their `date` lines dropped (blank lines alone between them) or turned into the epoch
// seconds they name, and `sort -rnk2 /proc/slabinfo | head` run on slabinfo_03's full dump.
describe('series layouts made of real rows', () => {
  const mixLines = () => fixtureLines('slabinfo', 'slabinfo_21_x86_64_project_machine_recorder_mix_grep_series.txt');
  const isDate = (l: string) => /^Sun Nov 22 03:24:\d\d UTC 2026$/.test(l);

  it('slabinfo_21 without its date lines: blank lines alone separate the 4 snapshots', () => {
    const lines = mixLines().filter((l) => !isDate(l));
    const s = parseSnapshotSeries(lines);
    assert.deepEqual(s.snapshots.map((x) => [x.rows.slabinfo, x.rows.meminfo]), [[3, 3], [3, 3], [3, 3], [3, 3]]);
    assert.equal(s.time.unit, 'snapshot');
    assert.deepEqual(s.caches.find((c) => c.name === 'dentry')!.total, [19236, 19131, 19152, 19236]);
    // the slabinfo rows alone (no meminfo), still a blank line between the greps
    const rowsOnly = parseSnapshotSeries(lines.filter((l) => !/^(Slab|SReclaimable|SUnreclaim):/.test(l)));
    assert.deepEqual(rowsOnly.snapshots.map((x) => x.rows.slabinfo), [3, 3, 3, 3]);
    assert.deepEqual(rowsOnly.caches.find((c) => c.name === 'kmalloc-64')!.active, [2131, 2095, 2091, 2091]);
  });

  it('slabinfo_21 with bare epoch seconds for separators: 4 snapshots a second apart', () => {
    const lines = mixLines().map((l) => (isDate(l) ? String(Date.parse(l.replace(' UTC', ' GMT')) / 1000) : l));
    assert.equal(lines[0], '1795317888'); // Sun Nov 22 03:24:48 UTC 2026
    const s = parseSnapshotSeries(lines);
    assert.deepEqual(s.snapshots.map((x) => x.rows.slabinfo), [3, 3, 3, 3]);
    assert.deepEqual(s.snapshots.map((x) => x.labelRange?.start.line), [0, 8, 16, 24]);
    assert.equal(s.time.unit, 'seconds');
    assert.equal(s.time.start, 1795317888);
    assert.deepEqual(s.time.xs, [0, 1, 2, 3]);
    assert.deepEqual(s.problems, []);
  });

  it('`sort -rnk2 /proc/slabinfo | head` of slabinfo_03: one snapshot of the 10 caches with the most active objects', () => {
    const out = execFileSync('sort', ['-rnk2', fixturePath('slabinfo', 'slabinfo_03_x86_64_5.x_ubuntu_vm_full_jc_fixture.txt')], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    const lines = out.split('\n').slice(0, 10);
    const s = parseSnapshotSeries(lines);
    assert.equal(s.snapshots.length, 1);
    assert.deepEqual(s.kinds, ['slabinfo']);
    assert.deepEqual(
      s.caches.map((c) => [c.name, c.active[0]]),
      [
        ['dentry', 205198], ['inode_cache', 137462], ['kernfs_node_cache', 115254], ['buffer_head', 87912], ['proc_inode_cache', 51317],
        ['kmalloc-8', 49152], ['kmalloc-32', 43520], ['kmalloc-512', 38846], ['kmalloc-64', 21435], ['anon_vma_chain', 19989],
      ],
    );
    assert.deepEqual(s.problems.filter((p) => p.severity !== 'information').map((p) => p.code), []);
  });
});

describe('the generated socketpair series', () => {
  const cases: [string, RegExp, 'slabinfo' | 'slabtop' | 'meminfo'][] = [
    ['slabinfo-series.txt.gz', /^[A-Z][a-z]{2} [A-Z][a-z]{2} /, 'slabinfo'],
    ['slabtop-series.txt', /^=== \d+$/, 'slabtop'],
    ['meminfo-series.txt', /^\d{4}-\d\d-\d\dT/, 'meminfo'],
  ];
  for (const [file, separator, kind] of cases) {
    it(`${file}: 58 snapshots a second apart, one per separator, rows in each`, () => {
      const lines = generatedLines(file);
      const s = parseSnapshotSeries(lines);
      const seps = lines.flatMap((l, i) => (separator.test(l) ? [i] : []));
      assert.equal(seps.length, 58);
      assert.equal(s.snapshots.length, 58);
      assert.deepEqual(s.snapshots.map((x) => x.labelRange?.start.line), seps);
      assert.equal(s.time.unit, 'seconds');
      assert.equal(s.time.start, T0);
      assert.equal(s.time.xs[57], 61);
      for (const snap of s.snapshots) assert.ok(snap.rows[kind] > 0);
      assert.deepEqual(s.problems, []);
    });
  }

  it('slabinfo: 235 caches in every snapshot, 4 KiB pages inferred', () => {
    const s = parseSnapshotSeries(generatedLines('slabinfo-series.txt.gz'));
    assert.equal(s.caches.length, 235);
    for (const c of s.caches) assert.equal(c.snap.length, 58, c.name);
    assert.equal(s.pageSize, 4096);
    assert.ok(s.pageSizeInferred);
  });

  it('a recording killed mid-snapshot: one problem, the partial snapshot left out', () => {
    const lines = generatedLines('slabinfo-series.txt.gz');
    const lastDate = lines.map((l, i) => (/^[A-Z][a-z]{2} [A-Z]/.test(l) ? i : -1)).filter((i) => i >= 0).pop()!;
    const cut = lines.slice(0, lastDate + 100);
    cut.push(lines[lastDate + 100].slice(0, 30)); // the line being written when it was killed
    const s = parseSnapshotSeries(cut);
    assert.equal(s.snapshots.length, 58);
    const last = s.snapshots[57];
    assert.ok(last.truncated);
    assert.deepEqual(s.problems.map((p) => p.code), ['truncated-snapshot']);
    assert.equal(s.problems[0].range.start.line, lastDate);
    assert.match(s.problems[0].message, /cut short.*left out/);
    assert.ok(s.snapshots.slice(0, 57).every((x) => !x.truncated && x.rows.slabinfo === 235));
  });

  it('a timestamp with nothing after it at the end is one information', () => {
    const lines = [...generatedLines('meminfo-series.txt').filter((l) => l !== ''), '2026-11-22T01:55:30+00:00'];
    const s = parseSnapshotSeries(lines);
    assert.equal(s.snapshots.length, 58);
    assert.deepEqual(s.problems.map((p) => [p.code, p.range.start.line]), [['empty-snapshot', lines.length - 1]]);
    assert.match(s.problems[0].message, /ends with a timestamp/);
  });

  it('time going backwards: a warning, and growth per snapshot', () => {
    const lines = generatedLines('meminfo-series.txt');
    const i = lines.indexOf('2026-11-22T01:54:30+00:00');
    lines[i] = '2026-11-22T01:50:00+00:00';
    const s = parseSnapshotSeries(lines);
    assert.equal(s.time.unit, 'snapshot');
    assert.deepEqual(s.problems.map((p) => [p.code, p.range.start.line]), [['time-order', i]]);
  });

  it('merging a folder: per-snapshot files without times in them, ordered by their names, plus a meminfo series', () => {
    const lines = generatedLines('slabinfo-series.txt.gz');
    const starts = lines.flatMap((l, i) => (/^[A-Z][a-z]{2} [A-Z]/.test(l) ? [i] : []));
    const parts = starts.map((start, k) => {
      const end = starts[k + 1] ?? lines.length;
      const time = parseTimestamp(lines[start])!.seconds;
      // Each file holds one dump without its date line; the name carries the time.
      return { name: `slabinfo-${time}`, series: parseSnapshotSeries(lines.slice(start + 1, end)), fileTime: time, fileTimeFrom: 'name' as const };
    });
    const shuffled = [...parts.slice(30), ...parts.slice(0, 30).reverse()];
    const meminfo = parseSnapshotSeries(generatedLines('meminfo-series.txt'));
    const merged = mergeSeries([...shuffled, { name: 'meminfo-series.txt', series: meminfo, fileTime: 0, fileTimeFrom: 'mtime' }]);
    assert.equal(merged.snapshots.length, 58, 'slabinfo and meminfo of the same second are one snapshot');
    assert.ok(merged.snapshots.every((x) => x.rows.slabinfo === 235 && x.rows.meminfo === 54));
    assert.deepEqual(merged.time.xs, parseSnapshotSeries(lines).time.xs);
    const dentry = merged.caches.find((c) => c.name === 'dentry')!;
    assert.deepEqual(dentry.snap, [...Array(58).keys()]);
    assert.ok(dentry.total.every((v, k) => k === 0 || v >= dentry.total[k - 1]), 'dentry objects in time order');
    assert.equal(merged.sources.length, 59);
  });

  it('page size: the smallest page that holds every slab', () => {
    assert.equal(inferPageSize(4032), 4096);
    assert.equal(inferPageSize(4097), 8192);
    assert.equal(inferPageSize(65472), 65536);
    // As a 64 KiB-page arm64 kernel prints dentry: 341 objects of 192 B in a one-page slab.
    const s = parseSnapshotSeries(['dentry               341    341    192  341    1 : tunables    0    0    0 : slabdata      1      1      0']);
    assert.equal(s.pageSize, 65536);
  });

  it('no snapshot at all is one warning that says what was expected', () => {
    const s = parseSnapshotSeries(generatedLines('vmallocinfo.txt'));
    assert.equal(s.snapshots.length, 0);
    assert.deepEqual(s.problems.map((p) => p.code), ['no-records']);
  });
});
