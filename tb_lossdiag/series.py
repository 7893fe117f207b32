"""One scalar time series, its address (a run/tag pair) and its normalisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

EXACT = np.float64
"""Wall times as written: float64 seconds since the epoch."""
APPROXIMATE = np.float32
"""Wall times as float32 seconds after an origin (see :class:`Series`)."""
#: How a tag's wall times are kept when read: :data:`EXACT`, :data:`APPROXIMATE`, or not at all (None:
#: its series gets zeros, and costs no memory for them).
WallTimes = Callable[[str], "type[np.floating] | None"]

#: Steps below this in magnitude are held as int32 (half the memory of int64): the sum or difference of
#: any two of them still fits, as the checks compute them.
COMPACT_STEP_LIMIT = 1 << 30


def compact_steps(steps: np.ndarray) -> np.ndarray:
    """``steps`` as int32 where every one is below :data:`COMPACT_STEP_LIMIT` in magnitude, else as int64."""
    steps = np.asarray(steps)
    if steps.dtype == np.int32:
        return steps
    if len(steps) and not (-COMPACT_STEP_LIMIT < steps.min() and steps.max() < COMPACT_STEP_LIMIT):
        return steps.astype(np.int64, copy=False)
    return steps.astype(np.int32)


def normalise(
    steps: np.ndarray, values: np.ndarray, wall_times: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points in write order -> the points a restart left, by increasing step.

    A step lower than or equal to one written before it means the run
    restarted (from a checkpoint): every point written earlier at that step
    or later is dropped, as TensorBoard's default (Rust) loader drops them and
    shows the restarted run only. So a point stays when every point written
    after it has a higher step; what stays is strictly increasing. NaN and
    Inf are kept: they are evidence of divergence.

    Steps stay int32 when they are int32 (else int64), values become
    float64, wall times keep their float type (float64 unless given).
    """
    steps = np.asarray(steps)
    if steps.dtype != np.int32:
        steps = steps.astype(np.int64, copy=False)
    values = np.asarray(values, dtype=np.float64)
    if wall_times is None:
        # Not read: a read-only view of one zero. np.zeros would hold memory where the allocator
        # reuses freed pages (after reading), since it must then write the zeros.
        wall_times = np.broadcast_to(np.float64(0.0), len(steps))
    wall_times = np.asarray(wall_times)
    if wall_times.dtype.kind != "f":
        wall_times = wall_times.astype(np.float64)
    if len(steps) == 0 or bool((steps[1:] > steps[:-1]).all()):
        return steps, values, wall_times  # already normalised: no copy
    later_min = np.empty_like(steps)
    later_min[-1] = np.iinfo(steps.dtype).max
    later_min[:-1] = np.minimum.accumulate(steps[:0:-1])[::-1]
    keep = steps < later_min
    keep[-1] = True
    return steps[keep], values[keep], wall_times[keep]


@dataclass(frozen=True)
class SeriesRef:
    """A run/tag pair, the address of one scalar series."""

    run: str
    tag: str


@dataclass(frozen=True)
class Series:
    """Scalar points of one tag in one run, sorted by step, one value per step.

    Wall times are held either exactly, as float64 seconds since the epoch
    (``wall_origin`` 0), or, where only a chart draws them, as float32
    seconds after ``wall_origin``, the tag's first wall time in its file:
    half the memory, within 2**-24 (6e-8) of the time since the origin, or
    2**-23 where a run's files are joined (5 ms after a day, 0.3 s after a
    month at most).
    """

    run: str
    tag: str
    steps: np.ndarray
    """int32 where every step is below :data:`COMPACT_STEP_LIMIT` in magnitude, else int64."""
    values: np.ndarray
    wall_offsets: np.ndarray
    """Seconds after ``wall_origin`` (see :attr:`wall_times`)."""
    wall_origin: float = 0.0
    sampled: bool = False
    """True when the source kept only a sample of the points (TensorBoard's reservoir)."""
    warning: str | None = None
    """Why some of the source's values are not points (not real numbers), where any were skipped."""

    @classmethod
    def from_points(
        cls,
        run: str,
        tag: str,
        steps,
        values,
        wall_times=None,
        sampled: bool = False,
        wall_origin: float = 0.0,
    ) -> "Series":
        """Build a normalised series from points in write order (see :func:`normalise`).

        ``wall_times`` are seconds after ``wall_origin`` (since the epoch by default).
        """
        s, v, w = normalise(np.asarray(steps), np.asarray(values), wall_times)
        return cls(run=run, tag=tag, steps=s, values=v, wall_offsets=w, wall_origin=wall_origin, sampled=sampled)

    @property
    def wall_times(self) -> np.ndarray:
        """Seconds since the epoch, float64 (computed for float32 offsets, which are a copy each time)."""
        if self.wall_origin == 0.0:
            return self.wall_offsets.astype(np.float64, copy=False)
        return self.wall_origin + self.wall_offsets.astype(np.float64)

    def __len__(self) -> int:
        return len(self.steps)
