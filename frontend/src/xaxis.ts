// The x axis modes of TensorBoard's scalars dashboard: step, relative time
// (since the series' first point) and wall time, plus mapping steps to x.

import { lowerBound } from "./downsample";

export type XMode = "step" | "relative" | "wall";
export const X_MODES: XMode[] = ["step", "relative", "wall"];

export interface Timeline {
  steps: ArrayLike<number>;
  wall_times: ArrayLike<number>;
}

/** x value (step, seconds since start, or epoch seconds) of every point. */
export function xValues(line: Timeline, mode: XMode): Float64Array {
  if (mode === "step") return Float64Array.from(line.steps);
  const start = mode === "relative" && line.wall_times.length ? line.wall_times[0] : 0;
  return Float64Array.from(line.wall_times, (t) => t - start);
}

/**
 * x value of `step` on `line`, interpolating wall time between logged steps
 * (annotations are located in steps, the axis may be in time).
 */
export function stepToX(line: Timeline, step: number, mode: XMode): number {
  const n = line.steps.length;
  if (mode === "step" || n === 0) return step;
  const xs = xValues(line, mode);
  const i = lowerBound(line.steps, step);
  if (i <= 0) return xs[0];
  if (i >= n) return xs[n - 1];
  const s0 = line.steps[i - 1];
  const s1 = line.steps[i];
  return xs[i - 1] + ((step - s0) / (s1 - s0)) * (xs[i] - xs[i - 1]);
}

/** Short label for a duration in seconds ("45s", "12.5m", "3.2h"). */
export function formatDuration(seconds: number): string {
  const a = Math.abs(seconds);
  if (a < 120) return `${+seconds.toFixed(1)}s`;
  if (a < 7200) return `${+(seconds / 60).toFixed(1)}m`;
  return `${+(seconds / 3600).toFixed(2)}h`;
}
