"""Robust, vectorised signal helpers the detectors share.

Losses are judged on a log scale where they are positive (a spike from 0.01
to 0.1 matters as much as one from 1 to 10), with medians and MADs rather
than means and standard deviations, since loss curves are heavy-tailed.
"""

from __future__ import annotations

import numpy as np

from .base import Curve, CurvePair, Report


def _median_filter(x: np.ndarray, **kwargs) -> np.ndarray:
    """``scipy.ndimage.median_filter``, imported on first use: it is most of the CLI's start-up time."""
    from scipy.ndimage import median_filter

    return median_filter(x, **kwargs)


#: Scale factor making the MAD a consistent estimator of a normal sigma.
MAD_TO_SIGMA = 1.4826


def finite_prefix(curve: Curve) -> Curve:
    """The curve up to (excluding) its first non-finite value."""
    bad = ~np.isfinite(curve.values)
    if not bad.any():
        return curve
    end = int(np.argmax(bad))
    return Curve(curve.steps[:end], curve.values[:end])


def to_log(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """``log(values)`` when all are positive, else the values unchanged.

    Returns the transformed array and whether the log was taken, so that
    differences read as ratios ("+30 %") on positive losses.
    """
    if values.size and np.all(values > 0):
        return np.log(values), True
    return values.astype(np.float64, copy=False), False


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Centred running median (odd ``window``); mirrored at the edges, so an end point is not doubled."""
    window = max(1, min(int(window), len(x)))
    if window <= 1:
        return x.copy()
    return _median_filter(x, size=window | 1, mode="mirror")


def _median_ending_at(x: np.ndarray, window: int) -> np.ndarray:
    """``out[i] = median(x[i - window + 1 : i + 1])`` (odd ``window``; mirrored before the start)."""
    return _median_filter(x, size=window, origin=(window - 1) // 2, mode="mirror")


def trailing_stats(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected level and MAD of each point from the ``window`` points before it.

    The level is the window's median carried forward along the window's
    upward trend (the difference of its two halves' medians), since the
    median describes the window's centre, not the point after it: on a
    rising curve an ordinary point would otherwise look like a jump. Falling
    trends are not carried forward: loss curves decelerate as they fall, so
    extrapolating would make ordinary points look high. The MAD is that of
    the points' residuals around a centred running median, so a trend does
    not count as noise. NaN for the first point, which has no history.
    """
    n = len(x)
    level = np.full(n, np.nan)
    mad = np.full(n, np.nan)
    if n < 2:
        return level, mad
    window = max(1, min(int(window), n - 1)) | 1
    before = _median_ending_at(x, window)
    residual = np.abs(x - rolling_median(x, window))
    level[1:], mad[1:] = before[:-1], _median_ending_at(residual, window)[:-1]
    half = window // 2
    if half >= 2:
        recent = _median_ending_at(x, half | 1)
        slope = np.zeros(n)
        slope[half + 1 :] = (recent[half:-1] - recent[: n - half - 1]) / half
        level += np.clip(slope, 0.0, None) * (window + 1) / 2
    return level, mad


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


def noise_sigma(x: np.ndarray) -> float:
    """Robust point-to-point noise of a series, from its second differences.

    ``x[t+1] - 2 x[t] + x[t-1]`` cancels any locally linear trend, so a
    steadily falling or rising curve is not mistaken for a noisy one; for
    white noise its variance is 6 sigma^2.
    """
    if len(x) < 4:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308-sized values: inf, not a warning
        d2 = np.diff(x, 2)
        return float(MAD_TO_SIGMA * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def smoothing_window(n: int, fraction: float = 0.1, minimum: int = 3) -> int:
    """An odd window covering about ``fraction`` of ``n`` points."""
    w = max(minimum, int(round(n * fraction)))
    w = min(w, n if n % 2 else n - 1)
    return max(1, w if w % 2 else w - 1)


def values_at(steps: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values`` linearly interpolated at steps ``at`` (held constant outside)."""
    return np.interp(at.astype(np.float64), steps.astype(np.float64), values)


def kendall_tau(x: np.ndarray) -> float:
    """Kendall's tau of ``x`` against its index: +1 always rising, -1 always falling.

    O(n^2) memory, so long series are subsampled evenly to 200 points.
    """
    n = len(x)
    if n < 2:
        return 0.0
    if n > 200:
        x = x[np.linspace(0, n - 1, 200).astype(int)]
        n = 200
    i, j = np.triu_indices(n, k=1)
    return float(np.sign(x[j] - x[i]).sum() / len(i))


def gaussian_extreme(n: int, false_alarms: float) -> float:
    """The z a standard normal exceeds ``false_alarms`` times in ``n`` draws.

    Solves ``n * P(Z > z) = false_alarms`` with the Mills-ratio tail
    approximation ``P(Z > z) ~ exp(-z^2 / 2) / (z sqrt(2 pi))``.
    """
    p = min(0.5, false_alarms / max(n, 1))
    z = np.sqrt(2.0 * np.log(1.0 / (p * np.sqrt(2.0 * np.pi))))
    for _ in range(3):  # fixed-point refinement of the 1/z factor
        z = np.sqrt(2.0 * np.log(1.0 / (p * z * np.sqrt(2.0 * np.pi))))
    return float(z)


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
        report.not_checked.append(f"fewer than {min_points} finite points")
        return None
    x, is_log = to_log(curve.values)
    if not is_log:
        report.not_checked.append(f"{needs} needs a positive loss")
        return None
    return series, curve, x
