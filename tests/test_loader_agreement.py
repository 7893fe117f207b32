"""One rule per awkward case, and the CLI and both TensorBoard loaders follow it.

- A restarted run (a newer event file going back to lower steps) is what TensorBoard shows:
  the abandoned points at and after the step the restart went back to are dropped.
- A symlinked run directory is a run, as both loaders list it.
- Only floating-point values are points: integer and boolean tensors under the ``scalars``
  plugin are dropped, strings and complex numbers too (with a warning where TensorBoard
  hands them over, i.e. with ``--load_fast=false``), and never break a route.
- ``DT_DOUBLE`` scalars (``torch`` ``add_scalar(..., double_precision=True)``) are points for
  the CLI and the Python loader; TensorBoard's Rust loader drops them before any plugin
  sees them (its own Scalars dashboard shows nothing either), the one case where the tab
  and the CLI cannot agree.

Checked on one logdir written by tf.summary, tensorboardX and torch.utils.tensorboard:
the CLI's ``--json`` document, the plugin in-process over TensorBoard's multiplexer, and
the plugin in a real ``tensorboard`` process with each loader.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.event_writers import write_tbx
from tests.tb_server import TensorBoardServer
from tests.test_plugin_wsgi import Served, strict_json

ROUTE = "/data/plugin/lossdiag"
FALLING = list(np.linspace(2.0, 0.2, 40))
STRING_WARNING = "strings/train/loss: skipped 3 value(s) that are not real numbers (first: b'x')"
COMPLEX_WARNING = "complex/train/loss: skipped 3 value(s) that are not real numbers (first: (1+2j))"


def _write_tensors(logdir: str, run: str, tag: str, values, dtype) -> None:
    """``tf.summary.write`` of rank-0 tensors under the ``scalars`` plugin, as custom loggers do."""
    import tensorflow as tf
    from tensorboard.compat.proto import summary_pb2

    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    writer = tf.summary.create_file_writer(os.path.join(logdir, run))
    with writer.as_default():
        for step, value in enumerate(values):
            tf.summary.write(tag, tf.constant(value, dtype=dtype), step=step, metadata=metadata)
    writer.close()


@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("agreement")
    logs = str(root / "logs")
    # A job logged steps 0..79, crashed, and restarted from its step-0 checkpoint: the newer
    # file has steps 0..39, diverging. TensorBoard shows these 40 points only.
    write_tbx(logs, "restarted", {"train/loss": (range(80), list(np.linspace(2.0, 0.1, 80)))})
    time.sleep(1.1)  # event files are ordered by their timestamped names
    write_tbx(logs, "restarted", {"train/loss": (range(40), FALLING[:30] + [float("nan")] * 10)})
    # A run kept elsewhere and linked into the logdir.
    write_tbx(str(root / "elsewhere"), "run", {"train/loss": (range(40), FALLING), "val/loss": (range(40), FALLING)})
    os.symlink(root / "elsewhere" / "run", os.path.join(logs, "linked"))
    # Integer and boolean tensors: not points. The curve keeps its float training loss.
    write_tbx(logs, "typed", {"train/loss": (range(40), FALLING)})
    _write_tensors(logs, "typed", "val/loss", list(range(40, 0, -1)), "int64")
    _write_tensors(logs, "typed", "train/accuracy", [True, False] * 20, "bool")
    # Values that are not real numbers at all.
    _write_tensors(logs, "strings", "train/loss", [b"x"] * 3, None)
    _write_tensors(logs, "complex", "train/loss", [1 + 2j] * 3, "complex64")
    # Doubles, as torch writes them with double_precision=True.
    tb = pytest.importorskip("torch.utils.tensorboard")
    writer = tb.SummaryWriter(os.path.join(logs, "doubles"))
    for step, value in enumerate(FALLING):
        writer.add_scalar("train/loss", value, step, new_style=True, double_precision=True)
    writer.close()
    return logs


@pytest.fixture(scope="module")
def cli_doc(logdir) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--json", "-q"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return strict_json(result.stdout)


def without(doc: dict, *names: str) -> dict:
    """The document without the curves of ``names`` and without reading warnings."""
    return {
        **{k: v for k, v in doc.items() if k not in ("warnings", "sampling")},
        "curves": [c for c in doc["curves"] if c["name"] not in names],
    }


def test_cli_follows_the_rules(cli_doc):
    curves = {c["name"]: c for c in cli_doc["curves"]}
    assert set(curves) == {"restarted", "linked", "typed", "doubles"}
    restarted = curves["restarted"]
    train = restarted["train"]
    assert (train["points"], train["last_step"], train["nonfinite"]) == (40, 39, 10)
    assert [f["kind"] for f in restarted["findings"]] == ["divergence"]
    assert curves["linked"]["validation"]["points"] == 40
    assert curves["typed"]["validation"] is None and curves["typed"]["train"]["points"] == 40
    assert curves["doubles"]["train"]["points"] == 40
    assert cli_doc["warnings"] == []


def test_python_loader_in_process_gives_the_cli_document(logdir, cli_doc):
    served = Served(logdir)
    doc = served.json(f"{ROUTE}/diagnosis")
    assert doc == cli_doc  # the plugin reads the event files itself, with the CLI's reader
    for name in ("strings", "complex", "typed", "restarted"):  # no curve of their own: a JSON 404
        served.json(f"{ROUTE}/curves?experiment={name}", status=200 if name in ("typed", "restarted") else 404)
    (typed,) = served.json(f"{ROUTE}/curves?experiment=typed")["experiments"]
    drawn = [(c["metric"], [(s["role"], s["tag"], len(s["steps"])) for s in c["series"]]) for c in typed["curves"]]
    assert drawn == [("loss", [("train", "train/loss", 40)])]


def test_data_provider_path_skips_values_that_are_not_real_numbers_with_a_warning(logdir, cli_doc):
    """Behind a data provider of its own (no logdir to read), the plugin reads what the Python loader
    stored: strings and complex numbers there are skipped with a warning each, never a 500."""
    served = Served(logdir, files=False)
    doc = served.json(f"{ROUTE}/diagnosis")
    assert without(doc) == without(cli_doc)
    assert doc["warnings"] == [COMPLEX_WARNING, STRING_WARNING]
    for name in ("strings", "complex", "typed", "restarted"):
        served.json(f"{ROUTE}/curves?experiment={name}", status=200 if name in ("typed", "restarted") else 404)


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast", "python_loader"])
def served_by_tensorboard(request, logdir):
    with TensorBoardServer(logdir, load_fast=request.param) as server:
        deadline = time.monotonic() + 120
        expected = 3 if request.param else 6  # the Rust loader lists no strings, complex or doubles
        while len(server.get_json("/data/plugin/scalars/tags")) < expected:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.5)
        yield request.param, server


def test_real_tensorboard_gives_the_cli_document(served_by_tensorboard, cli_doc):
    load_fast, server = served_by_tensorboard
    doc = json.loads(server.get(f"{ROUTE}/diagnosis")[1])
    # The plugin reads the event files itself, so both loaders give the CLI's document, even the
    # float64 series the Rust loader drops from its own store.
    assert doc == cli_doc
    if load_fast:
        assert "doubles" not in server.get_json("/data/plugin/scalars/tags")
    for name in ("strings", "complex", "typed", "restarted", "linked"):
        status, body = server.get(f"{ROUTE}/curves?experiment={name}")
        assert status in (200, 404) and strict_json(body.decode())
