"""Detector: spike (work in progress)."""

from __future__ import annotations

from .base import CurvePair, Report

KIND = "spike"


def detect(pair: CurvePair) -> Report:
    """Find spike in pair."""
    return Report()
