"""Every finding's summary reads correctly, whatever the sign and size of its numbers.

Curves of every pathology, at scales from 1e-6 to 1e6, as losses and as flipped accuracies, are
drawn by hypothesis and diagnosed; each summary must be free of negative or signed percentages
("-272% lower", "+86%", "-0%"), non-finite numbers outside a divergence's "became NAN", and ratios
("3.1x") where a difference is meant.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tb_lossdiag.detectors import KINDS, Curve, CurvePair
from tb_lossdiag.engine import diagnose_pair

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SIGNED_PERCENT = re.compile(r"[-+−]\s?\d[\d.]*\s?%")
NONFINITE_WORD = re.compile(r"\b(nan|inf|-inf|infinity)\b", re.IGNORECASE)
RATIO = re.compile(r"\d(\.\d+)?x\b")
EXPONENT_RATIO = re.compile(r"\de[+-]?\d+x\b")


def _shape(kind: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train, validation and learning-rate values of one pathology."""
    t = np.arange(n, dtype=np.float64)
    train = 2.3 * np.exp(-t / (n / 4)) + 0.05
    val = train * 1.1
    lr = np.full(n, 1e-3)
    if kind == "overfitting":
        val = 2.3 * np.exp(-t / (n / 8)) + 0.3 + np.clip(t - n / 3, 0, None) * (3.0 / n)
    elif kind == "underfitting":
        train = np.log(3) * (1 - 0.02 * t / n)
        val = train * 1.01
    elif kind == "plateau":
        train = np.where(t < n / 2, 2.0, 2.0 * np.exp(-(t - n / 2) / (n / 10)) + 0.1)
        val = train * 1.05
    elif kind == "lr_cut":
        lr[n // 3 :] = 1e-8
        train = np.where(t < n / 3, train, train[n // 3])
        val = train * 1.05
    elif kind == "spike":
        train = train.copy()
        train[n // 2 : n // 2 + 2] *= 20
    elif kind == "val_spike":  # one evaluation 3x the ones either side of it
        val = val.copy()
        val[n // 2] *= 3
    elif kind == "slow_spike":  # up 5,000x and back down over a tenth of the run
        since = np.clip(t - n // 2, 0, None)
        train = train * np.where(t >= n // 2, 5000.0 ** np.exp(-since / (n / 30)), 1.0)
    elif kind == "lr_burst":  # the learning rate bursts 36,500x for two steps and throws the loss up 4x
        lr[n // 2 : n // 2 + 2] *= 36_500
        train = train.copy()
        train[n // 2 + 1 : n // 2 + 3] *= 4
    elif kind == "divergence":
        train = np.where(t < n / 2, train, train * np.exp((t - n / 2) / 3))
        train[int(0.8 * n) :] = np.nan
    elif kind == "collapse":
        train = np.where(t < n / 2, train, np.log(3))
    elif kind == "rise":
        train = 0.5 + t / n
        val = train * 0.9
    noise = np.exp(rng.normal(0, 0.01, (2, n)))
    return train * noise[0], val * noise[1], lr


@given(
    kind=st.sampled_from(
        [
            "healthy", "overfitting", "underfitting", "plateau", "lr_cut", "spike", "val_spike", "slow_spike", "lr_burst",
            "divergence", "collapse", "rise",
        ]
    ),
    n=st.sampled_from([12, 40, 150, 600]),
    scale=st.sampled_from([1e-6, 1e-2, 1.0, 1e3, 1e6]),
    flipped=st.booleans(),
    seed=st.integers(0, 2**16),
)
@SETTINGS
def test_summaries_read_correctly(kind: str, n: int, scale: float, flipped: bool, seed: int) -> None:
    train, val, lr = _shape(kind, n, np.random.default_rng(seed))
    steps = np.arange(n, dtype=np.int64) * 10
    if flipped:  # an accuracy-like metric: its error 1 - accuracy is what the detectors see
        train, val = np.clip(train / np.nanmax(train), 0, 1), np.clip(val / np.nanmax(val), 0, 1)
        quantity = "error (1 - accuracy)"
    else:
        train, val, quantity = train * scale, val * scale, "loss"
    pair = CurvePair(Curve(steps, train), Curve(steps, val), quantity, learning_rate=Curve(steps, lr))
    findings, _ = diagnose_pair(pair)
    for f in findings:
        text = f["summary"]
        assert f["kind"] in KINDS
        assert not SIGNED_PERCENT.search(text), text
        assert not EXPONENT_RATIO.search(text), text
        if f["kind"] != "divergence":
            assert not NONFINITE_WORD.search(text), text
        if f["kind"] in ("underfitting", "plateau", "overfitting"):
            assert not RATIO.search(text), text


def test_every_detector_renders_a_summary() -> None:
    """The shapes above reach every kind, so the property test reads every template."""
    seen = set()
    for kind in ["overfitting", "underfitting", "plateau", "lr_cut", "spike", "val_spike", "slow_spike", "divergence", "collapse"]:
        for n in (40, 150, 600):
            train, val, lr = _shape(kind, n, np.random.default_rng(0))
            steps = np.arange(n, dtype=np.int64)
            findings, _ = diagnose_pair(CurvePair(Curve(steps, train), Curve(steps, val), learning_rate=Curve(steps, lr)))
            seen |= {f["kind"] for f in findings}
            seen |= {"spike, partly back" for f in findings if "came back down to" in f["summary"]}
            seen |= {"spike, above its neighbours" for f in findings if "the higher of its two neighbours" in f["summary"]}
    assert seen == set(KINDS) | {"spike, partly back", "spike, above its neighbours"}
