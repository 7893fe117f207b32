"""Robust, vectorised signal helpers the detectors share.

Losses are judged on a log scale where they are positive (a spike from 0.01
to 0.1 matters as much as one from 1 to 10), with medians and MADs rather
than means and standard deviations, since loss curves are heavy-tailed.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import Curve

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
    """Centred running median with shrinking windows at the edges."""
    n = len(x)
    window = max(1, min(int(window), n))
    if window <= 1 or n == 0:
        return x.copy()
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), x, np.full(window - 1 - half, np.nan)])
    return np.nanmedian(sliding_window_view(padded, window), axis=1)


def trailing_stats(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected level and MAD of each point from the ``window`` points before it.

    The level is the window's median carried forward along the window's
    upward trend (the difference of its two halves' medians), since the
    median describes the window's centre, not the point after it: on a
    rising curve an ordinary point would otherwise look like a jump. Falling
    trends are not carried forward: loss curves decelerate as they fall, so
    extrapolating would make ordinary points look high. NaN where there is
    no history.
    """
    n = len(x)
    med = np.full(n, np.nan)
    mad = np.full(n, np.nan)
    if n < 2:
        return med, mad
    window = max(1, min(int(window), n - 1))
    padded = np.concatenate([np.full(window - 1, np.nan), x[:-1]])
    views = sliding_window_view(padded, window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN leading windows
        centre = np.nanmedian(views, axis=1)
        mad[1:] = np.nanmedian(np.abs(views - centre[:, None]), axis=1)
        half = window // 2
        if half >= 2:
            slope = (np.nanmedian(views[:, half:], axis=1) - np.nanmedian(views[:, :half], axis=1)) / half
            centre = centre + np.clip(np.nan_to_num(slope), 0.0, None) * (window + 1) / 2
    med[1:] = centre
    return med, mad


def noise_sigma(x: np.ndarray) -> float:
    """Robust point-to-point noise of a series, from its second differences.

    ``x[t+1] - 2 x[t] + x[t-1]`` cancels any locally linear trend, so a
    steadily falling or rising curve is not mistaken for a noisy one; for
    white noise its variance is 6 sigma^2.
    """
    if len(x) < 4:
        return 0.0
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

    O(n^2) memory, so long series are subsampled evenly to 400 points.
    """
    n = len(x)
    if n < 2:
        return 0.0
    if n > 400:
        x = x[np.linspace(0, n - 1, 400).astype(int)]
        n = 400
    i, j = np.triu_indices(n, k=1)
    return float(np.sign(x[j] - x[i]).sum() / len(i))
