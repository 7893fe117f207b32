"""One scalar time series, its address (a run/tag pair) and its normalisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    """
    steps = np.asarray(steps, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if wall_times is None:
        # Not read: a read-only view of one zero. np.zeros would hold memory where the allocator
        # reuses freed pages (after reading), since it must then write the zeros.
        wall_times = np.broadcast_to(np.float64(0.0), len(steps))
    wall_times = np.asarray(wall_times, dtype=np.float64)
    if len(steps) == 0 or bool((steps[1:] > steps[:-1]).all()):
        return steps, values, wall_times  # already normalised: no copy
    later_min = np.empty_like(steps)
    later_min[-1] = np.iinfo(np.int64).max
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
    """Scalar points of one tag in one run, sorted by step, one value per step."""

    run: str
    tag: str
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray
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
    ) -> "Series":
        """Build a normalised series from points in write order (see :func:`normalise`)."""
        s, v, w = normalise(np.asarray(steps), np.asarray(values), wall_times)
        return cls(run=run, tag=tag, steps=s, values=v, wall_times=w, sampled=sampled)

    def __len__(self) -> int:
        return len(self.steps)
