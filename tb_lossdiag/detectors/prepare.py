"""A single-curve check's input: the curve it runs on, reduced to bucket medians, and its log."""

from __future__ import annotations

import numpy as np

from .base import Curve, CurvePair, Report


def main_log_curve(pair: CurvePair, min_points: int, report: Report, needs: str) -> tuple[str, Curve, np.ndarray] | None:
    """The curve a single-curve check runs on: training, else validation.

    Returns its split name, its :attr:`~.base.Curve.reduced` form and that
    form's log; or None after noting in ``report`` why it cannot be checked
    (too short, or not positive: ``needs`` says what for).
    """
    series = "train" if pair.train is not None else "validation"
    curve = pair.train if pair.train is not None else pair.validation
    if curve is None:
        return None
    curve = curve.reduced
    if len(curve) < min_points:
        report.not_checked.append(f"{series}: fewer than {min_points} finite points")
        return None
    if np.ptp(curve.values) == 0:
        report.not_checked.append(f"{series}: constant at {curve.values[0]:.4g} (a metric that was never computed?)")
        return None
    x, is_log = curve.log
    if not is_log:
        report.not_checked.append(f"{series}: {needs} needs a positive loss")
        return None
    return series, curve, x
