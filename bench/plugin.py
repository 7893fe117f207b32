"""Plugin benchmark: ``/diagnosis`` against TensorBoard's own scalars routes, with both loaders.

On a logdir of N runs x S steps x 2 loss series (``bench.read``'s generator),
for ``--load_fast=true`` (Rust data server) and ``false`` (Python multiplexer):

- over HTTP, in a real ``tensorboard`` process, once every point is ingested:
  TensorBoard's scalars routes handing out every point
  (``/data/plugin/scalars/scalars`` per run/tag, ``/data/plugin/timeseries/timeSeries``
  per tag), our ``/diagnosis`` cold (a fresh experiment id, so an empty cache)
  and warm, and ``/diagnosis`` after a few points were appended to one run;
- in this process, on the same data provider: ``read_scalars`` of every
  series, the conversion of its answer to numpy, and the plugin's cache
  counter after the append (it must have re-diagnosed one experiment).

Medians of ``--repeats``. Prints markdown tables.

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
import uuid
from dataclasses import dataclass, field
from typing import Callable

if __package__ in (None, ""):  # run as a script (python bench/plugin.py): make the repo importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tensorboard.context import RequestContext
from werkzeug.test import Client

from bench.read import generate
from tb_lossdiag.pairing import SeriesRef
from tb_lossdiag.plugin import provider
from tb_lossdiag.plugin.plugin import PLUGIN_NAME, LossDiagPlugin
from tests.tb_server import ALL_SCALARS, TensorBoardServer

TAGS = ("loss/train", "loss/validation")
SAMPLES = {"scalars": int(ALL_SCALARS.split("=")[1])}
DIAGNOSIS = f"/data/plugin/{PLUGIN_NAME}/diagnosis"
APPENDED = ".appended"  # suffix of the event file the benchmark adds to one run
APPEND_POINTS = 5
RELOAD_SECONDS = 2
CTX = RequestContext()


@dataclass
class Loader:
    """One loader's figures, in seconds (medians)."""

    name: str
    http: dict[str, float] = field(default_factory=dict)
    in_process: dict[str, float] = field(default_factory=dict)
    rediagnosed: int | None = None
    """Experiments the in-process plugin re-diagnosed after the append."""
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


def wait_for_points(server: TensorBoardServer, runs: list[str], steps: int, timeout: float = 1800) -> None:
    """Until every series of ``runs`` serves ``steps`` points."""
    deadline = time.monotonic() + timeout
    pending = [(run, tag) for run in runs for tag in TAGS]
    while pending:
        tags = get_json(server, "/data/plugin/scalars/tags")
        pending = [
            (run, tag)
            for run, tag in pending
            if tag not in tags.get(run, {}) or len(scalars_route(server, run, tag)) < steps
        ]
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} series still incomplete")
            time.sleep(1)


def over_http(result: Loader, logdir: str, runs: list[str], steps: int, load_fast: bool, repeats: int) -> None:
    with TensorBoardServer(logdir, load_fast=load_fast, reload_interval=RELOAD_SECONDS, timeout=300) as server:
        start = time.perf_counter()
        wait_for_points(server, runs, steps)
        result.http["ingest (s, upper bound)"] = time.perf_counter() - start
        result.http["scalars route, every run/tag"] = median_time(
            lambda: [scalars_route(server, run, tag) for run in runs for tag in TAGS], repeats
        )
        result.http["timeSeries route, every tag"] = median_time(
            lambda: [timeseries_route(server, tag) for tag in TAGS], repeats
        )
        result.http["/diagnosis cold"] = median_time(
            lambda: get_json(server, f"/experiment/{uuid.uuid4().hex}{DIAGNOSIS}"), repeats
        )
        before = get_json(server, DIAGNOSIS)
        result.http["/diagnosis warm"] = median_time(lambda: get_json(server, DIAGNOSIS), repeats)

        append_points(logdir, runs[0], steps)
        wait_for_points(server, runs[:1], steps + APPEND_POINTS)
        start = time.perf_counter()
        after = get_json(server, DIAGNOSIS)
        result.http["/diagnosis after appending to one run"] = time.perf_counter() - start
        result.changed_curves = [b["name"] for b, a in zip(before["curves"], after["curves"]) if a != b]
        remove_appended(logdir)


# --- in this process -------------------------------------------------------------


def python_provider(logdir: str):
    """TensorBoard's Python loader: a multiplexer, and a function that reloads it."""
    from tensorboard.backend.event_processing import (
        data_provider,
        plugin_event_multiplexer,
    )

    mux = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance=SAMPLES)
    mux.AddRunsFromDirectory(logdir)
    mux.Reload()
    return data_provider.MultiplexerDataProvider(mux, logdir), mux.Reload


def rust_provider(logdir: str):
    """TensorBoard's Rust data server (what ``--load_fast=true`` starts), reloading by itself."""
    from tensorboard.data import server_ingester
    from tensorboard.util import grpc_util

    ingester = server_ingester.SubprocessServerDataIngester(
        server_binary=server_ingester.get_server_binary(),
        logdir=logdir,
        reload_interval=RELOAD_SECONDS,
        channel_creds_type=grpc_util.ChannelCredsType.LOCAL,
        samples_per_plugin=SAMPLES,
    )
    ingester.start()
    return ingester.data_provider, lambda: None


def wait_in_process(data_provider, refs: list[SeriesRef], steps: int, reload: Callable[[], object]) -> None:
    deadline = time.monotonic() + 1800
    while True:
        reload()
        data = provider.read_points(data_provider, CTX, "", refs)
        if all(len(data.get(r.run, {}).get(r.tag, ())) >= steps for r in refs):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the provider never held every point")
        time.sleep(1)


def in_process(result: Loader, make_provider, logdir: str, runs: list[str], steps: int, repeats: int) -> None:
    from tensorboard.backend.application import TensorBoardWSGI
    from tensorboard.plugins.base_plugin import TBContext

    data_provider, reload = make_provider(logdir)
    refs = [SeriesRef(run, tag) for run in runs for tag in TAGS]
    wait_in_process(data_provider, refs, steps, reload)

    read = lambda: provider.read_points(data_provider, CTX, "", refs)
    points = read()
    result.in_process["read_scalars, every series"] = median_time(read, repeats)
    result.in_process["to numpy (`to_series`)"] = median_time(
        lambda: [provider.to_series(r, points[r.run][r.tag], 0) for r in refs], repeats
    )
    result.in_process["per point, read_scalars (µs)"] = result.in_process["read_scalars, every series"] / len(refs) / steps * 1e6

    context = TBContext(data_provider=data_provider, logdir=logdir, sampling_hints=SAMPLES)
    plugin = LossDiagPlugin(context)
    client = Client(TensorBoardWSGI([plugin], data_provider=data_provider))
    cold = lambda: client.get(f"/experiment/{uuid.uuid4().hex}{DIAGNOSIS}").get_data()
    result.in_process["/diagnosis cold"] = median_time(cold, repeats)
    client.get(DIAGNOSIS)
    diagnosed = plugin.cache.diagnosed
    append_points(logdir, runs[0], steps)
    wait_in_process(data_provider, refs[:2], steps + APPEND_POINTS, reload)
    client.get(DIAGNOSIS)
    result.rediagnosed = plugin.cache.diagnosed - diagnosed
    remove_appended(logdir)


# --- output ----------------------------------------------------------------------


def tables(results: list[Loader], runs: int, steps: int) -> str:
    names = [r.name for r in results]
    head = "| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names)
    lines = [f"{runs} runs x {steps} steps x 2 series ({runs * steps * 2:,} points). Seconds, medians.", "", head]
    for key in results[0].http:
        lines.append(f"| {key} | " + " | ".join(f"{r.http[key]:.2f}" for r in results) + " |")
    for r in results:
        scalars = r.http["scalars route, every run/tag"]
        ratio = r.http["/diagnosis cold"] / scalars
        lines.append(f"\n{r.name}: `/diagnosis` cold takes {ratio:.2f}x the scalars route's time (goal: at most 0.5x); "
                     f"after the append the document changed in {r.changed_curves} only.")
    lines += ["", "In this process, on the same data provider:", "", head]
    for key in results[0].in_process:
        lines.append(f"| {key} | " + " | ".join(f"{r.in_process[key]:.3g}" for r in results) + " |")
    lines.append("| experiments re-diagnosed after appending to one run | " + " | ".join(str(r.rediagnosed) for r in results) + " |")
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
    results = []
    for name, load_fast, make_provider in (
        ("`--load_fast=true` (Rust)", True, rust_provider),
        ("`--load_fast=false` (Python)", False, python_provider),
    ):
        result = Loader(name)
        over_http(result, args.dir, runs, args.steps, load_fast, args.repeats)
        in_process(result, make_provider, args.dir, runs, args.steps, args.repeats)
        results.append(result)
        print(f"{name}: {json.dumps(dataclasses.asdict(result))}", flush=True)
    print(tables(results, args.runs, args.steps))


if __name__ == "__main__":
    main()
