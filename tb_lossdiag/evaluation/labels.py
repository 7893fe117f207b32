"""What a correct diagnosis of a labelled experiment must (and may) say.

A label becomes an :class:`Expectation`: the finding kinds that are required,
a group of which at least one is required, and kinds that are acceptable but
not needed. Any other kind reported is a false positive. Labelled sets bring
their own labels: a ``labels.json`` of the demo or of the known-answer library
is read here (expected kinds per experiment, and in the library's also allowed
kinds and a split); how one particular corpus's labels map
to kinds belongs with that corpus's benchmark (``bench/corpus_labels.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


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
