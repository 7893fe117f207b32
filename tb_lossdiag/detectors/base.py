"""The shape every detector shares: arrays in, findings out.

A detector is a module with a ``KIND`` string and a pure function
``detect(pair: CurvePair, **params) -> Report``. Curves are oriented so that
lower is better (maximised metrics are flipped before they get here), sorted
by step, one value per step, and may contain NaN/Inf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..jsonsafe import clean

SEVERITIES = ("low", "medium", "high")

#: A detector's confidence table: (strength, confidence) points, strength rising; linear in between.
ConfidenceTable = tuple[tuple[float, float], ...]
#: A detector's severity cut-offs: (lowest measure, severity) pairs, measure rising.
SeverityCuts = tuple[tuple[float, str], ...]


def confidence_for(strength: float, table: ConfidenceTable) -> float:
    """The confidence a finding of this ``strength`` earns, read off its detector's ``table``.

    Strength is how far past its bar the evidence went (each detector says
    in what units); the tables are chosen on the known-answer library's tune
    split, so that a confidence means how often such findings were right.
    """
    xs, ys = zip(*table)
    return float(np.interp(strength, xs, ys)) if np.isfinite(strength) else float(ys[-1] if strength > 0 else ys[0])


def severity_for(measure: float, cuts: SeverityCuts) -> str:
    """The severity of the highest cut-off ``measure`` reaches ("low" below them all)."""
    reached = [name for lowest, name in cuts if measure >= lowest]
    return reached[-1] if reached else "low"
#: Sort key of a severity: most severe first (unknown last).
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Curve:
    """Steps and values of one series, lower is better."""

    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class CurvePair:
    """The curves of one experiment: training and (optionally) validation.

    ``quantity`` names what the values are in findings' text: ``"loss"``, or
    e.g. ``"error (1 - accuracy)"`` for a flipped maximised metric.
    """

    train: Curve | None
    validation: Curve | None = None
    quantity: str = "loss"
    train_detail: Curve | None = None
    """A finer-grained training series (per batch beside per epoch), where one was logged."""
    learning_rate: Curve | None = None
    """The learning rate over the run, where it was logged."""

    @property
    def is_error_rate(self) -> bool:
        """Whether the values are an error rate (a flipped accuracy-like metric, in [0, 1])."""
        return self.quantity.startswith("error")

    @property
    def finest_train(self) -> Curve | None:
        """The training curve with the most points: where spikes and divergence show first."""
        if self.train_detail is not None and (self.train is None or len(self.train_detail) > len(self.train)):
            return self.train_detail
        return self.train


@dataclass(frozen=True)
class Finding:
    """One diagnosed problem, located in steps, with its evidence and remedies.

    ``start_step`` is the onset for overfitting (the step of the validation
    optimum), the first anomalous step for a spike or divergence, and the
    interval's start for a plateau or underfitting. ``series`` says which
    curve it was found on: ``"train"``, ``"validation"`` or ``"both"``.
    ``markers`` are (step, value) points to draw (spike peaks, the first
    non-finite value); their values are in the curve's own units.
    """

    kind: str
    series: str
    start_step: int
    end_step: int | None
    severity: str
    confidence: float
    summary: str
    evidence: dict[str, Any]
    remedies: list[str]
    markers: list[tuple[int, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe types (numpy scalars made plain, non-finite numbers None)."""
        return clean({
            "kind": self.kind,
            "series": self.series,
            "start_step": int(self.start_step),
            "end_step": None if self.end_step is None else int(self.end_step),
            "severity": self.severity,
            "confidence": round(float(self.confidence), 3),
            "summary": self.summary,
            "evidence": self.evidence,
            "remedies": list(self.remedies),
            "markers": [[int(s), float(v)] for s, v in self.markers],
        })


@dataclass
class Report:
    """What one detector says about one experiment.

    ``not_checked`` holds human-readable reasons for the parts it could not
    check (too few points, no validation curve): silence is never a pass.
    """

    findings: list[Finding] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
