// TensorBoard's scalar smoothing: a debiased exponential moving average.
//
// Same rules as the scalars dashboard: non-finite values pass through
// unchanged and do not advance the average; a constant series is returned
// as is; a weight <= 0 (or not a number) means no smoothing.

export const DEFAULT_SMOOTHING = 0.6;
export const MAX_SMOOTHING = 0.999;

/** Smooth `values` with `weight` in [0, 1]; NaN/±Infinity are kept in place. */
export function smooth(values: ArrayLike<number>, weight: number): Float64Array {
  const out = Float64Array.from(values);
  if (!Number.isFinite(weight) || weight <= 0 || out.length === 0) return out;
  const w = Math.min(weight, 1);
  // `==` on the first value mirrors TensorBoard: a NaN makes nothing constant.
  if (out.every((v) => v == out[0])) return out;
  let last = 0;
  let count = 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (!Number.isFinite(v)) continue;
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 1 ? 1 : 1 - Math.pow(w, count);
    out[i] = last / debias;
  }
  return out;
}
