"""A long curve judged a stretch at a time gives exactly the numbers of the whole curve.

The spike detector relies on it to diagnose 1e7-point curves in bounded
memory with unchanged findings: every stretch's log values and trailing
levels must equal the whole curve's bit for bit, wherever the stretch starts
and ends, and the run minima must equal a window view's.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from tb_lossdiag import pieces
from tb_lossdiag.pieces import LogCurve
from tb_lossdiag.robust import running_min, to_log, trailing_level, trailing_window

STRETCH = 64  # small stretches, so that short curves are split many times


@pytest.fixture(autouse=True)
def small_stretches(monkeypatch) -> None:
    monkeypatch.setattr(pieces, "PIECE_POINTS", STRETCH)


def _curve(kind: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    values = 2 * np.exp(-np.linspace(0, 5, n)) + 0.05 + 0.02 * rng.standard_normal(n)
    values[rng.integers(0, n, max(1, n // 50))] *= 5  # spikes
    if kind == "zeros":
        values = np.abs(values)
        values[rng.random(n) < 0.1] = 0.0
    elif kind == "negative":
        values = values - 1.0
    elif kind == "ties":
        values = np.round(np.abs(values), 1) + 0.1
    return values.astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("kind", ["positive", "zeros", "negative", "ties"])
@pytest.mark.parametrize("n, window", [(9, 31), (40, 5), (200, 31), (1000, 31), (1000, 7), (500, 201)])
def test_stretches_equal_the_whole_curve(kind: str, n: int, window: int) -> None:
    values = _curve(kind, n)
    x, _ = to_log(values)
    level = trailing_level(x, trailing_window(window, n))
    log = LogCurve(values, window)
    got_x, got_level = zip(*((px, pl) for _, px, pl in log.pieces()))
    np.testing.assert_array_equal(np.concatenate(got_x), x)
    np.testing.assert_array_equal(np.concatenate(got_level), level)
    for start, stop in [(0, 1), (1, 3), (window - 1, window + 2), (n // 2, n), (n - 1, n), (3, n)]:
        start, stop = min(start, n - 1), min(stop, n)
        stretch_x, stretch_level = log.level(start, stop)
        np.testing.assert_array_equal(stretch_x, x[start:stop])
        np.testing.assert_array_equal(stretch_level, level[start:stop])


def test_overlapping_stretches_and_first_point_at_most() -> None:
    values = _curve("positive", 300)
    log = LogCurve(values, 31)
    x, _ = to_log(values)
    for start, stretch, _ in log.pieces(overlap=2):
        np.testing.assert_array_equal(stretch, x[start : start + STRETCH + 2])
    bound = float(np.quantile(x, 0.2))
    for start in (0, 5, 63, 64, 250):
        expected = np.flatnonzero(x[start:] <= bound)
        assert log.first_at_most(start, bound) == (start + int(expected[0]) if expected.size else None)
    assert log.first_at_most(0, float(x.min()) - 1.0) is None


@pytest.mark.parametrize("length", [1, 2, 3, 5])
def test_running_min_is_the_window_views(length: int) -> None:
    x = np.random.default_rng(length).standard_normal(101)
    np.testing.assert_array_equal(running_min(x, length), sliding_window_view(x, length).min(axis=1))
    assert running_min(x[:2], 3).size == 0
