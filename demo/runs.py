"""Which runs the demo writes, and writing them once each.

A run is complete when its ``label.json`` sits in its folder (written after
training ends); complete runs are kept, so ``python -m demo OUTDIR`` only
trains what is missing. ``labels.json`` at the top of ``OUTDIR`` gathers the
labels of every complete run.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import labels
from .layouts import LAYOUTS
from .scenarios import SCENARIOS, Variant

PYTORCH_STYLE_SCENARIOS = ("healthy", "overfitting", "spikes", "diverging")
"""Scenarios also written in the single-run layout (every one is written in the Keras layout)."""
RUN_LABEL = "label.json"


@dataclass(frozen=True)
class Run:
    """One training run: ``experiment`` is its name as paired (its folder under OUTDIR)."""

    experiment: str
    scenario: str
    layout: str
    variant: Variant


def plan(only: Iterable[str] | None = None, variants: int = 0) -> list[Run]:
    """The runs to write: every scenario in the Keras layout, some in the single-run
    layout, and ``variants`` extra seeds of each scenario (Keras layout)."""
    wanted = set(only) if only else set(SCENARIOS)
    unknown = wanted - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    runs = []
    for scenario in SCENARIOS:
        if scenario not in wanted:
            continue
        runs.append(Run(f"keras/{scenario}", scenario, "keras", Variant(seed=0)))
        if scenario in PYTORCH_STYLE_SCENARIOS:
            runs.append(
                Run(
                    f"pytorch_style/{scenario}",
                    scenario,
                    "pytorch_style",
                    Variant(seed=100),
                )
            )
    for k in range(1, variants + 1):
        for scenario in SCENARIOS:
            if scenario in wanted:
                runs.append(
                    Run(
                        f"variants/seed{k}/keras/{scenario}",
                        scenario,
                        "keras",
                        Variant(seed=k, index=k),
                    )
                )
    return runs


def train(run: Run, logdir: str) -> dict:
    """Train one run into ``logdir`` (seeded, so reproducible) and return its label."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(run.variant.seed)
    setup = SCENARIOS[run.scenario](run.variant)
    logged = LAYOUTS[run.layout](setup, logdir)
    return labels.label(setup, logged)


def write(
    outdir: str,
    only: Iterable[str] | None = None,
    variants: int = 0,
    report: Callable[[str], None] = print,
) -> dict:
    """Write the missing runs of the plan under ``outdir`` and return the labels document.

    ``report`` receives one line per run (its name, and how long it took or
    that it was already there).
    """
    os.makedirs(outdir, exist_ok=True)
    for run in plan(only, variants):
        folder = os.path.join(outdir, run.experiment)
        label_path = os.path.join(folder, RUN_LABEL)
        if os.path.exists(label_path):
            report(f"{run.experiment:40s} already there")
            continue
        shutil.rmtree(folder, ignore_errors=True)  # left over from an interrupted run
        started = time.perf_counter()
        label = train(run, folder)
        with open(label_path, "w") as f:
            json.dump(label, f, indent=2)
        seconds = time.perf_counter() - started
        report(f"{run.experiment:40s} {seconds:6.1f} s  expected={label['expected']} onset={label['onset_step']}")
    return labels.write(os.path.join(outdir, labels.FILENAME), _collect(outdir))


def _collect(outdir: str) -> dict[str, dict]:
    """Labels of every complete run under ``outdir``, by experiment name."""
    found = {}
    for folder, _dirs, files in os.walk(outdir):
        if RUN_LABEL in files:
            experiment = os.path.relpath(folder, outdir).replace(os.sep, "/")
            found[experiment] = labels.read(os.path.join(folder, RUN_LABEL))
    return found
