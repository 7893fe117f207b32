"""Sweeps: each experiment read and diagnosed as its own task.

An experiment's name depends only on its run names (see :mod:`.pairing`), so
the runs of a sweep are grouped into experiments before any event file is
read. Each group is one task (read its runs, pair, diagnose); the engine's
:func:`~.engine.assemble` puts the tasks' results together, so the
document is the same whichever scheduler ran it.

Tasks run on forked local processes (``jobs``), or on Dask when a scheduler
is asked for; Dask is imported only then.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Iterator, Sequence

from .engine import ExperimentResult, assemble, diagnose_experiments
from .pairing import experiment_name, pair
from .series import SeriesRef

#: ``--scheduler`` value for a local cluster of worker processes.
LOCAL_PROCESSES = "processes"

ExperimentCount = Callable[[int, int], None]
"""Called as ``count(experiments_done, experiments_total)``."""


TaskResult = tuple[list[ExperimentResult], dict[str, list[str]]]
"""What one experiment's task sends back: its result (none for runs without curves) and the reading warnings by run."""


def experiment_groups(runs: dict[str, str]) -> list[dict[str, str]]:
    """``{run: directory}`` split into one dict per experiment, in experiment-name order."""
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    for run, directory in runs.items():
        groups[experiment_name(run)][run] = directory
    return [groups[name] for name in sorted(groups)]


def read_and_diagnose(
    runs: dict[str, str], train_tag: str | None = None, val_tag: str | None = None, keep_main: bool = False
) -> TaskResult:
    """Read the runs of one experiment and diagnose it (one task).

    ``keep_main`` keeps the main curve's series in the result, for a
    baseline comparison; otherwise no series travels back.
    """
    from .logdirs import read_run  # the reader (and protobuf) only when reading: `tb-lossdiag --help` starts fast

    read = {run: read_run(directory) for run, directory in runs.items()}
    series = {SeriesRef(run, tag): s for run, data in read.items() for tag, s in data.runs["."].items()}
    specs = pair(((r.run, r.tag) for r in series), train_tag=train_tag, val_tag=val_tag)
    results = [r.for_comparison() if keep_main else replace(r, series={}) for r in diagnose_experiments(specs, series)]
    return results, {run: data.warnings for run, data in read.items()}


def diagnose_sweep(
    patterns: Sequence[str],
    scheduler: str | None = None,
    *,
    jobs: int = 1,
    baseline: str | None = None,
    train_tag: str | None = None,
    val_tag: str | None = None,
    progress: ExperimentCount | None = None,
) -> dict:
    """The ``tb-lossdiag/1`` document of the logdirs, one task per experiment.

    ``scheduler`` is :data:`LOCAL_PROCESSES` (a local Dask cluster, one
    worker process per core) or the address of a running Dask scheduler
    (``tcp://host:8786``), whose workers have tb-lossdiag installed and can
    read the logdirs. Without one, the tasks run on ``jobs`` forked local
    processes (in this process when ``jobs`` is 1). Raises ``KeyError`` for
    an unknown ``baseline``.
    """
    from .logdirs import run_dirs

    runs = run_dirs(patterns)
    task = functools.partial(read_and_diagnose, train_tag=train_tag, val_tag=val_tag, keep_main=baseline is not None)
    groups = experiment_groups(runs)
    if scheduler:
        tasks = _run_on_dask(task, groups, scheduler, progress)
    else:
        tasks = _run_locally(task, groups, jobs, progress)
    by_run = {run: w for _, warned in tasks for run, w in warned.items()}
    warnings = [w for run in runs for w in by_run[run]]
    return assemble([r for results, _ in tasks for r in results], baseline, warnings)


def _run_locally(task: Callable, items: list, jobs: int, progress: ExperimentCount | None) -> list:
    """``[task(item) for item in items]`` on ``jobs`` forked processes, results in input order.

    Forked workers start in milliseconds with everything already imported,
    and only the small per-experiment results travel back.
    """
    if jobs <= 1 or len(items) <= 1:
        results = map(task, items)
        pool = None
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
        results = pool.map(task, items, chunksize=max(1, len(items) // (4 * jobs)))
    try:
        out = []
        for done, result in enumerate(results, 1):
            out.append(result)
            if progress is not None:
                progress(done, len(items))
        return out
    finally:
        if pool is not None:
            pool.shutdown()


def _run_on_dask(task: Callable, items: list, scheduler: str, progress: ExperimentCount | None) -> list:
    """``[task(item) for item in items]`` on Dask, results in input order."""
    from distributed import as_completed

    with _client(scheduler) as client:
        futures = client.map(task, items, pure=False)
        for done, _ in enumerate(as_completed(futures), 1):
            if progress is not None:
                progress(done, len(items))
        return client.gather(futures)


@contextmanager
def _client(scheduler: str) -> Iterator:
    from distributed import Client, LocalCluster

    if scheduler != LOCAL_PROCESSES:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(
        processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster, Client(cluster) as client:
        yield client
