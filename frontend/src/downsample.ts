// Display downsampling: per pixel column keep the first, last, lowest and
// highest point, so spikes and dips survive however many points there are.
// A non-finite value (NaN) in a column is kept too, so the line still breaks.

export interface XY {
  x: number[];
  y: number[];
}

/** First index whose x is >= `value` (xs sorted ascending). */
export function lowerBound(xs: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Points of (xs, ys) to draw `columns` pixel columns wide over [x0, x1].
 * One point either side of the range is kept so lines reach the edges.
 */
export function downsample(xs: ArrayLike<number>, ys: ArrayLike<number>, x0: number, x1: number, columns: number): XY {
  const first = Math.max(0, lowerBound(xs, x0) - 1);
  const last = Math.min(xs.length - 1, lowerBound(xs, x1 + Number.EPSILON * Math.abs(x1)));
  const keep: number[] = [];
  const cols = Math.max(1, Math.floor(columns));
  if (last - first + 1 <= cols * 4 || !(x1 > x0)) {
    for (let i = first; i <= last; i++) keep.push(i);
  } else {
    const scale = cols / (x1 - x0);
    let col = -1;
    let lo = -1,
      hi = -1,
      start = -1,
      gap = -1,
      end = -1;
    const flush = () => {
      if (start < 0) return;
      const picked = [start, lo, hi, gap, end].filter((i) => i >= 0).sort((a, b) => a - b);
      for (let k = 0; k < picked.length; k++) if (k === 0 || picked[k] !== picked[k - 1]) keep.push(picked[k]);
    };
    for (let i = first; i <= last; i++) {
      const c = Math.min(cols - 1, Math.max(0, Math.floor((xs[i] - x0) * scale)));
      if (c !== col) {
        flush();
        col = c;
        start = i;
        lo = hi = gap = -1;
      }
      end = i;
      const v = ys[i];
      if (!Number.isFinite(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || v < ys[lo]) lo = i;
      if (hi < 0 || v > ys[hi]) hi = i;
    }
    flush();
  }
  return { x: keep.map((i) => xs[i]), y: keep.map((i) => ys[i]) };
}
