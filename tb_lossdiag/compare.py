"""Compare a run's loss with a baseline run's, on aligned steps.

The verdict weighs the difference of the two (log) curves over the last
third of their common steps against the curves' own noise, so two runs that
differ by less than their jitter are ``equivalent``. Two runs that overlap
on too few steps, or on a small part of either run (a 30-epoch baseline
against a 600-step run meets it only on steps 0-29), or that seem to count
steps in different units, are ``not_comparable``: a ratio of their losses
would compare different stages of training.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .robust import median, values_at
from .detectors.base import Curve, CurvePair


#: Fewest points each curve must have on the steps both runs cover.
MIN_COMMON_POINTS = 5
#: Least share of each run's step span the overlap must cover.
MIN_OVERLAP_SHARE = 0.5
#: Step spans this many times apart, over point counts within ``SAME_COUNT_RATIO``
#: of each other, mean the runs log the same progress in different step units
#: (epochs against batches).
UNIT_RATIO = 10.0
SAME_COUNT_RATIO = 2.0


def _references(run: CurvePair, baseline: CurvePair) -> tuple[Curve | None, Curve | None, str]:
    """The curves a comparison is judged on (finite prefixes): validation when both have it, else training."""
    for which in ("validation", "train"):
        a, b = getattr(run, which), getattr(baseline, which)
        if a is not None and b is not None:
            a, b = a.finite, b.finite
            if len(a) >= 2 and len(b) >= 2:
                return a, b, which
    return None, None, ""


def _steps(first: int, last: int) -> str:
    """``steps 0-29`` (``steps -5 to 29`` when a bound is negative, so the dash is not a minus)."""
    return f"steps {first}-{last}" if min(first, last) >= 0 else f"steps {first} to {last}"


def _span(curve: Curve) -> str:
    return f"{len(curve)} points over {_steps(int(curve.steps[0]), int(curve.steps[-1]))}"


def overlap(a: Curve, b: Curve) -> dict[str, Any]:
    """Where two curves' step ranges meet: the common range and each curve's points and share in it.

    ``share_run`` / ``share_baseline`` are the common range's length over each
    curve's own step span, both counted with one logging interval (the
    median step spacing) per point, so that epochs 0-29 of 0-59 are half.
    """
    lo, hi = max(int(a.steps[0]), int(b.steps[0])), min(int(a.steps[-1]), int(b.steps[-1]))
    result: dict[str, Any] = (
        {"first_step": lo, "last_step": hi} if hi >= lo else {"first_step": None, "last_step": None}
    )
    for name, curve in (("run", a), ("baseline", b)):
        inside = int(np.count_nonzero((curve.steps >= lo) & (curve.steps <= hi))) if hi >= lo else 0
        # Steps are distinct integers: at least 1 apart (float rounding near 2**63 must not make it 0).
        every = max(1.0, float(median(np.diff(curve.steps.astype(np.float64)))))
        span = int(curve.steps[-1]) - int(curve.steps[0])
        share = (max(0, hi - lo) + every) / (span + every) if inside else 0.0
        result[f"{name}_points"], result[f"share_{name}"] = inside, round(float(min(1.0, share)), 3)
        result[f"{name}_steps"] = [int(curve.steps[0]), int(curve.steps[-1])]
    return result


def why_not_comparable(a: Curve, b: Curve, common: dict[str, Any]) -> str | None:
    """Why ``a`` (the run) and ``b`` (the baseline) cannot be compared step by step, or None if they can."""
    where = f"the run has {_span(a)}, the baseline {_span(b)}"
    if common["first_step"] is None:
        return f"the runs share no steps ({where})"
    steps = _steps(common["first_step"], common["last_step"])
    span_a, span_b = (max(1.0, float(c.steps[-1]) - float(c.steps[0])) for c in (a, b))
    similar_counts = max(len(a), len(b)) <= SAME_COUNT_RATIO * min(len(a), len(b))
    if max(span_a, span_b) >= UNIT_RATIO * min(span_a, span_b) and similar_counts:
        return f"the step axes look like different units, e.g. epochs against batches (overlap: {steps}; {where})"
    if min(common["run_points"], common["baseline_points"]) < MIN_COMMON_POINTS:
        return f"the runs overlap on {steps}, where one has fewer than {MIN_COMMON_POINTS} points ({where})"
    if min(common["share_run"], common["share_baseline"]) < MIN_OVERLAP_SHARE:
        short = "the run's" if common["share_run"] < common["share_baseline"] else "the baseline's"
        share = min(common["share_run"], common["share_baseline"])
        return f"the runs overlap only on {steps}, {share:.0%} of {short} steps ({where})"
    return None


def compare(run: CurvePair, baseline: CurvePair, *, z: float = 2.0) -> dict[str, Any]:
    """Verdict of ``run`` against ``baseline`` (lower loss is better).

    Parameters
    ----------
    run, baseline : CurvePair
        Both experiments' curves; validation is compared when both have it,
        else training.
    z : float, default 2.0
        ``better``/``worse`` need the mean late difference to exceed ``z``
        times the combined noise (standard error of the late points).

    Returns
    -------
    dict
        ``verdict`` (``better``, ``worse``, ``equivalent``, or ``not_comparable``
        with a ``reason``), ``curve`` and ``overlap`` (the common step range,
        each run's points in it and the share of its own span it covers).
        Comparable runs also get ``best_ratio`` and ``final_ratio`` (run
        over baseline), ``late_difference`` (relative), ``noise``,
        ``steps_to_baseline_best`` (first step at which the run's smoothed
        loss reaches the baseline's best) and ``speedup`` (baseline's step of
        its best over that step); ratios of runs that are not comparable
        would mislead, so they get none.
    """
    a, b, which = _references(run, baseline)
    if a is None or b is None:
        return {"verdict": "not_comparable", "reason": "no curve of the same split with 2+ finite points in both"}
    common = overlap(a, b)
    reason = why_not_comparable(a, b, common)
    if reason is not None:
        return {"verdict": "not_comparable", "reason": reason, "curve": which, "overlap": common}
    a, b = a.reduced, b.reduced
    xa, log_a = a.log
    xb, log_b = b.log
    if not (log_a and log_b):
        reason = "comparison needs positive losses"
        return {"verdict": "not_comparable", "reason": reason, "curve": which, "overlap": common}
    lo, hi = common["first_step"], common["last_step"]
    sa, sb = a.smooth(0.05), b.smooth(0.05)
    result: dict[str, Any] = {
        "curve": which,
        "overlap": common,
        "best_ratio": float(np.exp(xa.min() - xb.min())),
        "final_ratio": float(np.exp(sa[-1] - sb[-1])),
    }
    b_best = int(np.argmin(sb))
    reach = np.flatnonzero(sa <= sb[b_best])
    result["steps_to_baseline_best"] = int(a.steps[reach[0]]) if reach.size else None
    result["speedup"] = (
        float(b.steps[b_best] / a.steps[reach[0]]) if reach.size and a.steps[reach[0]] > 0 else None
    )
    grid = np.unique(np.concatenate([a.steps, b.steps]))
    grid = grid[(grid >= lo + 2 * (hi - lo) / 3) & (grid <= hi)]
    diff = values_at(a.steps, sa, grid) - values_at(b.steps, sb, grid)
    late = float(np.mean(diff))
    noise = float(np.hypot(a.noise, b.noise) / np.sqrt(max(1, min(len(grid), len(xa), len(xb)))))
    margin = max(z * noise, 0.01)
    verdict = "better" if late < -margin else "worse" if late > margin else "equivalent"
    result.update(verdict=verdict, late_difference=float(np.exp(late)) - 1.0, noise=noise)
    return result
