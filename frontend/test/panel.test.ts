import assert from "node:assert/strict";
import { test } from "node:test";
import { formatEvidence } from "../src/panel";

test("where an event was also seen reads as places, not JSON", () => {
  const seen = [
    { series: "validation", step: 10 },
    { curve: "accuracy", series: "train", step: 12 },
  ];
  assert.equal(formatEvidence(seen), "validation at step 10; accuracy (train) at step 12");
});

test("numbers are rounded, non-finite evidence is named", () => {
  assert.equal(formatEvidence(0.123456789), "0.1235");
  assert.equal(formatEvidence(12), "12");
  assert.equal(formatEvidence(null), "non-finite");
  assert.equal(formatEvidence({ a: 1 }), '{"a":1}');
});
