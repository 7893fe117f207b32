import assert from "node:assert/strict";
import { test } from "node:test";
import { downsample, lowerBound } from "../src/downsample";

function noisy(n: number): { xs: number[]; ys: number[] } {
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const xs = Array.from({ length: n }, (_, i) => i);
  return { xs, ys: xs.map((i) => 1 / (1 + i / 100) + rand() * 0.01) };
}

test("lowerBound finds the first index >= value", () => {
  assert.equal(lowerBound([1, 3, 5], 0), 0);
  assert.equal(lowerBound([1, 3, 5], 3), 1);
  assert.equal(lowerBound([1, 3, 5], 4), 2);
  assert.equal(lowerBound([1, 3, 5], 9), 3);
});

test("keeps every column's extremes, and so a single spike", () => {
  const { xs, ys } = noisy(100_000);
  ys[61_234] = 50; // spike
  ys[80_000] = -3; // dip
  const d = downsample(xs, ys, 0, 99_999, 500);
  assert.ok(d.x.length <= 500 * 5 + 2, `kept ${d.x.length}`);
  assert.ok(d.x.includes(61_234) && d.y.includes(50));
  assert.ok(d.x.includes(80_000) && d.y.includes(-3));
  // Within each column the kept min and max equal the true ones.
  for (let c = 0; c < 500; c++) {
    const inCol = (x: number) => Math.min(499, Math.floor((x * 500) / 99_999)) === c;
    const all = ys.filter((_, i) => inCol(xs[i]));
    const kept = d.y.filter((_, i) => inCol(d.x[i]));
    assert.equal(Math.max(...kept), Math.max(...all));
    assert.equal(Math.min(...kept), Math.min(...all));
  }
  assert.deepEqual(
    d.x,
    [...d.x].sort((a, b) => a - b),
  );
});

test("keeps the first and last points and a non-finite value", () => {
  const { xs, ys } = noisy(10_000);
  ys[5_000] = NaN;
  const d = downsample(xs, ys, 0, 9_999, 100);
  assert.equal(d.x[0], 0);
  assert.equal(d.x[d.x.length - 1], 9_999);
  assert.ok(d.y.some((v, i) => Number.isNaN(v) && d.x[i] === 5_000));
});

test("short series and zoomed ranges keep every point in range plus one either side", () => {
  const xs = [0, 10, 20, 30, 40, 50];
  const ys = [6, 5, 4, 3, 2, 1];
  assert.deepEqual(downsample(xs, ys, 0, 50, 100), { x: xs, y: ys });
  assert.deepEqual(downsample(xs, ys, 15, 35, 100).x, [10, 20, 30, 40]);
});
