"""The detectors, one module per pathology, all sharing the shape of :mod:`.base`."""

from __future__ import annotations

from typing import Callable

from . import divergence, overfitting, plateau, spike, underfitting
from .base import SEVERITY_RANK, Curve, CurvePair, Finding, Report

#: Run in this order; divergence first because it bounds what the others see.
DETECTORS = (divergence, overfitting, underfitting, plateau, spike)
KINDS = tuple(d.KIND for d in DETECTORS)

#: A finding of the key kind explains findings of these kinds on the same curve, which are then not
#: reported: a diverged run is not also underfitting or stalled; a run that never got going is flat too.
SUPERSEDES = {"divergence": ("underfitting", "plateau"), "underfitting": ("plateau",)}
#: Share of a plateau that spike recoveries may cover before the "stall" is taken for their aftermath.
MAX_SPIKE_SHARE_OF_PLATEAU = 0.25


def redundant(finding: Finding, others: list[Finding]) -> bool:
    """Whether another finding on the same curve already explains ``finding``.

    Besides :data:`SUPERSEDES`: a jump that :data:`ABSORBS_JUMPS` says is
    another finding's own doing, and a plateau made mostly of spike
    recoveries (those spikes' aftermath).
    """
    for other in others:
        if other is finding:
            continue
        if finding.kind in SUPERSEDES.get(other.kind, ()):
            return True
        part_of = ABSORBS_JUMPS.get(other.kind)
        if finding.kind == spike.KIND and part_of is not None and part_of(finding, other):
            return True
    if finding.kind == plateau.KIND:
        span = max(finding.end_step - finding.start_step, 1)
        covered = sum(
            max(0, min(finding.end_step, o.end_step or o.start_step) - max(finding.start_step, o.start_step) + 1)
            for o in others
            if o.kind == spike.KIND and o.series == finding.series
        )
        return covered > MAX_SPIKE_SHARE_OF_PLATEAU * span
    return False


def _diverging_from(finding: Finding) -> int:
    """Where a divergence began: its best point for an explosion (the run only got worse from there), the last
    point near its best for a training loss that turned NaN/Inf (what followed was the run-up)."""
    for key in ("best_step", "stable_until_step"):
        if finding.evidence.get(key) is not None:
            return finding.evidence[key]
    return finding.start_step


def _part_of_divergence(jump: Finding, divergence: Finding) -> bool:
    """Whether a spike is the divergence's own doing: it lasts into it, or it rose from the curve's starting level
    (a learning rate too high from the first steps, the same cause)."""
    return _reaches(jump, _diverging_from(divergence)) or jump.evidence.get("measured_from") == "starting level"


def _part_of_overfitting(jump: Finding, overfitting: Finding) -> bool:
    """Whether a spike is the overfitting rise itself: a validation jump after the onset that never came back down
    (the trailing level lags a rise that speeds up, so a steep stretch of it stands out as a "level shift")."""
    return jump.series == overfitting.series and jump.end_step is None and jump.start_step > overfitting.start_step


#: A finding of the key kind explains a spike on the same curve when the function says the jump is its own
#: doing: jumps that last into a divergence (from the best point an explosion rose from, or the last point near
#: its best before a training loss turned NaN/Inf) or rose from the curve's starting level; a validation jump that
#: never comes back down after the overfitting onset.
ABSORBS_JUMPS: dict[str, Callable[[Finding, Finding], bool]] = {
    divergence.KIND: _part_of_divergence,
    overfitting.KIND: _part_of_overfitting,
}


def _reaches(finding: Finding, step: int) -> bool:
    """Whether a finding lasts up to ``step`` (an open end lasts for ever)."""
    return finding.end_step is None or finding.end_step >= step


__all__ = ["DETECTORS", "KINDS", "SEVERITY_RANK", "SUPERSEDES", "Curve", "CurvePair", "Finding", "Report", "redundant"]
