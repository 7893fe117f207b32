"""Detector: divergence (work in progress)."""

from __future__ import annotations

from .base import CurvePair, Report

KIND = "divergence"


def detect(pair: CurvePair) -> Report:
    """Find divergence in pair."""
    return Report()
