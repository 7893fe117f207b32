import assert from "node:assert/strict";
import { test } from "node:test";
import { summarize } from "../src/ranking";
import type { DiagnosedCurve } from "../src/types";

function curve(name: string, primary = true): DiagnosedCurve {
  return {
    name,
    metric: "loss",
    direction: "min",
    primary,
    train: null,
    validation: null,
    status: "healthy",
    findings: [],
    not_checked: [],
  };
}

test("experiments come in the document's ranking, the main curve first", () => {
  const doc = {
    curves: [curve("a", false), curve("a"), curve("b"), curve("c")],
    ranking: [
      { rank: 1, experiment: "c", worst_severity: null, findings: 0, confidence: 0, kinds: [] },
      { rank: 2, experiment: "a", worst_severity: null, findings: 0, confidence: 0, kinds: [] },
      { rank: 3, experiment: "b", worst_severity: null, findings: 0, confidence: 0, kinds: [] },
    ],
  };
  const s = summarize(doc);
  assert.deepEqual(
    s.map((e) => e.name),
    ["c", "a", "b"],
  );
  assert.equal(s[1].curves[0].primary, true);
  assert.deepEqual(
    summarize({ curves: [curve("z"), curve("y")] }).map((e) => e.name),
    ["z", "y"],
  );
});

test("an experiment is not checked only when none of its curves could be checked", () => {
  const lone = (name: string, primary: boolean): DiagnosedCurve => ({
    ...curve(name, primary),
    status: "not_checked",
    not_checked: [{ kind: "overfitting", reason: "needs both a training and a validation curve" }],
  });
  const s = summarize({ curves: [curve("mixed"), lone("mixed", false), lone("alone", true)] });
  assert.deepEqual(
    s.map((e) => [e.name, e.notChecked]),
    [
      ["mixed", false],
      ["alone", true],
    ],
  );
});
