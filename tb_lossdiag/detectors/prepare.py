"""Curves made ready for a check: the finite prefix, bucket medians of long curves, a single-curve check's input."""

from __future__ import annotations

import numpy as np

from ..robust import to_log
from .base import Curve, CurvePair, Report


def finite_prefix(curve: Curve) -> Curve:
    """The curve up to (excluding) its first non-finite value."""
    bad = ~np.isfinite(curve.values)
    if not bad.any():
        return curve
    end = int(np.argmax(bad))
    return Curve(curve.steps[:end], curve.values[:end])


def reduce(curve: Curve, max_points: int = 2000) -> Curve:
    """A long curve as at most ~``max_points`` bucket medians, at each bucket's middle step.

    Checks of the curve's shape (optimum, trend, flat stretches) need its
    level, not every batch: this keeps them fast on 1e5-point runs and
    also damps per-batch noise.
    """
    n = len(curve)
    if n <= max_points:
        return curve
    k = -(-n // max_points)
    m = n // k
    steps = curve.steps[: m * k].reshape(m, k)[:, (k - 1) // 2]
    values = np.median(curve.values[: m * k].reshape(m, k), axis=1)
    if m * k < n:
        rest = curve.steps[m * k :]
        steps = np.append(steps, rest[(len(rest) - 1) // 2])
        values = np.append(values, np.median(curve.values[m * k :]))
    return Curve(steps, values)


def main_log_curve(pair: CurvePair, min_points: int, report: Report, needs: str) -> tuple[str, Curve, np.ndarray] | None:
    """The curve a single-curve check runs on: training, else validation.

    Returns its split name, the finite prefix (reduced to bucket medians
    when long) and its log; or None after noting in ``report`` why it
    cannot be checked (too short, or not positive: ``needs`` says what for).
    """
    series = "train" if pair.train is not None else "validation"
    curve = pair.train if pair.train is not None else pair.validation
    if curve is None:
        return None
    curve = reduce(finite_prefix(curve))
    if len(curve) < min_points:
        report.not_checked.append(f"{series}: fewer than {min_points} finite points")
        return None
    if np.ptp(curve.values) == 0:
        report.not_checked.append(f"{series}: constant at {curve.values[0]:.4g} (a metric that was never computed?)")
        return None
    x, is_log = to_log(curve.values)
    if not is_log:
        report.not_checked.append(f"{series}: {needs} needs a positive loss")
        return None
    return series, curve, x
