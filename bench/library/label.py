"""Labels measured from the written event files, and the tune/test split.

A run's intended class comes from its construction (:attr:`Config.intended`);
its label is kept only when the curves read back from its event files show
that behaviour (:func:`verify`). Otherwise the run is relabelled (when the
files clearly show another class) or dropped, with the reason. tb-lossdiag's
detectors are never consulted: only :mod:`.measure`'s facts are.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace

import numpy as np

from tb_lossdiag.reading import read_logdir

from . import measure
from .config import Config

TEST_ONLY_DATASETS = ("iris", "moons")
"""Datasets whose runs all go to the test split, so the test split holds data never tuned on."""

ROLES = {
    "keras": {"train": ("train", "epoch_loss"), "fine": ("train", "batch_loss"), "val": ("validation", "epoch_loss"),
              "lr": ("train", "epoch_learning_rate"), "val_acc": ("validation", "epoch_accuracy")},
    "torch": {"train": ("", "Loss/train"), "val": ("", "Loss/val"), "lr": ("", "lr"), "val_acc": ("", "Accuracy/val")},
    "lightning": {"train": ("", "train_loss_epoch"), "fine": ("", "train_loss_step"), "val": ("", "val_loss"),
                  "lr": ("", "lr-Adam|lr-SGD"), "val_acc": ("", "val_acc")},
    "hf": {"train": ("", "train/loss"), "val": ("", "eval/loss"), "lr": ("", "train/learning_rate"),
           "val_acc": ("", "eval/accuracy"), "grad_norm": ("", "train/grad_norm")},
}
"""Where each layout writes each curve: role -> (run below the experiment, tag; ``|`` separates alternatives)."""

HEALTHY_MAX_RATIO = 0.7
"""A healthy run's final training level is at most this fraction of its start (it learned)."""
OVERFIT_MIN_RISE = 0.1
"""Overfitting: the smoothed validation loss ends at least this far (relative) above its minimum ..."""
OVERFIT_MAX_POSITION = 0.8
"""... and that minimum lies in the first this-fraction of the run."""
HEALTHY_MAX_RISE = 0.05
"""A healthy run's validation loss ends at most this far above its minimum."""
UNDERFIT_MIN_RATIO = 0.7
"""Underfitting: the final training level is at least this fraction of the start or of the chance-level loss."""
UNDERFIT_MAX_GAP = 0.25
"""... with validation within this fraction of training (they move together)."""
PLATEAU_MIN_DROP = 0.1
"""An LR cut stalls a loss that fell at least this much (relative) from the first half of the stretch before
the cut to the first half of the stretch after it ..."""
PLATEAU_BEFORE = 0.15
"""... each stretch being this fraction of the run ..."""
PLATEAU_MAX_CHANGE = 0.05
"""... and that stays within this (relative) of its level just after the cut until the end (on validation when
it is logged after the cut: with the weights frozen it has no batch noise)."""
STALL_MIN_FRACTION = 0.2
"""A stall spans at least this fraction of the run ..."""
STALL_BREAKOUT = 0.25
"""... and the loss later falls this much (relative) below the stall level."""
EXPLOSION_PEAK = 10.0
"""Divergence without NaN: the loss peaks at least this many times its start ..."""
EXPLOSION_TAIL = 3.0
"""... and ends at least this many times its lowest level."""
CHANCE_TOLERANCE = 0.05
"""Collapse to chance: the final level is within this (relative) of the chance-level loss ..."""
FROZEN_STD = 0.01
"""... and frozen: its relative standard deviation over the last third is at most this."""
SPIKE_SEARCH_POINTS = 3
"""A caused spike is looked for this many logged points (at least 10 steps) after its cause."""


def split_of(dataset: str, seed: int) -> str:
    """``test`` for :data:`TEST_ONLY_DATASETS` and odd seeds, ``tune`` for even seeds of the others."""
    return "test" if dataset in TEST_ONLY_DATASETS or seed % 2 else "tune"


@dataclass(frozen=True)
class Curves:
    """The curves of one written run, by role (``None`` when the layout does not write it)."""

    train: tuple[np.ndarray, np.ndarray] | None
    fine: tuple[np.ndarray, np.ndarray] | None
    val: tuple[np.ndarray, np.ndarray] | None
    lr: tuple[np.ndarray, np.ndarray] | None
    val_acc: tuple[np.ndarray, np.ndarray] | None
    grad_norm: tuple[np.ndarray, np.ndarray] | None

    @property
    def finest(self) -> tuple[np.ndarray, np.ndarray]:
        """The most finely logged training loss (per batch where the layout writes it)."""
        return self.fine if self.fine is not None and len(self.fine[0]) else self.train


def read_curves(experiment_dir: str, layout: str) -> Curves:
    """Read the run's event files back and pick each role's series."""
    runs = read_logdir(experiment_dir).runs
    found = {}
    for role, (sub, tags) in ROLES[layout].items():
        tagged = runs.get(sub or ".", runs.get(sub, {}))
        series = next((tagged[t] for t in tags.split("|") if t in tagged), None)
        found[role] = None if series is None else (series.steps, series.values)
    if found.get("grad_norm") is not None and found.get("train") is not None:
        # The Trainer logs a NaN/Inf loss as 0.0 (logging_nan_inf_filter); its gradient norm shows where it began.
        steps, values = found["train"]
        broken = measure.first_nonfinite(*found["grad_norm"])
        found["train"] = steps, values if broken is None else np.where(steps >= broken, np.nan, values)
    return Curves(**{role: found.get(role) for role in Curves.__dataclass_fields__})


def facts(curves: Curves, construction: dict) -> dict:
    """Every measured fact the rules use, JSON-ready."""
    steps, values = curves.finest
    out = {"points": int(len(steps)), "start": measure.start_level(values), "end": measure.tail_level(values)}
    levels = measure.levels(steps, values)[1]
    out["lowest"] = float(levels.min()) if len(levels) else float("nan")
    out["peak"] = float(np.nanmax(np.where(np.isfinite(values), values, np.nan))) if np.isfinite(values).any() else None
    nonfinite = [measure.first_nonfinite(*c) for c in (curves.finest, curves.train, curves.val) if c is not None]
    nonfinite = [s for s in nonfinite if s is not None]
    out["nonfinite_step"] = min(nonfinite) if nonfinite else None
    if curves.val is not None and np.isfinite(curves.val[1]).sum() >= 3:
        out["validation"] = measure.validation_minimum(*curves.val)
        out["val_end"] = measure.tail_level(curves.val[1])
    if curves.lr is not None:
        out["lr_cut_step"] = measure.learning_rate_cut(*curves.lr)
    out["chance_loss"] = construction.get("chance_loss")
    out["prior_accuracy"] = construction.get("prior_accuracy")
    if curves.val_acc is not None and len(curves.val_acc[1]):
        out["val_accuracy_end"] = measure.tail_level(curves.val_acc[1])
    return out


def _json_number(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


@dataclass(frozen=True)
class Verdict:
    """The measured label of a run, or why it was dropped; ``relabelled`` says from what."""

    expected: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    onset_step: int | None = None
    spike_steps: tuple[int, ...] = ()
    dropped: str | None = None
    relabelled: str | None = None


def _overfits(f: dict, curves: Curves) -> bool:
    v = f.get("validation")
    if v is None or v["position"] > OVERFIT_MAX_POSITION or v["rise"] < OVERFIT_MIN_RISE:
        return False
    return f["end"] < measure.level_at(*curves.finest, v["step"])


def _healthy(f: dict, curves: Curves) -> Verdict:
    steps, values = curves.finest
    outliers = measure.spikes_near(steps, values, [int(steps[0])], int(steps[-1] - steps[0]))
    f["noise_outliers"] = len(outliers)  # points that would pass the spike test: the noise a detector must accept
    f["worst_outlier"] = max((h for _, h in outliers), default=None)
    f["exact_zeros"] = int((values == 0).sum())
    if f["nonfinite_step"] is not None:
        return Verdict(dropped=f"healthy run has a NaN/Inf at step {f['nonfinite_step']}")
    if f["end"] > HEALTHY_MAX_RATIO * f["start"]:
        return Verdict(dropped=f"healthy run barely learned (end {f['end']:.3g} vs start {f['start']:.3g})")
    v = f.get("validation")
    if v is not None and v["rise"] > HEALTHY_MAX_RISE:
        if _overfits(f, curves):
            return Verdict(("overfitting",), ("plateau",), v["step"], relabelled="healthy")
        return Verdict(dropped=f"validation ends {v['rise']:.0%} above its minimum: neither clean nor overfit")
    return Verdict()


def _overfitting(f: dict, curves: Curves) -> Verdict:
    if _overfits(f, curves):
        return Verdict(("overfitting",), ("plateau",), f["validation"]["step"])
    v = f.get("validation", {})
    return Verdict(dropped=f"validation minimum at {v.get('position', 1):.0%} of the run, rise {v.get('rise', 0):.0%}")


def _underfitting(f: dict, curves: Curves) -> Verdict:
    if f["nonfinite_step"] is not None:
        return Verdict(dropped="underfitting run has NaN/Inf")
    chance = f["chance_loss"] or f["start"]
    high = f["end"] >= UNDERFIT_MIN_RATIO * min(f["start"], chance)
    gap = abs(f.get("val_end", f["end"]) - f["end"]) / max(f["end"], 1e-12)
    if high and gap <= UNDERFIT_MAX_GAP and not _overfits(f, curves):
        return Verdict(("underfitting",))
    return Verdict(dropped=f"loss fell to {f['end']:.3g} from {f['start']:.3g} (chance {chance:.3g}), gap {gap:.0%}")


def _plateau(f: dict, curves: Curves, config: Config) -> Verdict:
    steps, values = curves.finest
    span = float(steps[-1] - steps[0])
    if config.schedule == "step":  # an LR cut: the logged LR must show it
        cut = f.get("lr_cut_step")
        if cut is None:
            return Verdict(dropped="no LR cut visible in the logged learning rate")
        window = PLATEAU_BEFORE * span
        before = measure.level_between(steps, values, cut - window, cut - window / 2)
        after = measure.level_between(steps, values, cut, cut + window / 2)  # the points logged after the cut
        drop = (before - after) / before
        # Stopped dead: judged on validation when it is logged after the cut (frozen weights, no batch noise).
        flat = curves.val if curves.val is not None and (curves.val[0] > cut).sum() >= 3 else curves.finest
        settled = measure.level_between(*flat, cut, cut + window / 2)
        change = abs(measure.tail_level(flat[1]) - settled) / settled
        f["cut_drop_before"], f["change_after"] = drop, change
        if drop >= PLATEAU_MIN_DROP and change <= PLATEAU_MAX_CHANGE:
            return Verdict(("plateau",), (), cut)
        return Verdict(dropped=f"at the LR cut the loss had fallen {drop:.0%} and changed {change:.0%} after")
    first, last = measure.longest_flat(steps, values)
    stall = measure.level_at(steps, values, first)
    f["stall"] = [first, last]
    if (last - first) >= STALL_MIN_FRACTION * span and f["end"] <= (1 - STALL_BREAKOUT) * stall:
        return Verdict(("plateau",), (), first)
    return Verdict(dropped=f"no stall then breakout: flat {first}-{last}, end {f['end']:.3g} vs stall {stall:.3g}")


def _spike(f: dict, curves: Curves, config: Config, construction: dict) -> Verdict:
    if f["nonfinite_step"] is not None:
        return Verdict(dropped="spike run has NaN/Inf")
    steps, values = curves.finest
    causes = sorted({s for s in config.bad_batches} | {first for first, _, _ in config.bursts})
    gap = int(np.median(np.diff(steps))) if len(steps) > 1 else 1
    found = measure.spikes_near(steps, values, causes, max(10, SPIKE_SEARCH_POINTS * gap))
    f["spikes"] = [[s, round(h, 2)] for s, h in found]
    if curves.fine is not None and curves.train is not None:
        per_epoch = construction["steps_per_epoch"]
        at = [c // per_epoch for c in causes] if config.layout == "keras" else causes  # Keras steps epochs by epoch
        f["epoch_level_heights"] = [None if h is None else round(h, 2) for h in measure.heights_at(*curves.train, at)]
    if not found:
        return Verdict(dropped=f"no logged point stands out after the causes at {causes}")
    return Verdict(("spike",), (), found[0][0], tuple(s for s, _ in found))


def _collapsed(f: dict, curves: Curves) -> bool:
    """Blown up, then frozen at the chance-level loss (the network died)."""
    chance = f["chance_loss"]
    if not chance or f["peak"] is None or f["peak"] < EXPLOSION_TAIL * f["lowest"]:
        return False
    values = curves.finest[1]
    tail = values[-max(3, len(values) // 3):]
    f["tail_relative_std"] = float(np.std(tail) / max(abs(np.mean(tail)), 1e-12))
    return abs(f["end"] - chance) <= CHANCE_TOLERANCE * chance and f["tail_relative_std"] <= FROZEN_STD


def _divergence(f: dict, curves: Curves) -> Verdict:
    onset = measure.divergence_onset(*curves.finest)
    if f["nonfinite_step"] is not None:
        return Verdict(("divergence",), (), onset if onset is not None else f["nonfinite_step"])
    if _collapsed(f, curves):
        return Verdict(("divergence",), ("plateau",), measure.blow_up_step(*curves.finest))
    if f["peak"] is not None and f["peak"] >= EXPLOSION_PEAK * f["start"] and f["end"] >= EXPLOSION_TAIL * f["lowest"]:
        return Verdict(("divergence",), (), onset)
    return Verdict(dropped=f"no NaN, peak {f['peak']:.3g} vs start {f['start']:.3g}, end {f['end']:.3g}")


def verify(config: Config, curves: Curves, construction: dict) -> tuple[Verdict, dict]:
    """The run's measured label and the facts it rests on."""
    f = facts(curves, construction)
    if config.intended == "healthy":
        verdict = _healthy(f, curves)
    elif config.intended == "overfitting":
        verdict = _overfitting(f, curves)
    elif config.intended == "underfitting":
        verdict = _underfitting(f, curves)
    elif config.intended == "plateau":
        verdict = _plateau(f, curves, config)
    elif config.intended == "spike":
        verdict = _spike(f, curves, config, construction)
    else:
        verdict = _divergence(f, curves)
    if config.intended in ("spike", "plateau") and verdict.dropped is None and _overfits(f, curves):
        # An LR burst or a stall can leave validation rising while training falls: that is overfitting too.
        verdict = replace(verdict, allowed=tuple(dict.fromkeys(verdict.allowed + ("overfitting",))))
    return verdict, f


def entry(config: Config, verdict: Verdict, f: dict) -> dict:
    """The ``labels.json`` entry of a kept run."""
    return {
        "expected": list(verdict.expected),
        "allowed": list(verdict.allowed),
        "onset_step": verdict.onset_step,
        "spike_steps": list(verdict.spike_steps),
        "split": split_of(config.dataset, config.seed),
        "dataset": config.dataset,
        "seed": config.seed,
        "framework": config.framework,
        "layout": config.layout,
        "description": config.description,
        "measured": _clean(f),
    }


def _clean(x):
    """``x`` with non-finite floats as None and numpy scalars as Python numbers (strict JSON)."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return _json_number(round(float(x), 6))
    if isinstance(x, np.integer):
        return int(x)
    return x
