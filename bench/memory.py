"""Memory benchmark: peak RSS of the CLI and of a TensorBoard process with the plugin.

- the CLI (``tb-lossdiag diagnose --json``) on one run of 10M points (two
  series of 5M, written by ``tf.summary``), against the CLI on a tiny logdir
  (the constant: interpreter, numpy, scipy, protobuf); and reading alone,
  each run of the two read as the CLI reads it, in a process of its own;
- the CLI on a logdir holding about 1 GB of image summaries beside a few
  scalars, against the same scalars without the images;
- a plain ``tensorboard --logdir`` (no flags) on the 10M points, both
  loaders: the process group's peak RSS once TensorBoard has loaded the
  logdir (its own footprint), then after ``/diagnosis`` read every point.

Raw points are counted at 12 bytes each (an int64 step and a float32 value).
Peak RSS comes from ``/proc/<pid>/status`` (``VmHWM``), summed over the
TensorBoard process and its data server.

    python -m bench.memory
    python -m bench.memory --points 2000000 --image-mb 200
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

if __package__ in (None, ""):  # run as a script (python bench/memory.py): make the repo importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

from bench.read import generate
from tests.tb_server import TensorBoardServer

RAW_BYTES_PER_POINT = 12
IMAGE_SIDE = 512  # noise PNGs of about 0.8 MB each
SCALARS_BESIDE_IMAGES = 200
DIAGNOSIS = "/data/plugin/lossdiag/diagnosis"


def cli_peak_rss(logdir: str) -> tuple[int, float]:
    """Peak RSS (bytes) and wall time of one ``tb-lossdiag diagnose --json`` in a fresh process (one job)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--json", "--quiet", "-j", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"tb-lossdiag failed on {logdir}: {result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        raise SystemExit("ru_maxrss of children did not move: run each CLI measurement in a fresh bench process")
    return peak * 1024, seconds


def cli_peak_rss_isolated(logdir: str) -> tuple[int, float]:
    """:func:`cli_peak_rss` from a fresh interpreter (``RUSAGE_CHILDREN`` keeps the maximum of all children)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--cli-only", logdir], capture_output=True, text=True, check=True
    ).stdout
    peak, seconds = json.loads(out.splitlines()[-1])
    return int(peak), float(seconds)


#: A fresh interpreter reading one run as the CLI does (its modules imported first), printing its VmHWM in bytes.
_READ_ONLY = """
import sys
import scipy.ndimage, tb_lossdiag.engine
from tb_lossdiag.logdirs import read_run
read_run(sys.argv[1])
print(next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def read_peak_rss(run: str) -> int:
    """Peak RSS (bytes) of a fresh process that only reads the run directory ``run``."""
    out = subprocess.run([sys.executable, "-c", _READ_ONLY, run], capture_output=True, text=True, check=True).stdout
    return int(out.splitlines()[-1])


def write_images(logdir: str, megabytes: int) -> None:
    """A run with ``megabytes`` of noise images and a few scalars, and a run with the scalars alone."""
    stamp = os.path.join(logdir, "generated.json")
    if os.path.exists(stamp) and json.load(open(stamp)) == {"image_mb": megabytes}:
        return
    import tensorflow as tf

    rng = np.random.default_rng(0)
    image_bytes = IMAGE_SIDE * IMAGE_SIDE * 3  # noise does not compress
    count = max(1, megabytes * 1_000_000 // image_bytes)
    for run, images in (("with_images", count), ("scalars_only", 0)):
        writer = tf.summary.create_file_writer(os.path.join(logdir, run))
        with writer.as_default():
            for step in range(SCALARS_BESIDE_IMAGES):
                tf.summary.scalar("loss/train", 1.0 / (step + 1), step=step)
                tf.summary.scalar("loss/validation", 1.2 / (step + 1), step=step)
            for i in range(images):
                noise = rng.integers(0, 256, (1, IMAGE_SIDE, IMAGE_SIDE, 3), dtype=np.uint8)
                tf.summary.image("samples", noise, step=i % SCALARS_BESIDE_IMAGES)
        writer.close()
    with open(stamp, "w") as f:
        json.dump({"image_mb": megabytes}, f)


def size_of(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, names in os.walk(path) for f in names)


def group_rss(server: TensorBoardServer, field: str) -> int:
    """``field`` (VmRSS or VmHWM) summed over TensorBoard and its children, in bytes."""
    total = 0
    for pid in [server.process.pid] + _children(server):
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith(field + ":")) * 1024
        except (OSError, StopIteration):
            continue
    return total


def _children(server: TensorBoardServer) -> list[int]:
    return [pid for pid, _ in server._group() if pid != server.process.pid]


def tensorboard_peaks(logdir: str, points: int, load_fast: bool) -> tuple[int, int, float]:
    """TensorBoard's own peak RSS after loading, its peak after a cold ``/diagnosis``, and that request's time."""
    with TensorBoardServer(logdir, load_fast=load_fast, samples_per_plugin=None, reload_interval=5, timeout=300) as tb:
        _wait_loaded(tb)
        own = group_rss(tb, "VmHWM")
        start = time.perf_counter()
        with urllib.request.urlopen(tb.url.rstrip("/") + DIAGNOSIS, timeout=3600) as response:
            doc = json.loads(response.read())
        seconds = time.perf_counter() - start
        read = sum(c["train"]["points"] + c["validation"]["points"] for c in doc["curves"] if c["primary"])
        if read != points:
            raise SystemExit(f"/diagnosis read {read} points, not {points}")
        return own, group_rss(tb, "VmHWM"), seconds


def _wait_loaded(tb: TensorBoardServer, quiet_seconds: float = 15) -> None:
    """Until TensorBoard's RSS has not grown for ``quiet_seconds`` (it has read the whole logdir)."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_seconds:
        tb.get("/data/plugin/scalars/tags")
        now = group_rss(tb, "VmRSS")
        if now > last * 1.01:
            last, since = now, time.monotonic()
        time.sleep(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join("bench", "out", "memory"))
    parser.add_argument("--points", type=int, default=10_000_000, help="points in the one-run logdir")
    parser.add_argument("--image-mb", type=int, default=1000)
    parser.add_argument("--cli-only", metavar="LOGDIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cli_only:
        print(json.dumps(cli_peak_rss(args.cli_only)))
        return

    big, tiny, images = (os.path.join(args.dir, name) for name in ("points", "tiny", "images"))
    generate(big, 1, args.points // 2)
    generate(tiny, 1, 100)
    write_images(images, args.image_mb)
    raw = args.points * RAW_BYTES_PER_POINT
    mb = lambda n: f"{n / 1e6:,.0f} MB"  # noqa: E731

    constant, _ = cli_peak_rss_isolated(tiny)
    peak, seconds = cli_peak_rss_isolated(big)
    lines = [
        f"Raw points: {args.points:,} x {RAW_BYTES_PER_POINT} bytes = {mb(raw)}; event files {mb(size_of(big))}.",
        "",
        "| measured | peak RSS | above the constant | vs raw points | seconds |",
        "|---|---:|---:|---:|---:|",
        f"| CLI, tiny logdir (the constant) | {mb(constant)} | | | |",
        f"| CLI, {args.points:,} points | {mb(peak)} | {mb(peak - constant)} | {(peak - constant) / raw:.2f}x | "
        f"{seconds:.1f} |",
    ]
    read_constant, read_peak = (read_peak_rss(os.path.join(d, "run_000")) for d in (tiny, big))
    lines.append(
        f"| reading them alone (no diagnosis) | {mb(read_peak)} | {mb(read_peak - read_constant)} above the same "
        f"read of the tiny logdir | {(read_peak - read_constant) / raw:.2f}x | |"
    )
    scalars_peak, scalars_seconds = cli_peak_rss_isolated(os.path.join(images, "scalars_only"))
    images_peak, images_seconds = cli_peak_rss_isolated(images)
    lines += [
        f"| CLI, {2 * SCALARS_BESIDE_IMAGES} scalars alone | {mb(scalars_peak)} | {mb(scalars_peak - constant)} | | "
        f"{scalars_seconds:.1f} |",
        f"| CLI, the same beside {mb(size_of(images) - size_of(os.path.join(images, 'scalars_only')))} of images | "
        f"{mb(images_peak)} | {mb(images_peak - constant)} | | {images_seconds:.1f} |",
    ]
    print("\n".join(lines), flush=True)
    for name, load_fast in (("`--load_fast=true`", True), ("`--load_fast=false`", False)):
        own, after, seconds = tensorboard_peaks(big, args.points, load_fast)
        print(
            f"| plain TensorBoard {name}: its own peak after loading | {mb(own)} | | | |\n"
            f"| ... after a cold `/diagnosis` of every point | {mb(after)} | "
            f"{mb(after - own)} above TensorBoard's own | "
            f"{(after - own) / raw:.2f}x | {seconds:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
