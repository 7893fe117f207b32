"""Thin a long series for display without hiding its spikes."""

from __future__ import annotations

import numpy as np


def minmax_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of at most ``max_points`` points that keep each bucket's extremes.

    The series is cut into ``max_points // 2`` buckets of consecutive points;
    each bucket keeps its lowest and its highest point, so a one-point spike
    survives. NaN counts as highest (a bucket that went non-finite shows it),
    never as lowest. Returns sorted unique indices; all of them when the
    series is already short enough.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    if n <= max_points:
        return np.arange(n)
    size = -(-n // (max_points // 2))  # ceil: points per bucket
    rows = -(-n // size)
    nan = np.isnan(values)
    # Padding sorts after every real point, so argmin/argmax never pick it.
    high = np.full(rows * size, -np.inf)
    high[:n] = np.where(nan, np.inf, values)
    low = np.full(rows * size, np.inf)
    low[:n] = np.where(nan, np.inf, values)
    offsets = np.arange(rows) * size
    picked = np.concatenate(
        [
            offsets + high.reshape(rows, size).argmax(axis=1),
            offsets + low.reshape(rows, size).argmin(axis=1),
        ]
    )
    return np.unique(picked)
