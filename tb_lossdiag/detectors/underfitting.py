"""Detector: underfitting (work in progress)."""

from __future__ import annotations

from .base import CurvePair, Report

KIND = "underfitting"


def detect(pair: CurvePair) -> Report:
    """Find underfitting in pair."""
    return Report()
