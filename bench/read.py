"""Reading benchmark: tb-lossdiag's reader against its reference reader, tbparse and TensorBoard.

Generates once, with ``tf.summary.scalar``, a logdir of N runs x S steps x 2
loss series (``loss/train``, ``loss/validation``), then times every reader on
it in one process (median of several repeats), the engine's diagnosis of
what was read (alternated with the read, on one core), and the CLI end to end in
fresh processes (against the reference reader, which only reads). Slow peers can read only a fraction of the runs
(``--peers-subset``); their time is then extrapolated to the whole logdir and
labelled as such. Prints a markdown table.

    python -m bench.read                       # 100 runs x 10000 steps (~138 MB)
    python -m bench.read --runs 10 --steps 1000 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

import numpy as np

from tb_lossdiag.engine import document_from_series
from tb_lossdiag.reading import read_logdir
from tb_lossdiag.reading.reference import read_logdir_reference

BYTES_PER_POINT = 8 + 8 + 8  # step, value, wall time


# --- the logdir --------------------------------------------------------------


def _curves(rng: np.random.Generator, steps: int, overfit: bool) -> tuple[np.ndarray, np.ndarray]:
    """A decaying training loss and a validation loss that may turn up again."""
    x = np.linspace(0.0, 1.0, steps)
    train = 2.0 * np.exp(-5 * x) + 0.05 + 0.02 * rng.standard_normal(steps)
    val = 2.0 * np.exp(-4 * x) + 0.1 + (0.8 * np.maximum(x - 0.5, 0) if overfit else 0) + 0.03 * rng.standard_normal(steps)
    return train.astype(np.float32), val.astype(np.float32)


def generate(logdir: str, runs: int, steps: int) -> None:
    """Write the benchmark logdir unless a complete one with these sizes exists."""
    stamp = os.path.join(logdir, "generated.json")
    wanted = {"runs": runs, "steps": steps}
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == wanted:
                return
    shutil.rmtree(logdir, ignore_errors=True)
    import tensorflow as tf

    from tensorboard.plugins.scalar.metadata import create_summary_metadata

    tf.get_logger().setLevel("ERROR")  # one tf.function per writer: retracing is expected
    scalar_metadata = create_summary_metadata(display_name=None, description=None).SerializeToString()
    rng = np.random.default_rng(0)
    for r in range(runs):
        writer = tf.summary.create_file_writer(os.path.join(logdir, f"run_{r:03d}"))

        @tf.function
        def log(train, val):
            # tf.summary.write is what tf.summary.scalar calls; it keeps the tag
            # free of the loop's name scope.
            with writer.as_default():
                for i in tf.range(tf.shape(train)[0]):
                    step = tf.cast(i, tf.int64)
                    tf.summary.write("loss/train", train[i], step=step, metadata=scalar_metadata)
                    tf.summary.write("loss/validation", val[i], step=step, metadata=scalar_metadata)

        log(*(tf.constant(c) for c in _curves(rng, steps, overfit=r % 2 == 1)))
        writer.close()
    with open(stamp, "w") as f:
        json.dump(wanted, f)


def subset(logdir: str, fraction: float) -> tuple[str, int, int]:
    """A logdir holding the first ``fraction`` of the runs (hard links), its run count and the total."""
    runs = sorted(d for d in os.listdir(logdir) if os.path.isdir(os.path.join(logdir, d)))
    keep = max(1, round(len(runs) * fraction))
    if keep >= len(runs):
        return logdir, len(runs), len(runs)
    target = f"{logdir.rstrip(os.sep)}_subset_{keep}"
    if not os.path.isdir(target):
        for run in runs[:keep]:
            os.makedirs(os.path.join(target, run))
            for name in os.listdir(os.path.join(logdir, run)):
                os.link(os.path.join(logdir, run, name), os.path.join(target, run, name))
    return target, keep, len(runs)


# --- the readers: each returns the number of points it read -------------------


def ours(logdir: str) -> int:
    return _count(read_logdir(logdir))


def reference(logdir: str) -> int:
    return _count(read_logdir_reference(logdir))


def _count(data) -> int:
    return sum(len(s) for tags in data.runs.values() for s in tags.values())


def tbparse_reader(logdir: str) -> int:
    from tbparse import SummaryReader

    reader = SummaryReader(logdir, extra_columns={"dir_name"})
    return len(reader.scalars) + len(reader.tensors)


def event_accumulator(logdir: str) -> int:
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    points = 0
    for run in sorted(os.listdir(logdir)):
        path = os.path.join(logdir, run)
        if not os.path.isdir(path):
            continue
        acc = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
        acc.Reload()
        tags = acc.Tags()
        points += sum(len(acc.Scalars(t)) for t in tags[ea.SCALARS])
        for tag in tags[ea.TENSORS]:
            points += len([tensor_util.make_ndarray(e.tensor_proto).item() for e in acc.Tensors(tag)])
    return points


# --- measuring ---------------------------------------------------------------


@dataclass
class Result:
    name: str
    runs_read: int
    points: int
    seconds: float  # median, for the runs read
    peak_bytes: int

    def full_seconds(self, total_runs: int) -> float:
        return self.seconds * total_runs / self.runs_read


def measure(name: str, reader: Callable[[str], int], logdir: str, runs_read: int, repeats: int) -> Result:
    """Median wall time over ``repeats``, then one traced run for peak memory."""
    times, points = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        points = reader(logdir)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    reader(logdir)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Result(name, runs_read, points, statistics.median(times), peak)


@dataclass
class Diagnosis:
    """The engine's diagnosis of everything read, timed alternately with the read itself."""

    seconds: float  # median
    read_seconds: float  # median of the reads it alternated with
    ratios: list[float]  # each diagnosis over the read just before it, sorted

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def diagnosis_against_read(logdir: str, repeats: int) -> Diagnosis:
    """Read, then diagnose what was read, ``repeats`` times in turn: both timed under the same load.

    On shared cores the same read takes 0.5-0.9 s from one minute to the
    next; a read and the diagnosis right after it see the same load.
    """
    data = read_logdir(logdir)
    document_from_series(data.runs, warnings=data.warnings)  # the first call imports scipy's filters
    reads, diagnoses = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours(logdir)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        document_from_series(data.runs, warnings=data.warnings)
        diagnoses.append(time.perf_counter() - start)
    ratios = sorted(d / r for r, d in zip(reads, diagnoses))
    return Diagnosis(statistics.median(diagnoses), statistics.median(reads), ratios)


def cli_seconds(logdir: str, repeats: int, jobs: int | None = None) -> float:
    """Median wall time of ``tb-lossdiag diagnose LOGDIR --json`` in a fresh process (default jobs: one per core)."""
    command = [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--json", "--quiet"]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command + ([] if jobs is None else ["-j", str(jobs)]), stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(results: list[Result], total_runs: int, engine: Diagnosis) -> str:
    base = results[0].full_seconds(total_runs)
    lines = [
        "| reader | runs timed | points read | median s (all runs) | points/s | vs ours | peak memory (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        extrapolated = r.runs_read < total_runs
        full = r.full_seconds(total_runs)
        rate = r.points / r.seconds
        label = f"{full:.2f} (extrapolated)" if extrapolated else f"{full:.3f}"
        lines.append(
            f"| {r.name} | {r.runs_read} | {r.points:,} | {label} | {rate:,.0f} | {full / base:.1f}x | {r.peak_bytes / 1e6:.0f} |"
        )
    lines.append(
        f"\nDiagnosis of everything read (`document_from_series`, one core), alternated with the read "
        f"{len(engine.ratios)} times: {engine.seconds:.2f} s against {engine.read_seconds:.2f} s, "
        f"{engine.ratio:.2f}x the read (median of the pairs; {engine.ratios[0]:.2f}-{engine.ratios[-1]:.2f}x)."
    )
    return "\n".join(lines)


def end_to_end(cli: dict[str, float], reference_seconds: float) -> str:
    """The CLI's end-to-end times beside the reference reader's (extrapolated) time to read the same logdir."""
    return "\n".join(
        f"CLI end to end (`tb-lossdiag diagnose LOGDIR --json`, {how}): {seconds:.2f} s, "
        f"{seconds / reference_seconds:.3f}x the reference reader's {reference_seconds:.1f} s to only read it."
        for how, seconds in cli.items()
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join("bench", "out", "read_logdir"))
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per reader (median)")
    parser.add_argument(
        "--peers-subset", type=float, default=0.05, help="fraction of runs the slow readers read (extrapolated)"
    )
    args = parser.parse_args(argv)

    generate(args.dir, args.runs, args.steps)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.dir) for f in fs)
    small, small_runs, total_runs = subset(args.dir, args.peers_subset)
    print(f"logdir: {args.runs} runs x {args.steps} steps x 2 series, {size / 1e6:.0f} MB")

    main_result = measure("tb-lossdiag `read_logdir`", ours, args.dir, total_runs, args.repeats)
    expected_small = ours(small)
    peers = [
        ("tb-lossdiag reference reader", reference),
        ("tbparse `SummaryReader`", tbparse_reader),
        ("TensorBoard `EventAccumulator`", event_accumulator),
    ]
    peer_repeats = max(1, min(args.repeats, 3))
    results = [main_result] + [measure(name, fn, small, small_runs, peer_repeats) for name, fn in peers]
    for r in results[1:]:
        if r.points != expected_small:
            raise SystemExit(f"{r.name} read {r.points} points, tb-lossdiag {expected_small} on the same runs")
    expected_all = args.runs * args.steps * 2
    if main_result.points != expected_all:
        raise SystemExit(f"read {main_result.points} points, wrote {expected_all}")
    engine = diagnosis_against_read(args.dir, args.repeats)
    cli = {
        "one process per core": cli_seconds(args.dir, peer_repeats),
        "`-j 1`": cli_seconds(args.dir, peer_repeats, jobs=1),
    }
    raw = main_result.points * BYTES_PER_POINT
    print(table(results, total_runs, engine))
    print("\n" + end_to_end(cli, results[1].full_seconds(total_runs)))
    print(
        f"\nRaw points: {raw / 1e6:.0f} MB ({BYTES_PER_POINT} bytes each); tb-lossdiag's peak traced memory is "
        f"{main_result.peak_bytes / raw:.2f}x that. Every reader returned the same number of points."
    )


if __name__ == "__main__":
    main()
