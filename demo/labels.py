"""Labels: what a correct diagnosis of each demo run must report.

A label is ``{"expected": [kinds], "onset_step": int | None, "description": str}``
(plus ``spike_steps`` for spike runs).
The onset is measured on the curve exactly as logged: for overfitting the
step of the (lightly smoothed) validation minimum, for divergence the first
step where either loss is NaN/Inf.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .layouts import Logged
from .scenarios import Setup

FILENAME = "labels.json"
SMOOTHING = 5
"""Window of the centred moving average used to find the validation minimum."""


def smooth(values: np.ndarray, window: int = SMOOTHING) -> np.ndarray:
    """Centred moving average, the window shrinking at the ends."""
    kernel = np.ones(window)
    padded_sum = np.convolve(values, kernel, mode="same")
    counts = np.convolve(np.ones(len(values)), kernel, mode="same")
    return padded_sum / counts


def onset_step(expected: list[str], logged: Logged) -> int | None:
    """Where the labelled problem starts, or None when it has no single onset."""
    if "divergence" in expected:
        bad = ~(np.isfinite(logged.train) & np.isfinite(logged.validation))
        return int(logged.steps[np.argmax(bad)]) if bad.any() else None
    if "overfitting" in expected:
        return int(logged.steps[np.argmin(smooth(logged.validation))])
    return None


def spike_steps(spike_batches: list[int], steps_per_epoch: int | None, logged: Logged) -> list[int]:
    """The logged steps whose values include each broken batch (epoch-level logging)."""
    return [int(logged.steps[batch // steps_per_epoch]) for batch in spike_batches] if steps_per_epoch else []


def label(setup: Setup, logged: Logged) -> dict:
    """The label of one run; a spike run also lists the logged steps of its spikes."""
    entry = {
        "expected": list(setup.expected),
        "onset_step": onset_step(setup.expected, logged),
        "description": setup.description,
    }
    if setup.spike_batches:
        entry["spike_steps"] = spike_steps(setup.spike_batches, setup.steps_per_epoch, logged)
    return entry


def write(path: str, experiments: dict[str, dict]) -> dict:
    """Write ``{"experiments": ...}`` to ``path`` (sorted by name) and return it."""
    document = {"experiments": dict(sorted(experiments.items()))}
    with open(path, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    return document


def read(path: str) -> dict:
    """One label (or a labels document) written earlier; empty if there is none."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)
