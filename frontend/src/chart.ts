// One metric's chart, for one or several experiments: raw points faint,
// TensorBoard-smoothed lines on top, the learning rate on a secondary axis,
// the findings drawn over it. This module only builds the DOM and wires
// uPlot; data preparation (chartdata), zoom arithmetic (zoom), the tooltip
// (tooltip), axes (axes) and painting (paint) live in their own modules.
// Every zoom (drag, finding, keyboard, reset) goes through `zoomTo`, which
// downsamples the new range and sets the x scale in one batch.

import uPlot from "uplot";
import { findingShapes, shapeRect, zoomRange } from "./annotations";
import { STEP_INCRS, axisWidth, formatTick, formatX } from "./axes";
import {
  chartFindings,
  fullRange,
  lineOf,
  prepareLines,
  stepRange,
  tableFor,
  type ChartCurve,
  type Line,
} from "./chartdata";
import { linesToCsv } from "./csv";
import { el, setChildren } from "./dom";
import { saveBlob } from "./download";
import { paintNonFinite, paintShapes, type PlacedShape } from "./paint";
import { KIND_COLOR, LEARNING_RATE_COLOR, ROLE_STYLE, withAlpha } from "./palette";
import { chartPng } from "./png";
import type { YScale } from "./state";
import type { Theme } from "./theme";
import { tooltipRows, tooltipTable } from "./tooltip";
import type { Direction, LearningRate } from "./types";
import { stepToX, type XMode } from "./xaxis";
import { clampRange, isFull, keyAction, panBy, zoomBy, type Range } from "./zoom";

export interface ChartInput {
  title: string;
  metric: string;
  direction: Direction;
  curves: ChartCurve[];
  learningRate: LearningRate | null;
  smoothing: number;
  yScale: YScale;
  xMode: XMode;
  width: number;
  theme: Theme;
}

export interface ChartHandle {
  /** The chart's element: title, legend, plot and its list of annotations. */
  root: HTMLElement;
  /** Index in this chart of `experiment`'s finding number `index` on this metric (-1 if absent). */
  findingIndex(experiment: string, index: number): number;
  highlight(finding: number | null): void;
  zoomToFinding(finding: number): void;
  zoomTo(range: Range): void;
  /** The x range shown. */
  view(): Range;
  resize(width: number): void;
  toPng(): Promise<Blob>;
  destroy(): void;
}

const HEIGHT = 300;
/** A drag narrower than this (CSS pixels) is a click, not a zoom. */
const MIN_DRAG_PX = 3;

/** uPlot series for the lines, and the index of each line's first (raw) series. */
function plotSeries(lines: Line[], xMode: XMode): { series: uPlot.Series[]; first: number[] } {
  const series: uPlot.Series[] = [{ value: (_u, v) => (v == null ? "" : formatX(xMode, v)) }];
  const first: number[] = [];
  for (const line of lines) {
    first.push(series.length);
    const common = { scale: line.scale, dash: line.dash, points: { show: false }, spanGaps: false };
    series.push({
      ...common,
      label: `${line.label} raw`,
      stroke: line.smoothed ? withAlpha(line.color, 0.3) : line.color,
      width: 1,
    });
    if (line.smoothed) series.push({ ...common, label: line.label, stroke: line.color, width: 2 });
  }
  return { series, first };
}

function plotAxes(input: ChartInput, hasLr: boolean): uPlot.Axis[] {
  const { theme, xMode } = input;
  const look = { stroke: theme.axis, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
  const size = (_u: uPlot, values: string[] | null) => axisWidth(values);
  const axes: uPlot.Axis[] = [
    {
      ...look,
      label: xMode === "step" ? "step" : xMode === "relative" ? "relative time" : "wall time",
      ...(xMode === "step" ? { incrs: STEP_INCRS } : {}),
      ...(xMode === "wall" ? {} : { values: (_u: uPlot, ticks: number[]) => ticks.map((v) => formatX(xMode, v)) }),
    },
    { ...look, label: input.metric, size, values: (_u, ticks) => ticks.map(formatTick) },
  ];
  if (hasLr) {
    axes.push({
      ...look,
      scale: "lr",
      side: 1,
      label: "learning rate",
      stroke: LEARNING_RATE_COLOR,
      grid: { show: false },
      size,
      values: (_u, t) => t.map(formatTick),
    });
  }
  return axes;
}

export function createChart(input: ChartInput): ChartHandle {
  const log = input.yScale === "log" && input.direction === "min";
  const lines = prepareLines({
    curves: input.curves,
    learningRate: input.learningRate,
    smoothing: input.smoothing,
    log,
    xMode: input.xMode,
  });
  const full = fullRange(lines);
  const [firstStep, lastStep] = stepRange(lines);
  const findings = chartFindings(input.curves);
  const several = input.curves.length > 1;
  const shapes = findings.flatMap((f, i) => findingShapes(f.finding, i, lastStep));
  const findingLine = findings.map((f) => lineOf(lines, f.experiment, f.finding.series));
  const nonfiniteX = lines.map((l) =>
    l.scale === "y" ? [...l.xs].filter((_, i) => !Number.isFinite(l.values[i])) : [],
  );
  let highlighted: number | null = null;
  let view: Range = full;

  const { series, first } = plotSeries(lines, input.xMode);
  const shownOn = (u: uPlot) => (line: number) => u.series[first[line]].show !== false;
  const tooltip = el("div", { class: "tooltip", attrs: { role: "status" } });
  tooltip.hidden = true;

  const draw = (u: uPlot) => {
    const box = { left: u.bbox.left, top: u.bbox.top, width: u.bbox.width, height: u.bbox.height };
    const placed: PlacedShape[] = [];
    for (const shape of shapes) {
      const timeline = findingLine[shape.finding]?.timeline;
      const toX = (step: number) => u.valToPos(timeline ? stepToX(timeline, step, input.xMode) : step, "x", true);
      const rect = shapeRect(shape, box, toX, (v) => u.valToPos(v, "y", true));
      if (rect) placed.push({ shape, rect });
    }
    paintShapes(u.ctx, box, uPlot.pxRatio, placed, highlighted);
    const shown = shownOn(u);
    lines.forEach((line, i) => {
      if (nonfiniteX[i].length && shown(i))
        paintNonFinite(
          u.ctx,
          box,
          uPlot.pxRatio,
          nonfiniteX[i].map((x) => u.valToPos(x, "x", true)),
          line.color,
        );
    });
  };

  const showTooltip = (u: uPlot) => {
    const left = u.cursor.left ?? -1;
    if (left < 0) {
      tooltip.hidden = true;
      return;
    }
    const rows = tooltipRows(lines, u.posToVal(left, "x"), shownOn(u));
    tooltip.replaceChildren(tooltipTable(rows));
    tooltip.hidden = rows.length === 0;
    const flip = left > u.over.clientWidth / 2;
    tooltip.style.left = flip ? "" : `${left + 12}px`;
    tooltip.style.right = flip ? `${u.over.clientWidth - left + 12}px` : "";
    tooltip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
  };

  const onSelect = (u: uPlot) => {
    const { left, width } = u.select;
    if (width >= MIN_DRAG_PX) zoomTo([u.posToVal(left, "x"), u.posToVal(left + width, "x")]);
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  };

  const plot = el("div", {
    class: "plot",
    attrs: {
      tabindex: "0",
      role: "img",
      "aria-label": `${input.title}. Drag or press + and - to zoom, arrows to pan, 0 to reset.`,
    },
  });
  const u = new uPlot(
    {
      width: input.width,
      height: HEIGHT,
      series,
      axes: plotAxes(
        input,
        lines.some((l) => l.scale === "lr"),
      ),
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: { x: { time: input.xMode === "wall" }, y: log ? { distr: 3, log: 10 } : {}, lr: {} },
      hooks: { draw: [draw], setCursor: [showTooltip], setSelect: [onSelect] },
    },
    tableFor(lines, full[0], full[1], input.width) as uPlot.AlignedData,
    plot,
  );
  u.over.append(tooltip);

  const root = el("section", {
    class: "chart",
    data: {
      metric: input.metric,
      direction: input.direction,
      yscale: log ? "log" : "linear",
      experiments: input.curves.length,
    },
  });

  /** Show x range `range` (clamped to the data), re-downsampled for the plot's width. */
  function zoomTo(range: Range): void {
    view = clampRange(range, full);
    const table = tableFor(lines, view[0], view[1], u.bbox.width / uPlot.pxRatio) as uPlot.AlignedData;
    u.batch(() => {
      u.setData(table, false);
      u.setScale("x", { min: view[0], max: view[1] });
    });
    root.dataset.zoomed = String(!isFull(view, full));
    root.dataset.view = view.join(",");
  }
  // uPlot's own double-click resets to the drawn data; reset to everything instead.
  u.over.addEventListener("dblclick", () => handle.zoomTo(full));
  plot.addEventListener("keydown", (e) => {
    const action = keyAction(e.key);
    if (!action) return;
    e.preventDefault();
    if (action === "reset") handle.zoomTo(full);
    else if ("zoom" in action) handle.zoomTo(zoomBy(view, full, action.zoom));
    else handle.zoomTo(panBy(view, full, action.pan));
  });

  const legend = el("div", { class: "legend" });
  const legendItems = lines.map((line, i) => {
    const button = el(
      "button",
      {
        class: "legend-item",
        data: { role: line.role, experiment: line.experiment, color: line.color },
        attrs: { type: "button", "aria-pressed": "true" },
      },
      el("span", { class: `swatch${line.dash.length ? " dashed" : ""}`, attrs: { style: `background:${line.color}` } }),
      line.label,
    );
    button.addEventListener("click", () => {
      const show = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(show));
      for (let k = 0; k < (line.smoothed ? 2 : 1); k++) u.setSeries(first[i] + k, { show });
    });
    legend.append(button);
    return button;
  });
  const visibleLines = () => lines.filter((_, i) => legendItems[i].getAttribute("aria-pressed") === "true");

  const nonfinite = input.curves.flatMap(({ experiment, curve }) =>
    curve.series
      .filter((s) => s.nonfinite.length)
      .map((s) =>
        el(
          "li",
          { class: "nonfinite", data: { role: s.role, step: s.nonfinite[0].step, experiment } },
          `${several ? `${experiment} ` : ""}${ROLE_STYLE[s.role].label}: ${s.nonfinite.length} non-finite value(s) from step ${s.nonfinite[0].step} (${s.nonfinite[0].value}), marked ▼ on the top edge`,
        ),
      ),
  );

  const handle: ChartHandle = {
    root,
    findingIndex(experiment, index) {
      const own = findings.map((f, i) => [f, i] as const).filter(([f]) => f.experiment === experiment);
      return own[index]?.[1] ?? -1;
    },
    highlight(finding) {
      highlighted = finding;
      u.redraw(false);
      root
        .querySelectorAll<HTMLElement>("li.annotation")
        .forEach((li) => li.classList.toggle("active", Number(li.dataset.finding) === finding));
    },
    zoomToFinding(finding) {
      const f = findings[finding];
      if (!f) return;
      const [s0, s1] = zoomRange(f.finding, firstStep, lastStep);
      const timeline = findingLine[finding]?.timeline;
      const x = (s: number) => (timeline ? stepToX(timeline, s, input.xMode) : s);
      handle.zoomTo([x(s0), x(s1)]);
      handle.highlight(finding);
    },
    zoomTo,
    view: () => view,
    resize(width) {
      if (width === u.width) return; // The chart area only grew taller.
      u.setSize({ width, height: HEIGHT });
      zoomTo(view);
    },
    toPng: () =>
      chartPng(
        u.ctx.canvas,
        input.title,
        visibleLines().map((l) => ({ label: l.label, color: l.color, dash: l.dash })),
        input.theme,
        uPlot.pxRatio,
      ),
    destroy() {
      u.destroy();
    },
  };

  const annotationList = el("ul", { class: "annotations", attrs: { "aria-label": `Findings on ${input.metric}` } });
  findings.forEach(({ finding: f, experiment }, i) => {
    const range = f.end_step === null ? `from step ${f.start_step}` : `steps ${f.start_step}–${f.end_step}`;
    const button = el("button", { attrs: { type: "button" } }, `${several ? `${experiment}: ` : ""}${f.kind} ${range}`);
    button.addEventListener("click", () => handle.zoomToFinding(i));
    const li = el(
      "li",
      {
        class: `annotation kind-${f.kind}`,
        data: { kind: f.kind, step: f.start_step, endStep: f.end_step ?? "", finding: i, series: f.series, experiment },
      },
      el("span", { class: "swatch", attrs: { style: `background:${KIND_COLOR[f.kind]}` } }),
      button,
    );
    li.addEventListener("mouseenter", () => handle.highlight(i));
    li.addEventListener("mouseleave", () => handle.highlight(null));
    annotationList.append(li);
  });
  const button = (cls: string, text: string, title: string, onClick: () => void) => {
    const b = el("button", { class: cls, attrs: { type: "button", title } }, text);
    b.addEventListener("click", onClick);
    return b;
  };
  const slug = input.title.replace(/\s*·\s*/g, "-");
  const actions = el(
    "span",
    { class: "chart-actions" },
    button("reset-zoom", "Reset zoom", "Show all steps (0, Home or Escape on the chart)", () => {
      handle.zoomTo(full);
      handle.highlight(null);
    }),
    button("download-csv", "CSV", "Download the shown series as CSV", () =>
      saveBlob(new Blob([linesToCsv(visibleLines())], { type: "text/csv" }), `${slug}.csv`),
    ),
    button("download-png", "PNG", "Download the chart as PNG, with its title and legend", async () =>
      saveBlob(await handle.toPng(), `${slug}.png`),
    ),
  );
  setChildren(
    root,
    el("header", { class: "chart-header" }, el("h3", {}, input.title), actions),
    legend,
    plot,
    nonfinite.length ? el("ul", { class: "nonfinite-list" }, ...nonfinite) : null,
    annotationList,
  );
  root.dataset.zoomed = "false";
  root.dataset.view = full.join(",");
  return handle;
}
