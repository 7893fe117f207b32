"""Read one or several logdirs (paths or glob patterns) into one set of runs."""

from __future__ import annotations

import glob
import posixpath
from typing import Callable, Sequence

from .reading import LogdirData, read_logdir

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


def read_logdirs(patterns: Sequence[str], progress: Callable[[int, int], None] | None = None) -> LogdirData:
    """Read every logdir; with several, each run is named ``<logdir>/<run>``.

    The prefix keeps experiments of different logdirs apart, as
    TensorBoard's ``--logdir_spec`` does.
    """
    paths = expand(patterns)
    if len(paths) == 1:
        return read_logdir(paths[0], progress=progress)
    merged = LogdirData(runs={}, warnings=[])
    for path in paths:
        data = read_logdir(path, progress=progress)
        prefix = path.rstrip("/")
        for run, tags in data.runs.items():
            merged.runs[prefix if run == "." else posixpath.join(prefix, run)] = tags
        merged.warnings.extend(data.warnings)
    return merged
