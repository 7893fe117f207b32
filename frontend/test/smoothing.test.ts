// Expected values were produced by TensorBoard 2.21's own scalar smoothing
// (the function in its bundled scalar card) on the same inputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { smooth } from "../src/smoothing";

const NOISY = [3, 2.5, 2.7, 1.9, 2.2, 1.4, 1.6, 1.1, 1.3, 0.9];

const TENSORBOARD: [number[], number, number[]][] = [
  [
    NOISY,
    0.6,
    [
      3.0000000000000004, 2.6875000000000004, 2.693877551020408, 2.329044117647059, 2.2730742539902846,
      1.9067534908700325, 1.780518317574864, 1.503660848191968, 1.421367178327563, 1.2115516326251399,
    ],
  ],
  [
    NOISY,
    0.9,
    [
      3, 2.736842105263158, 2.723247232472325, 2.483861587670835, 2.4145442113745696, 2.198019886503087,
      2.0833914922108, 1.910725140162694, 1.811027855288487, 1.6711541106778582,
    ],
  ],
  [
    NOISY,
    0.999,
    [
      3, 2.7498749374687743, 2.733233322244474, 2.5246122686719183, 2.459559840120236, 2.282524534845611,
      2.1847281291439167, 2.048661832236178, 1.9651438907768044, 1.8581493077663926,
    ],
  ],
  [
    NOISY,
    0.3,
    [
      2.9999999999999996, 2.615384615384615, 2.6762589928057556, 2.1284403669724767, 2.1786541295347694,
      1.633198601780698, 1.6099544970485042, 1.2529629268976337, 1.2858895261635432, 1.0157652627923002,
    ],
  ],
  [
    [1, 0.8, NaN, 0.6, Infinity, 0.5, -Infinity, 0.45],
    0.6,
    [1, 0.8750000000000001, NaN, 0.7346938775510204, Infinity, 0.6268382352941178, -Infinity, 0.5501387925052047],
  ],
  [
    [1, 0.8, NaN, 0.6, Infinity, 0.5, -Infinity, 0.45],
    0.95,
    [1, 0.8974358974358979, NaN, 0.7931638913234006, Infinity, 0.7141413120388155, -Infinity, 0.6557595582821406],
  ],
  [[0.5, 0.5, 0.5, 0.5], 0.6, [0.5, 0.5, 0.5, 0.5]],
  [[NaN, 2, 1, 4], 0.6, [NaN, 2, 1.375, 2.7142857142857144]],
];

test("matches TensorBoard's debiased EMA, non-finite values and constant series", () => {
  for (const [input, weight, expected] of TENSORBOARD) {
    const got = [...smooth(input, weight)];
    assert.equal(got.length, expected.length);
    got.forEach((v, i) => {
      if (Number.isFinite(expected[i]))
        assert.ok(Math.abs(v - expected[i]) < 1e-12, `w=${weight} i=${i}: ${v} != ${expected[i]}`);
      else assert.ok(Object.is(v, expected[i]), `w=${weight} i=${i}: ${v} should stay ${expected[i]}`);
    });
  }
});

test("weight 0 or not a number leaves values unchanged", () => {
  assert.deepEqual([...smooth(NOISY, 0)], NOISY);
  assert.deepEqual([...smooth(NOISY, NaN)], NOISY);
  assert.deepEqual([...smooth([], 0.6)], []);
});

test("smoothing does not modify its input", () => {
  const input = [...NOISY];
  smooth(input, 0.9);
  assert.deepEqual(input, NOISY);
});
