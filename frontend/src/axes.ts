// Axis ticks and number formatting, pure: integer step ticks (never "9 9 10"),
// log-axis labels that keep small values ("1e-4", not "0"), and axis widths
// measured from the labels so none is clipped.

import { formatDuration, type XMode } from "./xaxis";

/** Tick spacings for a step axis: whole steps only (1, 2, 5, 10, 20, 50, ...). */
export const STEP_INCRS: number[] = Array.from({ length: 16 }, (_, p) => [1, 2, 5].map((m) => m * 10 ** p)).flat();

/** A value for a label or a tooltip: 4-5 significant digits, exponent outside [1e-3, 1e4). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return "non-finite";
  const a = Math.abs(v);
  if (a >= 1e4 || (a < 1e-3 && v !== 0)) return compactExponent(v.toExponential(3));
  return String(+v.toPrecision(5));
}

/** A y-axis tick label: short, small and large values as exponents ("1e-4", "2.5e+5"), "" for a hidden tick. */
export function formatTick(v: number | null): string {
  if (v === null) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return compactExponent(v.toExponential(2));
  return String(+v.toPrecision(4));
}

/** "1.000e-4" -> "1e-4", "2.500e+5" -> "2.5e+5". */
function compactExponent(text: string): string {
  const [mantissa, exponent] = text.split("e");
  return `${String(+mantissa)}e${exponent}`;
}

/** Text of an x value (tick or tooltip) in the axis mode; "" for a hidden tick (null). */
export function formatX(mode: XMode, v: number | null): string {
  if (v === null) return "";
  if (mode === "relative") return formatDuration(v);
  if (mode === "wall") return new Date(v * 1000).toLocaleString();
  return String(Math.round(v));
}

/** Pixels an axis needs for `labels` (plus its title and tick marks), at `charPx` per character. */
export function axisWidth(labels: string[] | null, charPx = 7, extra = 28): number {
  const longest = (labels ?? []).reduce((n, s) => Math.max(n, s.length), 0);
  return Math.ceil(Math.max(3, longest) * charPx + extra);
}
