"""The naive rule set: the checks a practitioner writes in five minutes.

A baseline for the accuracy benchmark. Each rule reads the raw values (lower is
better) and returns the step where it fires, or None:

- divergence: any NaN or Inf in either curve; onset at the first one.
- spike: a finite value above 3x the median of its own curve; onset at the first one.
- overfitting: Keras ``EarlyStopping`` on the validation curve (``patience``
  evaluations without beating the best by more than ``min_delta``); onset at the best.
- plateau: training improves by less than 1% (relative) over its last ``k`` points;
  onset at the start of that window.
- underfitting: the final training loss is above half the first.
"""

from __future__ import annotations

import numpy as np

from tb_lossdiag.detectors import Curve, CurvePair

SPIKE_RATIO = 3.0
PATIENCE = 3
MIN_DELTA = 0.0
PLATEAU_WINDOW = 10
PLATEAU_MIN_IMPROVEMENT = 0.01
UNDERFIT_RATIO = 0.5


def _finite(curve: Curve) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(curve.values)
    return curve.steps[keep], curve.values[keep]


def divergence(curve: Curve) -> int | None:
    """First step with a NaN or Inf value."""
    bad = np.flatnonzero(~np.isfinite(curve.values))
    return int(curve.steps[bad[0]]) if bad.size else None


def spike(curve: Curve, ratio: float = SPIKE_RATIO) -> int | None:
    """First step whose value is above ``ratio`` times the curve's median."""
    steps, values = _finite(curve)
    if values.size == 0:
        return None
    high = np.flatnonzero(values > ratio * np.median(values))
    return int(steps[high[0]]) if high.size else None


def early_stopping(validation: Curve, patience: int = PATIENCE, min_delta: float = MIN_DELTA) -> int | None:
    """Step of the best validation value when ``patience`` evaluations in a row fail to beat it."""
    steps, values = _finite(validation)
    best, best_step, wait = np.inf, None, 0
    for step, value in zip(steps, values):
        if value < best - min_delta:
            best, best_step, wait = value, int(step), 0
        else:
            wait += 1
            if wait >= patience:
                return best_step
    return None


def plateau(train: Curve, window: int = PLATEAU_WINDOW, min_improvement: float = PLATEAU_MIN_IMPROVEMENT) -> int | None:
    """Start of the last ``window`` points when they improve by less than ``min_improvement``."""
    steps, values = _finite(train)
    if values.size < window or values[-window] == 0:
        return None
    improvement = (values[-window] - values[-1]) / abs(values[-window])
    return int(steps[-window]) if improvement < min_improvement else None


def underfitting(train: Curve, ratio: float = UNDERFIT_RATIO) -> int | None:
    """First step when the final training value is above ``ratio`` times the first."""
    steps, values = _finite(train)
    if values.size < 2:
        return None
    return int(steps[0]) if values[-1] > ratio * values[0] else None


def diagnose(pair: CurvePair) -> dict[str, int | None]:
    """Kinds the naive rules report for one experiment, with their onset steps."""
    curves = [c for c in (pair.train, pair.validation) if c is not None and len(c)]
    found: dict[str, int | None] = {}
    for kind, rule in (("divergence", divergence), ("spike", spike)):
        steps = [s for s in (rule(c) for c in curves) if s is not None]
        if steps:
            found[kind] = min(steps)
    if pair.validation is not None:
        onset = early_stopping(pair.validation)
        if onset is not None:
            found["overfitting"] = onset
    if pair.train is not None:
        for kind, rule in (("plateau", plateau), ("underfitting", underfitting)):
            onset = rule(pair.train)
            if onset is not None:
                found[kind] = onset
    return found
