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
import signal
import socket
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Iterator, Sequence

from .engine import ExperimentResult, assemble, diagnose_experiments
from .options import LOCAL_PROCESSES, SCHEDULER_TIMEOUT
from .pairing import experiment_name, pair
from .series import SeriesRef

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

    listing: list[str] = []
    runs = run_dirs(patterns, listing)
    task = functools.partial(read_and_diagnose, train_tag=train_tag, val_tag=val_tag, keep_main=baseline is not None)
    groups = experiment_groups(runs)
    if scheduler:
        tasks = _run_on_dask(task, groups, scheduler, progress)
    else:
        tasks = _run_locally(task, groups, jobs, progress)
    by_run = {run: w for _, warned in tasks for run, w in warned.items()}
    warnings = list(dict.fromkeys(listing + [w for run in runs for w in by_run[run]]))
    return assemble([r for results, _ in tasks for r in results], baseline, warnings)


def _run_locally(task: Callable, items: list, jobs: int, progress: ExperimentCount | None) -> list:
    """``[task(item) for item in items]`` on ``jobs`` forked processes, results in input order.

    Forked workers start in milliseconds with everything already imported,
    and only the small per-experiment results travel back. Items go in
    chunks (a few per worker) to keep the per-task overhead small.
    """
    if jobs <= 1 or len(items) <= 1:
        pool = None
        results = ([task(item)] for item in items)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupts
        )
        size = max(1, len(items) // (4 * jobs))
        futures = [pool.submit(_run_chunk, task, items[i : i + size]) for i in range(0, len(items), size)]
        results = (future.result() for future in futures)
    try:
        out = []
        for chunk in results:
            out.extend(chunk)
            if progress is not None:
                progress(len(out), len(items))
        return out
    except BaseException:  # Ctrl-C, or a task's error: stop the other tasks now
        if pool is not None:
            _stop_workers(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown()


def _run_chunk(task: Callable, items: list) -> list:
    return [task(item) for item in items]


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the workers), so no worker traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(pool) -> None:
    """Terminate the pool's workers (``terminate_workers`` from Python 3.14 on)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for process in list((pool._processes or {}).values()):
        process.terminate()


def _run_on_dask(task: Callable, items: list, scheduler: str, progress: ExperimentCount | None) -> list:
    """``[task(item) for item in items]`` on Dask, results in input order."""
    from distributed import as_completed

    with _client(scheduler) as client:
        futures = client.map(task, items, pure=False)
        for done, _ in enumerate(as_completed(futures), 1):
            if progress is not None:
                progress(done, len(items))
        return client.gather(futures)


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler could not be reached or did not answer as one."""


@contextmanager
def _client(scheduler: str, timeout: float = SCHEDULER_TIMEOUT) -> Iterator:
    """A Dask client of ``scheduler`` (an address, or a local cluster for :data:`LOCAL_PROCESSES`).

    Raises :class:`SchedulerUnreachable` with one line when the address
    refuses, stays silent for ``timeout`` seconds, speaks something other than
    Dask's protocol, or cannot be used (e.g. ``tls://`` without certificates).
    """
    from distributed import Client, LocalCluster

    if scheduler == LOCAL_PROCESSES:
        with LocalCluster(
            processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster, Client(cluster) as client:
            yield client
        return
    _check_scheduler(scheduler, timeout)
    with Client(scheduler, timeout=timeout, set_as_default=False) as client:
        yield client


def _check_scheduler(scheduler: str, timeout: float) -> None:
    """Ask ``scheduler`` who it is, within ``timeout`` seconds, before Dask's client does.

    Dask's client would retry a refused port for its own (long) timeout, wait
    forever on a port that accepts but never answers, and print tracebacks
    for one that speaks another protocol.
    """
    import asyncio

    from distributed.comm import connect

    reason = _refused(scheduler, timeout)
    if reason:
        raise SchedulerUnreachable(f"cannot connect to the Dask scheduler at {scheduler}: {reason}")

    async def identity() -> dict:
        comm = await connect(scheduler, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    quiet = logging.getLogger("distributed")
    level, quiet.level = quiet.level, logging.CRITICAL  # its connection retries log tracebacks
    try:
        answer = asyncio.run(asyncio.wait_for(identity(), timeout))
    except asyncio.TimeoutError:
        reason = f"no answer within {timeout:g} s"
    except (OSError, TypeError) as error:  # unreachable, or unusable (tls:// without certificates)
        reason = (str(error).splitlines() or [type(error).__name__])[0]
    except Exception:  # noqa: BLE001 - what another protocol's bytes make Dask's decoder raise
        reason = "the address does not speak Dask's protocol"
    else:
        if isinstance(answer, dict) and answer.get("type") == "Scheduler":
            return
        reason = "the address does not answer as a Dask scheduler"
    finally:
        quiet.level = level
    raise SchedulerUnreachable(f"cannot connect to the Dask scheduler at {scheduler}: {reason}")


def _refused(scheduler: str, timeout: float) -> str | None:
    """Why a ``tcp://`` / ``tls://`` address refuses a plain TCP connection, or None.

    Dask itself would retry a refused port until its timeout.
    """
    protocol, _, address = scheduler.partition("://")
    host, _, port = address.rpartition(":")
    if protocol not in ("tcp", "tls") or not port.isdigit():
        return None
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as error:
        return str(error.strerror or error)
    return None
