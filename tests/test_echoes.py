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
