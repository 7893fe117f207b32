"""One event, one finding: what a problem looks like on the other series of an experiment.

A bad batch spikes the training loss, spoils the next validation point and
dents the accuracy curves; a collapse shows on every curve. Each echo is
folded into the finding it echoes, as ``evidence["also_seen"]`` (where else
it was seen), instead of being reported again.

A spike is a loss's business: an accuracy that jumps where the loss of the
same series logged nothing out of its noise has flipped the predictions of
samples near the decision boundary (a tiny validation set, logits held near
zero by heavy weight decay), which is no upset of training; such a jump is
not reported.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

import numpy as np

from .detectors import CurvePair, Finding, redundant
from .robust import median


def _seen(finding_evidence: dict, where: dict) -> dict:
    return {**finding_evidence, "also_seen": finding_evidence.get("also_seen", []) + [where]}


#: Kinds whose validation finding may echo a training one: a spike while it lasts (and one validation point
#: after), a divergence from its start on (a diverged run does not come back).
VALIDATION_ECHOES = ("spike", "divergence")


def merge_validation_echoes(findings: list[Finding], pair: CurvePair) -> list[Finding]:
    """A validation spike from one training interval before a training spike to the first validation point
    after it is that spike; a validation divergence from one training interval before a training divergence
    on is that divergence (the run does not come back).

    A training loop logs a batch's loss as computed before that batch's update, and evaluates after it: the
    validation point logged at the step of a bad update shows it already, the training loss only at its next
    logged step. The training finding stays (it is the cause); the validation one becomes its ``also_seen``
    entry and an extra marker.
    """
    if pair.validation is None or len(pair.validation) < 2:
        return findings
    after = float(median(np.diff(pair.validation.steps)))
    train = pair.finest_train
    before = float(median(np.diff(train.steps))) if train is not None and len(train) > 1 else 0.0
    out: list[Finding | None] = list(findings)
    for j, f in enumerate(findings):
        if f.series != "validation":
            continue
        cause = next((i for i, t in enumerate(out) if t is not None and _is_echoed_by(t, f, before, after)), None)
        if cause is None:
            continue
        t = out[cause]
        where = {"series": "validation", "step": f.evidence.get("peak_step", f.start_step)}
        out[cause] = replace(t, evidence=_seen(t.evidence, where), markers=t.markers + f.markers)
        out[j] = None
    return [f for f in out if f is not None]


def _is_echoed_by(t: Finding, f: Finding, before: float, after: float) -> bool:
    """Whether the training finding ``t`` is what the validation finding ``f`` echoes."""
    if t.series != "train" or t.kind != f.kind or t.kind not in VALIDATION_ECHOES:
        return False
    last = float("inf") if t.kind == "divergence" else (t.end_step or t.start_step) + after
    return t.start_step - before <= f.start_step <= last


def _step_interval(curve: dict) -> float:
    """The typical step between logged points of a curve entry (the coarser of its series)."""
    gaps = [
        (e["last_step"] - e["first_step"]) / (e["points"] - 1)
        for e in (curve["train"], curve["validation"])
        if e and e.get("points", 0) > 1
    ]
    return max(gaps, default=0.0)


def merge_experiment_echoes(curves: Iterable[dict]) -> None:
    """Fold findings on an experiment's other curves into the main curve's findings of the same kind.

    ``curves`` are the document entries of one experiment, the main one
    marked ``primary``. A finding on another curve (an accuracy, a second
    loss) is an echo when the main curve has a finding of the same kind
    whose steps it overlaps, give or take the coarser curve's logging
    interval, or one that explains it (:func:`~.detectors.redundant`: a
    divergence explains the accuracy's jump). A metric's spike that echoes
    none on a series the main loss holds is dropped (the module's docstring
    says why). Changes the entries in place: echoes leave their curve (whose
    status becomes healthy when nothing is left) for the main finding's
    ``evidence["also_seen"]``.
    """
    curves = list(curves)
    main = next((c for c in curves if c.get("primary")), None)
    if main is None:
        return
    for curve in curves:
        if curve is main or not curve["findings"]:
            continue
        tolerance = max(_step_interval(main), _step_interval(curve))
        kept = []
        for f in curve["findings"]:
            echoed = next((m for m in main["findings"] if _overlaps(m, f, tolerance) or _explains(m, f)), None)
            if echoed is None:
                if not _loss_shows_none_of(main, curve, f):
                    kept.append(f)
                continue
            # Where the echo was seen itself comes along: a validation spike folded into its training spike.
            for where in [{"series": f["series"], "step": f["start_step"]}, *f["evidence"].get("also_seen", [])]:
                echoed["evidence"] = _seen(echoed["evidence"], {"curve": curve["metric"], **where})
        curve["findings"] = kept
        if not kept and curve["status"] == "problems":
            curve["status"] = "healthy"


def _loss_shows_none_of(main: dict, curve: dict, finding: dict) -> bool:
    """Whether ``finding`` is a spike of a metric (``curve``) on a series whose loss the main curve holds.

    Called for findings that echo none of the main curve's: the loss of that series did not jump.
    """
    return (
        finding["kind"] == "spike"
        and curve["direction"] == "max"
        and main["direction"] == "min"
        and main.get(finding["series"]) is not None
    )


def _explains(main: dict, other: dict) -> bool:
    """Whether a main-curve finding explains another curve's (a divergence, the accuracy's fall)."""
    return redundant(Finding(**other), [Finding(**main)])


def _overlaps(main: dict, other: dict, tolerance: float) -> bool:
    if main["kind"] != other["kind"]:
        return False
    main_end = main["end_step"] if main["end_step"] is not None else float("inf")
    other_end = other["end_step"] if other["end_step"] is not None else float("inf")
    return other["start_step"] <= main_end + tolerance and main["start_step"] <= other_end + tolerance
