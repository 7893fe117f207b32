"""Read one or several logdirs (paths or glob patterns) into one set of runs."""

from __future__ import annotations

import glob
import os
import posixpath
from typing import Callable, Sequence

from .reading import LogdirData, read_logdir
from .reading.fast import decode_file
from .reading.files import event_files_by_run, is_remote, own_event_files
from .reading.logdir import read_files

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


def read_logdirs(patterns: Sequence[str], progress: Callable[[int, int], None] | None = None) -> LogdirData:
    """Read every logdir; with several, runs are named by :func:`run_name`."""
    paths = expand(patterns)
    if len(paths) == 1:
        return read_logdir(paths[0], progress=progress)
    merged = LogdirData(runs={}, warnings=[])
    for path in paths:
        data = read_logdir(path, progress=progress)
        for run, tags in data.runs.items():
            merged.runs[run_name(path, run, several=True)] = tags
        merged.warnings.extend(data.warnings)
    return merged


def run_dirs(patterns: Sequence[str], warnings: list[str] | None = None) -> dict[str, str]:
    """Every run of the logdirs, named as :func:`read_logdirs` names it, with its directory.

    Lists directories only; no event file is read. In :func:`read_logdirs`
    order. What could not be listed is a line in ``warnings``.
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

    Runs nested below ``directory`` are runs of their own and are not read. A
    directory gone or unreadable by now gives a warning, not an error.
    """
    warnings: list[str] = []
    files = own_event_files(directory, warnings)
    data = read_files(decode_file, {".": files}, warnings=warnings)
    return LogdirData(runs={".": data.runs.get(".", {})}, warnings=data.warnings)
