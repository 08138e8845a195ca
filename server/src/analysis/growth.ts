// Least-squares line through points: how fast a count grows over time, and how well a
// straight line explains it. Shared by every analysis that fits a series (allocation traces,
// slab growth); it knows nothing about what the numbers mean.

export interface LinearFit {
  /** Change of y per unit of x. */
  slope: number;
  /** y at x = 0. */
  intercept: number;
  /** Coefficient of determination in [0, 1]: share of y's variance the line explains. */
  r2: number;
  /** Points used. */
  n: number;
}

/**
 * Ordinary least squares fit of y = slope·x + intercept. Non-finite points are skipped.
 * With fewer than two distinct x values the slope is 0 and r2 is 0. A perfectly flat series
 * (no variance in y) is explained exactly by its constant: r2 = 1 and slope 0.
 */
export function fit(xs: ArrayLike<number>, ys: ArrayLike<number>): LinearFit {
  const len = Math.min(xs.length, ys.length);
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < len; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n++;
    sx += x;
    sy += y;
  }
  if (n === 0) return { slope: 0, intercept: 0, r2: 0, n: 0 };
  const mx = sx / n;
  const my = sy / n;
  // Centred sums: numerically stable for timestamps like 1217.765821 with tiny spreads.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < len; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const dx = x - mx;
    const dy = y - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, intercept: my, r2: 0, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : Math.min(1, Math.max(0, (sxy * sxy) / (sxx * syy)));
  return { slope, intercept, r2, n };
}
