"""Robust, vectorised statistics of loss curves: arrays in, numbers out.

Shared by the detectors and the baseline comparison.

Losses are judged on a log scale where they are positive (a spike from 0.01
to 0.1 matters as much as one from 1 to 10), with medians and MADs rather
than means and standard deviations, since loss curves are heavy-tailed.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import numpy as np

def _median_filter(x: np.ndarray, **kwargs) -> np.ndarray:
    """``scipy.ndimage.median_filter``, imported on first use: it is most of the CLI's start-up time."""
    from scipy.ndimage import median_filter

    return median_filter(x, **kwargs)


#: Scale factor making the MAD a consistent estimator of a normal sigma.
MAD_TO_SIGMA = 1.4826


#: Share of a curve's values that may be exactly zero (batches fitted perfectly, float underflow) for it to
#: still be judged in log space.
MAX_ZERO_SHARE = 0.25
#: Quantile of the positive values at which such a curve is floored.
ZERO_FLOOR_QUANTILE = 0.1


def log_scale(values: np.ndarray) -> tuple[bool, float]:
    """Whether :func:`to_log` takes the log of ``values``, and the floor it puts under them first (0: none)."""
    positive = values > 0
    if values.size and positive.all():
        return True, 0.0
    if positive.any() and np.all(values >= 0) and positive.mean() >= 1.0 - MAX_ZERO_SHARE:
        return True, float(np.quantile(values[positive], ZERO_FLOOR_QUANTILE, overwrite_input=True))
    return False, 0.0


def log_values(values: np.ndarray, is_log: bool, floor: float) -> np.ndarray:
    """``values`` on the scale :func:`log_scale` chose; elementwise, so a stretch of a curve may be passed alone."""
    if not is_log:
        return values.astype(np.float64, copy=False)
    return np.log(np.maximum(values, floor)) if floor > 0 else np.log(values)


def to_log(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """``log(values)`` when they are positive, else the values unchanged.

    Returns the transformed array and whether the log was taken, so that
    differences read as ratios ("+30 %") on positive losses. A few exact
    zeros (up to :data:`MAX_ZERO_SHARE` of the values) do not force linear
    units: the curve is floored at a low quantile of its positive values,
    so that a stretch of zeros reads as "as low as this curve goes", not as
    a level a million times below the next batch.
    """
    is_log, floor = log_scale(values)
    return log_values(values, is_log, floor), is_log


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Centred running median (odd ``window``); mirrored at the edges, so an end point is not doubled."""
    window = max(1, min(int(window), len(x)))
    if window <= 1:
        return x.copy()
    return _median_filter(x, size=window | 1, mode="mirror")


def row_medians(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=1)`` of a 2-D array (NaN for a row holding one), from one sort of its rows.

    Numpy's median partitions each row around its largest value too, to
    find NaNs, and around both middle values of an even row. Sorted rows
    give the middle values and, last, any NaN; numpy's vectorised sort of
    short rows also beats partitioning them (25 ms against 37 ms for the
    bench logdir's 368 blocks of 5 and 156 values). Like numpy's, the
    median is a mean summed from 0.0, so that -0.0 comes out as 0.0.
    """
    middle = a.shape[1] // 2
    ordered = np.sort(a, axis=1)
    if a.shape[1] % 2:
        out = 0.0 + ordered[:, middle]
    else:
        out = (0.0 + ordered[:, middle - 1] + ordered[:, middle]) / 2
    out[np.isnan(ordered[:, -1])] = np.nan
    return out


def block_medians(chunks: Iterable[np.ndarray], size: int) -> np.ndarray:
    """Medians of consecutive blocks of ``size`` points of ``chunks`` joined end to end (the last block may be shorter).

    The chunks are consumed one at a time, so a noise level over a long
    curve needs no full-length array: block medians, then a running median
    over a few of them, follow a level in linear time for any window.
    """
    out, carry = [], np.empty(0)
    for chunk in chunks:
        data = np.concatenate([carry, chunk]) if carry.size else chunk
        whole = len(data) // size * size
        if whole:
            out.append(row_medians(data[:whole].reshape(-1, size)))
        carry = data[whole:]
    if carry.size:
        out.append(np.array([median(carry)]))
    return np.concatenate(out) if out else np.empty(0)


def median(x: np.ndarray) -> np.floating:
    """``np.median(x)`` of a 1-D array, to the last bit, without numpy's general machinery.

    One partition around the middle value (the one before it, for an even
    count, is the largest of the lower half): several times faster than
    numpy's on the short arrays the detectors take many medians of. NaN for
    no values (without numpy's warning).
    """
    if len(x) == 0:
        return np.float64(np.nan)
    half = len(x) // 2
    part = np.partition(x, half)
    return _middle_mean(part[:half].max() if len(x) % 2 == 0 else None, part[half], bool(np.isnan(x).any()))


def median_of_order(order: Callable[[int], np.floating], n: int) -> np.floating:
    """:func:`median` of ``n`` values of which ``order(i)`` is the ``i``-th smallest (NaNs last).

    From the middle one or two: with :func:`quantiles_of_order`, a few
    order statistics (:func:`order_statistics`) serve several statistics of
    the same values, where each call of numpy's would select them again.
    """
    if n == 0:
        return np.float64(np.nan)
    half = n // 2
    # NaNs sort last: the last value alone says whether there are any.
    return _middle_mean(order(half - 1) if n % 2 == 0 else None, order(half), bool(np.isnan(order(n - 1))))


def _middle_mean(lower: np.floating | None, upper: np.floating, any_nan: bool) -> np.floating:
    """The median from the middle value(s), as numpy's: a mean summed from 0.0 (-0.0 gives 0.0), NaN if any value is."""
    if any_nan:
        return upper.dtype.type(np.nan)
    return 0.0 + upper if lower is None else (0.0 + lower + upper) / 2


def quantiles_of_order(order: Callable[[int], float], n: int, q: Sequence[float]) -> np.ndarray:
    """``np.quantile`` (numpy's default, linear method) at ``q`` of ``n`` values of which ``order(i)`` is the ``i``-th smallest.

    To the last bit: the same virtual index ``(n - 1) q``, clipped to the
    values, and the same two-sided interpolation between its neighbours as
    numpy's; NaN when any value is NaN (they sort last). Only a zero's sign
    may differ, where 0.0 and -0.0 tie. Computed one quantile at a time in
    scalars: the detectors ask for two or three, where numpy's array
    machinery costs more than the work.
    """
    if np.isnan(order(n - 1)):
        return np.full(len(q), np.nan)
    out = np.empty(len(q))
    for i, quantile in enumerate(q):
        below, above, gamma = _neighbours(n, quantile)
        a, b = float(order(below)), float(order(above))
        diff = b - a
        out[i] = b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma  # from the nearer neighbour, as numpy
    return out


def _neighbours(n: int, quantile: float) -> tuple[int, int, float]:
    """numpy's two neighbouring ranks of the ``quantile`` of ``n`` values, and the weight of the upper one."""
    virtual = (n - 1) * float(quantile)
    if virtual >= n - 1:  # at or past the last value: the last value
        return n - 1, n - 1, virtual - (-1)  # numpy's index arithmetic, which wraps the last value's to -1
    below = max(int(np.floor(virtual)), 0)
    return below, below + 1, virtual - below


def ranks_read(n: int, q: Sequence[float]) -> list[int]:
    """The ranks :func:`median_of_order` and :func:`quantiles_of_order` of ``q`` read of ``n`` values."""
    ranks = {n - 1, n // 2, max(n // 2 - 1, 0)}
    ranks.update(rank for quantile in q for rank in _neighbours(n, quantile)[:2])
    return sorted(ranks)


def quantiles(values: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """``np.quantile(values, q)`` (as :func:`quantiles_of_order`), from :func:`order_statistics`: no sort, no copy."""
    n = len(values)
    at = order_statistics(values, ranks_read(n, q))
    return quantiles_of_order(at.__getitem__, n, q)


#: Values per bucket of the histogram :func:`order_statistics` selects through...
VALUES_PER_BUCKET = 16
#: ...and at most this many buckets, so that on a long curve each value's bucket fits in two bytes.
MAX_BUCKETS = 1 << 16
#: Values whose buckets are computed at a time: a long curve's float temporaries stay small.
BUCKET_CHUNK = 1 << 16


def order_statistics(values: np.ndarray, ranks: Sequence[int]) -> dict[int, np.floating]:
    """``{rank: np.sort(values)[rank]}`` for each of ``ranks``, to the last bit, without sorting ``values``.

    Equal-width buckets between the extremes (a monotone map: every value
    of a bucket lies between those of the buckets beside it) and their
    counts say which bucket holds each rank; only those buckets are sorted.
    numpy's partition around the same ranks mispredicts most of its
    branches on data it has not seen: this takes about half its time on
    10,000 values, and 2 bytes a value beside them. With non-finite values
    it is that partition (on a copy).
    """
    n = len(values)
    lo, hi = values.min(), values.max()
    span = float(hi) - float(lo)  # NaN or Inf where a value is, or where the extremes are 1e308 apart
    buckets = min(max(1, n // VALUES_PER_BUCKET), MAX_BUCKETS)
    scale = buckets / span if span > 0 else 0.0  # Python floats: an overflow is inf, not a warning
    if not (math.isfinite(span) and math.isfinite(scale)):
        part = np.partition(values, ranks)
        return {rank: part[rank] for rank in ranks}
    if n <= BUCKET_CHUNK:
        which = ((values - lo) * scale).astype(np.intp)
        np.minimum(which, buckets - 1, out=which)
        counts = np.bincount(which, minlength=buckets)
    else:  # a long curve, a stretch at a time: 2 bytes a value, and small temporaries (bincount's are intp)
        which, counts = np.empty(n, dtype=np.uint16), np.zeros(buckets, dtype=np.intp)
        for start in range(0, n, BUCKET_CHUNK):
            bucket = ((values[start : start + BUCKET_CHUNK] - lo) * scale).astype(np.intp)
            np.minimum(bucket, buckets - 1, out=bucket)
            which[start : start + BUCKET_CHUNK] = bucket
            counts += np.bincount(bucket, minlength=buckets)
    ends = np.cumsum(counts)  # ends[k]: values in buckets 0..k
    out, sorted_buckets = {0: lo, n - 1: hi}, {}
    for rank in ranks:
        if rank in out:
            continue
        k = int(np.searchsorted(ends, rank, side="right"))
        if k not in sorted_buckets:
            sorted_buckets[k] = np.sort(values[which == k])
        out[rank] = sorted_buckets[k][rank - (int(ends[k - 1]) if k else 0)]
    return {rank: out[rank] for rank in ranks}


def _median_ending_at(x: np.ndarray, window: int) -> np.ndarray:
    """``out[i] = median(x[i - window + 1 : i + 1])`` (odd ``window``; mirrored before the start)."""
    return _median_filter(x, size=window, origin=(window - 1) // 2, mode="mirror")


def trailing_window(window: int, n: int) -> int:
    """The odd window :func:`trailing_level` and :func:`trailing_mad` use on a curve of ``n`` points."""
    return max(1, min(int(window), n - 1)) | 1


def trailing_level(x: np.ndarray, window: int) -> np.ndarray:
    """Expected level of each point from the ``window`` points before it; NaN for the first point.

    The level is the window's median carried forward along the window's
    upward trend (the difference of its two halves' medians), since the
    median describes the window's centre, not the point after it: on a
    rising curve an ordinary point would otherwise look like a jump. Falling
    trends are not carried forward: loss curves decelerate as they fall, so
    extrapolating would make ordinary points look high.

    A point's level depends on the :func:`trailing_window` points before it
    only: for ``x = curve[max(a - w, 0) : b]`` (at least ``w + 1`` points),
    with ``w = trailing_window(window, len(curve))``, the last ``b - a``
    levels are exactly those of points ``a:b`` of the whole curve, so a
    long curve can be judged a stretch at a time.
    """
    n = len(x)
    level = np.full(n, np.nan)
    if n < 2:
        return level
    window = trailing_window(window, n)
    level[1:] = _median_ending_at(x, window)[:-1]
    half = window // 2
    if half >= 2:
        recent = _median_ending_at(x, half | 1)
        slope = np.zeros(n)
        slope[half + 1 :] = (recent[half:-1] - recent[: n - half - 1]) / half
        level += np.clip(slope, 0.0, None) * (window + 1) / 2
    return level


def trailing_mad(x: np.ndarray, window: int) -> np.ndarray:
    """MAD of each point's :func:`trailing_window` points before it; NaN for the first point.

    The MAD is that of the points' residuals around a centred running
    median, so a trend does not count as noise.
    """
    n = len(x)
    mad = np.full(n, np.nan)
    if n < 2:
        return mad
    window = trailing_window(window, n)
    mad[1:] = _median_ending_at(np.abs(x - rolling_median(x, window)), window)[:-1]
    return mad


def running_min(x: np.ndarray, length: int) -> np.ndarray:
    """``out[i] = min(x[i : i + length])``, for each of the ``len(x) - length + 1`` runs of ``length`` values.

    One pass per value of a run, without a window view's copy: meant for short runs.
    """
    out = x[: max(len(x) - length + 1, 0)].copy()
    for offset in range(1, length):
        np.minimum(out, x[offset : offset + len(out)], out=out)
    return out


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
        return float(MAD_TO_SIGMA * median(np.abs(d2 - median(d2))) / np.sqrt(6.0))


#: A rate's values are counts of N samples when each is within this many samples of a whole count.
WHOLE_SAMPLES = 0.01


def sample_count(values: np.ndarray) -> int | None:
    """N, when every value of a rate is a whole number of 1/N (its smallest step between distinct values), else None.

    A validation accuracy over 45 samples moves in steps of 1/45; where the
    steps cannot be pinned down (one distinct value, or counts that are not
    whole), None.
    """
    distinct = np.unique(np.round(values[np.isfinite(values)].astype(np.float64), 6))
    steps = np.diff(distinct)
    steps = steps[steps > 0]
    if not steps.size:
        return None
    n = int(round(1.0 / float(steps.min())))
    counts = distinct * n
    return n if n >= 2 and bool(np.all(np.abs(counts - np.round(counts)) <= WHOLE_SAMPLES)) else None


def binomial_sigma(rate: float, n: int) -> float:
    """The standard deviation of a rate measured on ``n`` samples at ``rate`` (kept half a sample from 0 and 1)."""
    p = min(max(rate, 0.5 / n), 1.0 - 0.5 / n)
    return float(np.sqrt(p * (1.0 - p) / n))


def rate_change_needed(rate: float, n: int | None, minimum: float, sigmas: float) -> float:
    """How far a rate (an error rate) at ``rate`` must move to have moved: ``minimum`` (in absolute terms), and
    ``sigmas`` binomial sigmas of its ``n`` samples where that is known (:func:`sample_count`)."""
    return max(minimum, 0.0 if n is None else sigmas * binomial_sigma(rate, n))


def smoothing_window(n: int, fraction: float = 0.1, minimum: int = 3) -> int:
    """An odd window covering about ``fraction`` of ``n`` points."""
    w = max(minimum, int(round(n * fraction)))
    w = min(w, n if n % 2 else n - 1)
    return max(1, w if w % 2 else w - 1)


def values_at(steps: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values`` linearly interpolated at steps ``at`` (held constant outside)."""
    return np.interp(at.astype(np.float64), steps.astype(np.float64), values)


#: Points :func:`kendall_tau` subsamples a longer series to (its cost grows with their square).
KENDALL_POINTS = 200


def kendall_tau(x: np.ndarray) -> float:
    """Kendall's tau of ``x`` against its index: +1 always rising, -1 always falling.

    The mean sign of ``x[j] - x[i]`` over every pair ``i < j`` (NaN if any
    value is NaN); long series are subsampled evenly to
    :data:`KENDALL_POINTS` points.
    """
    n = len(x)
    if n < 2:
        return 0.0
    if n > KENDALL_POINTS:
        x = x[np.linspace(0, n - 1, KENDALL_POINTS).astype(int)]
        n = KENDALL_POINTS
    earlier, later = _pairs(n)
    return float(np.sign(x[later] - x[earlier]).sum() / (n * (n - 1) // 2))


_KENDALL_PAIRS = np.triu_indices(KENDALL_POINTS, 1)


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(i, j)`` of every pair ``i < j`` of ``n`` points (those of a full subsample made once)."""
    return _KENDALL_PAIRS if n == KENDALL_POINTS else np.triu_indices(n, 1)


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
