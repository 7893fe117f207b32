"""Reading every run of a logdir: each event file followed by a cursor, a run's files merged in name order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence

from ..series import Series
from .cursor import FileCursor
from .files import event_files_by_run
from .points import WallTimes, all_exact, run_series

TagFilter = Callable[[str, str], bool]
FileCount = Callable[[int, int], None]
"""Called as ``count(files_done, files_total)`` after each event file."""


class FileReader(Protocol):
    """Reads one event file to its end: a :class:`FileCursor`, or the reference reader."""

    def __call__(self, path: str, wanted: Callable[[str], bool], wall_times: WallTimes = all_exact) -> FileCursor: ...


@dataclass
class LogdirData:
    """Every scalar series of a logdir, and what could not be read."""

    runs: dict[str, dict[str, Series]] = field(default_factory=dict)
    """``{run: {tag: Series}}``, normalised (sorted by step, last value per step wins)."""
    warnings: list[str] = field(default_factory=list)
    """One line per damaged or unreadable file, naming it and the byte offset."""


def read_to_end(path: str, wanted: Callable[[str], bool], wall_times: WallTimes = all_exact) -> FileCursor:
    """One event file read to its end by a fresh :class:`FileCursor`."""
    cursor = FileCursor(path, wanted=wanted, wall_times=wall_times)
    cursor.advance()
    return cursor


def read_runs(
    files: dict[str, Sequence[str]],
    read: FileReader = read_to_end,
    tag_filter: TagFilter | None = None,
    count: FileCount | None = None,
    wall_times: WallTimes = all_exact,
) -> LogdirData:
    """The series of each run of ``files`` (``{run: event file paths in name order}``) and their warnings.

    Series whose wall times ``wall_times`` does not keep get zeros (not kept: less memory).
    """
    total = sum(len(paths) for paths in files.values())
    done = 0
    data = LogdirData()
    for run, paths in files.items():
        wanted = (lambda tag, run=run: tag_filter(run, tag)) if tag_filter else (lambda tag: True)
        cursors = []
        for path in paths:
            cursors.append(read(path, wanted, wall_times))
            done += 1
            if count is not None:
                count(done, total)
        data.warnings.extend(w for c in cursors if (w := c.warning()) is not None)
        data.runs[run] = run_series(run, [c.points for c in cursors])
    return data


def read_with(
    read: FileReader, path: str, tag_filter: TagFilter | None = None, count: FileCount | None = None
) -> LogdirData:
    """Read every run of the logdir ``path`` with ``read``; directories that cannot be listed are warnings."""
    listing: list[str] = []
    data = read_runs(event_files_by_run(path, listing), read, tag_filter, count)
    data.warnings[:0] = listing
    return data
