// Zoom arithmetic on the x axis, pure: a drag selection, a finding's range,
// keyboard zoom and pan, all clamped to the data's extent.

export type Range = [number, number];

/** The smallest x span a zoom may show, as a fraction of the full extent. */
export const MIN_SPAN_FRACTION = 1e-6;
/** Keyboard: one "+" shows this fraction of the current span; "-" undoes it. */
export const ZOOM_STEP = 0.5;
/** Keyboard: one arrow press moves the view by this fraction of its span. */
export const PAN_STEP = 0.2;

/** `range` moved and shrunk to fit inside `full`, at least a minimal span wide. */
export function clampRange(range: Range, full: Range): Range {
  const fullSpan = full[1] - full[0];
  const minSpan = Math.max(fullSpan * MIN_SPAN_FRACTION, Number.MIN_VALUE);
  let [lo, hi] = range[0] <= range[1] ? range : [range[1], range[0]];
  if (!(hi - lo >= minSpan)) {
    const mid = (lo + hi) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
  }
  if (hi - lo >= fullSpan) return [full[0], full[1]];
  if (lo < full[0]) [lo, hi] = [full[0], full[0] + (hi - lo)];
  if (hi > full[1]) [lo, hi] = [full[1] - (hi - lo), full[1]];
  return [lo, hi];
}

/** The range shown after zooming `range` by `factor` (< 1 zooms in) around `center` (default: the middle). */
export function zoomBy(range: Range, full: Range, factor: number, center = (range[0] + range[1]) / 2): Range {
  return clampRange([center - (center - range[0]) * factor, center + (range[1] - center) * factor], full);
}

/** The range moved by `fraction` of its span (negative = left). */
export function panBy(range: Range, full: Range, fraction: number): Range {
  const d = (range[1] - range[0]) * fraction;
  return clampRange([range[0] + d, range[1] + d], full);
}

export type KeyAction = { zoom: number } | { pan: number } | "reset";

/** What a key pressed on the chart does: + / - zoom, arrows pan, 0 / Home / Escape reset. */
export function keyAction(key: string): KeyAction | null {
  switch (key) {
    case "+":
    case "=":
      return { zoom: ZOOM_STEP };
    case "-":
    case "_":
      return { zoom: 1 / ZOOM_STEP };
    case "ArrowLeft":
      return { pan: -PAN_STEP };
    case "ArrowRight":
      return { pan: PAN_STEP };
    case "0":
    case "Home":
    case "Escape":
      return "reset";
    default:
      return null;
  }
}

/** Whether `range` shows all of `full`. */
export function isFull(range: Range, full: Range): boolean {
  return range[0] <= full[0] && range[1] >= full[1];
}
