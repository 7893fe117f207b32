// Data preparation for a chart, pure (no DOM, no uPlot): every series of the
// chart's experiments as a line (x values for the axis mode, values, the
// TensorBoard-smoothed values), the x and step extents, and the joined table
// uPlot draws for an x range, downsampled to the plot's pixel columns.

import type { Finding, CurveData, LearningRate, Role } from "./types";
import { downsample } from "./downsample";
import { LEARNING_RATE_COLOR, ROLE_STYLE } from "./palette";
import { smooth } from "./smoothing";
import { xValues, type Timeline, type XMode } from "./xaxis";

/** One experiment's curve of the chart's metric, in the experiment's run colour. */
export interface ChartCurve {
  experiment: string;
  color: string;
  curve: CurveData;
}

export interface DataInput {
  curves: ChartCurve[];
  learningRate: LearningRate | null;
  smoothing: number;
  /** Log y scale: values <= 0 cannot be drawn. */
  log: boolean;
  xMode: XMode;
}

export type LineRole = Role | "learning_rate";

/** A series prepared for display (NaN = nothing to draw there). */
export interface Line {
  experiment: string;
  role: LineRole;
  run: string;
  tag: string;
  label: string;
  color: string;
  dash: number[];
  scale: "y" | "lr";
  timeline: Timeline;
  xs: Float64Array;
  /** The logged values (NaN where non-finite). */
  values: Float64Array;
  /** The TensorBoard-smoothed values; null for the learning rate. */
  smoothedValues: Float64Array | null;
  /** The values as drawn (also NaN where the log scale cannot show them). */
  raw: Float64Array;
  /** The smoothed values as drawn. */
  smoothed: Float64Array | null;
}

/** A finding with the experiment it belongs to. */
export interface ChartFinding {
  finding: Finding;
  experiment: string;
  color: string;
}

function numbers(values: (number | null)[]): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? NaN : v));
}

function drawable(values: Float64Array, log: boolean): Float64Array {
  return log ? values.map((v) => (v > 0 ? v : NaN)) : values;
}

/** Every line of the chart: each experiment's series, then the learning rate. */
export function prepareLines(input: DataInput): Line[] {
  const several = input.curves.length > 1;
  const lines: Line[] = input.curves.flatMap(({ experiment, color, curve }) =>
    curve.series.map((s): Line => {
      const style = ROLE_STYLE[s.role];
      const values = numbers(s.values);
      const smoothedValues = smooth(values, input.smoothing);
      return {
        experiment,
        role: s.role,
        run: s.run,
        tag: s.tag,
        label: several ? `${experiment} ${style.label}` : `${style.label} (${s.run})`,
        color,
        dash: style.dash,
        scale: "y",
        timeline: s,
        xs: xValues(s, input.xMode),
        values,
        smoothedValues,
        raw: drawable(values, input.log),
        smoothed: drawable(smoothedValues, input.log),
      };
    }),
  );
  const lr = input.learningRate;
  if (lr && lr.steps.length) {
    const values = numbers(lr.values);
    lines.push({
      experiment: input.curves[0]?.experiment ?? "",
      role: "learning_rate",
      run: lr.run,
      tag: lr.tag,
      label: `learning rate (${lr.tag})`,
      color: LEARNING_RATE_COLOR,
      dash: [2, 3],
      scale: "lr",
      timeline: lr,
      xs: xValues(lr, input.xMode),
      values,
      smoothedValues: null,
      raw: values,
      smoothed: null,
    });
  }
  return lines;
}

/** The findings of every curve, in chart order (an index into this list names a finding). */
export function chartFindings(curves: ChartCurve[]): ChartFinding[] {
  return curves.flatMap(({ experiment, color, curve }) =>
    curve.findings.map((finding) => ({ finding, experiment, color })),
  );
}

/** The line a finding is located on: its experiment's series of the finding's split, else the first one. */
export function lineOf(lines: Line[], experiment: string, series: string): Line | undefined {
  const own = lines.filter((l) => l.experiment === experiment && l.scale === "y");
  return own.find((l) => l.role === series) ?? own[0];
}

/** [lowest, highest] x over all lines ([0, 1] when there is nothing). */
export function fullRange(lines: Line[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    if (!l.xs.length) continue;
    lo = Math.min(lo, l.xs[0]);
    hi = Math.max(hi, l.xs[l.xs.length - 1]);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** [first, last] logged step of the experiments' own curves (not the baseline's, not the learning rate). */
export function stepRange(lines: Line[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    if ((l.role !== "train" && l.role !== "validation") || !l.timeline.steps.length) continue;
    lo = Math.min(lo, l.timeline.steps[0]);
    hi = Math.max(hi, l.timeline.steps[l.timeline.steps.length - 1]);
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

export interface Column {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * Columns with their own x values joined on the union of x values, the
 * layout uPlot draws: `undefined` where a column has no point at an x (uPlot
 * draws across it), `null` where its value is not finite (a gap in the line).
 */
export function joinColumns(columns: Column[]): (number | null | undefined)[][] {
  const union = new Float64Array(columns.reduce((n, c) => n + c.x.length, 0));
  let k = 0;
  for (const c of columns) for (let i = 0; i < c.x.length; i++) union[k++] = c.x[i];
  union.sort();
  const xs: number[] = [];
  for (let i = 0; i < union.length; i++) if (i === 0 || union[i] !== union[i - 1]) xs.push(union[i]);
  const out: (number | null | undefined)[][] = [xs];
  for (const c of columns) {
    const ys: (number | null | undefined)[] = new Array(xs.length).fill(undefined);
    let j = 0;
    for (let i = 0; i < c.x.length; i++) {
      while (xs[j] < c.x[i]) j++;
      const v = c.y[i];
      ys[j] = Number.isFinite(v) ? v : null;
    }
    out.push(ys);
  }
  return out;
}

/**
 * The table uPlot draws for x in [x0, x1], `columns` pixels wide: per line
 * its drawn values, then its smoothed ones (when smoothed).
 */
export function tableFor(lines: Line[], x0: number, x1: number, columns: number): (number | null | undefined)[][] {
  const parts: Column[] = [];
  for (const line of lines) {
    for (const ys of line.smoothed ? [line.raw, line.smoothed] : [line.raw]) {
      parts.push(downsample(line.xs, ys, x0, x1, columns));
    }
  }
  return joinColumns(parts);
}
