"""The detectors, one module per pathology, all sharing the shape of :mod:`.base`."""

from . import divergence, overfitting, plateau, spike, underfitting
from .base import SEVERITY_RANK, Curve, CurvePair, Finding, Report

#: Run in this order; divergence first because it bounds what the others see.
DETECTORS = (divergence, overfitting, underfitting, plateau, spike)
KINDS = tuple(d.KIND for d in DETECTORS)

__all__ = ["DETECTORS", "KINDS", "SEVERITY_RANK", "Curve", "CurvePair", "Finding", "Report"]
