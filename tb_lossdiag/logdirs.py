"""Read one or several logdirs (paths or glob patterns) into one set of runs."""

from __future__ import annotations

import glob
import os
import posixpath
from typing import Sequence

from .reading import LogdirData
from .reading.files import event_files_by_run, is_remote, own_event_files
from .reading.runs import read_runs
from .running_mean import keras_wall_times

_GLOB_CHARS = set("*?[")


def expand(patterns: Sequence[str]) -> list[str]:
    """Local glob patterns expanded (sorted); plain paths and URLs kept as given."""
    paths: list[str] = []
    for pattern in patterns:
        if "://" in pattern or not _GLOB_CHARS & set(pattern):
            paths.append(pattern)
            continue
        matches = sorted(glob.glob(pattern))
        if not matches:
            raise FileNotFoundError(f"no logdir matches {pattern!r}")
        paths.extend(matches)
    return list(dict.fromkeys(paths))


def run_name(logdir: str, run: str, several: bool) -> str:
    """A run's name across logdirs: ``<logdir>/<run>`` when there are several.

    The prefix keeps experiments of different logdirs apart, as
    TensorBoard's ``--logdir_spec`` does.
    """
    if not several:
        return run
    prefix = logdir.rstrip("/")
    return prefix if run == "." else posixpath.join(prefix, run)


def run_dirs(patterns: Sequence[str], warnings: list[str] | None = None) -> dict[str, str]:
    """Every run of the logdirs, named by :func:`run_name`, with its directory, in logdir then run order.

    Lists directories only; no event file is read. What could not be listed
    is a line in ``warnings``.
    """
    paths = expand(patterns)
    out = {}
    for path in paths:
        join = posixpath.join if is_remote(path) else os.path.join
        for run in event_files_by_run(path, warnings):
            out[run_name(path, run, len(paths) > 1)] = path if run == "." else join(path, run)
    return out


def read_run(directory: str) -> LogdirData:
    """The series and warnings of the event files directly in ``directory`` (one run, named ``.``).

    Runs nested below ``directory`` are runs of their own: their points and
    warnings are left out. A directory gone or unreadable by now gives a
    warning, not an error. Wall times are read only where the document
    needs them, to undo Keras' running means; the other series' are zeros.
    """
    warnings: list[str] = []
    data = read_runs({".": own_event_files(directory, warnings)}, wall_times=keras_wall_times(None))
    return LogdirData(runs=data.runs, warnings=warnings + data.warnings)
