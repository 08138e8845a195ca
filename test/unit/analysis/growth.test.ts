import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fit } from '../../../server/src/analysis/growth';

describe('least-squares fit', () => {
  it('recovers a line exactly, with timestamps as printed by the kernel', () => {
    const xs = [1206.546194, 1206.646194, 1206.746194, 1206.846194];
    const ys = xs.map((x) => 400 * (x - 1206.546194) + 3);
    const f = fit(xs, ys);
    assert.ok(Math.abs(f.slope - 400) < 1e-6);
    assert.ok(Math.abs(f.slope * 1206.546194 + f.intercept - 3) < 1e-6);
    assert.equal(f.r2, 1);
    assert.equal(f.n, 4);
  });

  it('scores noise low and a step in between', () => {
    const flatNoise = fit([0, 1, 2, 3, 4, 5], [3, 0, 3, 0, 3, 0]);
    assert.ok(flatNoise.r2 < 0.2);
    const step = fit([0, 1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 36, 36]);
    assert.ok(step.r2 > 0.3 && step.r2 < 0.8, String(step.r2));
  });

  it('handles degenerate input without NaN', () => {
    assert.deepEqual(fit([], []), { slope: 0, intercept: 0, r2: 0, n: 0 });
    const oneX = fit([2, 2, 2], [1, 5, 9]);
    assert.equal(oneX.slope, 0);
    assert.equal(oneX.intercept, 5);
    assert.equal(fit([0, 1, 2], [7, 7, 7]).r2, 1);
    const skipped = fit([0, 1, NaN, 3], [0, 2, 100, 6]);
    assert.equal(skipped.n, 3);
    assert.ok(Math.abs(skipped.slope - 2) < 1e-12);
  });
});
