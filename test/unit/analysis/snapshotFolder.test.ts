import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/captureFile';
import { analyzeSnapshotFolder } from '../../../server/src/analysis/snapshotFolder';
import { slabGrowthOf } from '../../../server/src/analysis/views/slabSeriesView';
import { parseTimestamp } from '../../../server/src/analysis/snapshotSeries';
import { SLAB_SERIES_DIR, generatedLines } from '../../helpers/slabFixtures';
import { fixturePath } from '../../helpers/fixtures';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-folder-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The generated slabinfo series cut into one dump per file, without the date lines. */
function dumps(): { time: number; text: string }[] {
  const lines = generatedLines('slabinfo-series.txt.gz');
  const starts = lines.flatMap((l, i) => (/^[A-Z][a-z]{2} [A-Z]/.test(l) ? [i] : []));
  return starts.map((s, k) => ({ time: parseTimestamp(lines[s])!.seconds, text: lines.slice(s + 1, starts[k + 1] ?? lines.length).join('\n') }));
}

const verdicts = (r: Awaited<ReturnType<typeof analyzeSnapshotFolder>>) => {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return Object.fromEntries(r.view.suspects.map((s) => [s.site, s.verdict]));
};

describe('a folder of snapshot files as one series', () => {
  it('the generated folder: slabinfo and meminfo series merged, slabtop and vmallocinfo set aside', async () => {
    const r = await analyzeSnapshotFolder(SLAB_SERIES_DIR);
    assert.ok(r.ok);
    assert.equal(r.format.id, 'slabinfo');
    assert.equal(r.view.records, 58);
    const v = verdicts(r);
    assert.equal(v.signal_cache, 'likely-leak');
    assert.equal(v.sock_inode_cache, 'likely-leak');
    assert.equal(v.dentry, 'cache');
    assert.equal(v.buffer_head, 'stable');
    const report = slabGrowthOf(r.view)!;
    assert.equal(report.fields.get('SUnreclaim')?.points, 58, 'meminfo of the same seconds merged in');
    assert.ok(report.exhaustion && report.exhaustion.seconds > 0);
    const problems = r.view.findings.map((f) => f.message);
    assert.ok(problems.some((m) => /slabtop rows of slabtop-series\.txt are not used/.test(m)));
    assert.ok(problems.some((m) => /left out of the series: vmallocinfo\.txt \(a vmallocinfo capture\)/.test(m)));
    assert.deepEqual(r.captures, [path.join(SLAB_SERIES_DIR, 'vmallocinfo.txt')], 'the capture of another format, for a caller to analyse on its own');
    assert.deepEqual(r.view.outline, [], 'no document to outline');
  });

  it('one dump per file, times in the names: ordered by them whatever the listing order', async () => {
    const dir = path.join(tmp, 'by-name');
    fs.mkdirSync(dir);
    const all = dumps();
    // Written newest first, under names whose sorted order is not time order (odd and even seconds apart).
    [...all].reverse().forEach((d) => fs.writeFileSync(path.join(dir, `slab-${d.time % 2 ? 'odd' : 'even'}-${d.time}`), d.text));
    const r = await analyzeCaptureFile(dir);
    assert.ok(r.ok);
    assert.equal(r.view.records, 58);
    const report = slabGrowthOf(r.view)!;
    assert.equal(report.unit, 'seconds');
    assert.equal(report.duration, 61);
    assert.equal(verdicts(r).signal_cache, 'likely-leak');
    assert.equal(report.caches.find((c) => c.name === 'dentry')!.trend.growth, 47497216, 'same growth as the single-file series');
  });

  it('no time anywhere: ordered by modification time, and said so', async () => {
    const dir = path.join(tmp, 'by-mtime');
    fs.mkdirSync(dir);
    const all = dumps().slice(0, 10);
    all.forEach((d, k) => {
      const f = path.join(dir, `snap-${String.fromCharCode(106 - k)}.txt`); // names in reverse of time order
      fs.writeFileSync(f, d.text);
      fs.utimesSync(f, d.time, d.time);
    });
    const r = await analyzeSnapshotFolder(dir);
    assert.ok(r.ok);
    assert.equal(r.view.records, 10);
    const dentry = slabGrowthOf(r.view)!.caches.find((c) => c.name === 'dentry')!;
    assert.ok(dentry.trend.growth > 0 && dentry.trend.monotonic === 1, 'dentry grows in mtime order');
    assert.ok(r.view.findings.some((f) => f.code === 'folder-mtime'));
  });

  it('a folder without snapshots says so', async () => {
    const dir = path.join(tmp, 'empty');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'nothing to see\n');
    fs.writeFileSync(path.join(dir, 'empty.txt'), '');
    const r = await analyzeSnapshotFolder(dir);
    assert.deepEqual(r, { ok: false, reason: 'is a directory without slab or memory snapshots (slabinfo, slabtop, meminfo or buddyinfo files)' });
  });

  it('a folder of other captures: no series, and the captures named (unknown and empty files are not)', async () => {
    const dir = path.join(tmp, 'evidence');
    fs.mkdirSync(dir);
    fs.copyFileSync(fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'), path.join(dir, 'kmemleak.txt'));
    fs.copyFileSync(fixturePath('slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt'), path.join(dir, 'dmesg.txt'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'nothing to see\n');
    fs.writeFileSync(path.join(dir, 'empty.txt'), '');
    const r = await analyzeSnapshotFolder(dir);
    assert.ok(!r.ok);
    assert.match(r.reason, /^is a directory without slab or memory snapshots/);
    assert.deepEqual(r.captures, ['dmesg.txt', 'kmemleak.txt'].map((f) => path.join(dir, f)));
  });
});
