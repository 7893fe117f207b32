"""Plateaus: stretches where the loss stopped improving, then training moved on.

A point is *flat* when the smoothed log-loss improved by less than
``tolerance`` over the preceding ``window`` steps. A run of flat points
spanning at least ``min_length`` of the run is a plateau when it is an
obstacle: the loss later falls clearly below it (a stall that was escaped),
or it lasts from the first step to the last (training never got going).
The flat tail after real progress is convergence, or the end of a
learning-rate schedule, and is not reported.
"""

from __future__ import annotations

import numpy as np

from ..robust import median, noise_sigma, quantiles, rate_change_needed, sample_count, values_at
from .prepare import main_log_curve
from .base import Curve, CurvePair, Finding, Report, confidence_for, severity_for

KIND = "plateau"

#: Share of a curve's points its smoothing running median spans.
SMOOTHING = 0.05
#: Confidence by strength: the plateau's share of the run (plus CUT_BONUS when a logged LR cut explains it).
CONFIDENCE = ((0.15, 0.6), (0.3, 0.8), (0.6, 0.95))
CUT_BONUS = 0.3
#: An error rate flat for the whole run is a plateau only at or above this level (a classifier at chance
#: errs at least half the time); a low one, flat from the first evaluation, was learned before it.
STUCK_ERROR = 0.5
#: Validation points after a learning-rate cut that make validation the cut's evidence, and points before
#: it that let validation show for itself whether it was still falling.
MIN_POINTS_AFTER_CUT = MIN_POINTS_BEFORE_CUT = 3
#: A fall is real beyond this many sigmas of the curve's noise (point-to-point, or binomial for an error rate
#: whose sample count its values show).
NOISE_SIGMAS = 3.0
#: Severity of an escaped plateau by its share of the run; one never left is high.
SEVERITY = ((0.25, "medium"), (0.4, "high"))

REMEDIES = [
    "Raise the learning rate, or use a schedule with warm-up / restarts to leave the flat region sooner.",
    "Check the initialisation and activations (saturating sigmoid/tanh, dead ReLUs); try batch normalisation.",
    "Use an adaptive optimiser (Adam) or add momentum.",
    "If it ended with a learning-rate decay, decay earlier or use ReduceLROnPlateau.",
]


def flat_mask(steps: np.ndarray, smooth: np.ndarray, window: float, tolerance: float) -> np.ndarray:
    """Points whose smoothed loss improved by less than ``tolerance`` over ``window`` steps."""
    back = values_at(steps, smooth, steps - window)
    improvement = back - smooth
    mask = improvement < tolerance
    mask[steps - window < steps[0]] = False  # no full window behind it yet
    return mask


def detect(
    pair: CurvePair,
    *,
    min_points: int = 10,
    window: float | None = None,
    tolerance: float = 0.01,
    relative_tolerance: float = 0.1,
    min_length: float = 0.15,
    min_escape: float = 0.1,
    lr_cut: float = 1000.0,
    cut_stop_share: float = 0.5,
    min_error_escape: float = 0.02,
    min_plateau_points: int = 5,
    max_setback: float = 2.0,
) -> Report:
    """Find plateaus on the training curve (the validation curve if alone).

    Parameters
    ----------
    min_points : int, default 10
        Fewer finite points: not checked.
    window : float, optional
        The window in steps over which improvement is measured; default 10 %
        of the run's step span.
    tolerance : float, default 0.01
        Flat means less than 1 % relative improvement over the window...
    relative_tolerance : float, default 0.1
        ...or less than this fraction of the run's average improvement per
        window (up to 5x ``tolerance``): a crawl at a tenth of the run's pace
        is a stall too.
    min_length : float, default 0.15
        Shortest plateau as a fraction of the run's step span (the window
        itself counts: a flat point vouches for the window behind it).
    min_escape : float, default 0.1
        A plateau that does not last the whole run must be escaped: the loss
        later falls at least this fraction (10 %) below the plateau's level,
        by three noise sigmas, and by this fraction of the curve's whole
        range in plain units (so a flat stretch at 1e-4 before a fall to
        1e-5 at the end of a long run is not an obstacle). A stall left by a
        cliff (most of the drop within a step or two, as a step learning-rate
        decay makes it) is the schedule at work, not a plateau.
    lr_cut : float, default 1000.0
        The stretch after the logged learning rate fell to 1/``lr_cut`` of its
        highest value (to about zero: a step schedule decays 10x at a time) is a
        plateau, not convergence, when the loss was still falling before (over
        the window before the cut, by more than the flat tolerance and three
        noise sigmas of the points before the cut) and hardly fell after:
        training was stopped, not finished. Judged on validation where it was
        logged after the cut (frozen weights: no batch noise), else on training.
    cut_stop_share : float, default 0.5
        "Hardly fell after" means: over the whole rest of the run, by less
        than this share of the fall over the one window before the cut, and
        less than the escape drop. A language model falls a few percent a
        window, so a cut there leaves a stall far smaller than the escape drop;
        a loss that still converges after a decay falls on for many windows.
    min_error_escape : float, default 0.02
        On an error rate (a flipped accuracy), the escape must also be at
        least this much in absolute terms (2 percentage points): a fall from
        2.4 % to 1.9 % error is a few validation samples, not a break-out;
        and, where its values show the sample count N, three binomial sigmas
        of N at the plateau's level (3 fewer wrong of 45 at 13 % error is 6.7
        points, and 1.3 sigmas).
    min_plateau_points : int, default 5
        An escaped plateau spans at least this many logged points: three
        evaluations in a row that agree, on a curve evaluated 18 times, are
        not a stall.
    max_setback : float, default 2.0
        A flat stretch whose smoothed loss rose to more than this many times
        its level inside is a setback and its recovery (a bad batch threw the
        loss up, and it took that long to come back), not a stall.
    """
    report = Report()
    prepared = main_log_curve(pair, min_points, report, "relative improvement")
    if prepared is None:
        return report
    series, curve, x = prepared
    span = float(curve.steps[-1] - curve.steps[0])
    w = window if window is not None else 0.1 * span
    smooth = curve.smooth(SMOOTHING)
    pace = max(0.0, float(smooth[0] - smooth[-1])) * w / span if span else 0.0
    flat_tolerance = float(np.clip(relative_tolerance * pace, tolerance, 5 * tolerance))
    mask = flat_mask(curve.steps, smooth, w, flat_tolerance)
    first_judged = int(np.searchsorted(curve.steps, curve.steps[0] + w))
    drop_needed = _escape_drop(curve, min_escape)
    low, high = quantiles(curve.values, [0.05, 0.95])
    samples = sample_count(curve.values) if pair.is_error_rate else None
    for lo, hi in _runs(mask):
        # A flat point vouches for the window behind it.
        start = 0 if lo <= first_judged else int(np.searchsorted(curve.steps, curve.steps[lo] - w))
        length = float(curve.steps[hi] - curve.steps[start])
        if length < min_length * span or x_change(curve, start, hi) > np.log1p(min_escape):
            continue  # too short, or a setback (the loss rose) rather than a stall
        level = float(median(x[start : hi + 1]))
        if smooth[start : hi + 1].max() > level + np.log(max_setback):
            continue  # thrown up and back (a bad batch's aftermath): a setback, not a stall
        later = smooth[hi + 1 :]
        error_fall = 0.0
        if pair.is_error_rate:
            error_fall = rate_change_needed(float(np.exp(level)), samples, min_error_escape, NOISE_SIGMAS)
        escaped = (
            later.size > 0
            and level - float(later.min()) > drop_needed
            and np.exp(level) - np.exp(later.min()) > max(min_escape * (high - low), error_fall)
        )
        whole_run = start == 0 and hi == len(x) - 1
        if escaped:
            # The flat test looks a window back, so it lags the break-out: end
            # the plateau at its last point still near the plateau's level.
            near = np.flatnonzero(smooth[start : hi + 1] >= level - drop_needed / 2)
            hi = start + int(near[-1]) if near.size else hi
            if hi - start + 1 < min_plateau_points or _is_cliff(x, hi, level, float(later.min()), max(2, len(x) // 100)):
                continue
        if escaped or (whole_run and (not pair.is_error_rate or np.exp(level) >= STUCK_ERROR)):
            report.findings.append(_finding(curve, series, pair.quantity, start, hi, level, later, escaped, span))
    cut = _learning_rate_cut(pair.learning_rate, lr_cut)
    if cut is not None and not report.findings:
        judged = [(series, curve, x, smooth, drop_needed)]
        # After the cut the weights hardly move: a validation curve evaluated then has no batch noise to
        # hide the stop in, so where it was logged after the cut it says what came after.
        val = pair.validation.reduced if pair.validation is not None and series == "train" else None
        if val is not None and (val.steps > cut[0]).sum() >= MIN_POINTS_AFTER_CUT and np.all(val.values > 0):
            judged.append(("validation", val, val.log[0], val.smooth(SMOOTHING), _escape_drop(val, min_escape)))
        # Still falling when it was cut, and hardly fell after, on the quieter curve; on the other one only
        # where the quieter was not logged before the cut. A validation loss that had already levelled off
        # (what makes ReduceLROnPlateau cut) was not stopped by the cut, however training went on falling.
        series, curve, x, smooth, drop_needed = judged[-1]
        if len(judged) > 1 and (curve.steps < cut[0]).sum() >= MIN_POINTS_BEFORE_CUT:
            judged = judged[-1:]
        paces = [_pace_before(c.steps, sm, cut[0], w) for _, c, _, sm, _ in judged]
        bars = [max(flat_tolerance, NOISE_SIGMAS * noise_sigma(lx[c.steps < cut[0]])) for _, c, lx, _, _ in judged]
        fall_before = max((pace for pace, bar in zip(paces, bars) if pace >= bar), default=0.0)
        after = smooth[int(np.searchsorted(curve.steps, cut[0])) :]
        stopped = bool(
            float(curve.steps[-1]) - cut[0] >= min_length * span
            and after.size
            and after[0] - after.min() < min(drop_needed, cut_stop_share * fall_before)
        )
        if fall_before and stopped:
            at = len(x) - len(after)
            level = float(median(x[at:]))
            report.findings.append(_finding(curve, series, pair.quantity, at, len(x) - 1, level, after, False, span, cut))
    return report


def _escape_drop(curve: Curve, min_escape: float) -> float:
    """The fall in log-loss that counts as real on this (positive) curve: ``min_escape`` and three noise sigmas."""
    return max(-np.log1p(-min_escape), NOISE_SIGMAS * curve.noise)


def _learning_rate_cut(lr: Curve | None, factor: float) -> tuple[int, float, float] | None:
    """Step, value before and value after of the first fall of the learning rate to 1/``factor`` of its peak."""
    if lr is None or len(lr) < 2:
        return None
    values = np.nan_to_num(lr.values, nan=0.0, posinf=0.0, neginf=0.0)
    peak = np.maximum.accumulate(values)
    cut = np.flatnonzero((values <= peak / factor) & (peak > 0))
    if cut.size == 0:
        return None
    i = int(cut[0])
    return int(lr.steps[i]), float(peak[i]), float(values[i])


def _pace_before(steps: np.ndarray, smooth: np.ndarray, at: int, window: float) -> float:
    """How much the smoothed log-loss fell over the window up to its last point before step ``at``.

    Not up to ``at`` itself: a Keras epoch's loss logged at the cut's step was already trained at the cut rate,
    and the running median there takes in more of the stall after it.
    """
    before = steps[steps < at]
    if before.size == 0:
        return 0.0
    last = float(before[-1])
    a, b = values_at(steps, smooth, np.array([last - window, last], dtype=np.float64))
    return float(a - b)


def _is_cliff(x: np.ndarray, end: int, level: float, later_best: float, within: int) -> bool:
    """Whether most of the fall from ``level`` to ``later_best`` happens within ``within`` points.

    A step decay of the learning rate drops the loss to about its new level
    at once; a break-out from a stall keeps falling long after.
    """
    fall = level - float(np.min(x[end + 1 : end + 1 + within], initial=level))
    return fall >= 0.5 * (level - later_best)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of each run of True values."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _finding(
    curve: Curve,
    series: str,
    quantity: str,
    start: int,
    end: int,
    level: float,
    later: np.ndarray,
    escaped: bool,
    span: float,
    cut: tuple[int, float, float] | None = None,
) -> Finding:
    s0, s1 = int(curve.steps[start]), int(curve.steps[end])
    share = (s1 - s0) / span if span else 1.0
    evidence = {
        "level": float(np.exp(level)),
        "length_steps": s1 - s0,
        "share_of_run": share,
        "relative_change_inside": float(np.exp(x_change(curve, start, end))) - 1.0,
        "escaped": bool(escaped),
    }
    if escaped:
        evidence["later_best"] = float(np.exp(later.min()))
        how = f"then fell to {np.exp(later.min()):.4g}"
    elif cut is not None:
        evidence.update(learning_rate_cut_step=cut[0], learning_rate_before=cut[1], learning_rate_after=cut[2])
        how = f"after the learning rate was cut from {cut[1]:.3g} to {cut[2]:.3g} at step {cut[0]} while it was still falling"
    else:
        how = "for the whole run"
    return Finding(
        kind=KIND,
        series=series,
        start_step=s0,
        end_step=s1,
        severity="high" if not escaped else severity_for(share, SEVERITY),
        confidence=confidence_for(share + (CUT_BONUS if cut is not None else 0.0), CONFIDENCE),
        summary=(
            f"The {series} {quantity} stalled at about {np.exp(level):.4g} from step {s0} to step {s1} "
            f"({share:.0%} of the run), {how}."
        ),
        evidence=evidence,
        remedies=REMEDIES,
    )


def x_change(curve: Curve, start: int, end: int) -> float:
    """Log change of the raw loss between two indices (medians of 3 points)."""
    a = median(np.log(curve.values[start : start + 3]))
    b = median(np.log(curve.values[max(start, end - 2) : end + 1]))
    return float(b - a)
