"""Overfitting: validation loss rises, for good, from its best while training improves.

The onset is the step of the validation optimum. What is *not* overfitting:
a static train/validation gap (nothing rises), a single noisy bump (the rise
must be sustained to the end), and a rise the training loss shares (a spike
or a learning-rate blow-up moves both curves).
"""

from __future__ import annotations

import numpy as np

from ..robust import kendall_tau, median, noise_sigma, rolling_median, smoothing_window, values_at
from .base import Curve, CurvePair, Finding, Report, confidence_for, severity_for

KIND = "overfitting"

#: Training points needed to tell whether training kept improving after the onset.
MIN_TRAIN_POINTS = 2
#: Confidence by strength: the rise over the bar it had to clear, times (0.5 + its Kendall tau).
CONFIDENCE = ((1.0, 0.6), (2.0, 0.8), (4.0, 0.95))
#: Severity by the validation rise from its best (+10 %: medium, +50 %: high).
SEVERITY = ((0.1, "medium"), (0.5, "high"))
#: A rise below the medium severity's is reported with at most this confidence, however smooth the
#: curve: on the library's tune split every such rise was on a run labelled healthy (3 of 3).
SMALL_RISE_CONFIDENCE = 0.7

REMEDIES = [
    "Stop early: keep the checkpoint from the onset step (e.g. Keras EarlyStopping(restore_best_weights=True)).",
    "Add regularisation: weight decay / L2, dropout.",
    "Get more training data or use data augmentation.",
    "Use a smaller model, or lower the learning rate late in training.",
]


def detect(
    pair: CurvePair,
    *,
    min_points: int = 5,
    z: float = 3.0,
    min_rise: float = 0.02,
    sustained: float = 0.5,
    min_trend: float = 0.2,
    min_error_rise: float = 0.02,
) -> Report:
    """Find overfitting in ``pair``.

    Parameters
    ----------
    min_points : int, default 5
        Fewer finite validation points than this: not checked.
    z : float, default 3.0
        The final validation level must exceed the best by ``z`` noise sigmas.
    min_rise : float, default 0.02
        ...and by at least this fraction of the best value (2 %).
    sustained : float, default 0.5
        Share of the second half of the points after the optimum that must
        stay above the best plus half the rise (a lone bump fails this).
    min_trend : float, default 0.2
        Minimum Kendall tau of the points after the optimum against time:
        they must trend upwards, not jump once.
    min_error_rise : float, default 0.02
        On an error rate (a flipped accuracy), the rise must also be at
        least this much in absolute terms (2 percentage points): relative
        rises of a small error are a few validation samples.
    """
    report = Report()
    if pair.train is None or pair.validation is None:
        report.not_checked.append("needs both a training and a validation curve")
        return report
    val, train = pair.validation.reduced, pair.train.reduced
    if len(val) < min_points:
        report.not_checked.append(f"fewer than {min_points} finite validation points")
        return report
    if len(train) < MIN_TRAIN_POINTS:
        report.not_checked.append(f"fewer than {MIN_TRAIN_POINTS} finite training points")
        return report
    found = _find(val, train, pair.quantity, z=z, min_rise=min_rise, sustained=sustained, min_trend=min_trend)
    if found and pair.is_error_rate and found.evidence["final_value"] - found.evidence["best_value"] < min_error_rise:
        found = None  # 2.0 % -> 2.5 % error is +23 %, and a handful of validation samples
    if found:
        report.findings.append(found)
    return report


def _find(
    val: Curve, train: Curve, quantity: str, *, z: float, min_rise: float, sustained: float, min_trend: float
) -> Finding | None:
    n = len(val)
    v, is_log = val.log
    smooth = val.smooth(0.1)
    sigma = val.noise
    # The optimum: the smoothed minimum, refined to the raw minimum near it.
    b = int(np.argmin(smooth))
    half = max(1, smoothing_window(n, 0.1) // 2)
    lo, hi = max(0, b - half), min(n, b + half + 1)
    b = lo + int(np.argmin(v[lo:hi]))
    best = float(min(v[b], smooth[b]))
    after = v[b + 1 :]
    if len(after) < 2:
        return None
    tail = max(2, len(after) // 3)
    final = float(median(after[-tail:]))
    rise = final - best
    scale = best if not is_log else 1.0
    needed = max(z * sigma, min_rise * (1.0 if is_log else abs(scale)))
    if rise <= needed:
        return None
    held = float(np.mean(after[len(after) // 2 :] > best + rise / 2))
    trend = kendall_tau(after)
    if held < sustained or trend < min_trend:
        return None
    # Training must keep improving over the same stretch (not share the rise).
    onset_step, end_step = val.steps[b], val.steps[-1]
    if train.steps[-1] <= onset_step:
        return None
    if is_log:
        t, t_smooth, t_noise = train.log[0], train.smooth(0.1), train.noise
    else:  # a validation curve judged in plain units: training too
        t = train.values
        t_smooth, t_noise = rolling_median(t, smoothing_window(len(t), 0.1)), noise_sigma(t)
    t_at_onset = float(values_at(train.steps, t_smooth, np.array([onset_step]))[0])
    late = train.steps >= onset_step + 2 * (float(train.steps[-1]) - float(onset_step)) / 3
    t_final = float(median(t[late]))
    train_change = t_final - t_at_onset
    if train_change >= -max(t_noise, 1e-12) or train_change >= rise:
        return None
    rise_ratio = float(np.exp(rise)) - 1.0 if is_log else rise / max(abs(best), 1e-12)
    strength = rise / max(needed, 1e-12)
    severity = severity_for(rise_ratio, SEVERITY)
    confidence = confidence_for(strength * (0.5 + trend), CONFIDENCE)
    if severity == "low":
        confidence = min(confidence, SMALL_RISE_CONFIDENCE)
    best_value, final_value = (np.exp(best), np.exp(final)) if is_log else (best, final)
    train_ratio = float(np.exp(train_change)) - 1.0 if is_log else train_change / max(abs(t_at_onset), 1e-12)
    return Finding(
        kind=KIND,
        series="validation",
        start_step=int(onset_step),
        end_step=int(end_step),
        severity=severity,
        confidence=confidence,
        summary=(
            f"Validation {quantity} bottomed out at step {int(onset_step)} ({best_value:.4g}) and then rose "
            f"{rise_ratio:.0%} to {final_value:.4g}, while training {quantity} kept falling ({-train_ratio:.1%} lower)."
        ),
        evidence={
            "best_step": int(onset_step),
            "best_value": float(best_value),
            "final_value": float(final_value),
            "rise": rise_ratio,
            "rise_in_noise_sigmas": float(rise / sigma) if sigma > 0 else None,
            "points_after_best": int(len(after)),
            "share_of_late_points_above_half_rise": held,
            "trend_kendall_tau": trend,
            "train_change_after_onset": train_ratio,
            "final_gap": float(final_value - (np.exp(t_final) if is_log else t_final)),
        },
        remedies=REMEDIES,
        markers=[(int(onset_step), float(val.values[b]))],
    )
