"""A plain ``tensorboard --logdir`` (no ``--samples_per_plugin``) gets the CLI's full-resolution diagnosis.

TensorBoard's store keeps a sample of 1,000 points per series by default; the
plugin reads the event files itself, so on series longer than that its
``/diagnosis`` is exactly ``tb-lossdiag diagnose --json``, under both loaders,
with no sampling banner. Appended events arrive after a reload (only their
bytes are read), and a deleted run disappears.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.event_writers import write_tbx
from tests.tb_server import TensorBoardServer
from tests.test_live_logdir import Writer, get_json

ROUTE = "/data/plugin/lossdiag"
POINTS = 2500  # well above TensorBoard's default reservoir of 1,000
TIMEOUT = 60.0


def noisy_loss(n: int, seed: int, spikes: tuple[int, ...] = ()) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = 2.0 / np.sqrt(np.arange(n) + 1.0) * np.exp(rng.normal(0, 0.05, n))
    values[list(spikes)] *= 6.0
    return values


def cli_document(logdir: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--json", "--quiet", "-j", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def summary(doc: dict) -> dict:
    """What the issue checks: experiments, their finding kinds and steps, and the points read."""
    return {
        c["name"]: (c["train"] and c["train"]["points"], sorted((f["kind"], f["start_step"]) for f in c["findings"]))
        for c in doc["curves"]
    }


def wait_for_document(tb: TensorBoardServer, expected: dict, what: str) -> dict:
    deadline = time.monotonic() + TIMEOUT
    while True:
        doc = get_json(tb, f"{ROUTE}/diagnosis")
        if doc == expected:
            return doc
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {summary(doc)} != {summary(expected)}")
        time.sleep(0.5)


@pytest.mark.parametrize("load_fast", [True, False], ids=["rust_loader", "python_loader"])
def test_plain_tensorboard_diagnoses_every_point(tmp_path, load_fast):
    logdir = str(tmp_path / "logs")
    steps = range(POINTS)
    write_tbx(logdir, "spiky", {"Loss/train": (steps, noisy_loss(POINTS, 0, (700, 1500, 2200))),
                                "Loss/test": (steps, noisy_loss(POINTS, 1) + 0.1)})  # fmt: skip
    write_tbx(logdir, "smooth", {"Loss/train": (steps, noisy_loss(POINTS, 2)),
                                 "Loss/test": (steps, noisy_loss(POINTS, 3))})  # fmt: skip
    writer = Writer(os.path.join(logdir, "live"))
    first, more = noisy_loss(1200, 4), noisy_loss(1800, 5)
    for step in range(1200):
        writer.add_scalar("Loss/train", float(first[step]), step)
    writer.flush()

    with TensorBoardServer(logdir, load_fast=load_fast, samples_per_plugin=None, reload_interval=1) as tb:
        expected = cli_document(logdir)
        doc = wait_for_document(tb, expected, "the CLI's document")
        assert "sampling" not in doc
        assert summary(doc)["spiky"][0] == POINTS
        assert {"spike"} <= {f["kind"] for c in doc["curves"] if c["name"] == "spiky" for f in c["findings"]}
        # TensorBoard's own store does hold a sample: the plugin did not read from it.
        scalars = get_json(tb, "/data/plugin/scalars/scalars?run=spiky&tag=Loss/train")
        assert len(scalars) == 1000

        # Appended events: the new points after a reload.
        for step in range(1200, 1800):
            writer.add_scalar("Loss/train", float(more[step]), step)
        writer.close()
        doc = wait_for_document(tb, cli_document(logdir), "the appended points")
        assert summary(doc)["live"][0] == 1800

        # A deleted run disappears.
        shutil.rmtree(os.path.join(logdir, "smooth"))
        doc = wait_for_document(tb, cli_document(logdir), "the deleted run gone")
        assert "smooth" not in summary(doc)
        status, body = tb.get(f"{ROUTE}/curves?experiment=smooth")
        assert status == 404 and "no experiment named" in json.loads(body)["error"]
        assert "Traceback" not in tb.log()
