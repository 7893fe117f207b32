"""Baseline comparisons: a verdict only where the runs' steps can be compared.

The logdir is written with the real writers (tf.summary in the Keras layout
for epoch-level runs, tensorboardX for per-step runs) and diagnosed as users
do, through ``tb-lossdiag diagnose --baseline`` and through the engine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tb_lossdiag.engine import document_from_series
from tb_lossdiag.reading import read_logdir
from tests.event_writers import write_keras_pair, write_tbx
from tests.test_cli import run_cli, strict_json

EPOCHS = np.arange(30)
STEPS = np.arange(600)
VAL_EVERY = 5


def _epoch_curve(floor: float, seed: int, offset: float = 0.0) -> np.ndarray:
    noise = np.exp(0.005 * np.random.default_rng(seed).standard_normal(len(EPOCHS)))
    return (np.exp(-EPOCHS / 8) + floor) * noise + offset


@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> str:
    """A 30-epoch baseline, three 30-epoch runs (better, worse, equivalent) and runs it cannot be compared with."""
    root = str(tmp_path_factory.mktemp("compare"))
    for name, floor, seed in (("base", 0.30, 0), ("better", 0.15, 1), ("worse", 0.60, 2), ("same", 0.30, 3)):
        validation = _epoch_curve(floor, seed + 10, 0.05)
        write_keras_pair(root, name, (EPOCHS, _epoch_curve(floor, seed)), (EPOCHS, validation))
    # Sixty epochs: epochs 0-29 are half of them, enough to compare.
    sixty = np.arange(60)
    write_keras_pair(root, "sixty", (sixty, np.exp(-sixty / 8) + 0.3), (sixty, np.exp(-sixty / 8) + 0.2))
    # 600 per-step points with validation every 5 steps: it meets the baseline only on steps 0-29.
    per_step = np.exp(-STEPS / 150) + 0.2
    val_steps = STEPS[::VAL_EVERY]
    validation = per_step[::VAL_EVERY] + 0.05
    write_tbx(root, "steps600", {"train/loss": (STEPS, per_step), "val/loss": (val_steps, validation)})
    # The same 30 epochs logged at the batch count (20 batches an epoch): steps 0, 20, ..., 580.
    batches = EPOCHS * 20
    write_tbx(root, "batches", {"train/loss": (batches, _epoch_curve(0.3, 4)),
                                "val/loss": (batches, _epoch_curve(0.3, 5))})
    # Resumed from epoch 100: no epoch in common with the baseline.
    later = EPOCHS + 100
    write_keras_pair(root, "later", (later, _epoch_curve(0.3, 8)), (later, _epoch_curve(0.3, 9)))
    # Four epochs only.
    write_keras_pair(root, "short", (EPOCHS[:4], _epoch_curve(0.3, 6)[:4]), (EPOCHS[:4], _epoch_curve(0.3, 7)[:4]))
    return root


def _comparisons(logdir: str, baseline: str) -> dict[str, dict]:
    result = run_cli("diagnose", logdir, "--json", "-q", "--baseline", baseline)
    assert result.returncode == 0, result.stderr
    doc = strict_json(result.stdout)
    assert {c["baseline"] for c in doc["comparisons"]} == {baseline}
    return {c["run"]: c for c in doc["comparisons"]}


@pytest.fixture(scope="module")
def against_base(logdir: str) -> dict[str, dict]:
    return _comparisons(logdir, "base")


@pytest.mark.parametrize("run, verdict", [("better", "better"), ("worse", "worse"), ("same", "equivalent")])
def test_comparable_runs_get_a_verdict_and_ratios(against_base, run: str, verdict: str) -> None:
    c = against_base[run]
    assert c["verdict"] == verdict, c
    assert "reason" not in c and c["curve"] == "validation"
    assert c["overlap"] == {
        "first_step": 0, "last_step": 29, "run_steps": [0, 29], "baseline_steps": [0, 29],
        "run_points": 30, "baseline_points": 30, "share_run": 1.0, "share_baseline": 1.0,
    }
    expected = {"better": (0.3, 0.9), "worse": (1.1, 3.0), "equivalent": (0.95, 1.05)}[verdict]
    assert expected[0] < c["best_ratio"] < expected[1] and expected[0] < c["final_ratio"] < expected[1], c


def test_a_run_twice_as_long_is_compared_on_its_first_half(against_base) -> None:
    c = against_base["sixty"]
    assert c["verdict"] == "better", c
    assert c["overlap"]["share_run"] == 0.5 and c["overlap"]["last_step"] == 29


def test_a_per_step_run_against_an_epoch_baseline_is_not_comparable(against_base) -> None:
    c = against_base["steps600"]
    assert c["verdict"] == "not_comparable"
    assert "only on steps 0-29" in c["reason"], c["reason"]
    for words in (
        "6% of the run's steps", "the run has 120 points over steps 0-595", "the baseline 30 points over steps 0-29",
    ):
        assert words in c["reason"], c["reason"]
    assert c["overlap"]["first_step"] == 0 and c["overlap"]["last_step"] == 29
    assert c["overlap"]["run_points"] == 6 and c["overlap"]["share_baseline"] == 1.0
    assert not {"best_ratio", "final_ratio", "late_difference", "speedup"} & set(c), "no ratio of runs not comparable"


def test_the_same_epochs_logged_in_batches_are_different_units(against_base) -> None:
    c = against_base["batches"]
    assert c["verdict"] == "not_comparable"
    assert "different units" in c["reason"] and "steps 0-29" in c["reason"], c["reason"]
    assert "30 points over steps 0-580" in c["reason"]


def test_too_few_common_points_is_not_comparable(against_base) -> None:
    c = against_base["short"]
    assert c["verdict"] == "not_comparable"
    assert "steps 0-3" in c["reason"] and "fewer than 5 points" in c["reason"], c["reason"]


def test_runs_without_a_common_step_are_not_comparable(against_base) -> None:
    c = against_base["later"]
    assert c["verdict"] == "not_comparable" and c["overlap"]["first_step"] is None
    assert "share no steps" in c["reason"] and "30 points over steps 100-129" in c["reason"], c["reason"]


def test_an_epoch_run_against_a_per_step_baseline_names_the_baseline_share(logdir: str) -> None:
    c = _comparisons(logdir, "steps600")["base"]
    assert c["verdict"] == "not_comparable"
    assert "of the baseline's steps" in c["reason"] and "steps 0-29" in c["reason"], c["reason"]


def test_the_engine_gives_the_cli_comparisons(logdir: str, against_base) -> None:
    data = read_logdir(logdir)
    doc = json.loads(json.dumps(document_from_series(data.runs, baseline="base")))
    assert {c["run"]: c for c in doc["comparisons"]} == against_base
