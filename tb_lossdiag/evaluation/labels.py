"""What a correct diagnosis of a labelled experiment must (and may) say.

A label becomes an :class:`Expectation`: the finding kinds that are required,
a group of which at least one is required, and kinds that are acceptable but
not needed. Any other kind reported is a false positive.

Two label sources are understood:

- the real-curve corpus's ``INVENTORY.tsv`` (one row per run, a human label
  per run, mapped to kinds by :data:`CORPUS_RULES`);
- a ``labels.json`` of the demo or of the known-answer library (expected
  kinds per experiment, and in the library's also allowed kinds and a split).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Iterable, Mapping


@dataclass(frozen=True)
class Expectation:
    """What a correct diagnosis of one experiment contains."""

    label: str
    required: frozenset[str] = frozenset()
    """Every one of these kinds must be reported."""
    any_of: frozenset[str] = frozenset()
    """At least one of these kinds must be reported (empty: no such group)."""
    allowed: frozenset[str] = frozenset()
    """These kinds may be reported; reporting them is neither a hit nor a false positive."""
    onset_step: int | None = None
    """Labelled overfitting onset (the step of the validation optimum)."""

    @property
    def accepted(self) -> frozenset[str]:
        """Every kind that may appear without being a false positive."""
        return self.required | self.any_of | self.allowed

    @property
    def healthy(self) -> bool:
        """True when nothing at all should be reported."""
        return not self.accepted


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


def parse_inventory(text: str) -> tuple[list[CorpusCase], list[str]]:
    """Scored cases and the run_dirs skipped (unscored labels) of an ``INVENTORY.tsv``."""
    cases, skipped = [], []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        argmin = row.get("val_argmin_step", "").strip()
        extra = CORPUS_OVERRIDES.get(row["run_dir"], (frozenset(), ""))[0]
        expectation = expectation_for(row["label"], int(argmin) if argmin else None, extra)
        if expectation is None:
            skipped.append(row["run_dir"])
            continue
        cases.append(CorpusCase(row["run_dir"], row["train_loss_tag"], row["val_loss_tag"], expectation))
    return cases, skipped


def parse_demo_labels(text: str, split: str | None = None) -> dict[str, Expectation]:
    """Experiment name -> expectation, from a ``labels.json`` (the demo's or the library's).

    The ``expected`` kinds are required, the ``allowed`` kinds (if any) may be
    reported without penalty, and nothing else is acceptable. ``split``
    keeps only the experiments of that split (``"tune"`` or ``"test"``);
    None keeps all.
    """
    out = {}
    for name, entry in json.loads(text)["experiments"].items():
        if split is not None and entry.get("split") != split:
            continue
        expected = frozenset(entry.get("expected", []))
        label = ",".join(sorted(expected)) or "healthy"
        onset = entry.get("onset_step") if "overfitting" in expected else None
        allowed = frozenset(entry.get("allowed", [])) - expected
        out[name] = Expectation(label=label, required=expected, allowed=allowed, onset_step=onset)
    return out
