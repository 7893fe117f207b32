// Annotation geometry: what to draw for each finding, first in data space
// (steps and values), then in pixels on the plot area.

import type { Finding, FindingKind } from "./types";

export type ShapeType = "band" | "vline" | "point";

/** One drawable piece of a finding, in steps and the curve's own values. */
export interface Shape {
  type: ShapeType;
  kind: FindingKind;
  /** Index of the finding in the curve's list. */
  finding: number;
  step: number;
  /** End step of a band. */
  endStep?: number;
  /** Value of a point; null when the value was non-finite (drawn at the top edge). */
  value?: number | null;
  label: string;
}

/** Shapes of one finding; open-ended intervals run to `lastStep`. */
export function findingShapes(f: Finding, index: number, lastStep: number): Shape[] {
  const end = f.end_step ?? Math.max(lastStep, f.start_step);
  const base = { kind: f.kind, finding: index, label: f.kind };
  const points = f.markers.map(([step, value]): Shape => ({ ...base, type: "point", step, value }));
  switch (f.kind) {
    case "overfitting":
      return [
        { ...base, type: "band", step: f.start_step, endStep: end },
        { ...base, type: "vline", step: f.start_step, label: "onset" },
      ];
    case "plateau":
    case "underfitting":
      return [{ ...base, type: "band", step: f.start_step, endStep: end }];
    case "spike":
      return points.length ? points : [{ ...base, type: "vline", step: f.start_step }];
    case "divergence":
      return [{ ...base, type: "vline", step: f.start_step }, ...points];
  }
}

/** Step range to zoom to for a finding: its extent plus a margin either side. */
export function zoomRange(f: Finding, firstStep: number, lastStep: number): [number, number] {
  const start = f.start_step;
  const end = f.end_step ?? (f.kind === "spike" || f.kind === "divergence" ? start : lastStep);
  const pad = Math.max((end - start) * 0.25, (lastStep - firstStep) * 0.05, 1);
  return [Math.max(firstStep, start - pad), Math.min(lastStep, end + pad)];
}

export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Pixel rectangle of a shape (a point is a zero-size rect at its centre).
 * `toX`/`toY` map data to pixels; returns null when the shape is off-plot.
 */
export function shapeRect(
  shape: Shape,
  box: PlotBox,
  toX: (step: number) => number,
  toY: (value: number) => number,
): PixelRect | null {
  const right = box.left + box.width;
  const x0 = toX(shape.step);
  if (shape.type === "band") {
    const a = Math.max(box.left, Math.min(x0, toX(shape.endStep ?? shape.step)));
    const b = Math.min(right, Math.max(x0, toX(shape.endStep ?? shape.step)));
    return b > a || (b === a && a >= box.left && a <= right) ? { x: a, y: box.top, w: b - a, h: box.height } : null;
  }
  if (!(x0 >= box.left && x0 <= right)) return null;
  if (shape.type === "vline") return { x: x0, y: box.top, w: 0, h: box.height };
  const y = shape.value == null ? box.top : toY(shape.value);
  if (!Number.isFinite(y)) return { x: x0, y: box.top, w: 0, h: 0 };
  return { x: x0, y: Math.max(box.top, Math.min(box.top + box.height, y)), w: 0, h: 0 };
}
