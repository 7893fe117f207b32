// The chart's tooltip, like TensorBoard's scalar cards: one row per shown
// series, each at the series' own point nearest to the cursor (series logged
// at different steps each show their own step), with the run, smoothed and
// raw value, step, wall time and time since the series' first point.

import { formatValue } from "./axes";
import type { Line } from "./chartdata";
import { el } from "./dom";
import { lowerBound } from "./downsample";
import { formatDuration } from "./xaxis";

export interface TooltipRow {
  color: string;
  dash: number[];
  /** The series' legend label. */
  label: string;
  run: string;
  smoothed: string | null;
  value: string;
  step: number;
  /** Epoch seconds of the point. */
  wallTime: number;
  relative: string;
}

/** Index of the x in `xs` (sorted) nearest to `x`; -1 when empty. */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  if (!xs.length) return -1;
  const i = lowerBound(xs, x);
  if (i <= 0) return 0;
  if (i >= xs.length) return xs.length - 1;
  return x - xs[i - 1] <= xs[i] - x ? i - 1 : i;
}

/** The rows for cursor position `x` (axis units), over the lines for which `shown(i)` holds. */
export function tooltipRows(lines: Line[], x: number, shown: (line: number) => boolean): TooltipRow[] {
  const rows: TooltipRow[] = [];
  lines.forEach((line, i) => {
    const j = nearestIndex(line.xs, x);
    if (j < 0 || !shown(i)) return;
    const walls = line.timeline.wall_times;
    rows.push({
      color: line.color,
      dash: line.dash,
      label: line.label,
      run: line.run,
      smoothed: line.smoothedValues ? formatValue(line.smoothedValues[j]) : null,
      value: formatValue(line.values[j]),
      step: line.timeline.steps[j],
      wallTime: walls[j],
      relative: formatDuration(walls[j] - walls[0]),
    });
  });
  return rows;
}

const HEADERS = ["", "Run", "Smoothed", "Value", "Step", "Time", "Relative"];

/** The tooltip table for `rows` (text nodes only: run names are untrusted). */
export function tooltipTable(rows: TooltipRow[]): HTMLTableElement {
  return el(
    "table",
    { class: "tooltip-table" },
    el("thead", {}, el("tr", {}, ...HEADERS.map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      ...rows.map((r) =>
        el(
          "tr",
          { class: "tooltip-row", data: { step: r.step } },
          el(
            "td",
            {},
            el("span", { class: `swatch${r.dash.length ? " dashed" : ""}`, attrs: { style: `background:${r.color}` } }),
          ),
          el("td", { class: "tooltip-run" }, r.label),
          el("td", { class: "num" }, r.smoothed ?? ""),
          el("td", { class: "num" }, r.value),
          el("td", { class: "num tooltip-step" }, String(r.step)),
          el("td", {}, new Date(r.wallTime * 1000).toLocaleString()),
          el("td", { class: "num" }, r.relative),
        ),
      ),
    ),
  );
}
