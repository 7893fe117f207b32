"""Following the runs of one or more logdirs while they are written: only new bytes are read.

A :class:`LogdirFollower` lists the runs on each :meth:`~LogdirFollower.refresh`
and keeps one :class:`~.cursor.FileCursor` per event file, so a reload reads
only what was appended; a run whose directory is gone disappears. Run names
are TensorBoard's: the directory's path relative to the logdir (``.`` for the
logdir itself), under the group name of a ``--logdir_spec`` entry.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field

from ..series import Series, WallTimes
from .cursor import FileCursor
from .files import event_files_by_run, is_remote
from .points import all_exact, run_series


@dataclass(frozen=True)
class Root:
    """One logdir, and the group name TensorBoard puts before its runs' names (``--logdir_spec``)."""

    path: str
    group: str | None = None

    def run_name(self, relative: str) -> str:
        """TensorBoard's name for the run at ``relative`` (``os.path.join(group, relative)``, as its multiplexer)."""
        return relative if self.group is None else posixpath.join(self.group, relative)


@dataclass
class _Run:
    cursors: dict[str, FileCursor] = field(default_factory=dict)
    version: int = 0
    series: dict[str, Series] | None = None


class LogdirFollower:
    """Every run of the roots, each event file followed from where it was last read.

    ``wall_times`` says how each tag's wall times are kept. Not thread-safe:
    callers serialise :meth:`refresh` and reads.
    """

    def __init__(self, roots: list[Root], wall_times: WallTimes = all_exact) -> None:
        self.roots = roots
        self.wall_times = wall_times
        self._runs: dict[str, _Run] = {}

    def refresh(self) -> None:
        """List the runs again and read what was appended to their event files since the last refresh."""
        listed: dict[str, list[str]] = {}
        for root in self.roots:
            for relative, paths in _runs_of(root.path).items():
                listed.setdefault(root.run_name(relative), paths)
        self._runs = {name: self._runs.get(name) or _Run() for name in listed}
        for name, paths in listed.items():
            run = self._runs[name]
            cursors = {path: run.cursors.get(path) or FileCursor(path, wall_times=self.wall_times) for path in paths}
            changed = cursors.keys() != run.cursors.keys()
            for cursor in cursors.values():
                changed |= cursor.advance()
            if changed or run.series is None:
                run.cursors, run.version, run.series = cursors, run.version + 1, None

    def runs(self) -> dict[str, int]:
        """``{run: version}``; a version changes whenever the run's files or their points change."""
        return {name: run.version for name, run in self._runs.items()}

    def series(self, run: str) -> dict[str, Series]:
        """The run's scalar series as of the last refresh (``{}`` for an unknown run)."""
        state = self._runs.get(run)
        if state is None:
            return {}
        if state.series is None:
            state.series = run_series(run, [c.points for c in state.cursors.values()])
        return state.series

    def warnings(self) -> list[str]:
        """One line per damaged or unreadable event file, in run order."""
        return [w for run in self._runs.values() for c in run.cursors.values() if (w := c.warning()) is not None]

    @property
    def bytes_read(self) -> int:
        """Bytes read from event files so far (re-reads counted again), for measurements."""
        return sum(c.bytes_read for run in self._runs.values() for c in run.cursors.values())


def _runs_of(path: str) -> dict[str, list[str]]:
    """The runs of one logdir; a logdir that is missing (or not yet created) has none."""
    try:
        return event_files_by_run(path)
    except (FileNotFoundError, NotADirectoryError):
        return {}


def roots_from_flags(logdir: str | None, logdir_spec: str | None) -> list[Root]:
    """The logdirs TensorBoard was started with, as it parses ``--logdir`` and ``--logdir_spec``."""
    if logdir:
        return [Root(logdir if is_remote(logdir) else os.path.expanduser(logdir))]
    roots = []
    for entry in (logdir_spec or "").split(","):
        if not entry:
            continue
        group, sep, path = entry.partition(":")
        if "://" in entry or not sep or entry.startswith("/"):
            group, path = None, entry
        roots.append(Root(path if is_remote(path) else os.path.realpath(os.path.expanduser(path)), group))
    return roots
