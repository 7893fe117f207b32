"""Experiment-level scores of a diagnosis against labels.

A *diagnosis* is what one system said about one experiment: the finding kinds
it reported, each with its earliest start step (``{kind: step or None}``).
Scores are computed per kind over a set of experiments:

- a reported required kind is a true positive, a missing one a false negative;
- for an ``any_of`` group, a reported member is a true positive; when no
  member is reported, every member counts a false negative;
- an allowed kind is not counted either way;
- any other reported kind is a false positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from .labels import Expectation

Diagnosis = Mapping[str, "int | None"]


def judge(kind: str, expectation: Expectation, reported: Iterable[str]) -> str | None:
    """``"tp"``, ``"fp"``, ``"fn"``, ``"tn"``, or None when ``kind`` does not count here."""
    reported = set(reported)
    hit = kind in reported
    if kind in expectation.required:
        return "tp" if hit else "fn"
    if kind in expectation.any_of:
        if hit:
            return "tp"
        return None if reported & expectation.any_of else "fn"
    if kind in expectation.allowed:
        return None
    return "fp" if hit else "tn"


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass(frozen=True)
class Score:
    """Confusion counts of one kind over a set of experiments."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def to_dict(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def score_kinds(cases: Sequence[tuple[Expectation, Diagnosis]], kinds: Iterable[str]) -> dict[str, Score]:
    """Per-kind confusion counts over ``(expectation, diagnosis)`` pairs."""
    scores = {}
    for kind in kinds:
        counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
        for expectation, diagnosis in cases:
            outcome = judge(kind, expectation, diagnosis)
            if outcome is not None:
                counts[outcome] += 1
        scores[kind] = Score(**counts)
    return scores


def errors(expectation: Expectation, diagnosis: Diagnosis) -> tuple[set[str], set[str]]:
    """The kinds reported wrongly (false positives) and missed (false negatives)."""
    kinds = set(diagnosis) | expectation.accepted
    wrong = {k for k in kinds if judge(k, expectation, diagnosis) == "fp"}
    missed = {k for k in kinds if judge(k, expectation, diagnosis) == "fn"}
    return wrong, missed


def healthy_false_alarm_rate(cases: Sequence[tuple[Expectation, Diagnosis]]) -> tuple[int, int]:
    """(healthy experiments with any finding, healthy experiments)."""
    healthy = [diagnosis for expectation, diagnosis in cases if expectation.healthy]
    return sum(1 for d in healthy if d), len(healthy)


def onset_error(expectation: Expectation, diagnosis: Diagnosis, span: int) -> float | None:
    """|predicted - labelled overfitting onset| / run length in steps.

    None when the experiment has no labelled onset, the system reported no
    overfitting onset, or the run spans no steps.
    """
    predicted = diagnosis.get("overfitting")
    if expectation.onset_step is None or predicted is None or span <= 0:
        return None
    return abs(predicted - expectation.onset_step) / span


def summarise_errors(values: Iterable[float]) -> dict[str, float | int | None]:
    """Count, median and 90th percentile of onset errors."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size == 0:
        return {"n": 0, "median": None, "p90": None}
    return {"n": int(arr.size), "median": float(np.median(arr)), "p90": float(np.percentile(arr, 90))}


#: Confidence bins of the reliability table: [0.5, 0.7), [0.7, 0.9), [0.9, 1.0].
RELIABILITY_BINS = (0.5, 0.7, 0.9, 1.0)


def reliability(findings: Iterable[tuple[float, bool]], bins: Sequence[float] = RELIABILITY_BINS) -> list[dict]:
    """How often findings of each confidence band were right: ``(confidence, was it true)`` pairs in.

    Returns one row per band ``[lo, hi)`` (the last band includes ``hi``)
    with the number of findings and the share of them that were true, so a
    confidence of 0.9 can be checked to mean "right 9 times in 10".
    """
    findings = list(findings)
    rows = []
    for i, (lo, hi) in enumerate(zip(bins[:-1], bins[1:])):
        last = i == len(bins) - 2
        inside = [ok for c, ok in findings if lo <= c < hi or (last and c == hi)]
        rows.append({"from": lo, "to": hi, "findings": len(inside), "true": _ratio(sum(inside), len(inside))})
    return rows
