"""The detectors on real training curves from public projects (the shared corpus).

Each case is a run whose behaviour is plain on its plot; the expected steps
are the labelled ones (e.g. the validation minimum for overfitting). Skipped
where the corpus is not beside the checkout.
"""

from __future__ import annotations

import os

import pytest

from tb_lossdiag.engine import document_from_series
from tb_lossdiag.reading import read_logdir

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")
pytestmark = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="shared corpus not present")


def primary_findings(run_dir: str) -> list[dict]:
    data = read_logdir(os.path.join(CORPUS, run_dir))
    document = document_from_series(data.runs)
    (curve,) = [c for c in document["curves"] if c["primary"]][:1]
    return curve["findings"]


def kinds(findings: list[dict]) -> set[str]:
    return {f["kind"] for f in findings}


@pytest.mark.parametrize(
    "run_dir, onset",
    [
        ("TheCodeheadMT__TensorBoard-Tutorial/archive/logs/imdb-model-1690485351", 4),
        ("Kirschberg32__TensorFlow_22-23/Homework05/logs/Adam/20221127-055228", 5),
        ("AnAccountWithoutAName__Deep-Lineary-Gated-Networks/lightning_logs/version_39", 1499),
        ("converted/P4P4N1CK__whisper-large-v2-japanese-5k-steps/trainer_state", 1000),
    ],
)
def test_overfitting_found_at_the_validation_minimum(run_dir: str, onset: int) -> None:
    (found,) = [f for f in primary_findings(run_dir) if f["kind"] == "overfitting"]
    assert found["start_step"] == onset
    assert found["series"] == "validation"
    assert found["evidence"]["rise"] > 0
    assert found["remedies"]


@pytest.mark.parametrize(
    "run_dir",
    [
        "HarshithReddyG__CS5720-HomeAssignment1/Q4_TensorBoard_Logging/logs/fit/20250211-200738",
        "AguLeon__LoRA_RoBERTa_AGNews/runs/run4",
        "AnAccountWithoutAName__Deep-Lineary-Gated-Networks/lightning_logs/version_53",
        "Mqtth3w__pixel-level-segmentation-in-pets-unipr/unet/runs/UNet_RSMprop_dice",
        "converted/CoralReefFish__whisper-tiny-nbaiLab/trainer_state",
        "converted/Dheena731__tinyLlama-finetune/trainer_state",
    ],
)
def test_healthy_runs_have_no_finding(run_dir: str) -> None:
    assert primary_findings(run_dir) == []


def test_no_learning_is_underfitting() -> None:
    findings = primary_findings("AguLeon__LoRA_RoBERTa_AGNews/runs/run0")
    assert "underfitting" in kinds(findings)
    assert "overfitting" not in kinds(findings)


def test_nan_loss_is_divergence_at_its_first_step() -> None:
    (found,) = [f for f in primary_findings("huzaifasharafat__TFODCourse/Tensorflow/workspace/mobile 320x320") if f["kind"] == "divergence"]
    assert found["start_step"] == 900
    assert found["evidence"]["first_nonfinite_value"] == "nan"


@pytest.mark.parametrize(
    "run_dir",
    [
        "Mqtth3w__pixel-level-segmentation-in-pets-unipr/unet/runs/UNet_wd_1e_5",
        "converted/prithsha__erav2-session13@4ec8991/version_3",
        # Spikes among the swings of a steeply falling first third: over both neighbours, 1.77x and 1.51x.
        "converted/prithsha__erav2-session13/version_0",
        "Mqtth3w__pixel-level-segmentation-in-pets-unipr/unet/runs/UNet_lr1e_3",
    ],
)
def test_validation_spikes(run_dir: str) -> None:
    spikes = [f for f in primary_findings(run_dir) if f["kind"] == "spike"]
    assert spikes and all(f["series"] == "validation" for f in spikes)
    assert all(f["evidence"]["height_ratio"] > 1.15 for f in spikes)


def test_stall_at_chance_level_before_learning_is_a_plateau() -> None:
    findings = primary_findings("AnAccountWithoutAName__Deep-Lineary-Gated-Networks/lightning_logs/version_11")
    (plateau,) = [f for f in findings if f["kind"] == "plateau"]
    # Per-batch noise blurs the break-out: the loss leaves ln 2 between steps ~700 and ~1050.
    assert plateau["start_step"] < 100 and 600 <= plateau["end_step"] <= 1100
    assert abs(plateau["evidence"]["level"] - 0.693) < 0.02  # ln 2: a binary task at chance
