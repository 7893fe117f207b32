"""Find the learning-rate series logged next to an experiment's curves."""

from __future__ import annotations

from typing import Iterable

from ..pairing import is_learning_rate
from ..series import SeriesRef


def find(refs: Iterable[SeriesRef], runs: list[str]) -> SeriesRef | None:
    """The learning-rate series in the first of ``runs`` (preference order) that has one.

    Within a run the shortest tag wins (``lr`` before ``lr-Adam/pg1``).
    """
    candidates = [r for r in refs if r.run in runs and is_learning_rate(r.tag)]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (runs.index(r.run), len(r.tag), r.tag))
