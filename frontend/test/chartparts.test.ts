import assert from "node:assert/strict";
import { test } from "node:test";
import { STEP_INCRS, axisWidth, formatTick, formatValue } from "../src/axes";
import { prepareLines } from "../src/chartdata";
import { csvField, linesToCsv } from "../src/csv";
import { labelX } from "../src/paint";
import { legendRows } from "../src/png";
import { nearestIndex, tooltipRows } from "../src/tooltip";
import type { CurveData } from "../src/types";
import { clampRange, keyAction, panBy, zoomBy } from "../src/zoom";

test("zoom: ranges are clamped to the data, keyboard zooms around the middle and pans", () => {
  assert.deepEqual(clampRange([-50, 50], [0, 1000]), [0, 100]);
  assert.deepEqual(clampRange([900, 1200], [0, 1000]), [700, 1000]);
  assert.deepEqual(clampRange([300, 200], [0, 1000]), [200, 300]);
  assert.deepEqual(clampRange([-1, 5000], [0, 1000]), [0, 1000]);
  assert.deepEqual(zoomBy([0, 1000], [0, 1000], 0.5), [250, 750]);
  assert.deepEqual(zoomBy([250, 750], [0, 1000], 2), [0, 1000]);
  assert.deepEqual(panBy([250, 750], [0, 1000], 0.2), [350, 850]);
  assert.deepEqual(panBy([800, 1000], [0, 1000], 0.2), [800, 1000]);
  const [lo, hi] = clampRange([5, 5], [0, 1000]);
  assert.ok(hi > lo, "a zero-width zoom still shows a span");
  assert.deepEqual(
    [keyAction("+"), keyAction("-"), keyAction("ArrowLeft"), keyAction("0"), keyAction("x")],
    [{ zoom: 0.5 }, { zoom: 2 }, { pan: -0.2 }, "reset", null],
  );
});

test("tooltip: each series at its own nearest step (train every step, validation every 100)", () => {
  const steps = Array.from({ length: 2000 }, (_, i) => i);
  const vsteps = steps.filter((s) => s % 100 === 0);
  const curve: CurveData = {
    metric: "loss",
    direction: "min",
    primary: true,
    findings: [],
    series: [
      {
        role: "train",
        run: "r/train",
        tag: "loss",
        sampled: false,
        steps,
        wall_times: steps.map((s) => 100 + s),
        values: steps.map((s) => s / 1000),
        nonfinite: [],
      },
      {
        role: "validation",
        run: "r/validation",
        tag: "loss",
        sampled: false,
        steps: vsteps,
        wall_times: vsteps.map((s) => 100 + s),
        values: vsteps.map((s) => s / 100),
        nonfinite: [],
      },
    ],
  };
  const lines = prepareLines({
    curves: [{ experiment: "r", color: "#000000", curve }],
    learningRate: null,
    smoothing: 0,
    log: false,
    xMode: "step",
  });
  const rows = tooltipRows(lines, 1530, () => true);
  assert.deepEqual(
    rows.map((r) => [r.run, r.step, r.value]),
    [
      ["r/train", 1530, "1.53"],
      ["r/validation", 1500, "15"],
    ],
  );
  assert.equal(rows[1].relative, "25m");
  assert.deepEqual(
    tooltipRows(lines, 1530, (i) => i === 1).map((r) => r.step),
    [1500],
  );
  assert.equal(nearestIndex([], 3), -1);
  assert.equal(nearestIndex([0, 10], 6), 1);
});

test("axes: step ticks are whole numbers; small values keep their exponent; widths fit labels", () => {
  assert.ok(STEP_INCRS.every((v) => Number.isInteger(v)) && STEP_INCRS[0] === 1);
  assert.deepEqual([1e-4, 2.5e-4, 0.5, 1234, 2e6, 0, null].map(formatTick), [
    "1e-4",
    "2.5e-4",
    "0.5",
    "1234",
    "2e+6",
    "0",
    "",
  ]);
  assert.equal(formatValue(0.000123456), "1.235e-4");
  assert.equal(formatValue(NaN), "non-finite");
  assert.ok(axisWidth(["1.5e-4", "2e-4"]) > axisWidth(["1", "2"]));
});

test("labels stay inside the plot area", () => {
  const box = { left: 50, top: 0, width: 500, height: 300 };
  assert.equal(labelX(20, 60, box, 4), 54);
  assert.equal(labelX(520, 60, box, 4), 486);
  assert.equal(labelX(200, 60, box, 4), 200);
});

test("PNG legend entries wrap into rows that fit", () => {
  assert.deepEqual(legendRows([100, 100, 100], 250, 10), [[0, 1], [2]]);
  assert.deepEqual(legendRows([300], 250, 10), [[0]]);
});

test("CSV: one row per point, names quoted, non-finite values empty", () => {
  const curve: CurveData = {
    metric: "loss",
    direction: "min",
    primary: true,
    findings: [],
    series: [
      {
        role: "train",
        run: 'a,"b"',
        tag: "loss",
        sampled: false,
        steps: [0, 1],
        wall_times: [10, 11],
        values: [1, null],
        nonfinite: [],
      },
    ],
  };
  const lines = prepareLines({
    curves: [{ experiment: "e", color: "#000000", curve }],
    learningRate: null,
    smoothing: 0,
    log: false,
    xMode: "step",
  });
  assert.equal(
    linesToCsv(lines),
    'experiment,series,run,tag,step,wall_time,value,smoothed\r\ne,train,"a,""b""",loss,0,10,1,1\r\ne,train,"a,""b""",loss,1,11,,\r\n',
  );
  assert.equal(csvField("plain"), "plain");
});
