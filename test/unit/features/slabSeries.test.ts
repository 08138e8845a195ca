import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

  it('a folder: meminfo merged in, the projection, no lines to link to', async () => {
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
    assert.ok(dto.caches.every((c) => c.line === -1));
    assert.ok(dto.problems.every((p) => p.line === -1));
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
