// Real slab series for the slab panel's tests: the samples in samples/slab/ (recorded on a real
// kernel, see samples/README.md) through the server's own pipeline — snapshot series parser,
// growth analysis and the kleak/slabSeries DTO — exactly what the panel receives.
import fs from 'node:fs';
import path from 'node:path';
import { parseSnapshotSeries } from '../../server/src/analysis/snapshotSeries';
import { analyzeSlabGrowth } from '../../server/src/analysis/slabGrowth';
import { toSlabSeriesDto } from '../../server/src/features/slabSeries';
import { SlabSeriesDto } from '../../server/src/protocol';
import { REPO_ROOT } from './fixtures';

export const SLAB_SAMPLES = path.join(REPO_ROOT, 'samples', 'slab');

/** A series file of samples/slab/ (or any text) as the DTO the server sends for it. */
export function slabSeriesDto(file: string, source = file): SlabSeriesDto {
  const text = fs.readFileSync(path.isAbsolute(file) ? file : path.join(SLAB_SAMPLES, file), 'utf8');
  return seriesDtoOfText(text, source);
}

export function seriesDtoOfText(text: string, source = 'memory'): SlabSeriesDto {
  return toSlabSeriesDto(source, analyzeSlabGrowth(parseSnapshotSeries(text.split(/\r?\n/))));
}
