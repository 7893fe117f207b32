// One curve's chart: raw points faint, TensorBoard-smoothed lines on top,
// the learning rate on a secondary axis, and the findings drawn over it.
// Built on uPlot: small, fast with 1e5+ points, and its draw hooks let us
// paint bands and markers on the same canvas (so PNG exports include them).

import uPlot from "uplot";
import { findingShapes, shapeRect, zoomRange, type Shape } from "./annotations";
import { el, setChildren } from "./dom";
import { saveBlob } from "./download";
import { downsample, lowerBound } from "./downsample";
import { KIND_COLOR, LEARNING_RATE_COLOR, ROLE_STYLE, withAlpha } from "./palette";
import { smooth } from "./smoothing";
import type { YScale } from "./state";
import type { CurveData, LearningRate, Role, SeriesData } from "./types";
import { formatDuration, stepToX, xValues, type Timeline, type XMode } from "./xaxis";

export interface ChartInput {
  title: string;
  curve: CurveData;
  learningRate: LearningRate | null;
  smoothing: number;
  yScale: YScale;
  xMode: XMode;
  width: number;
}

export interface ChartHandle {
  /** The chart's element: title, legend, plot and its list of annotations. */
  root: HTMLElement;
  highlight(finding: number | null): void;
  zoomToFinding(finding: number): void;
  resize(width: number): void;
  toPng(): Promise<Blob>;
  destroy(): void;
}

/** A series prepared for display: x values, raw and smoothed values (NaN = not drawable). */
interface Line {
  role: Role | "learning_rate";
  label: string;
  color: string;
  dash: number[];
  scale: string;
  timeline: Timeline;
  xs: Float64Array;
  raw: Float64Array;
  smoothed: Float64Array | null;
}

const HEIGHT = 300;

function toNumbers(values: (number | null)[], log: boolean): Float64Array {
  return Float64Array.from(values, (v) => (v === null || (log && v <= 0) ? NaN : v));
}

function prepareLines(input: ChartInput, log: boolean): Line[] {
  const lines: Line[] = input.curve.series.map((s: SeriesData) => {
    const style = ROLE_STYLE[s.role];
    const raw = toNumbers(s.values, false);
    const smoothed = smooth(raw, input.smoothing);
    if (log) smoothed.forEach((v, i) => v <= 0 && (smoothed[i] = NaN));
    return {
      role: s.role,
      label: `${style.label} (${s.run})`,
      color: style.color,
      dash: style.dash,
      scale: "y",
      timeline: s,
      xs: xValues(s, input.xMode),
      raw: toNumbers(s.values, log),
      smoothed,
    };
  });
  const lr = input.learningRate;
  if (lr && lr.steps.length) {
    lines.push({
      role: "learning_rate",
      label: `learning rate (${lr.tag})`,
      color: LEARNING_RATE_COLOR,
      dash: [2, 3],
      scale: "lr",
      timeline: lr,
      xs: xValues(lr, input.xMode),
      raw: toNumbers(lr.values, false),
      smoothed: null,
    });
  }
  return lines;
}

/** The joined uPlot data table for x range [x0, x1], downsampled to `columns`. */
function tableFor(lines: Line[], x0: number, x1: number, columns: number): uPlot.AlignedData {
  const tables: uPlot.AlignedData[] = [];
  for (const line of lines) {
    for (const ys of line.smoothed ? [line.raw, line.smoothed] : [line.raw]) {
      const d = downsample(line.xs, ys, x0, x1, columns);
      tables.push([d.x, d.y.map((v) => (Number.isFinite(v) ? v : null))]);
    }
  }
  return uPlot.join(tables);
}

function fullRange(lines: Line[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    if (!l.xs.length) continue;
    lo = Math.min(lo, l.xs[0]);
    hi = Math.max(hi, l.xs[l.xs.length - 1]);
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return "non-finite";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(+v.toPrecision(5));
}

function nearestIndex(xs: Float64Array, x: number): number {
  const i = lowerBound(xs, x);
  if (i <= 0) return 0;
  if (i >= xs.length) return xs.length - 1;
  return x - xs[i - 1] <= xs[i] - x ? i - 1 : i;
}

/** Canvas text for the x value of the cursor or an axis tick. */
function xFormatter(mode: XMode): (v: number) => string {
  if (mode === "relative") return formatDuration;
  if (mode === "wall") return (v) => new Date(v * 1000).toLocaleString();
  return (v) => String(Math.round(v));
}

export function createChart(input: ChartInput): ChartHandle {
  const log = input.yScale === "log" && input.curve.direction === "min";
  const lines = prepareLines(input, log);
  const curveLines = lines.filter((l) => l.role === "train" || l.role === "validation");
  const [firstX, lastX] = fullRange(lines);
  const steps = curveLines.flatMap((l) => (l.timeline.steps.length ? [l.timeline.steps[0], l.timeline.steps[l.timeline.steps.length - 1]] : []));
  const firstStep = steps.length ? Math.min(...steps) : 0;
  const lastStep = steps.length ? Math.max(...steps) : 0;
  const findings = input.curve.findings;
  const shapes: Shape[] = findings.flatMap((f, i) => findingShapes(f, i, lastStep));
  let highlighted: number | null = null;

  const timelineOf = (series: string): Timeline | undefined =>
    (curveLines.find((l) => l.role === series) ?? curveLines[0])?.timeline;

  const tooltip = el("div", { class: "tooltip", attrs: { role: "status" } });
  tooltip.hidden = true;

  const uSeries: uPlot.Series[] = [{ value: (_u, v) => (v == null ? "" : xFormatter(input.xMode)(v)) }];
  /** Index of each line's first uPlot series (raw; smoothed follows it). */
  const firstSeries: number[] = [];
  for (const line of lines) {
    firstSeries.push(uSeries.length);
    uSeries.push({
      label: `${line.label} raw`,
      scale: line.scale,
      stroke: line.smoothed ? withAlpha(line.color, 0.3) : line.color,
      width: 1,
      dash: line.dash,
      points: { show: false },
    });
    if (line.smoothed) {
      uSeries.push({ label: line.label, scale: line.scale, stroke: line.color, width: 2, dash: line.dash, points: { show: false } });
    }
  }

  const axes: uPlot.Axis[] = [
    { values: input.xMode === "wall" ? undefined : (_u, ticks) => ticks.map(xFormatter(input.xMode)), label: input.xMode === "step" ? "step" : input.xMode === "relative" ? "relative time" : "wall time" },
    { label: input.curve.metric, size: 60 },
  ];
  if (input.learningRate && input.learningRate.steps.length) {
    axes.push({ scale: "lr", side: 1, label: "learning rate", stroke: LEARNING_RATE_COLOR, grid: { show: false }, size: 70, values: (_u, t) => t.map((v) => String(+v.toPrecision(2))) });
  }

  const drawAnnotations = (u: uPlot) => {
    const ctx = u.ctx;
    const box = { left: u.bbox.left, top: u.bbox.top, width: u.bbox.width, height: u.bbox.height };
    const px = uPlot.pxRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    ctx.font = `${11 * px}px sans-serif`;
    ctx.textBaseline = "top";
    for (const shape of shapes) {
      const timeline = timelineOf(findings[shape.finding].series);
      const toX = (step: number) => u.valToPos(timeline ? stepToX(timeline, step, input.xMode) : step, "x", true);
      const toY = (v: number) => u.valToPos(v, "y", true);
      const rect = shapeRect(shape, box, toX, toY);
      if (!rect) continue;
      const dim = highlighted !== null && highlighted !== shape.finding;
      const strong = highlighted === shape.finding;
      const color = KIND_COLOR[shape.kind];
      ctx.globalAlpha = dim ? 0.35 : 1;
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = (strong ? 3 : 1.5) * px;
      if (shape.type === "band") {
        ctx.fillStyle = withAlpha(color, strong ? 0.28 : 0.14);
        ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
        ctx.fillStyle = color;
        ctx.fillText(shape.label, rect.x + 4 * px, rect.y + 4 * px);
      } else if (shape.type === "vline") {
        ctx.setLineDash([4 * px, 3 * px]);
        ctx.beginPath();
        ctx.moveTo(rect.x, rect.y);
        ctx.lineTo(rect.x, rect.y + rect.h);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillText(shape.label, rect.x + 4 * px, rect.y + 18 * px);
      } else {
        const r = (strong ? 7 : 5) * px;
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
    }
    // Non-finite values: a triangle on the top edge at each such step, per series.
    ctx.globalAlpha = 1;
    input.curve.series.forEach((s) => {
      const line = lines.findIndex((l) => l.role === s.role);
      if (!s.nonfinite.length || !u.series[firstSeries[line]].show) return;
      ctx.fillStyle = ROLE_STYLE[s.role].color;
      let lastPx = -Infinity;
      for (const nf of s.nonfinite) {
        const x = u.valToPos(stepToX(s, nf.step, input.xMode), "x", true);
        if (x - lastPx < 3 * px) continue;
        lastPx = x;
        ctx.beginPath();
        ctx.moveTo(x - 4 * px, box.top);
        ctx.lineTo(x + 4 * px, box.top);
        ctx.lineTo(x, box.top + 7 * px);
        ctx.fill();
      }
    });
    ctx.restore();
  };

  const showTooltip = (u: uPlot) => {
    const left = u.cursor.left ?? -1;
    if (left < 0) {
      tooltip.hidden = true;
      return;
    }
    const x = u.posToVal(left, "x");
    const rows: HTMLElement[] = [];
    let stepShown = false;
    lines.forEach((line, i) => {
      if (!line.xs.length || !u.series[firstSeries[i]].show) return;
      const j = nearestIndex(line.xs, x);
      if (!stepShown) {
        rows.push(el("div", { class: "tooltip-step" }, `step ${line.timeline.steps[j]}`));
        stepShown = true;
      }
      const value = line.raw[j];
      const text = line.smoothed
        ? `${formatValue(value)} (smoothed ${formatValue(line.smoothed[j])})`
        : formatValue(value);
      rows.push(el("div", { class: "tooltip-row" }, el("span", { class: "swatch", attrs: { style: `background:${line.color}` } }), `${line.label}: ${text}`));
    });
    tooltip.replaceChildren(...rows);
    tooltip.hidden = rows.length === 0;
    const flip = left > u.over.clientWidth / 2;
    tooltip.style.left = flip ? "" : `${left + 12}px`;
    tooltip.style.right = flip ? `${u.over.clientWidth - left + 12}px` : "";
    tooltip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
  };

  // Re-downsample whenever the x range changes so zooming in shows detail.
  let drawnRange: [number, number] = [firstX, lastX];
  const onScale = (u: uPlot, key: string) => {
    if (key !== "x") return;
    const { min, max } = u.scales.x;
    if (min == null || max == null || (min === drawnRange[0] && max === drawnRange[1])) return;
    drawnRange = [min, max];
    u.setData(tableFor(lines, min, max, u.bbox.width / uPlot.pxRatio), false);
  };

  const plot = el("div", { class: "plot" });
  const opts: uPlot.Options = {
    width: input.width,
    height: HEIGHT,
    series: uSeries,
    axes,
    legend: { show: false },
    cursor: { drag: { x: true, y: false }, points: { show: false } },
    scales: {
      x: { time: input.xMode === "wall" },
      y: log ? { distr: 3, log: 10 } : {},
      lr: {},
    },
    hooks: { draw: [drawAnnotations], setCursor: [showTooltip], setScale: [onScale] },
  };
  const u = new uPlot(opts, tableFor(lines, firstX, lastX, input.width), plot);
  u.over.append(tooltip);

  const root = el("section", { class: "chart", data: { metric: input.curve.metric, direction: input.curve.direction, yscale: log ? "log" : "linear" } });
  const legend = el("div", { class: "legend" });
  lines.forEach((line, i) => {
    const first = firstSeries[i];
    const count = line.smoothed ? 2 : 1;
    const button = el(
      "button",
      { class: "legend-item", data: { role: line.role }, attrs: { type: "button", "aria-pressed": "true" } },
      el("span", { class: "swatch", attrs: { style: `background:${line.color}` } }),
      line.label,
    );
    button.addEventListener("click", () => {
      const show = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(show));
      for (let k = 0; k < count; k++) u.setSeries(first + k, { show });
    });
    legend.append(button);
  });

  const nonfinite = input.curve.series
    .filter((s) => s.nonfinite.length)
    .map((s) =>
      el("li", { class: "nonfinite", data: { role: s.role, step: s.nonfinite[0].step } },
        `${ROLE_STYLE[s.role].label}: ${s.nonfinite.length} non-finite value(s) from step ${s.nonfinite[0].step} (${s.nonfinite[0].value}), marked ▼ on the top edge`),
    );

  const handle: ChartHandle = {
    root,
    highlight(finding) {
      highlighted = finding;
      u.redraw(false);
      root.querySelectorAll<HTMLElement>("li.annotation").forEach((li) => li.classList.toggle("active", Number(li.dataset.finding) === finding));
    },
    zoomToFinding(finding) {
      const f = findings[finding];
      const [s0, s1] = zoomRange(f, firstStep, lastStep);
      const timeline = timelineOf(f.series);
      const x0 = timeline ? stepToX(timeline, s0, input.xMode) : s0;
      const x1 = timeline ? stepToX(timeline, s1, input.xMode) : s1;
      u.setScale("x", { min: x0, max: x1 > x0 ? x1 : x0 + 1 });
      handle.highlight(finding);
    },
    resize(width) {
      u.setSize({ width, height: HEIGHT });
    },
    toPng: () => chartPng(u, input.title),
    destroy() {
      u.destroy();
    },
  };

  const annotationList = el("ul", { class: "annotations", attrs: { "aria-label": `Findings on ${input.curve.metric}` } });
  findings.forEach((f, i) => {
    const range = f.end_step === null ? `from step ${f.start_step}` : `steps ${f.start_step}–${f.end_step}`;
    const button = el("button", { attrs: { type: "button" } }, `${f.kind} ${range}`);
    button.addEventListener("click", () => handle.zoomToFinding(i));
    const li = el(
      "li",
      { class: `annotation kind-${f.kind}`, data: { kind: f.kind, step: f.start_step, endStep: f.end_step ?? "", finding: i, series: f.series } },
      el("span", { class: "swatch", attrs: { style: `background:${KIND_COLOR[f.kind]}` } }),
      button,
    );
    li.addEventListener("mouseenter", () => handle.highlight(i));
    li.addEventListener("mouseleave", () => handle.highlight(null));
    annotationList.append(li);
  });
  const reset = el("button", { class: "reset-zoom", attrs: { type: "button" } }, "Reset zoom");
  reset.addEventListener("click", () => {
    u.setScale("x", { min: firstX, max: lastX });
    handle.highlight(null);
  });
  const png = el("button", { class: "download-png", attrs: { type: "button" } }, "PNG");
  png.addEventListener("click", async () => saveBlob(await handle.toPng(), `${input.title}.png`));

  setChildren(
    root,
    el("header", { class: "chart-header" }, el("h3", {}, input.title), el("span", { class: "chart-actions" }, reset, png)),
    legend,
    plot,
    nonfinite.length ? el("ul", { class: "nonfinite-list" }, ...nonfinite) : null,
    annotationList,
  );
  return handle;
}

/** The plot canvas under a title, on white, as a PNG. */
function chartPng(u: uPlot, title: string): Promise<Blob> {
  const src = u.ctx.canvas;
  const px = uPlot.pxRatio;
  const head = Math.round(28 * px);
  const canvas = document.createElement("canvas");
  canvas.width = src.width;
  canvas.height = src.height + head;
  const ctx = canvas.getContext("2d");
  if (!ctx) return Promise.reject(new Error("no 2D canvas"));
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#212121";
  ctx.font = `${14 * px}px sans-serif`;
  ctx.textBaseline = "middle";
  ctx.fillText(title, 8 * px, head / 2);
  ctx.drawImage(src, 0, head);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG export failed"))), "image/png"));
}
