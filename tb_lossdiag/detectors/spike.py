"""Spikes: sudden upward jumps of the loss above its local level.

Each point is compared with the median of the points just before it, in
units of the curve's robust noise (MAD), on a log scale. Consecutive
outlying points merge into one event with its peak, height and recovery.
A jump that never comes back is reported as a level shift. Downward steps
(learning-rate decay) are never spikes: only upward changes count.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from numpy.lib.stride_tricks import sliding_window_view

from ..robust import MAD_TO_SIGMA, MAX_ZERO_SHARE, gaussian_extreme, local_level, noise_sigma, to_log, trailing_stats
from .prepare import finite_prefix
from .base import Curve, CurvePair, Finding, Report, confidence_for, severity_for

KIND = "spike"

REMEDIES = [
    "Lower the learning rate or add warm-up; spikes often follow steps that are too large.",
    "Clip gradients (clipnorm / clip_grad_norm_) to bound the damage of a bad batch.",
    "Look for bad or mislabelled samples in the batches at the spike steps.",
    "With Adam, a larger epsilon (1e-7 -> 1e-6 or more) damps updates from tiny second moments.",
]


#: More spikes than this on one curve, and each gets at most MANY_EVENTS_CONFIDENCE.
MAX_CONFIDENT_EVENTS, MANY_EVENTS_CONFIDENCE = 3, 0.6
#: Severity of a spike by how many times its local level it reached.
SEVERITY = ((1.5, "medium"), (3.0, "high"))
#: Confidence by strength: the jump's height in robust sigmas of the curve's noise.
CONFIDENCE = ((4.0, 0.6), (8.0, 0.8), (16.0, 0.95))


def detect(
    pair: CurvePair,
    *,
    min_points: int = 8,
    window: int | None = None,
    z: float = 3.5,
    min_height: float = 0.3,
    merge_gap: int = 2,
    false_alarms: float = 0.05,
    calibration_points: int = 200,
    tail_quantile: float = 0.95,
    tail_false_alarms: float = 0.5,
    scales: tuple[int, ...] = (1, 2, 3),
    single_point_margin: float = 2.0,
    noise_window: float = 0.25,
) -> Report:
    """Find spikes on each curve of ``pair``.

    Parameters
    ----------
    min_points : int, default 8
        Curves with fewer finite points are not checked.
    window : int, optional
        Trailing points the local level (and, on a short curve, the noise)
        comes from; default ``n // 5`` clipped to [5, 31].
    z : float, default 3.5
        On a short curve (epoch-level logging), a point is outlying when it
        exceeds the local median by ``z`` robust sigmas, and by more than
        the curve's largest downward excursions (their 99th percentile):
        noise swings both ways, while a spike goes up only...
    min_height : float, default 0.3
        ...and by at least this relative amount (30 % above the local level).
    merge_gap : int, default 2
        Outlying points at most this many points apart form one event.
    false_alarms : float, default 0.05
        Expected spurious spikes per curve of pure Gaussian noise: on long
        curves the threshold rises above ``z`` so that 1e5 noisy points do
        not yield a handful of "spikes" by chance.
    calibration_points : int, default 200
        Curves with at least this many points (per-step logging) are judged
        against the distribution of their own residuals instead of a
        Gaussian: per-batch losses are heavy-tailed, and one batch 10x its
        neighbours is ordinary noise at batch size 8.
    tail_quantile : float, default 0.95
        On such curves, the residuals' median and this quantile (low enough
        that the spikes themselves, a few percent of the points, do not move
        it) describe the noise; an event must stand beyond where an
        exponential tail through them puts...
    tail_false_alarms : float, default 0.5
        ...this many of the curve's points. Batch noise has a lighter tail
        than that (on real runs at batch sizes 8-128 the tallest batch of
        2,000 reached about half as far), so this is a bar, not a rate.
    scales : tuple of int, default (1, 2, 3)
        Event lengths tested on long curves: a run of ``k`` consecutive
        points all high (the k-point minimum of the residuals) is judged
        against the distribution of that k-point minimum over the curve. A
        learning-rate burst spoils several batches in a row; independent
        noisy batches rarely are all high together.
    single_point_margin : float, default 2.0
        A lone point must reach this many times further than a run of
        points: one unlucky batch is the commonest false alarm, and a bad
        batch that matters spoils the next ones too.
    noise_window : float, default 0.25
        On such curves, residuals are first measured against the noise
        around them (their median size over this share of the curve,
        centred) where that is noisier than the curve's typical noise: batch
        noise changes over a run (a quiet stall at chance, then a noisy
        break-out), and an ordinary batch of the noisy part is no jump.
    """
    report = Report()
    for series, curve in (("train", pair.finest_train), ("validation", pair.validation)):
        if curve is None:
            continue
        finite = finite_prefix(curve)
        if len(finite) < min_points:
            report.not_checked.append(f"{series}: fewer than {min_points} finite points")
            continue
        if np.mean(finite.values == 0) > MAX_ZERO_SHARE:
            report.not_checked.append(f"{series}: mostly exact zeros, no level to measure jumps against")
            continue
        x, is_log = to_log(finite.values)
        k = window or int(np.clip(len(x) // 5, 5, 31))
        level, mad = trailing_stats(x, k)
        floor = np.log1p(min_height) if is_log else min_height * np.abs(level)
        if len(x) >= calibration_points:
            residual = _in_local_noise(x - level, k, noise_window)
            outlying = _self_calibrated(residual, k, tail_quantile, tail_false_alarms, scales, single_point_margin)
            if np.any(finite.values == 0):
                outlying &= level > x.min()  # where the loss is mostly exactly 0, there is no level to jump from
            sigma = _residual_scale(x - level, k)
        else:
            outlying, sigma = _gaussian(x, level, mad, k, z, false_alarms)
        outlying &= x - level > floor
        events = _events(finite, series, pair.quantity, x, level, sigma, outlying, merge_gap, is_log)
        if len(events) > MAX_CONFIDENT_EVENTS:
            # Many "spikes" on one curve say the curve is unstable, not that each jump is an event.
            events = [replace(e, confidence=min(e.confidence, MANY_EVENTS_CONFIDENCE)) for e in events]
        if len(finite) < len(curve):
            # Jumps in the last quarter before a NaN/Inf are the divergence's run-up.
            run_up = float(finite.steps[0]) + 0.75 * (float(curve.steps[len(finite)]) - float(finite.steps[0]))
            events = [e for e in events if e.evidence["recovered"] and e.start_step < run_up]
        report.findings.extend(events)
    return report


def _gaussian(
    x: np.ndarray, level: np.ndarray, mad: np.ndarray, k: int, z: float, false_alarms: float
) -> tuple[np.ndarray, np.ndarray]:
    """Outlying points of a short curve, in robust sigmas of its local noise, and those sigmas."""
    n = len(x)
    sigma = np.maximum(MAD_TO_SIGMA * np.nan_to_num(mad), noise_sigma(x))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(sigma > 0, (x - level) / sigma, 0.0)
    score[: min(k, n) // 2 + 1] = 0.0  # too little history to judge
    score = np.nan_to_num(score)
    downward = -score[score < 0]
    tail = float(np.quantile(downward, 0.99)) if downward.size else 0.0
    return score > max(z, gaussian_extreme(n, false_alarms), tail), sigma



def _in_local_noise(residual: np.ndarray, k: int, window: float) -> np.ndarray:
    """Residuals scaled down where the noise around them exceeds the curve's typical noise."""
    r = np.nan_to_num(residual, nan=0.0)
    size = np.abs(r)
    typical = float(np.median(size[min(k, len(r)) // 2 + 1 :])) if len(r) > k else 0.0
    if typical <= 0:
        return r
    return r * (typical / np.maximum(local_level(size, max(1, int(window * len(r)))), typical))


def _self_calibrated(
    residual: np.ndarray,
    k: int,
    quantile: float,
    false_alarms: float,
    scales: tuple[int, ...],
    single_point_margin: float,
) -> np.ndarray:
    """Points in runs of ``scale`` consecutive residuals that all stand beyond the curve's own noise tail."""
    n = len(residual)
    r = np.nan_to_num(residual, nan=0.0)
    r[: min(k, n) // 2 + 1] = 0.0  # too little history to judge
    outlying = np.zeros(n, dtype=bool)
    for scale in scales:
        if n < 2 * scale:
            continue
        run_min = sliding_window_view(r, scale).min(axis=1)
        run_min = run_min - np.median(run_min)  # a falling curve sits below its trailing median
        threshold = _tail_threshold(run_min, quantile, false_alarms) * (single_point_margin if scale == 1 else 1.0)
        starts = np.flatnonzero(run_min > threshold)
        for offset in range(scale):
            outlying[starts + offset] = True
    return outlying


def _tail_threshold(x: np.ndarray, quantile: float, false_alarms: float) -> float:
    """The level ``len(x)`` draws of ``x`` exceed ``false_alarms`` times, were its tail exponential.

    The tail is drawn through the median and ``quantile`` of ``x``; the
    tails of batch noise are lighter, so fewer points pass in practice.
    """
    q_mid, q_hi = np.quantile(x, [0.5, quantile])
    rarity = np.log(max((1.0 - quantile) * len(x) / false_alarms, 1.0)) / np.log(0.5 / (1.0 - quantile))
    return float(q_hi + max(q_hi - q_mid, 0.0) * rarity)


def _residual_scale(residual: np.ndarray, k: int) -> np.ndarray:
    """A robust sigma of the residuals (constant over the curve), for the evidence's z-scores."""
    r = residual[min(k, len(residual)) // 2 + 1 :]
    r = r[np.isfinite(r)]
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(r - np.median(r)))) if r.size else 0.0
    return np.full(len(residual), sigma)


def _events(
    curve: Curve,
    series: str,
    quantity: str,
    x: np.ndarray,
    level: np.ndarray,
    sigma: np.ndarray,
    outlying: np.ndarray,
    merge_gap: int,
    is_log: bool,
) -> list[Finding]:
    idx = np.flatnonzero(outlying)
    if idx.size == 0:
        return []
    groups = np.split(idx, np.flatnonzero(np.diff(idx) > merge_gap + 1) + 1)
    return [_finding(curve, series, quantity, x, level, sigma, g, is_log) for g in groups]


def _finding(curve: Curve, series: str, quantity: str, x: np.ndarray, level: np.ndarray, sigma: np.ndarray, group: np.ndarray, is_log: bool) -> Finding:
    first = int(group[0])
    peak = first + int(np.argmax(x[first : group[-1] + 1] - level[first]))
    base = level[first]
    h = x[peak] - base
    back = np.flatnonzero(x[peak + 1 :] <= base + h / 2)
    recovered = back.size > 0
    end = peak + 1 + int(back[0]) if recovered else None
    ratio = float(np.exp(h)) if is_log else None
    base_value = float(np.exp(base)) if is_log else float(base)
    peak_step, peak_value = int(curve.steps[peak]), float(curve.values[peak])
    shift = "spike" if recovered else "level shift"
    size = f"to {ratio:.1f}x its local level" if ratio else f"{h:.3g} above its local level"
    z_score = float(h / sigma[first]) if sigma[first] > 0 else None
    severity = severity_for(ratio or 0.0, SEVERITY)
    if not recovered and severity == "low":
        severity = "medium"  # a level shift does not go away
    summary = f"The {series} {quantity} jumped {size} at step {peak_step} ({peak_value:.4g} vs {base_value:.4g})"
    summary += f", and recovered by step {int(curve.steps[end])}." if recovered else ", and did not come back down (a level shift)."
    return Finding(
        kind=KIND,
        series=series,
        start_step=int(curve.steps[first]),
        end_step=int(curve.steps[end]) if recovered else None,
        severity=severity,
        confidence=confidence_for(z_score or 0.0, CONFIDENCE),
        summary=summary,
        evidence={
            "peak_step": peak_step,
            "peak_value": peak_value,
            "local_level": base_value,
            "height_ratio": ratio,
            "height_in_noise_sigmas": z_score,
            "points": int(group.size),
            "recovered": recovered,
            "recovery_step": int(curve.steps[end]) if recovered else None,
            "shape": shift,
        },
        remedies=REMEDIES,
        markers=[(peak_step, peak_value)],
    )
