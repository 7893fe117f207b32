import assert from "node:assert/strict";
import { test } from "node:test";
import { findingShapes, shapeRect, zoomRange } from "../src/annotations";
import type { Finding } from "../src/types";

function finding(patch: Partial<Finding>): Finding {
  return {
    kind: "plateau",
    series: "train",
    start_step: 100,
    end_step: 200,
    severity: "medium",
    confidence: 0.9,
    summary: "",
    evidence: {},
    remedies: [],
    markers: [],
    ...patch,
  };
}

test("overfitting: a marker at the onset and the region after it shaded", () => {
  const shapes = findingShapes(finding({ kind: "overfitting", end_step: null }), 0, 1000);
  assert.deepEqual(
    shapes.map((s) => [s.type, s.step, s.endStep]),
    [
      ["band", 100, 1000],
      ["vline", 100, undefined],
    ],
  );
  assert.deepEqual(
    shapes.map((s) => s.label),
    ["overfitting", "onset"],
  );
});

test("plateau and underfitting are bands; spikes are points; divergence a line and its points", () => {
  assert.deepEqual(
    findingShapes(finding({ kind: "plateau" }), 1, 1000).map((s) => [s.type, s.step, s.endStep, s.finding]),
    [["band", 100, 200, 1]],
  );
  assert.deepEqual(
    findingShapes(finding({ kind: "underfitting", end_step: null }), 0, 500).map((s) => [s.type, s.endStep]),
    [["band", 500]],
  );
  const spike = findingShapes(
    finding({
      kind: "spike",
      markers: [
        [120, 9.5],
        [130, 7],
      ],
    }),
    0,
    1000,
  );
  assert.deepEqual(
    spike.map((s) => [s.type, s.step, s.value]),
    [
      ["point", 120, 9.5],
      ["point", 130, 7],
    ],
  );
  assert.deepEqual(
    findingShapes(finding({ kind: "spike" }), 0, 1000).map((s) => [s.type, s.step]),
    [["vline", 100]],
  );
  const div = findingShapes(finding({ kind: "divergence", end_step: null, markers: [[300, null]] }), 0, 1000);
  assert.deepEqual(
    div.map((s) => [s.type, s.step, s.value]),
    [
      ["vline", 100, undefined],
      ["point", 300, null],
    ],
  );
});

test("zoomRange pads the finding and stays within the data", () => {
  assert.deepEqual(zoomRange(finding({ start_step: 100, end_step: 200 }), 0, 1000), [50, 250]);
  const [a, b] = zoomRange(finding({ kind: "spike", start_step: 5, end_step: null }), 0, 1000);
  assert.equal(a, 0);
  assert.equal(b, 55);
});

test("shapeRect maps to pixels, clips bands to the plot and drops off-plot lines", () => {
  const box = { left: 10, top: 5, width: 100, height: 50 };
  const toX = (step: number) => 10 + step / 10; // steps 0..1000 -> 10..110
  const toY = (v: number) => 55 - v * 10;
  const band = findingShapes(finding({ start_step: 900, end_step: 2000 }), 0, 2000)[0];
  assert.deepEqual(shapeRect(band, box, toX, toY), { x: 100, y: 5, w: 10, h: 50 });
  const line = findingShapes(finding({ kind: "spike", start_step: 5000 }), 0, 9000)[0];
  assert.equal(shapeRect(line, box, toX, toY), null);
  const [, point] = findingShapes(finding({ kind: "divergence", markers: [[500, 2]] }), 0, 1000);
  assert.deepEqual(shapeRect(point, box, toX, toY), { x: 60, y: 35, w: 0, h: 0 });
  const [, nan] = findingShapes(finding({ kind: "divergence", markers: [[500, null]] }), 0, 1000);
  assert.deepEqual(shapeRect(nan, box, toX, toY), { x: 60, y: 5, w: 0, h: 0 });
});
