"""Plugin benchmark: ``/diagnosis`` of a plain ``tensorboard --logdir`` against TensorBoard's own scalars routes.

On a logdir of N runs x S steps x 2 loss series (``bench.read``'s generator),
for ``--load_fast=true`` (Rust data server) and ``false`` (Python multiplexer),
in one run:

- TensorBoard started with ``--samples_per_plugin scalars=100000000`` (so
  its store keeps every point), once every point is ingested: its scalars
  routes handing out every point (``/data/plugin/scalars/scalars`` per
  run/tag, ``/data/plugin/timeseries/timeSeries`` per tag);
- a plain ``tensorboard --logdir`` (no flags; the store keeps a sample),
  once it has loaded the logdir: our ``/diagnosis`` cold (the first request:
  the plugin reads every point of the event files itself), warm, and after a
  few points were appended to one run;
- in this process, the plugin over the same logdir: ``/diagnosis`` cold
  (a fresh plugin each time), and the bytes it reads again after the
  append (it must be the appended bytes only) with the experiments it
  re-diagnosed (it must be one).

Medians of ``--repeats`` (the cold request over HTTP is the first one of
its server: one sample). Prints markdown tables.

    python -m bench.plugin                      # 100 runs x 10000 steps
    python -m bench.plugin --runs 10 --steps 2000 --repeats 2
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request
from typing import Callable
from dataclasses import dataclass, field
from typing import Callable

if __package__ in (None, ""):  # run as a script (python bench/plugin.py): make the repo importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from werkzeug.test import Client

from bench.read import generate
from tb_lossdiag.plugin.plugin import PLUGIN_NAME, LossDiagPlugin
from tests.tb_server import TensorBoardServer

TAGS = ("loss/train", "loss/validation")
DIAGNOSIS = f"/data/plugin/{PLUGIN_NAME}/diagnosis"
APPENDED = ".appended"  # suffix of the event file the benchmark adds to one run
APPEND_POINTS = 5
RELOAD_SECONDS = 2
WARM_REQUESTS = 50
COLD_ROW = "/diagnosis cold, no flags (one sample)"
SCALARS_ROW = "scalars route, every run/tag (with the flag)"
APPENDED_ROW = "/diagnosis after appending to one run (upper bound: files looked at once a second)"


@dataclass
class Loader:
    """One loader's figures, in seconds (medians)."""

    name: str
    http: dict[str, float] = field(default_factory=dict)
    changed_curves: list[str] = field(default_factory=list)
    """Curves of the served document that changed after the append."""


def median_time(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def append_points(logdir: str, run: str, first_step: int) -> None:
    """A few more points of both series of ``run``, in a new event file (as a resumed writer does)."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(os.path.join(logdir, run), filename_suffix=APPENDED)
    with writer.as_default():
        for step in range(first_step, first_step + APPEND_POINTS):
            for tag in TAGS:
                tf.summary.scalar(tag, 0.5, step=step)
    writer.close()


def remove_appended(logdir: str) -> None:
    for path in glob.glob(os.path.join(logdir, "*", f"*{APPENDED}*")):
        os.remove(path)


# --- over HTTP -----------------------------------------------------------------


def get_json(server: TensorBoardServer, path: str):
    """GET with no timeout short enough to cut a slow route off."""
    with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=3600) as response:
        return json.loads(response.read())


def scalars_route(server: TensorBoardServer, run: str, tag: str) -> list:
    query = urllib.parse.urlencode({"run": run, "tag": tag})
    return get_json(server, f"/data/plugin/scalars/scalars?{query}")


def timeseries_route(server: TensorBoardServer, tag: str) -> dict:
    query = urllib.parse.urlencode({"requests": json.dumps([{"plugin": "scalars", "tag": tag}])})
    return get_json(server, f"/data/plugin/timeseries/timeSeries?{query}")[0]


def wait_until_served(
    server: TensorBoardServer, runs: list[str], served: Callable[[list], bool], timeout: float = 1800
) -> None:
    """Until the scalars route's points of every series of ``runs`` satisfy ``served``."""
    deadline = time.monotonic() + timeout
    pending = [(run, tag) for run in runs for tag in TAGS]
    while pending:
        tags = get_json(server, "/data/plugin/scalars/tags")
        pending = [
            (run, tag) for run, tag in pending if tag not in tags.get(run, {}) or not served(scalars_route(server, run, tag))
        ]
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} series still incomplete")
            time.sleep(1)


def wait_for_points(server: TensorBoardServer, runs: list[str], steps: int) -> None:
    """Until every series of ``runs`` serves ``steps`` points."""
    wait_until_served(server, runs, lambda points: len(points) >= steps)


def wait_for_last_step(server: TensorBoardServer, runs: list[str], steps: int) -> None:
    """Until TensorBoard's (sampled) store holds the last step of every series: it has read every file."""
    wait_until_served(server, runs, lambda points: points[-1][1] >= steps - 1)


def tensorboard_routes(result: Loader, logdir: str, runs: list[str], steps: int, load_fast: bool, repeats: int) -> None:
    """TensorBoard's own routes serving every point, with the flag that makes its store keep them."""
    with TensorBoardServer(logdir, load_fast=load_fast, reload_interval=RELOAD_SECONDS, timeout=300) as server:
        start = time.perf_counter()
        wait_for_points(server, runs, steps)
        result.http["ingest with the flag (s, upper bound)"] = time.perf_counter() - start
        result.http[SCALARS_ROW] = median_time(
            lambda: [scalars_route(server, run, tag) for run in runs for tag in TAGS], repeats
        )
        result.http["timeSeries route, every tag (with the flag)"] = median_time(
            lambda: [timeseries_route(server, tag) for tag in TAGS], repeats
        )


def plain_tensorboard(result: Loader, logdir: str, runs: list[str], steps: int, load_fast: bool, repeats: int) -> None:
    """Our ``/diagnosis`` in a ``tensorboard --logdir`` started without flags."""
    with TensorBoardServer(
        logdir, load_fast=load_fast, samples_per_plugin=None, reload_interval=RELOAD_SECONDS, timeout=300
    ) as server:
        start = time.perf_counter()
        wait_for_last_step(server, runs, steps)
        result.http["ingest without flags (s, upper bound)"] = time.perf_counter() - start
        start = time.perf_counter()
        before = get_json(server, DIAGNOSIS)
        result.http[COLD_ROW] = time.perf_counter() - start
        points = sum(c["train"]["points"] + c["validation"]["points"] for c in before["curves"] if c["primary"])
        if points != len(runs) * steps * 2 or "sampling" in before:
            raise SystemExit(f"/diagnosis read {points} points")
        result.http["/diagnosis warm, no flags"] = median_time(lambda: get_json(server, DIAGNOSIS), repeats)

        append_points(logdir, runs[0], steps)
        start = time.perf_counter()
        while (after := get_json(server, DIAGNOSIS)) == before:
            time.sleep(0.05)
        result.http[APPENDED_ROW] = time.perf_counter() - start
        result.changed_curves = [b["name"] for b, a in zip(before["curves"], after["curves"]) if a != b]
        remove_appended(logdir)


# --- in this process -------------------------------------------------------------


@dataclass
class Rereads:
    """What the in-process plugin read again after the append."""

    logdir_bytes: int
    appended_bytes: int
    reread_bytes: int
    rediagnosed: int
    warm_per_second: float
    """Warm ``/diagnosis`` requests answered per second, one after another."""


def in_process(logdir: str, runs: list[str], steps: int, repeats: int) -> tuple[float, Rereads]:
    """Cold ``/diagnosis`` of a fresh plugin over the logdir (median), and what an append makes it re-read."""
    from tensorboard.backend.application import TensorBoardWSGI
    from tensorboard.plugins.base_plugin import TBContext

    def fresh() -> tuple[LossDiagPlugin, Client]:
        plugin = LossDiagPlugin(TBContext(logdir=logdir, sampling_hints={}))
        return plugin, Client(TensorBoardWSGI([plugin]))

    cold = median_time(lambda: fresh()[1].get(DIAGNOSIS).get_data(), repeats)
    plugin, client = fresh()
    client.get(DIAGNOSIS)
    start = time.perf_counter()
    for _ in range(WARM_REQUESTS):
        client.get(DIAGNOSIS).get_data()
    warm = WARM_REQUESTS / (time.perf_counter() - start)
    follower = plugin.event_files.follower
    read, diagnosed = follower.bytes_read, plugin.cache.diagnosed
    append_points(logdir, runs[0], steps)
    appended = sum(os.path.getsize(p) for p in glob.glob(os.path.join(logdir, runs[0], f"*{APPENDED}*")))
    time.sleep(plugin.event_files.rescan_seconds)  # the plugin looks at the files again
    client.get(DIAGNOSIS)
    rereads = Rereads(read, appended, follower.bytes_read - read, plugin.cache.diagnosed - diagnosed, warm)
    remove_appended(logdir)
    return cold, rereads


# --- output ----------------------------------------------------------------------


def tables(results: list[Loader], runs: int, steps: int, cold: float, rereads: Rereads) -> str:
    names = [r.name for r in results]
    head = "| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names)
    lines = [f"{runs} runs x {steps} steps x 2 series ({runs * steps * 2:,} points). Seconds, medians.", "", head]
    for key in results[0].http:
        lines.append(f"| {key} | " + " | ".join(f"{r.http[key]:.2f}" for r in results) + " |")
    for r in results:
        ratio = r.http[COLD_ROW] / r.http[SCALARS_ROW]
        lines.append(
            f"\n{r.name}: a cold `/diagnosis` without flags takes {ratio:.2f}x the time TensorBoard's scalars route "
            f"needs to serve the same points with the flag; after the append the document changed in "
            f"{r.changed_curves} only."
        )
    lines.append(
        f"\nIn this process (no TensorBoard ingesting beside it): a fresh plugin's cold `/diagnosis` takes "
        f"{cold:.2f} s. "
        f"After {APPEND_POINTS} steps were appended to one run, it read {rereads.reread_bytes:,} bytes again "
        f"(the appended file holds {rereads.appended_bytes:,}; the logdir {rereads.logdir_bytes:,}) and re-diagnosed "
        f"{rereads.rediagnosed} experiment(s). Warm, it answers {rereads.warm_per_second:,.0f} `/diagnosis` requests/s."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join("bench", "out", "plugin_logdir"))
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    remove_appended(args.dir)
    generate(args.dir, args.runs, args.steps)
    runs = [f"run_{r:03d}" for r in range(args.runs)]
    cold, rereads = in_process(args.dir, runs, args.steps, args.repeats)
    print(f"in process: cold {cold:.2f} s, {rereads}", flush=True)
    results = []
    for name, load_fast in (("`--load_fast=true` (Rust)", True), ("`--load_fast=false` (Python)", False)):
        result = Loader(name)
        plain_tensorboard(result, args.dir, runs, args.steps, load_fast, args.repeats)
        tensorboard_routes(result, args.dir, runs, args.steps, load_fast, args.repeats)
        results.append(result)
        print(f"{name}: {json.dumps(dataclasses.asdict(result))}", flush=True)
    print(tables(results, args.runs, args.steps, cold, rereads))


if __name__ == "__main__":
    main()
