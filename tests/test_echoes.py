"""One event, one finding: echoes on the validation series and on an experiment's other curves are folded in."""

from __future__ import annotations

import numpy as np
import pytest

from tb_lossdiag.detectors import Curve, CurvePair, Finding
from tb_lossdiag.echoes import merge_experiment_echoes, merge_validation_echoes


def _spike(series: str, start: int, end: int) -> Finding:
    return Finding("spike", series, start, end, "high", 0.9, "", {"peak_step": start}, [], [(start, 1.0)])


#: Training logged every 2 steps, validation every 50.
PAIR = CurvePair(Curve(np.arange(0, 1001, 2), np.ones(501)), Curve(np.arange(50, 1001, 50), np.ones(20)))


@pytest.mark.parametrize(
    ("val_start", "merged"),
    [
        (800, True),  # evaluated after the update whose batch the training loss logs at the next step
        (798, True),  # one training interval before the training spike
        (850, True),  # the next validation point after it
        (796, False),  # two training intervals before: another event
        (900, False),  # a validation point later
    ],
)
def test_validation_spike_near_a_training_spike_is_its_echo(val_start: int, merged: bool) -> None:
    found = merge_validation_echoes([_spike("train", 800, 806), _spike("validation", val_start, val_start)], PAIR)
    assert len(found) == (1 if merged else 2)
    if merged:
        assert found[0].series == "train"
        assert found[0].evidence["also_seen"] == [{"series": "validation", "step": val_start}]
        assert [step for step, _ in found[0].markers] == [800, val_start]


def test_an_echo_folded_into_the_main_curve_keeps_where_it_was_seen() -> None:
    accuracy = merge_validation_echoes([_spike("train", 800, 806), _spike("validation", 800, 800)], PAIR)
    curves = [
        {"metric": "loss", "primary": True, "status": "problems", "train": None, "validation": None,
         "findings": [_spike("train", 801, 806).to_dict()]},
        {"metric": "accuracy", "primary": False, "status": "problems", "train": None, "validation": None,
         "findings": [f.to_dict() for f in accuracy]},
    ]
    merge_experiment_echoes(curves)
    assert curves[1]["findings"] == [] and curves[1]["status"] == "healthy"
    assert curves[0]["findings"][0]["evidence"]["also_seen"] == [
        {"curve": "accuracy", "series": "train", "step": 800},
        {"curve": "accuracy", "series": "validation", "step": 800},
    ]


def _divergence(series: str, start: int) -> Finding:
    return Finding("divergence", series, start, None, "high", 1.0, "", {"first_nonfinite_step": start}, [], [])


@pytest.mark.parametrize(("val_start", "merged"), [(990, True), (800, True), (798, True), (796, False)])
def test_a_validation_divergence_from_a_training_divergence_on_is_its_echo(val_start: int, merged: bool) -> None:
    """A diverged run does not come back: validation's NaN at any later evaluation is the same event."""
    found = merge_validation_echoes([_divergence("validation", val_start), _divergence("train", 800)], PAIR)
    assert [(f.series, f.evidence.get("also_seen")) for f in found] == (
        [("train", [{"series": "validation", "step": val_start}])] if merged else [("validation", None), ("train", None)]
    )


def test_a_validation_spike_after_a_training_divergence_is_not_its_echo() -> None:
    found = merge_validation_echoes([_divergence("train", 800), _spike("validation", 900, 900)], PAIR)
    assert [f.kind for f in found] == ["divergence", "spike"]


def _entry(metric: str, direction: str, series: tuple[str, ...], findings: list[Finding], primary: bool) -> dict:
    """A document's curve entry logging ``series`` (every 50 steps up to 1000)."""
    logged = {"first_step": 0, "last_step": 1000, "points": 21}
    return {
        "metric": metric, "direction": direction, "primary": primary, "status": "problems" if findings else "healthy",
        "train": logged if "train" in series else None, "validation": logged if "validation" in series else None,
        "findings": [f.to_dict() for f in findings],
    }


@pytest.mark.parametrize(
    ("metric", "direction", "loss_series", "kept"),
    [
        ("accuracy", "max", ("train", "validation"), False),  # the validation loss logged no jump
        ("accuracy", "max", ("train",), True),  # no validation loss: the accuracy is all there is
        ("loss_box", "min", ("train", "validation"), True),  # a second loss has spikes of its own
    ],
)
def test_a_metric_spike_the_loss_does_not_show_is_dropped(
    metric: str, direction: str, loss_series: tuple, kept: bool
) -> None:
    """Predictions near the decision boundary flip without the loss moving: that is no upset of training."""
    curves = [
        _entry("loss", "min", loss_series, [], primary=True),
        _entry(metric, direction, ("train", "validation"), [_spike("validation", 400, 450)], primary=False),
    ]
    merge_experiment_echoes(curves)
    assert [f["start_step"] for f in curves[1]["findings"]] == ([400] if kept else [])
    assert curves[1]["status"] == ("problems" if kept else "healthy")
    assert curves[0]["findings"] == []
