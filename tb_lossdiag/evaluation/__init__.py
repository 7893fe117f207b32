"""Scoring loss-curve diagnoses against labelled experiments.

- ``labels``: labels -> :class:`Expectation` (required / allowed finding kinds).
- ``scoring``: per-kind precision, recall and F1, healthy false-alarm rate,
  overfitting onset error.
"""

from .labels import CORPUS_RULES, CorpusCase, Expectation, expectation_for, parse_demo_labels, parse_inventory
from .scoring import (
    Diagnosis,
    Score,
    errors,
    healthy_false_alarm_rate,
    judge,
    onset_error,
    score_kinds,
    summarise_errors,
)

__all__ = [
    "CORPUS_RULES",
    "CorpusCase",
    "Diagnosis",
    "Expectation",
    "Score",
    "errors",
    "expectation_for",
    "healthy_false_alarm_rate",
    "judge",
    "onset_error",
    "parse_demo_labels",
    "parse_inventory",
    "score_kinds",
    "summarise_errors",
]
