import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeLines, formatById } from '../../../server/src/analysis/formats/registry';
import { slabGrowthOf } from '../../../server/src/analysis/views/slabSeriesView';
import { analyzeSnapshotFolder } from '../../../server/src/analysis/snapshotFolder';
import { toSlabSeriesDto } from '../../../server/src/features/slabSeries';
import { isSlabSeriesDto } from '../../../server/src/protocol';
import { fixtureLines } from '../../helpers/fixtures';
import { SLAB_SERIES_DIR, generatedLines } from '../../helpers/slabFixtures';

const T0 = Date.UTC(2026, 10, 22, 1, 54, 28) / 1000;

function dtoOf(id: string, lines: string[]) {
  const report = slabGrowthOf(analyzeLines(formatById(id)!, lines))!;
  return toSlabSeriesDto('file:///series', report);
}

describe('SlabSeriesDto', () => {
  it('the socketpair slabinfo series: epoch times, one value per snapshot, caches ranked by growth, valid for the webview', () => {
    const lines = generatedLines('slabinfo-series.txt.gz');
    const dto = dtoOf('slabinfo', lines);
    assert.ok(isSlabSeriesDto(dto), 'passes the protocol validator');
    assert.deepEqual(JSON.parse(JSON.stringify(dto)), dto, 'plain JSON');
    assert.equal(dto.times.length, 58);
    assert.equal(dto.times[0], T0);
    assert.equal(dto.times[57] - dto.times[0], 61);
    assert.equal(dto.relativeTimes, false);
    assert.equal(dto.timeUnit, 'seconds');
    assert.equal(dto.snapshotLines[0], 0);
    assert.match(lines[dto.snapshotLines[57]], /^Sun Nov 22 01:55:29 UTC 2026$/);
    assert.equal(dto.caches.length, 235);
    const sig = dto.caches.find((c) => c.name === 'signal_cache')!;
    assert.equal(sig.verdict, 'likely-leak');
    assert.equal(sig.reclaimable, false);
    assert.equal(sig.objectSize, 1152);
    assert.equal(sig.growthBytes, sig.bytes[57]! - sig.bytes[0]!);
    assert.equal(sig.totalObjects[0], 252);
    assert.ok(sig.rateBytesPerSecond > 100 * 1024 && sig.r2 > 0.98);
    assert.ok(lines[sig.line].startsWith('signal_cache '));
    assert.equal(dto.caches[0].name, 'dentry');
    assert.equal(dto.caches.find((c) => c.name === 'dentry')!.verdict, 'cache');
    assert.deepEqual(dto.meminfo, {});
    assert.equal(dto.secondsUntilExhaustion, undefined);
  });

  it('a folder: meminfo merged in, the projection; each cache names the file and line of its latest row (the .gz series)', async () => {
    const r = await analyzeSnapshotFolder(SLAB_SERIES_DIR);
    assert.ok(r.ok);
    const dto = toSlabSeriesDto(SLAB_SERIES_DIR, slabGrowthOf(r.view)!);
    assert.ok(isSlabSeriesDto(dto));
    assert.equal(dto.times.length, 58);
    assert.deepEqual(Object.keys(dto.meminfo).slice(0, 3), ['MemTotal', 'MemFree', 'MemAvailable']);
    assert.equal(dto.meminfo.SUnreclaim[0], 38712 * 1024);
    assert.ok(dto.meminfo.SUnreclaim.every((v) => v !== null));
    assert.ok(dto.secondsUntilExhaustion! > 3600);
    assert.ok(dto.snapshotLines.every((l) => l === -1));
    assert.ok(dto.problems.every((p) => p.line === -1));
    // the slabinfo rows come from slabinfo-series.txt.gz (the slabtop series is set aside), all 235 caches in its last snapshot
    const lines = generatedLines('slabinfo-series.txt.gz');
    const lastSnapshot = lines.lastIndexOf('Sun Nov 22 01:55:29 UTC 2026');
    assert.ok(lastSnapshot > 0);
    assert.equal(dto.caches.length, 235);
    for (const c of dto.caches) {
      assert.equal(c.file, 'slabinfo-series.txt.gz', c.name);
      assert.ok(c.line > lastSnapshot && lines[c.line].startsWith(`${c.name} `), `${c.name}: line ${c.line}`);
    }
  });

  it('a folder of one file per snapshot: a cache links to the latest file that has it', async () => {
    // slabinfo_21's four snapshots (date, 3 slabinfo rows, 3 meminfo rows) as snap-1.txt … snap-4.txt;
    // kmalloc-64's row left out of snap-4.txt, so its latest row is in snap-3.txt
    const blocks = fixtureLines('slabinfo', 'slabinfo_21_x86_64_project_machine_recorder_mix_grep_series.txt').join('\n').trim().split('\n\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-folder-links-'));
    try {
      blocks.forEach((b, i) => fs.writeFileSync(path.join(dir, `snap-${i + 1}.txt`), (i === 3 ? b.split('\n').filter((l) => !l.startsWith('kmalloc-64 ')).join('\n') : b) + '\n'));
      const r = await analyzeSnapshotFolder(dir);
      assert.ok(r.ok);
      const dto = toSlabSeriesDto(dir, slabGrowthOf(r.view)!);
      assert.ok(isSlabSeriesDto(dto));
      assert.equal(dto.times.length, 4);
      const at = (name: string) => dto.caches.find((c) => c.name === name)!;
      // snap-N.txt: line 0 the date, 1 sock_inode_cache, 2 dentry, 3 kmalloc-64
      assert.deepEqual([at('sock_inode_cache').file, at('sock_inode_cache').line], ['snap-4.txt', 1]);
      assert.deepEqual([at('dentry').file, at('dentry').line], ['snap-4.txt', 2]);
      assert.deepEqual([at('kmalloc-64').file, at('kmalloc-64').line], ['snap-3.txt', 3]);
      assert.equal(at('kmalloc-64').totalObjects[3], null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('untimed snapshots: snapshot numbers, and a cache absent from a snapshot is null there', () => {
    const dto = dtoOf('slabinfo', fixtureLines('slabinfo', 'slabinfo_05_x86_64_dentry_growth_grep_before_after_permission_denied.txt'));
    assert.ok(isSlabSeriesDto(dto));
    assert.deepEqual(dto.times, [0, 1, 2]);
    assert.equal(dto.relativeTimes, true);
    assert.equal(dto.timeUnit, 'snapshot');
    assert.deepEqual(dto.caches.find((c) => c.name === 'dentry')!.activeObjects, [null, 1000729, 1004904]);
    assert.deepEqual(dto.problems.map((p) => [p.line, p.severity]), [[1, 'warning']]);
  });
});
