"""Detector: overfitting (work in progress)."""

from __future__ import annotations

from .base import CurvePair, Report

KIND = "overfitting"


def detect(pair: CurvePair) -> Report:
    """Find overfitting in pair."""
    return Report()
