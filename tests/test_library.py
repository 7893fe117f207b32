"""The known-answer library: its measurements on curves with known answers, its split, and one real build."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from bench.library import measure
from bench.library.label import TEST_ONLY_DATASETS, split_of


def _noisy(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    steps = np.arange(n)
    return steps, 2.0 * np.exp(-steps / 200) + 0.3 + 0.05 * rng.standard_normal(n)


def test_a_caused_spike_is_measured_and_noise_is_not():
    steps, values = _noisy()
    assert measure.spikes_near(steps, values, [100, 300, 500], search=10) == []
    values[303] *= 4
    found = measure.spikes_near(steps, values, [100, 300, 500], search=10)
    assert [s for s, _ in found] == [303] and found[0][1] > 2.5


def test_validation_minimum_and_rise():
    steps = np.arange(0, 100, 5)
    values = 1 + ((steps - 30) / 30.0) ** 2
    v = measure.validation_minimum(steps, values)
    assert v["step"] == 30 and v["position"] == pytest.approx(30 / 95) and v["rise"] > 1


def test_learning_rate_cut_and_flat_stretch():
    steps = np.arange(1000)
    lrs = np.where(steps < 400, 1e-2, 1e-6)
    assert measure.learning_rate_cut(steps, lrs) == 400
    assert measure.learning_rate_cut(steps, np.full(1000, 1e-2)) is None
    values = np.where(steps < 400, 3 - steps / 200, 1.0)
    first, last = measure.longest_flat(steps, values)
    assert 380 <= first <= 420 and last >= 980


def test_divergence_onset_is_the_blow_up_not_the_nan():
    steps = np.arange(500)
    values = np.where(steps < 100, 5.5 - steps / 50, 80.0)
    values[450:] = np.nan
    assert measure.divergence_onset(steps, values) == 100
    assert measure.first_nonfinite(steps, values) == 450


def test_split_is_fixed_by_dataset_and_seed():
    assert all(split_of(d, s) == "test" for d in TEST_ONLY_DATASETS for s in range(4))
    assert [split_of("digits", s) for s in range(4)] == ["tune", "test", "tune", "test"]


def test_a_built_run_is_labelled_from_its_files_and_cached(tmp_path):
    from bench.library.build import build

    lines: list[str] = []
    document = build(str(tmp_path), jobs=1, only="^chance/torch/moons", report=lines.append)
    (name, entry), = document["experiments"].items()
    assert name == "chance/torch/moons_shuffled_s224"
    assert entry["expected"] == ["underfitting"] and entry["split"] == "test" and entry["framework"] == "torch"
    assert entry["measured"]["end"] == pytest.approx(np.log(2), rel=0.05)
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(tmp_path / name))
    with open(tmp_path / "labels.json") as f:
        assert json.load(f) == document
    lines.clear()
    build(str(tmp_path), jobs=1, only="^chance/torch/moons", report=lines.append)
    assert lines[0].startswith("1 runs cached, 0 to train")


def test_the_hugging_face_layout_logs_a_nan_loss_as_the_trainer_does(tmp_path):
    """The Trainer's default ``logging_nan_inf_filter``: ``train/loss`` 0.0 once a logging window is NaN,
    ``train/grad_norm`` NaN, and training on to the last step; the label reads the NaN off the gradient norm."""
    from bench.library.build import build
    from tb_lossdiag.reading import read_logdir

    document = build(str(tmp_path), jobs=1, only="^early_blowup/hf/pysrc_sgd_s522$", report=lambda line: None)
    (name, entry), = document["experiments"].items()
    runs = read_logdir(str(tmp_path / name)).runs["."]
    loss, norm = runs["train/loss"], runs["train/grad_norm"]
    broken = measure.first_nonfinite(norm.steps, norm.values)
    assert broken is not None and np.isfinite(loss.values).all()
    assert (loss.values[loss.steps > broken] == 0).all() and len(loss.values[loss.steps > broken]) >= 10
    assert entry["expected"] == ["divergence"] and entry["measured"]["nonfinite_step"] == broken
