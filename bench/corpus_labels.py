"""How the shared real-curve corpus's labels translate into finding kinds.

The corpus's ``INVENTORY.tsv`` holds one row per run with one person's label
(see the corpus README); :data:`CORPUS_RULES` maps each label to the kinds a
correct diagnosis must, may or must not report, with the reason why.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable, Mapping

from tb_lossdiag.evaluation import Expectation


@dataclass(frozen=True)
class Rule:
    """How one corpus label translates into kinds, with the reason why."""

    required: frozenset[str]
    any_of: frozenset[str]
    allowed: frozenset[str]
    reason: str


def _rule(reason: str, required: Iterable[str] = (), any_of: Iterable[str] = (), allowed: Iterable[str] = ()) -> Rule:
    return Rule(frozenset(required), frozenset(any_of), frozenset(allowed), reason)


#: Corpus label -> rule. ``None`` means the label is not scored.
CORPUS_RULES: Mapping[str, Rule | None] = {
    "healthy": _rule("both curves fall to a minimum near the end: nothing to report"),
    "healthy_noisy_val": _rule(
        "as healthy, but the visible validation bumps may fairly be called spikes",
        allowed={"spike"},
    ),
    "still_improving": _rule(
        "still falling at the last point: stopping this early is fairly called underfitting",
        allowed={"underfitting"},
    ),
    "val_plateau": _rule(
        "validation flat while training falls: a plateau, or the start of overfitting",
        allowed={"plateau", "overfitting"},
    ),
    "overfitting": _rule(
        "validation minimum then a sustained rise while training falls; training often flattens near zero",
        required={"overfitting"},
        allowed={"plateau"},
    ),
    "severe_overfitting": _rule(
        "overfitting after a chance-level plateau, with large validation spikes in places",
        required={"overfitting"},
        allowed={"plateau", "spike"},
    ),
    "no_learning_plateau": _rule(
        "stuck at chance level from the start: that is both not learning and flat",
        any_of={"underfitting", "plateau"},
    ),
    "val_spikes": _rule(
        "large transient validation spikes; training is sometimes flat meanwhile",
        required={"spike"},
        allowed={"plateau"},
    ),
    "unstable": _rule(
        "training itself jumps up or degrades: spikes or a divergence, around flat stretches",
        any_of={"spike", "divergence"},
        allowed={"plateau"},
    ),
    "diverged_nan": _rule(
        "the loss becomes NaN; the values before are noisy enough to look like spikes",
        required={"divergence"},
        allowed={"spike"},
    ),
    "unclear": None,
}

#: Corpus runs whose own curve shows more than its label says: run_dir -> (extra allowed kinds, reason).
CORPUS_OVERRIDES: Mapping[str, tuple[frozenset[str], str]] = {
    "AnAccountWithoutAName__Deep-Lineary-Gated-Networks/lightning_logs/version_39": (
        frozenset({"spike"}),
        "note: one train spike near step 7700",
    ),
    "AnAccountWithoutAName__Deep-Lineary-Gated-Networks/lightning_logs/version_44": (
        frozenset({"spike"}),
        "note: a validation spike to 6.6 at ~550",
    ),
}


@dataclass(frozen=True)
class Reading:
    """How we read a corpus run whose label we disagree with, and the numbers why."""

    label: str
    extra_allowed: frozenset[str]
    reason: str


#: Corpus runs whose label the run's own numbers do not bear out: run_dir -> our reading. The accuracy
#: bench scores the corpus as labelled, then again with these readings, for every system alike.
CORPUS_READINGS: Mapping[str, Reading] = {
    "Kirschberg32__TensorFlow_22-23/Homework07/logs/run1": Reading(
        "healthy_noisy_val",
        frozenset(),
        "val_spikes: validation moves within 29.6-31.5 (bumps of 6-10 % on a loss of ~30) while training is "
        "flat at ~29; no point stands 30 % above its neighbours, which is what a spike would need",
    ),
    "Kirschberg32__TensorFlow_22-23/Homework07/logs/run2": Reading(
        "healthy_noisy_val", frozenset(), "val_spikes: as run1, bumps of 6-10 % on a validation loss of ~30"
    ),
    "Mqtth3w__pixel-level-segmentation-in-pets-unipr/unet/runs/UNet_lr2e_3": Reading(
        "healthy_noisy_val",
        frozenset(),
        "val_spikes, noted 'very erratic throughout (0.20-0.42)': the highest jump stands 33 % above the level "
        "before it (0.311 against 0.233 at step 1380), 1.4 times the curve's own point-to-point noise; an "
        "erratic curve, not a jump out of it",
    ),
    "converted/0Xero7__slm_training@HEAD/version_5": Reading(
        "no_learning_plateau",
        frozenset(),
        "unstable: 4 epoch points rising 1.3 % (3.67 -> 3.72), while the per-step loss (1,126 points) sits "
        "flat at ~3.7 for the whole run: a run that does not learn, not one that jumps or diverges",
    ),
    "BullsEye268__da6401_assignment3/lightning_logs/version_13": Reading(
        "val_plateau",
        frozenset(),
        "overfitting, noted 'mild': validation 0.719 at evaluation 4 of 7, then 0.777, 0.747, 0.785 (+6.5 %, 0.6 "
        "noise sigmas of its 10.8 % point-to-point noise); the same project's version_10 (0.707, then 3 "
        "evaluations +3.6 %, 0.8 sigmas) is labelled val_plateau, 'mild overfit at most': one shape, read as one",
    ),
    "Kirschberg32__TensorFlow_22-23/Homework06/logs/DenseMode/20221210-210143": Reading(
        "val_plateau",
        frozenset(),
        "overfitting, noted 'val flat ~0.65-0.70 from epoch 5 ... (mild)': minimum at epoch 10 of 15, then +18 % "
        "(2.7 noise sigmas, most of it the last epoch); its sibling runs Original and ResMode, minimum at "
        "epoch 10 too, then +10.7 % (3.5 sigmas) and +8.0 % (1.9 sigmas), are labelled val_plateau",
    ),
    "TheCodeheadMT__TensorBoard-Tutorial/archive/experiments/Exp_7_rmsprop_300_0.2": Reading(
        "val_plateau",
        frozenset(),
        "overfitting, noted 'flat/slightly up (mild)': the minimum (0.0855, epoch 3) is one point 13 % below "
        "its two neighbours (2.4 noise sigmas); after it validation falls (Kendall tau -0.47), ending 6 % "
        "below epoch 2, while training falls: validation flat, as the label val_plateau says",
    ),
    "converted/Aitzaz-Saleem__Detection-of-Tomato-Leaf-Diseases-Using-CNN/training_log": Reading(
        "val_plateau",
        frozenset(),
        "overfitting, noted 'val noisy, flattens ~0.3-0.46 from epoch ~10 (mild, noisy)': the minimum (0.291, "
        "epoch 18) is one point 26 % below its neighbours; the median of epochs 19-28 is 6 % above that of "
        "epochs 10-18 (0.4 noise sigmas of its 15 % noise; Kendall tau 0.15 from epoch 10); the same note on "
        "Homework04 SUB_2/RMSprop ('val flat/noisy ... while train falls') is labelled val_plateau",
    ),
    "Kirschberg32__TensorFlow_22-23/Homework04/logs/SUB_1/SGD_Momentum-0.9": Reading(
        "overfitting",
        frozenset({"spike"}),
        "overfitting, as labelled, and one validation jump the label leaves out: 0.1219 at epoch 14 between 0.0757 "
        "and 0.0723 (the labelled minimum), 1.61x both neighbours and 34 noise sigmas; UNet_lr1e_3's jumps of "
        "1.5x their neighbours are labelled val_spikes",
    ),
    "Grafit-Kil__helmet-detection-yolov5/runs/train/exp2": Reading(
        "healthy_noisy_val",
        frozenset({"overfitting"}),
        "healthy_noisy_val, read on the box loss: the objectness loss of the same run overfits, validation "
        "0.00897 at epoch 65 -> 0.01045 at the end (+16 %, 18 noise sigmas, Kendall tau 0.64 over 84 "
        "points) while training objectness fell 22 %",
    ),
}


def expectation_for(label: str, onset_step: int | None = None, extra_allowed: Iterable[str] = ()) -> Expectation | None:
    """The expectation of a corpus label, or None if the label is not scored.

    Raises ``KeyError`` for a label :data:`CORPUS_RULES` does not know, so a
    new label cannot be silently scored as healthy.
    """
    rule = CORPUS_RULES[label]
    if rule is None:
        return None
    return Expectation(
        label=label,
        required=rule.required,
        any_of=rule.any_of,
        allowed=rule.allowed | (frozenset(extra_allowed) - rule.required - rule.any_of),
        onset_step=onset_step if "overfitting" in rule.required else None,
    )


@dataclass(frozen=True)
class CorpusCase:
    """One labelled corpus run: where it is and what it should get."""

    run_dir: str
    train_tag: str
    val_tag: str
    expectation: Expectation


def parse_inventory(text: str, reviewed: bool = False) -> tuple[list[CorpusCase], list[str]]:
    """Scored cases and the run_dirs skipped (unscored labels) of an ``INVENTORY.tsv``.

    With ``reviewed``, the runs of :data:`CORPUS_READINGS` get our reading instead of their label.
    """
    cases, skipped = [], []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        argmin = row.get("val_argmin_step", "").strip()
        label, extra = row["label"], CORPUS_OVERRIDES.get(row["run_dir"], (frozenset(), ""))[0]
        reading = CORPUS_READINGS.get(row["run_dir"]) if reviewed else None
        if reading is not None:
            label, extra = reading.label, extra | reading.extra_allowed
        expectation = expectation_for(label, int(argmin) if argmin else None, extra)
        if expectation is None:
            skipped.append(row["run_dir"])
            continue
        cases.append(CorpusCase(row["run_dir"], row["train_loss_tag"], row["val_loss_tag"], expectation))
    return cases, skipped
