"""The plugin in a real ``tensorboard`` process, with each loader.

``--load_fast=true`` serves from the Rust data server, ``false`` from the
Python multiplexer; the plugin must give the CLI's document with both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.event_writers import write_keras_pair, write_tbx
from tests.tb_server import TensorBoardServer
from tests.test_plugin_wsgi import cli_document

ROUTE = "/data/plugin/lossdiag"
STEPS = list(range(80))
FALLING = [2.0 / (s + 1) for s in STEPS]
RISING_LATE = [2.0 / (s + 1) + (s / 50) ** 2 for s in STEPS]
LIVE_MORE = list(range(80, 120))
RISING_TAIL = [2.0 / (s + 1) + 0.01 * (s - 79) for s in LIVE_MORE]  # validation turns up smoothly


@dataclass
class Case:
    logdir: Path
    server: TensorBoardServer
    load_fast: bool


@pytest.fixture(scope="module", params=[True, False], ids=["load_fast", "python_loader"])
def case(request, tmp_path_factory):
    logdir = tmp_path_factory.mktemp("logs")
    write_keras_pair(str(logdir), "overfit", (STEPS, FALLING), (STEPS, RISING_LATE))
    write_tbx(str(logdir), "hf", {"train/loss": (STEPS, [v + (3.0 if s == 50 else 0) for s, v in zip(STEPS, FALLING)])})
    write_tbx(str(logdir), "diverged", {"loss": (STEPS, [v if s < 60 else float("nan") for s, v in zip(STEPS, FALLING)])})
    # "live" is healthy at start; a test appends more epochs where it overfits.
    write_keras_pair(str(logdir), "live", (STEPS, FALLING), (STEPS, FALLING))
    with TensorBoardServer(str(logdir), load_fast=request.param) as server:
        yield Case(logdir, server, request.param)


def summary(document: dict) -> list:
    """Names, kinds and steps of a document: what both sides must agree on."""
    return [
        (
            c["name"],
            c["metric"],
            c["status"],
            [(e and (e["run"], e["tag"], e["points"], e.get("first_step"), e.get("last_step"))) for e in (c["train"], c["validation"])],
            [(f["kind"], f["series"], f["start_step"], f["end_step"]) for f in c["findings"]],
        )
        for c in document["curves"]
    ]


def test_plugin_listed_and_enabled(case):
    listing = case.server.get_json("/data/plugins_listing")["lossdiag"]
    assert listing["enabled"] is True
    assert listing["loading_mechanism"]["module_path"] == f"{ROUTE}/index.js"


def test_load_fast_runs_the_rust_data_server(case):
    runs_rust = any("tensorboard_data_server" in command for command in case.server.children())
    assert runs_rust is case.load_fast


def test_diagnosis_matches_the_cli(case):
    served = case.server.get_json(f"{ROUTE}/diagnosis")
    expected = cli_document(str(case.logdir))
    assert summary(served) == summary(expected)
    assert "sampling" not in served
    assert case.server.get_json(f"/experiment/some-id{ROUTE}/diagnosis") == served


def test_curves_and_frontend_over_http(case):
    body = case.server.get_json(f"{ROUTE}/curves?experiment=overfit&experiment=hf&baseline=hf")
    overfit, hf = body["experiments"]
    roles = [s["role"] for s in overfit["curves"][0]["series"]]
    assert roles == ["train", "validation", "baseline_train"]  # hf has no validation curve
    assert 50 in hf["curves"][0]["series"][0]["steps"]  # every point, the spike included
    status, body = case.server.get(f"{ROUTE}/index.js")
    assert status == 200 and b"render" in body
    assert case.server.get(f"{ROUTE}/static/%2e%2e/plugin/loader.py")[0] == 404
    assert case.server.get(f"{ROUTE}/curves?experiment=nope")[0] == 404


def test_diagnosis_follows_new_events(case):
    def live(document: dict) -> dict:
        return next(c for c in document["curves"] if c["name"] == "live")

    before = live(case.server.get_json(f"{ROUTE}/diagnosis"))
    assert before["validation"]["last_step"] == STEPS[-1]
    assert "overfitting" not in [f["kind"] for f in before["findings"]]

    # Training goes on: train keeps falling, validation turns up.
    write_tbx(str(case.logdir), "live/train", {"epoch_loss": (LIVE_MORE, [2.0 / (s + 1) for s in LIVE_MORE])})
    write_tbx(str(case.logdir), "live/validation", {"epoch_loss": (LIVE_MORE, RISING_TAIL)})
    deadline = time.monotonic() + 20
    while live(after := case.server.get_json(f"{ROUTE}/diagnosis"))["validation"]["last_step"] != LIVE_MORE[-1]:
        assert time.monotonic() < deadline, "the new events never showed up"
        time.sleep(0.5)
    assert "overfitting" in [f["kind"] for f in live(after)["findings"]]
    assert summary(after) == summary(cli_document(str(case.logdir)))
