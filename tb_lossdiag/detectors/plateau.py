"""Detector: plateau (work in progress)."""

from __future__ import annotations

from .base import CurvePair, Report

KIND = "plateau"


def detect(pair: CurvePair) -> Report:
    """Find plateau in pair."""
    return Report()
