"""The scalar points found in one event file, and a run's series built from its files.

A file's points arrive a buffer at a time (out of record order within a
buffer: records are decoded by length group); :meth:`FilePoints.commit` puts
each buffer's points in record order, so a file's points stay in file order
as it grows. A tag is a scalar series when the first metadata written for it
in the run (files in name order, records in file order) names the
``scalars`` plugin, as TensorBoard decides.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections import defaultdict
from typing import Callable, Sequence

import numpy as np

from ..series import Series

SCALARS = "scalars"
#: Which tags' wall times to keep: all (True), none (False), or those a predicate accepts.
WallTimes = bool | Callable[[str], bool]
#: Steps, values and wall times as series hold them. Values are kept as written until then (float32 from
#: ``tf.summary``: a quarter less memory while a file is read).
_COLUMN_DTYPES = (np.int64, np.float64, np.float64)
_SLOT_BITS = 20  # values per event


def order_key(record, slot):
    """Position of a summary value in a file: record index, then index in the event."""
    return (np.asarray(record, dtype=np.int64) << _SLOT_BITS) | np.minimum(slot, (1 << _SLOT_BITS) - 1)


class FilePoints:
    """The points and first metadata of every tag of one event file, in file order.

    ``wall_times`` says of which tags the points' wall times are kept
    (True: all); the others' series get zeros (a read-only view, no memory).
    The document needs them only to undo Keras' running means; not keeping
    the rest saves a third of the memory.
    """

    def __init__(self, wall_times: WallTimes = True) -> None:
        self.wall_times = wall_times
        self.first_plugin: dict[str, tuple[int, str]] = {}
        """``{tag: (order, plugin)}`` of the earliest metadata seen for each tag."""
        self._pending: dict[str, list[tuple[np.ndarray, ...]]] = defaultdict(list)
        self._singles: dict[str, list[tuple[int, int, float, float]]] = defaultdict(list)
        self._columns: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}

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
            columns = self._columns.setdefault(tag, ([], [], []))
            for column, part in zip(columns, (steps, values, walls if self.keeps_wall_times(tag) else None)):
                if part is not None:
                    column.append(part)

    def keeps_wall_times(self, tag: str) -> bool:
        return self.wall_times(tag) if callable(self.wall_times) else self.wall_times

    def has_points(self, tag: str) -> bool:
        return tag in self._columns

    def columns(self, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Steps, values and wall times (None if not kept) of ``tag`` in file order, one array each from now on."""
        out = []
        for column, dtype in zip(self._columns[tag], _COLUMN_DTYPES):
            if len(column) > 1 or column and column[0].dtype != dtype:
                parts = len(column)
                column[:] = [np.concatenate(column, dtype=dtype)]  # frees the parts before the next column is joined
                if parts > 1:
                    release_freed_memory()
            out.append(column[0] if column else None)
        return out[0], out[1], out[2]


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
            steps, values, walls = parts[0]
        else:
            steps, values = (np.concatenate(c) for c in list(zip(*parts))[:2])
            walls = None if any(p[2] is None for p in parts) else np.concatenate([p[2] for p in parts])
        out[tag] = Series.from_points(run, tag, steps, values, walls)
    return out


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the operating system, where the C library allows it (glibc).

    The many small parts a column is joined from are freed into the heap,
    which glibc keeps: without this, joining the next column would add its
    size to the peak memory instead of reusing theirs.
    """
    if _TRIM is not None:
        _TRIM(0)
