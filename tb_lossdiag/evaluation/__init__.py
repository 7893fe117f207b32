"""Scoring loss-curve diagnoses against labelled experiments.

- ``labels``: labels -> :class:`Expectation` (required / allowed finding kinds).
- ``scoring``: per-kind precision, recall and F1, healthy false-alarm rate,
  overfitting onset error.
"""

from .labels import Expectation, parse_demo_labels
from .scoring import (
    Diagnosis,
    Score,
    errors,
    healthy_false_alarm_rate,
    judge,
    onset_error,
    reliability,
    score_kinds,
    summarise_errors,
)

__all__ = [
    "Diagnosis",
    "Expectation",
    "Score",
    "errors",
    "healthy_false_alarm_rate",
    "judge",
    "onset_error",
    "reliability",
    "parse_demo_labels",
    "score_kinds",
    "summarise_errors",
]
