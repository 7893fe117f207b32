"""Underfitting: the loss barely moved from where it started, and validation agrees.

A model that underfits makes little relative progress on its own training
loss and shows no generalisation gap (validation is about as high as
training). Judged on the whole run: start level (median of the first
points) against end level (median of the last points).
"""

from __future__ import annotations

import numpy as np

from ._signal import finite_prefix, main_log_curve, rolling_median, smoothing_window
from .base import Curve, CurvePair, Finding, Report

KIND = "underfitting"

REMEDIES = [
    "Use a larger model (more layers or units) or better-suited features.",
    "Raise the learning rate or train longer; check the learning-rate schedule is not decaying too early.",
    "Reduce regularisation (weight decay, dropout) if it is strong.",
    "Check the data pipeline: labels aligned with inputs, inputs normalised, no constant features.",
]


def _level(x: np.ndarray, fraction: float, first: bool) -> float:
    k = max(1, min(len(x) // 2, int(round(len(x) * fraction))))
    return float(np.median(x[:k] if first else x[-k:]))


def detect(
    pair: CurvePair,
    *,
    min_points: int = 5,
    max_progress: float = 0.1,
    max_gap: float = 0.1,
) -> Report:
    """Find underfitting in ``pair``.

    Parameters
    ----------
    min_points : int, default 5
        Fewer finite training points: not checked.
    max_progress : float, default 0.1
        Underfitting when the training loss fell by less than this fraction
        of its starting level (10 %)...
    max_gap : float, default 0.1
        ...and the final validation loss is within this fraction of the final
        training loss (no generalisation gap), when there is a validation curve.
    """
    report = Report()
    prepared = main_log_curve(pair, min_points, report, "relative progress")
    if prepared is None:
        return report
    series, main, x = prepared
    start, end = _level(x, 0.1, True), _level(x, 0.2, False)
    progress = 1.0 - float(np.exp(end - start))
    best = float(np.min(rolling_median(x, smoothing_window(len(x), 0.1))))
    # A loss that fell far and came back up is unstable, not underfitting.
    if progress >= max_progress or 1.0 - np.exp(best - start) >= 2 * max_progress:
        return report
    gap = None
    if pair.validation is not None and pair.train is not None:
        val = finite_prefix(pair.validation)
        if len(val) >= 2 and np.all(val.values > 0):
            gap = float(np.exp(_level(np.log(val.values), 0.2, False) - end)) - 1.0
            if gap > max_gap:
                return report
    report.findings.append(_finding(main, series, pair.quantity, progress, gap, start, end))
    return report


def _finding(curve: Curve, series: str, quantity: str, progress: float, gap: float | None, start: float, end: float) -> Finding:
    gap_text = f"; validation ends {gap:+.0%} from training (no generalisation gap)" if gap is not None else ""
    return Finding(
        kind=KIND,
        series=series,
        start_step=int(curve.steps[0]),
        end_step=int(curve.steps[-1]),
        severity="high" if progress < 0.02 else "medium",
        confidence=float(np.clip(0.6 + 3.0 * (0.1 - max(progress, 0.0)), 0.6, 0.95)),
        summary=(
            f"The {series} {quantity} barely improved over the run ({np.exp(start):.4g} -> {np.exp(end):.4g}, "
            f"{progress:.1%} lower){gap_text}: the model is not learning enough."
        ),
        evidence={
            "start_value": float(np.exp(start)),
            "end_value": float(np.exp(end)),
            "relative_progress": progress,
            "final_gap": gap,
            "points": int(len(curve)),
        },
        remedies=REMEDIES,
    )
