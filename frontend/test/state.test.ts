import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_STATE,
  compileFilter,
  formatHash,
  fromHostHash,
  initialState,
  parseHash,
  toHostHash,
} from "../src/state";
import { stepToX, xValues } from "../src/xaxis";

test("hash round-trips, including names that need escaping", () => {
  const state = {
    selected: ["a&b=c #1/<img>", "second"],
    filter: "^run_[0-9]+$",
    smoothing: 0.95,
    yScale: "linear" as const,
    xMode: "relative" as const,
    baseline: "base line",
  };
  assert.deepEqual(parseHash(formatHash(state)), state);
  assert.equal(formatHash(DEFAULT_STATE), "");
  assert.deepEqual(parseHash(""), DEFAULT_STATE);
});

test("bad hash values fall back to defaults or are clamped", () => {
  const s = parseHash("#smooth=7&x=bogus&y=weird");
  assert.equal(s.smoothing, 0.999);
  assert.equal(s.xMode, "step");
  assert.equal(s.yScale, "log");
  assert.equal(parseHash("#smooth=abc").smoothing, DEFAULT_STATE.smoothing);
});

test("the filter is a case-insensitive regex; an invalid one compiles to null", () => {
  assert.ok(compileFilter("LR_0\\.1")!.test("lr_0.1/train"));
  assert.equal(compileFilter("("), null);
});

test("steps map to relative and wall time by interpolation", () => {
  const line = { steps: [0, 10, 20], wall_times: [100, 110, 130] };
  assert.deepEqual([...xValues(line, "relative")], [0, 10, 30]);
  assert.equal(stepToX(line, 15, "wall"), 120);
  assert.equal(stepToX(line, 15, "step"), 15);
  assert.equal(stepToX(line, 99, "relative"), 30);
});

test("start-up: the iframe hash, else the page URL, else the saved view; TensorBoard's smoothing by default", () => {
  const none = { own: "", host: null, saved: null, tensorboardSmoothing: null };
  assert.deepEqual(initialState(none), DEFAULT_STATE);
  assert.equal(initialState({ ...none, tensorboardSmoothing: 0.8 }).smoothing, 0.8);
  assert.deepEqual(initialState({ ...none, saved: "#sel=a&sel=b&y=linear" }).selected, ["a", "b"]);
  assert.deepEqual(initialState({ ...none, host: "sel=h", saved: "#sel=a" }).selected, ["h"]);
  assert.deepEqual(initialState({ ...none, own: "#sel=o", host: "sel=h" }).selected, ["o"]);
  assert.equal(initialState({ ...none, saved: "#smooth=0.3", tensorboardSmoothing: 0.8 }).smoothing, 0.3);
});

test("TensorBoard's page hash carries the view after the tab name", () => {
  const state = { ...DEFAULT_STATE, selected: ["x&y"], yScale: "linear" as const };
  const hash = toHostHash("lossdiag", state);
  assert.equal(hash, "#lossdiag&sel=x%26y&y=linear");
  assert.deepEqual(parseHash(fromHostHash(hash, "lossdiag")!), state);
  assert.equal(fromHostHash("#scalars", "lossdiag"), null);
  assert.equal(fromHostHash("#lossdiag", "lossdiag"), "");
});
