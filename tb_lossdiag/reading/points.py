"""The scalar points found in one event file, and a run's series built from its files.

A file's points arrive a buffer at a time (out of record order within a
buffer: records are decoded by length group); :meth:`FilePoints.commit` puts
each buffer's points in record order, so a file's points stay in file order
as it grows. A tag is a scalar series when the first metadata written for it
in the run (files in name order, records in file order) names the
``scalars`` plugin, as TensorBoard decides.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from ..series import APPROXIMATE, EXACT, Series, WallTimes, compact_steps
from .column import Column

SCALARS = "scalars"
_SLOT_BITS = 20  # values per event


def all_exact(tag: str) -> type[np.floating]:
    """Every tag's wall times, as written."""
    return EXACT


def order_key(record, slot):
    """Position of a summary value in a file: record index, then index in the event."""
    return (np.asarray(record, dtype=np.int64) << _SLOT_BITS) | np.minimum(slot, (1 << _SLOT_BITS) - 1)


class FilePoints:
    """The points and first metadata of every tag of one event file, in file order.

    Each tag's points go straight into the columns its series is a view of
    (one copy): steps as int32 where they fit
    (:func:`~tb_lossdiag.series.compact_steps`), values widened to float64
    (the checks work in float64 and take a pair of curves at once, so
    widening both for each diagnosis would cost more at the peak than it
    saves at rest), wall times as ``wall_times(tag)`` says.
    """

    def __init__(self, wall_times: WallTimes = all_exact) -> None:
        self.wall_times = wall_times
        self.first_plugin: dict[str, tuple[int, str]] = {}
        """``{tag: (order, plugin)}`` of the earliest metadata seen for each tag."""
        self._pending: dict[str, list[tuple[np.ndarray, ...]]] = defaultdict(list)
        self._singles: dict[str, list[tuple[int, int, float, float]]] = defaultdict(list)
        self._columns: dict[str, tuple[Column, Column, Column | None]] = {}
        self._wall_origins: dict[str, float] = {}
        """Per tag, the first wall time: what :data:`APPROXIMATE` wall times count from (0 for others)."""

    def metadata(self, tag: str, plugin: str, order: int) -> None:
        """Note metadata seen for ``tag`` at position ``order``; the earliest wins."""
        current = self.first_plugin.get(tag)
        if current is None or order < current[0]:
            self.first_plugin[tag] = (int(order), plugin)

    def points(
        self, tag: str, order: np.ndarray, steps: np.ndarray, values: np.ndarray, wall_times: np.ndarray
    ) -> None:
        """Add many points of ``tag`` (arrays of equal length) from the current buffer."""
        if len(order):
            self._pending[tag].append((order, steps, values, wall_times))

    def point(self, tag: str, order: int, step: int, value: float, wall_time: float) -> None:
        """Add one point of ``tag`` from the current buffer."""
        self._singles[tag].append((order, step, value, wall_time))

    def commit(self) -> None:
        """Append the current buffer's points to each tag's columns, in record order."""
        for tag in set(self._pending) | set(self._singles):
            parts = self._pending.pop(tag, [])
            singles = self._singles.pop(tag, None)
            if singles:
                order, steps, values, walls = zip(*singles)
                parts.append(
                    (
                        np.array(order, dtype=np.int64),
                        np.array(steps, dtype=np.int64),
                        np.array(values, dtype=np.float64),
                        np.array(walls, dtype=np.float64),
                    )
                )
            order, steps, values, walls = (np.concatenate(c) if len(parts) > 1 else c[0] for c in zip(*parts))
            if np.any(order[1:] < order[:-1]):
                by_order = np.argsort(order, kind="stable")
                steps, values, walls = steps[by_order], values[by_order], walls[by_order]
            if tag not in self._columns:
                kept = self.wall_times(tag)
                wall_column = None if kept is None else Column(kept)
                self._columns[tag] = (Column(np.int32), Column(np.float64), wall_column)
                exact = wall_column is None or wall_column.dtype == EXACT
                self._wall_origins[tag] = 0.0 if exact else float(walls[0])
            step_column, value_column, wall_column = self._columns[tag]
            step_column.append(compact_steps(steps))
            value_column.append(values)
            if wall_column is not None:
                origin = self._wall_origins[tag]
                wall_column.append(walls if wall_column.dtype == EXACT else (walls - origin).astype(APPROXIMATE))

    def has_points(self, tag: str) -> bool:
        return tag in self._columns

    def columns(self, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, float]:
        """Steps, values, wall times (None if not kept) of ``tag`` in file order, and their wall origin.

        Read-only views of the columns, no copy; the origin is 0 for
        :data:`EXACT` wall times.
        """
        steps, values, walls = self._columns[tag]
        return steps.view(), values.view(), None if walls is None else walls.view(), self._wall_origins[tag]


def run_series(run: str, files: Sequence[FilePoints]) -> dict[str, Series]:
    """Every scalar tag of a run (its files in name order) with at least one point, sorted by tag."""
    plugin: dict[str, str] = {}
    for points in files:
        for tag, (_, name) in points.first_plugin.items():
            plugin.setdefault(tag, name)
    out = {}
    for tag in sorted(plugin):
        holding = [p for p in files if p.has_points(tag)]
        if plugin[tag] != SCALARS or not holding:
            continue
        parts = [p.columns(tag) for p in holding]
        if len(parts) == 1:
            steps, values, walls, origin = parts[0]
        else:
            steps, values = (np.concatenate(c) for c in list(zip(*parts))[:2])
            walls, origin = _join_wall_times([(p[2], p[3]) for p in parts])
        out[tag] = Series.from_points(run, tag, steps, values, walls, wall_origin=origin)
    return out


def _join_wall_times(parts: list[tuple[np.ndarray | None, float]]) -> tuple[np.ndarray | None, float]:
    """Several files' wall times of one tag as one array, counted from the first file's origin."""
    if any(walls is None for walls, _ in parts):
        return None, 0.0
    origin = parts[0][1]
    if all(o == origin for _, o in parts):
        return np.concatenate([walls for walls, _ in parts]), origin
    rebased = [((o - origin) + walls.astype(np.float64)).astype(walls.dtype) for walls, o in parts]
    return np.concatenate(rebased), origin
