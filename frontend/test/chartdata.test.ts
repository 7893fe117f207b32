import assert from "node:assert/strict";
import { test } from "node:test";
import {
  chartFindings,
  fullRange,
  joinColumns,
  lineOf,
  prepareLines,
  stepRange,
  tableFor,
  type ChartCurve,
} from "../src/chartdata";
import type { CurveData, Finding, SeriesData } from "../src/types";

function series(role: SeriesData["role"], steps: number[], values: (number | null)[], run = role): SeriesData {
  return {
    role,
    run,
    tag: "loss",
    sampled: false,
    steps,
    wall_times: steps.map((s) => 1000 + 2 * s),
    values,
    nonfinite: [],
  };
}

function curve(parts: SeriesData[], findings: Finding[] = []): CurveData {
  return { metric: "loss", direction: "min", primary: true, findings, series: parts };
}

const steps = Array.from({ length: 2000 }, (_, i) => i);
const train = series(
  "train",
  steps,
  steps.map((s) => 2 / (1 + s / 100)),
);
const val = series(
  "validation",
  steps.filter((s) => s % 100 === 0),
  steps.filter((s) => s % 100 === 0).map((s) => 2.2 / (1 + s / 100)),
);

test("lines: one per series and experiment, in the experiment's colour, smoothed", () => {
  const curves: ChartCurve[] = [
    { experiment: "a", color: "#111111", curve: curve([train, val]) },
    { experiment: "b", color: "#222222", curve: curve([train]) },
  ];
  const lines = prepareLines({ curves, learningRate: null, smoothing: 0.6, log: false, xMode: "step" });
  assert.deepEqual(
    lines.map((l) => [l.experiment, l.role, l.color]),
    [
      ["a", "train", "#111111"],
      ["a", "validation", "#111111"],
      ["b", "train", "#222222"],
    ],
  );
  assert.deepEqual(
    lines.map((l) => l.label),
    ["a train", "a validation", "b train"],
  );
  assert.ok(lines[0].smoothed![10] > lines[0].raw[10], "a falling curve's smoothed value lags above it");
  assert.equal(
    lineOf(lines, "b", "validation"),
    lines[2],
    "a finding on a split an experiment lacks goes on its first line",
  );
});

test("log scale: values <= 0 are not drawn but keep their value for the tooltip", () => {
  const lines = prepareLines({
    curves: [{ experiment: "a", color: "#000000", curve: curve([series("train", [0, 1, 2], [1, 0, null])]) }],
    learningRate: null,
    smoothing: 0,
    log: true,
    xMode: "step",
  });
  assert.deepEqual([...lines[0].raw].map(String), ["1", "NaN", "NaN"]);
  assert.deepEqual([...lines[0].values].map(String), ["1", "0", "NaN"]);
});

test("extents: x over every line; steps over the experiments' own curves only", () => {
  const base = series("baseline_train", [0, 5000], [1, 1]);
  const lines = prepareLines({
    curves: [{ experiment: "a", color: "#000000", curve: curve([train, base]) }],
    learningRate: null,
    smoothing: 0,
    log: false,
    xMode: "step",
  });
  assert.deepEqual(fullRange(lines), [0, 5000]);
  assert.deepEqual(stepRange(lines), [0, 1999]);
  assert.deepEqual(fullRange([]), [0, 1]);
});

test("join: undefined where a series has no point (drawn across), null where a value is not finite (a gap)", () => {
  const t = joinColumns([
    { x: [0, 1, 2, 3], y: [1, NaN, 3, 4] },
    { x: [0, 2], y: [5, 6] },
  ]);
  assert.deepEqual(t, [
    [0, 1, 2, 3],
    [1, null, 3, 4],
    [5, undefined, 6, undefined],
  ]);
});

test("a zoomed table covers the zoomed range from edge to edge, for both sampling rates", () => {
  const lines = prepareLines({
    curves: [{ experiment: "a", color: "#000000", curve: curve([train, val]) }],
    learningRate: null,
    smoothing: 0.6,
    log: false,
    xMode: "step",
  });
  const [xs, ...ys] = tableFor(lines, 600, 1200, 500) as number[][];
  for (const column of ys) {
    const drawn = xs.filter((_, i) => column[i] !== undefined && column[i] !== null);
    assert.ok(
      drawn[0] <= 600 && drawn[drawn.length - 1] >= 1200,
      `series spans ${drawn[0]}..${drawn[drawn.length - 1]}`,
    );
  }
  // Every train point of the window is there (600 points fit 500 columns x 4).
  assert.equal(xs.filter((x) => x >= 600 && x <= 1200).length, 601);
});

test("findings of every experiment are numbered in chart order", () => {
  const f = {
    kind: "spike",
    series: "train",
    start_step: 10,
    end_step: 11,
    severity: "high",
    confidence: 1,
    summary: "",
    evidence: {},
    remedies: [],
    markers: [],
  } as Finding;
  const found = chartFindings([
    { experiment: "a", color: "#000000", curve: curve([train], [f]) },
    { experiment: "b", color: "#000000", curve: curve([train], [f, f]) },
  ]);
  assert.deepEqual(
    found.map((x) => x.experiment),
    ["a", "b", "b"],
  );
});
