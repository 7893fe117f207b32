"""One scalar time series, its address (a run/tag pair) and its normalisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def normalise(
    steps: np.ndarray, values: np.ndarray, wall_times: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort by step and keep the last value written for each step.

    Restarted runs rewrite earlier steps; the value logged last (in file
    order) wins, as TensorBoard's Rust loader does. NaN and Inf are kept:
    they are evidence of divergence.
    """
    steps = np.asarray(steps, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if wall_times is None:
        wall_times = np.zeros(len(steps), dtype=np.float64)
    wall_times = np.asarray(wall_times, dtype=np.float64)
    if len(steps) == 0 or bool((steps[1:] > steps[:-1]).all()):
        return steps, values, wall_times  # already normalised: no copy
    # Stable sort of the reversed arrays puts the last write of a step first.
    rev = np.arange(len(steps) - 1, -1, -1)
    order = rev[np.argsort(steps[rev], kind="stable")]
    s = steps[order]
    keep = np.ones(len(s), dtype=bool)
    keep[1:] = s[1:] != s[:-1]
    order = order[keep]
    return steps[order], values[order], wall_times[order]


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
        """Build a normalised series from points in any order, duplicates allowed."""
        s, v, w = normalise(np.asarray(steps), np.asarray(values), wall_times)
        return cls(run=run, tag=tag, steps=s, values=v, wall_times=w, sampled=sampled)

    def __len__(self) -> int:
        return len(self.steps)
