// Painting the findings and the non-finite markers on the plot's canvas
// (so a PNG export includes them). Geometry comes from annotations.ts; this
// module only draws, and keeps every label inside the plot area.

import type { PixelRect, PlotBox, Shape } from "./annotations";
import { KIND_COLOR, withAlpha } from "./palette";

export interface PlacedShape {
  shape: Shape;
  rect: PixelRect;
}

/** Left x of a label `width` wide meant at `x`, moved inside the plot area (`pad` from its edges). */
export function labelX(x: number, width: number, box: PlotBox, pad: number): number {
  return Math.max(box.left + pad, Math.min(x, box.left + box.width - width - pad));
}

/**
 * Bands, onset lines and markers of findings; `highlighted` (a finding's
 * index, or null) is drawn stronger and the others dimmed.
 */
export function paintShapes(
  ctx: CanvasRenderingContext2D,
  box: PlotBox,
  px: number,
  placed: PlacedShape[],
  highlighted: number | null,
): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.width, box.height);
  ctx.clip();
  ctx.font = `${11 * px}px sans-serif`;
  // uPlot leaves the alignment of the last axis it drew (right, for the y axis): labels would end at x.
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  const pad = 4 * px;
  for (const { shape, rect } of placed) {
    const strong = highlighted === shape.finding;
    const color = KIND_COLOR[shape.kind];
    ctx.globalAlpha = highlighted !== null && !strong ? 0.35 : 1;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = (strong ? 3 : 1.5) * px;
    const label = (dy: number) =>
      ctx.fillText(shape.label, labelX(rect.x + pad, ctx.measureText(shape.label).width, box, pad), rect.y + dy);
    if (shape.type === "band") {
      ctx.fillStyle = withAlpha(color, strong ? 0.28 : 0.14);
      ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
      ctx.fillStyle = color;
      label(pad);
    } else if (shape.type === "vline") {
      ctx.setLineDash([4 * px, 3 * px]);
      ctx.beginPath();
      ctx.moveTo(rect.x, rect.y);
      ctx.lineTo(rect.x, rect.y + rect.h);
      ctx.stroke();
      ctx.setLineDash([]);
      label(18 * px);
    } else {
      marker(ctx, shape, rect, (strong ? 7 : 5) * px);
    }
  }
  ctx.restore();
}

/** A spike's diamond or a divergence's cross at the point. */
function marker(ctx: CanvasRenderingContext2D, shape: Shape, rect: PixelRect, r: number): void {
  ctx.beginPath();
  if (shape.kind === "spike") {
    ctx.moveTo(rect.x, rect.y - r);
    ctx.lineTo(rect.x + r, rect.y);
    ctx.lineTo(rect.x, rect.y + r);
    ctx.lineTo(rect.x - r, rect.y);
    ctx.closePath();
  } else {
    ctx.moveTo(rect.x - r, rect.y - r);
    ctx.lineTo(rect.x + r, rect.y + r);
    ctx.moveTo(rect.x + r, rect.y - r);
    ctx.lineTo(rect.x - r, rect.y + r);
  }
  ctx.stroke();
}

/** A small triangle on the plot's top edge at each x (pixels) of a non-finite value, at most one per 3 px. */
export function paintNonFinite(
  ctx: CanvasRenderingContext2D,
  box: PlotBox,
  px: number,
  xs: number[],
  color: string,
): void {
  ctx.save();
  ctx.fillStyle = color;
  let lastPx = -Infinity;
  for (const x of xs) {
    if (x < box.left || x > box.left + box.width || x - lastPx < 3 * px) continue;
    lastPx = x;
    ctx.beginPath();
    ctx.moveTo(x - 4 * px, box.top);
    ctx.lineTo(x + 4 * px, box.top);
    ctx.lineTo(x, box.top + 7 * px);
    ctx.fill();
  }
  ctx.restore();
}
