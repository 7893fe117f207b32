"""The detectors' faster order statistics and shared curve statistics equal the straightforward ones, bit for bit.

The findings must not change by a single rounding when a median is taken
with one partition instead of numpy's, quantiles are read off one sort, or
a curve's smoothing is computed once for several detectors: each is checked
here against the plain numpy (or scipy) computation it replaces, on arrays
with ties, signed zeros, infinities and NaNs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tb_lossdiag.detectors.base import REDUCED_POINTS, Curve
from tb_lossdiag.robust import (
    kendall_tau,
    median,
    median_of_order,
    noise_sigma,
    order_statistics,
    quantiles,
    quantiles_of_order,
    ranks_read,
    rolling_median,
    row_medians,
    smoothing_window,
    to_log,
)

SPECIALS = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e308, -1e308, 5e-324]
values = st.one_of(st.floats(-1e3, 1e3), st.integers(-3, 3).map(float), st.sampled_from(SPECIALS))
arrays = st.lists(values, min_size=1, max_size=80).map(np.array)


def _same(expected, got) -> bool:
    """Equal as numbers, NaN matching NaN, and a zero of the same sign."""
    expected, got = np.asarray(expected), np.asarray(got)
    return (
        expected.dtype == got.dtype
        and np.array_equal(expected, got, equal_nan=True)
        and np.array_equal(np.signbit(expected), np.signbit(got))
    )


def _median_via_order_statistics(x: np.ndarray) -> np.floating:
    n = len(x)
    at = order_statistics(x, ranks_read(n, [])) if n else {}
    return median_of_order(at.__getitem__, n)


@settings(max_examples=400, deadline=None)
@given(arrays)
def test_median_is_numpys(x):
    with np.errstate(all="ignore"):
        expected = np.median(x)
        assert _same(expected, median(x))
        assert _same(expected, median_of_order(np.sort(x).__getitem__, len(x)))
        assert _same(expected, _median_via_order_statistics(x))
        assert type(median(x)) is type(expected)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_median_keeps_numpys_type(dtype):
    rng = np.random.default_rng(0)
    for n in range(1, 30):
        x = (rng.normal(size=n) * 10).astype(dtype)
        assert _same(np.median(x), median(x)) and type(median(x)) is type(np.median(x))


def test_median_of_nothing_is_nan():
    assert np.isnan(median(np.empty(0))) and np.isnan(median_of_order(np.empty(0).__getitem__, 0))


@settings(max_examples=400, deadline=None)
@given(arrays, st.lists(st.integers(0, 79), min_size=1, max_size=6))
def test_order_statistics_are_the_sorted_values(x, ranks):
    ranks = sorted({r % len(x) for r in ranks})
    with np.errstate(all="ignore"):
        expected, got = np.sort(x)[ranks], order_statistics(x, ranks)
    assert np.array_equal(expected, [got[r] for r in ranks], equal_nan=True)


@settings(max_examples=400, deadline=None)
@given(arrays, st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4))
def test_quantiles_are_numpys(x, q):
    with np.errstate(all="ignore"):
        expected = np.quantile(x, q)
        got = quantiles_of_order(np.sort(x).__getitem__, len(x), q)
        selected = quantiles(x, q)
    # Numbers and NaNs only: where 0.0 and -0.0 tie, which one numpy's partition leaves in place is its own.
    assert np.array_equal(expected, got, equal_nan=True)
    assert np.array_equal(expected, selected, equal_nan=True)


@settings(max_examples=300, deadline=None)
@given(arrays, st.floats(0.0, 1.0), st.floats(-1e3, 1e3))
def test_order_statistics_shifted_are_those_of_the_shifted_values(x, q, shift):
    # The spike detector's tail cut reads the quantiles of its values less their median from the values' own ranks.
    n = len(x)
    with np.errstate(all="ignore"):
        expected = np.quantile(x - shift, [0.5, q])
        at = order_statistics(x, ranks_read(n, [0.5, q]))
        got = quantiles_of_order(lambda rank: at[rank] - shift, n, [0.5, q])
    assert np.array_equal(expected, got, equal_nan=True)


def test_quantiles_on_long_arrays():
    rng = np.random.default_rng(1)
    for n in (2, 3, 1000, 10_001, 200_003):  # the last in stretches, 2 bytes a bucket
        x = np.round(rng.standard_t(2, size=n), 2)
        for q in ([0.5, 0.95], [0.05, 0.95], [0.0, 1.0, 0.99, 0.123]):
            np.testing.assert_array_equal(quantiles(x, q), np.quantile(x, q))
            single = x.astype(np.float32)  # interpolated in float64, as its detectors use it
            np.testing.assert_array_equal(quantiles(single, q), np.quantile(single.astype(np.float64), q))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), st.lists(values, min_size=1, max_size=120))
def test_row_medians_are_numpys(width, flat):
    rows = len(flat) // width
    if rows == 0:
        return
    a = np.array(flat[: rows * width]).reshape(rows, width)
    with np.errstate(all="ignore"):
        assert _same(np.median(a, axis=1), row_medians(a))


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=0, max_size=300).map(np.array))
def test_kendall_tau_is_the_mean_sign_of_every_pair(x):
    with np.errstate(all="ignore"):
        got = kendall_tau(x)
        sub = x if len(x) <= 200 else x[np.linspace(0, len(x) - 1, 200).astype(int)]
        i, j = np.triu_indices(len(sub), k=1)
        expected = float(np.sign(sub[j] - sub[i]).sum() / len(i)) if len(sub) >= 2 else 0.0
    assert got == expected or (np.isnan(got) and np.isnan(expected))


def _reduced(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite prefix, as bucket medians at the buckets' middle steps when long: one bucket at a time."""
    bad = ~np.isfinite(values)
    end = int(np.argmax(bad)) if bad.any() else len(values)
    steps, values = steps[:end], values[:end]
    if len(values) <= REDUCED_POINTS:
        return steps, values
    size = -(-len(values) // REDUCED_POINTS)
    buckets = [slice(b, b + size) for b in range(0, len(values), size)]
    return (
        np.array([steps[b][(len(steps[b]) - 1) // 2] for b in buckets], dtype=steps.dtype),
        np.array([np.median(values[b]) for b in buckets]),
    )


@pytest.mark.parametrize("n", [1, 7, REDUCED_POINTS, REDUCED_POINTS + 1, 5 * REDUCED_POINTS - 3, 10_000, 23_456])
@pytest.mark.parametrize("kind", ["positive", "nan_tail", "signed"])
def test_a_curves_kept_statistics_are_the_straightforward_ones(n, kind):
    rng = np.random.default_rng(n)
    steps = np.arange(n, dtype=np.int64) * 3 + 7
    values = 2 * np.exp(-np.linspace(0, 5, n)) + 0.05 + 0.02 * rng.standard_normal(n)
    if kind == "nan_tail":
        values[int(n * 0.7) :] = np.nan
    elif kind == "signed":
        values = np.round(values - 0.5, 1)
    curve = Curve(steps, values)
    expected_steps, expected_values = _reduced(steps, values)
    reduced = curve.reduced
    np.testing.assert_array_equal(reduced.steps, expected_steps)
    assert _same(expected_values, reduced.values)
    x, is_log = to_log(expected_values)
    assert _same(x, reduced.log[0]) and reduced.log[1] == is_log
    for fraction in (0.05, 0.1):
        expected = rolling_median(x, smoothing_window(len(x), fraction))
        assert _same(expected, reduced.smooth(fraction))
        assert reduced.smooth(fraction) is reduced.smooth(fraction)  # computed once
    assert reduced.noise == noise_sigma(x)
    assert curve.reduced is reduced and curve.finite is curve.finite


def test_what_a_curve_keeps_is_read_only():
    curve = Curve(np.arange(5000), np.linspace(2.0, 1.0, 5000)).reduced
    for kept in (curve.values, curve.log[0], curve.smooth(0.05)):
        with pytest.raises(ValueError):
            kept[0] = 0.0
