"""The shape every detector shares: arrays in, findings out.

A detector is a module with a ``KIND`` string and a pure function
``detect(pair: CurvePair, **params) -> Report``. Curves are oriented so that
lower is better (maximised metrics are flipped before they get here), sorted
by step, one value per step, and may contain NaN/Inf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..jsonsafe import clean
from ..robust import block_medians, noise_sigma, rolling_median, smoothing_window, to_log

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


#: The first values of a training loss whose median the starting level is drawn toward (:func:`start_level`).
START_POINTS = 3
#: The starting level stands above the first value by at most the noise of this many first values.
START_NOISE_POINTS = 100
#: Sort key of a severity: most severe first (unknown last).
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def times(factor: float) -> str:
    """A factor of at least 1 in a summary: "3.5x", "50x" or "36,500x" (no exponent)."""
    return f"{factor:,.0f}x" if factor >= 10 else f"{factor:.1f}x"


def start_level(x: np.ndarray) -> float:
    """The untrained model's loss, from a curve's first values (``x``, on its own scale; at least one).

    Its first value, raised toward the median of the first :data:`START_POINTS` by at most the
    point-to-point noise of the first :data:`START_NOISE_POINTS`: one batch of 4 may be a lucky one, well
    under the untrained loss, while a loss thrown up by its second step (a learning rate too high from the
    start) is not where it started, and a smooth curve has no noise to allow for.
    """
    first = float(x[0])
    return float(np.clip(np.median(x[:START_POINTS]), first, first + noise_sigma(x[:START_NOISE_POINTS])))


#: Most points of a curve's :attr:`Curve.reduced` form (about: bucket medians of whole buckets).
REDUCED_POINTS = 2000


def _kept(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a``: what a curve keeps is shared by the detectors, none may change it."""
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Curve:
    """Steps and values of one series, lower is better.

    What several checks derive from a curve (its finite prefix, its bucket
    medians, their log, smoothings and noise) is computed on first use and
    kept, so that the detectors of one pair compute it once: a curve's arrays
    are not changed once it is made, and the arrays derived from them are
    kept read-only.
    """

    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)

    @cached_property
    def finite(self) -> Curve:
        """The curve up to (excluding) its first non-finite value."""
        bad = ~np.isfinite(self.values)
        end = int(np.argmax(bad)) if bad.any() else len(bad)
        return Curve(self.steps[:end], self.values[:end])

    @cached_property
    def reduced(self) -> Curve:
        """The finite prefix as at most about :data:`REDUCED_POINTS` bucket medians, at each bucket's middle step.

        Checks of the curve's shape (optimum, trend, flat stretches) need
        its level, not every batch: this keeps them fast on 1e5-point runs
        and also damps per-batch noise. A short curve is its finite prefix.
        """
        curve = self.finite
        n = len(curve)
        if n <= REDUCED_POINTS:
            return curve
        size = -(-n // REDUCED_POINTS)
        starts = np.arange(0, n, size)
        middles = starts + (np.minimum(size, n - starts) - 1) // 2  # the last bucket may be shorter
        return Curve(_kept(curve.steps[middles]), _kept(block_medians([curve.values], size)))

    @cached_property
    def log(self) -> tuple[np.ndarray, bool]:
        """:func:`~..robust.to_log` of the values: their log where positive, and whether it was taken."""
        x, is_log = to_log(self.values)
        return _kept(x), is_log

    def smooth(self, fraction: float) -> np.ndarray:
        """The centred running median of :attr:`log`'s values over a window of ``fraction`` of the points."""
        if fraction not in self._smoothed:
            x = self.log[0]
            self._smoothed[fraction] = _kept(rolling_median(x, smoothing_window(len(x), fraction)))
        return self._smoothed[fraction]

    @cached_property
    def _smoothed(self) -> dict[float, np.ndarray]:
        """:meth:`smooth`'s results by fraction."""
        return {}

    @cached_property
    def noise(self) -> float:
        """:func:`~..robust.noise_sigma` of :attr:`log`'s values."""
        return noise_sigma(self.log[0])


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
    nan_logged_as_zero: bool = False
    """The training loss's NaN/Inf was logged as exactly 0 and is read back as NaN
    (:func:`~.filtered_nan.read_filtered_nan`)."""

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
