"""Underfitting: the training loss barely moved from where it started, and validation agrees.

A model that underfits makes little relative progress on its own training
loss and shows no generalisation gap (validation is about as high as
training). Judged on the whole run: the starting level (the untrained
model, before any steep first drop: :func:`~.base.start_level`) against the end level (median
of the last points, the later ones if the loss was still falling). A classification loss that starts at a chance level
``ln C`` (``C`` classes, up to :data:`~.chance.MAX_CHANCE_CLASSES`) is judged against
that level instead: a model still within a quarter of chance at the end has
not learned the task, however steadily it crawls. Needs a training curve: a
validation curve alone cannot say whether the model fits its training data.
"""

from __future__ import annotations

import numpy as np

from ..robust import median, to_log
from .prepare import main_log_curve
from .base import Curve, CurvePair, Finding, Report, confidence_for, start_level
from .chance import chance_level

KIND = "underfitting"

REMEDIES = [
    "Use a larger model (more layers or units) or better-suited features.",
    "Raise the learning rate or train longer; check the learning-rate schedule is not decaying too early.",
    "Reduce regularisation (weight decay, dropout) if it is strong.",
    "Check the data pipeline: labels aligned with inputs, inputs normalised, no constant features.",
]

#: Share of the run whose median is the end level (or half that share's, if lower: a loss still
#: falling fast at the end, as after a break-out from a stall, is judged where it got to).
END_SHARE = 0.2
#: How far above ln C an untrained classifier's first loss may be (random logits are not uniform, so it
#: starts at chance or somewhat above, hardly ever below).
START_ABOVE_CHANCE = 0.1
#: Severity: high below this relative progress.
HIGH_BELOW = 0.02
#: Confidence by strength: how far below its limit the progress stayed (1: none at all).
CONFIDENCE = ((0.0, 0.6), (0.5, 0.8), (1.0, 0.95))


def detect(
    pair: CurvePair,
    *,
    min_points: int = 5,
    max_progress: float = 0.1,
    max_chance_progress: float = 0.25,
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
    max_chance_progress : float, default 0.25
        ...or, for a loss that started at a chance level ``ln C`` and ends
        near it, by less than this fraction of that level;
    max_gap : float, default 0.1
        and the final validation loss is within this fraction of the final
        training loss (no generalisation gap), when there is a validation curve.
    """
    report = Report()
    if pair.train is None:
        report.not_checked.append("needs a training curve")
        return report
    prepared = main_log_curve(CurvePair(pair.train, None, pair.quantity), min_points, report, "relative progress")
    if prepared is None:
        return report
    series, main, x = prepared
    start = start_level(x)
    end = min(float(median(x[-max(1, int(round(len(x) * share))) :])) for share in (END_SHARE, END_SHARE / 2))
    progress = 1.0 - float(np.exp(end - start))
    best = float(np.min(main.smooth(0.1)))
    chance = None
    if pair.quantity == "loss":
        chance = chance_level(float(np.exp(start)), above=START_ABOVE_CHANCE) or (
            chance_level(float(np.exp(end))) if progress < 0.5 else None
        )
    if chance is not None:
        # Progress against the chance level: a crawl from ln C, or a fall to ln C from above it.
        progress, limit = 1.0 - float(np.exp(end)) / np.log(chance), max_chance_progress
        reference = min(start, float(np.log(np.log(chance))))
    else:
        limit, reference = max_progress, start
    # A loss that fell far and came back up, or rose well above its start, is unstable, not underfitting.
    if progress >= limit or progress < -max_progress or 1.0 - np.exp(best - reference) >= 2 * limit:
        return report
    gap = None
    if pair.validation is not None:
        val = to_log(pair.validation.values[np.isfinite(pair.validation.values)])
        if len(val[0]) >= 2 and val[1]:
            gap = float(np.exp(float(median(val[0][-max(1, int(round(len(val[0]) * END_SHARE))) :])) - end)) - 1.0
            if gap > max_gap:
                return report
    report.findings.append(_finding(main, series, pair.quantity, progress, limit, gap, start, end, chance))
    return report


def _finding(
    curve: Curve,
    series: str,
    quantity: str,
    progress: float,
    limit: float,
    gap: float | None,
    start: float,
    end: float,
    chance: int | None,
) -> Finding:
    gap_text = ""
    if gap is not None:
        side = f"{abs(gap):.0%} {'above' if gap > 0 else 'below'}" if abs(gap) >= 0.005 else "level with"
        gap_text = f"; validation ends {side} training (no generalisation gap)"
    values = f"{np.exp(start):.4g} -> {np.exp(end):.4g}"
    if chance is not None:
        what = f"is still near the chance level ln {chance} = {np.log(chance):.4g} ({values}, {_relative(progress)} it)"
    else:
        what = f"barely improved over the run ({values}, {_relative(progress)} its start)"
    return Finding(
        kind=KIND,
        series=series,
        start_step=int(curve.steps[0]),
        end_step=int(curve.steps[-1]),
        severity="high" if progress < HIGH_BELOW else "medium",
        confidence=confidence_for(1.0 - max(progress, 0.0) / limit, CONFIDENCE),
        summary=(
            f"The {series} {quantity} {what}{gap_text}: the model is not learning enough."
        ),
        evidence={
            "start_value": float(np.exp(start)),
            "end_value": float(np.exp(end)),
            "relative_progress": progress,
            "chance_classes": chance,
            "final_gap": gap,
            "points": int(len(curve)),
        },
        remedies=REMEDIES,
    )


def _relative(progress: float) -> str:
    """A relative fall in words, for either sign: "12% below", "3% above", "level with"."""
    if abs(progress) < 0.0005:
        return "level with"
    return f"{abs(progress):.1%} {'below' if progress > 0 else 'above'}"
