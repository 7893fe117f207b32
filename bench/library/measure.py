"""Facts measured on the written curves, the evidence each label must rest on.

Pure functions of ``(steps, values)`` arrays, in the style of ``scipy.signal``:
every threshold is a named parameter with a documented default. Noisy per-step
curves are summarised by block medians (:func:`levels`) before trends are
judged; spikes are judged point by point against the median and MAD of the
points just before them.
"""

from __future__ import annotations

import numpy as np

from demo.labels import SMOOTHING, smooth

BLOCKS = 50
"""A curve is summarised by the medians of this many consecutive blocks of points."""
START_POINTS = 3
"""The starting level is the median of this many first finite points."""
TAIL_FRACTION = 0.1
"""The final level is the median of this last fraction of finite points."""
LOCAL_WINDOW = 25
"""A spike is judged against this many finite points before it."""
SPIKE_MADS = 6.0
"""A spike stands this many (normal-scaled) MADs above the local median ..."""
SPIKE_RISE = 0.5
"""... and at least this fraction above it."""
MAD_SCALE = 1.4826
"""MAD to standard deviation for normal noise."""


def finite(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(values)
    return steps[keep], values[keep]


def start_level(values: np.ndarray, points: int = START_POINTS) -> float:
    """Median of the first ``points`` finite values (NaN when there are none)."""
    v = values[np.isfinite(values)][:points]
    return float(np.median(v)) if len(v) else float("nan")


def tail_level(values: np.ndarray, fraction: float = TAIL_FRACTION) -> float:
    """Median of the last ``fraction`` of the finite values (at least 3 of them)."""
    v = values[np.isfinite(values)]
    if not len(v):
        return float("nan")
    return float(np.median(v[-max(3, int(len(v) * fraction)):]))


def levels(steps: np.ndarray, values: np.ndarray, blocks: int = BLOCKS) -> tuple[np.ndarray, np.ndarray]:
    """Block medians of the finite points (one per point when there are fewer than ``blocks``)."""
    s, v = finite(steps, values)
    if len(v) <= blocks:
        return s, v
    parts = np.array_split(np.arange(len(v)), blocks)
    return np.array([s[p[len(p) // 2]] for p in parts]), np.array([np.median(v[p]) for p in parts])


def first_nonfinite(steps: np.ndarray, values: np.ndarray) -> int | None:
    """Step of the first NaN/Inf value, or None."""
    bad = ~np.isfinite(values)
    return int(steps[np.argmax(bad)]) if bad.any() else None


def validation_minimum(steps: np.ndarray, values: np.ndarray) -> dict:
    """Where the smoothed validation curve is lowest, and how far its end has risen above that minimum.

    ``rise`` is relative to the minimum; ``position`` is the minimum's place in the run (0..1).
    """
    s, v = finite(steps, values)
    smoothed = smooth(v, min(SMOOTHING, len(v)))  # a shorter window on a short curve keeps its length
    i = int(np.argmin(smoothed))
    low, end = float(smoothed[i]), float(smoothed[-1])
    span = max(1, int(s[-1] - s[0]))
    return {"step": int(s[i]), "value": low, "end": end, "rise": (end - low) / max(abs(low), 1e-12),
            "position": float((s[i] - s[0]) / span)}


def spikes_near(
    steps: np.ndarray,
    values: np.ndarray,
    events: list[int],
    search: int,
    window: int = LOCAL_WINDOW,
    mads: float = SPIKE_MADS,
    rise: float = SPIKE_RISE,
) -> list[tuple[int, float]]:
    """Logged points in ``[event - 1, event + search]`` standing above their local level: ``(step, height)``.

    The window starts a step early because writers differ by one in the step
    they log a batch at. The local level is the median of the ``window`` finite points before the
    point; it must exceed that median by ``mads`` normal-scaled MADs and by
    ``rise`` times the median. ``height`` is the value over the local median.
    """
    out = []
    for event in events:
        for i in np.flatnonzero((steps >= event - 1) & (steps <= event + search)):
            before = values[max(0, i - window - search):i]
            before = before[np.isfinite(before)][-window:]
            if len(before) < 5 or not np.isfinite(values[i]):
                continue
            level = float(np.median(before))
            spread = MAD_SCALE * float(np.median(np.abs(before - level)))
            if values[i] > level + max(mads * spread, rise * abs(level)):
                out.append((int(steps[i]), float(values[i] / level) if level else float("inf")))
    return sorted(set(out))


def heights_at(steps: np.ndarray, values: np.ndarray, at: list[int], radius: int = 2) -> list[float | None]:
    """For each step of ``at``, the first point logged at or after it over the median of its ``radius``
    neighbours on each side (None when the curve has no point there): how much a coarse curve shows an event."""
    out: list[float | None] = []
    for step in at:
        i = int(np.searchsorted(steps, step))
        around = np.r_[values[max(0, i - radius):i], values[i + 1:i + 1 + radius]]
        around = around[np.isfinite(around)]
        if i >= len(values) or not len(around) or not np.isfinite(values[i]):
            out.append(None)
            continue
        out.append(float(values[i] / np.median(around)))
    return out


def learning_rate_cut(steps: np.ndarray, lrs: np.ndarray, factor: float = 100.0) -> int | None:
    """First logged step where the learning rate falls by ``factor`` or more from the point before."""
    drop = np.flatnonzero(lrs[1:] * factor <= lrs[:-1])
    return int(steps[drop[0] + 1]) if len(drop) else None


def level_at(steps: np.ndarray, values: np.ndarray, step: float) -> float:
    """The block-median level nearest to ``step``."""
    s, v = levels(steps, values)
    return float(v[np.argmin(np.abs(s - step))])


def level_between(steps: np.ndarray, values: np.ndarray, lo: float, hi: float) -> float:
    """Median of the finite values logged in ``lo < step <= hi`` (the nearest point's value when there is none)."""
    s, v = finite(steps, values)
    inside = (s > lo) & (s <= hi)
    return float(np.median(v[inside])) if inside.any() else float(v[np.argmin(np.abs(s - hi))])


def longest_flat(steps: np.ndarray, values: np.ndarray, band: float = 0.05) -> tuple[int, int]:
    """First and last step of the longest stretch of block levels within ``band`` (relative) of each other."""
    s, v = levels(steps, values)
    best, lo = (0, 0), 0
    for hi in range(len(v)):
        while v[lo:hi + 1].max() - v[lo:hi + 1].min() > band * max(abs(v[lo:hi + 1].min()), 1e-12):
            lo += 1
        if hi - lo > best[1] - best[0]:
            best = (lo, hi)
    return int(s[best[0]]), int(s[best[1]])


def divergence_onset(steps: np.ndarray, values: np.ndarray, factor: float = 3.0, blocks: int = BLOCKS) -> int | None:
    """Where the loss leaves for good: the first step of the first block after which every block level stays
    ``factor`` times above the lowest level reached so far (the first NaN/Inf if that comes sooner).

    A blow-up the run recovers from (a spike) does not count; the sustained one does.
    """
    nonfinite = first_nonfinite(steps, values)
    keep = np.flatnonzero(np.isfinite(values))
    if len(keep) == 0:
        return nonfinite
    parts = np.array_split(keep, min(blocks, len(keep)))
    level = np.array([np.median(values[p]) for p in parts])
    floor = np.minimum.accumulate(level)
    stays = np.flatnonzero(level <= factor * floor)
    first = (stays[-1] + 1) if len(stays) else 0
    onset = None
    if first < len(parts):  # the first point of that block's stretch above the floor
        start = parts[first][0]
        above = np.flatnonzero(values[start:] > factor * floor[first])
        onset = int(steps[start + above[0]]) if len(above) else int(steps[start])
    candidates = [s for s in (onset, nonfinite) if s is not None]
    return min(candidates) if candidates else None


def blow_up_step(steps: np.ndarray, values: np.ndarray, factor: float = 3.0) -> int | None:
    """First step that is NaN/Inf or ``factor`` times above the lowest block level reached before it,
    whether or not the loss stays there (a collapse to chance comes back down to ln C)."""
    s, v = levels(steps, values)
    if not len(v):
        return first_nonfinite(steps, values)
    running = np.minimum.accumulate(v)
    floor = running[np.clip(np.searchsorted(s, steps, side="right") - 1, 0, len(v) - 1)]
    bad = ~np.isfinite(values) | (values > factor * floor)
    return int(steps[np.argmax(bad)]) if bad.any() else None
