"""Compare a run's loss with a baseline run's, on aligned steps.

The verdict weighs the difference of the two (log) curves over the last
third of their common steps against the curves' own noise, so two runs that
differ by less than their jitter are ``equivalent``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .detectors.prepare import finite_prefix, reduce
from .robust import noise_sigma, rolling_median, smoothing_window, to_log, values_at
from .detectors.base import Curve, CurvePair


def _references(run: CurvePair, baseline: CurvePair) -> tuple[Curve | None, Curve | None, str]:
    """The curves a comparison is judged on: validation when both have it, else training."""
    for which in ("validation", "train"):
        a, b = getattr(run, which), getattr(baseline, which)
        if a is not None and b is not None:
            a, b = reduce(finite_prefix(a)), reduce(finite_prefix(b))
            if len(a) >= 2 and len(b) >= 2:
                return a, b, which
    return None, None, ""


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
        with a ``reason``), ``curve``, ``best_ratio`` and ``final_ratio`` (run
        over baseline), ``late_difference`` (relative), ``noise``,
        ``steps_to_baseline_best`` (first step at which the run's smoothed
        loss reaches the baseline's best) and ``speedup`` (baseline's step of
        its best over that step).
    """
    a, b, which = _references(run, baseline)
    if a is None or b is None:
        return {"verdict": "not_comparable", "reason": "no curve of the same split with 2+ finite points in both"}
    xa, log_a = to_log(a.values)
    xb, log_b = to_log(b.values)
    if not (log_a and log_b):
        return {"verdict": "not_comparable", "reason": "comparison needs positive losses"}
    lo, hi = max(a.steps[0], b.steps[0]), min(a.steps[-1], b.steps[-1])
    sa = rolling_median(xa, smoothing_window(len(xa), 0.05))
    sb = rolling_median(xb, smoothing_window(len(xb), 0.05))
    result: dict[str, Any] = {
        "curve": which,
        "best_ratio": float(np.exp(xa.min() - xb.min())),
        "final_ratio": float(np.exp(sa[-1] - sb[-1])),
    }
    b_best = int(np.argmin(sb))
    reach = np.flatnonzero(sa <= sb[b_best])
    result["steps_to_baseline_best"] = int(a.steps[reach[0]]) if reach.size else None
    result["speedup"] = (
        float(b.steps[b_best] / a.steps[reach[0]]) if reach.size and a.steps[reach[0]] > 0 else None
    )
    if hi <= lo:
        result.update(verdict="not_comparable", reason="the runs share no steps")
        return result
    grid = np.unique(np.concatenate([a.steps, b.steps]))
    grid = grid[(grid >= lo + 2 * (hi - lo) / 3) & (grid <= hi)]
    diff = values_at(a.steps, sa, grid) - values_at(b.steps, sb, grid)
    late = float(np.mean(diff))
    noise = float(np.hypot(noise_sigma(xa), noise_sigma(xb)) / np.sqrt(max(1, min(len(grid), len(xa), len(xb)))))
    margin = max(z * noise, 0.01)
    verdict = "better" if late < -margin else "worse" if late > margin else "equivalent"
    result.update(verdict=verdict, late_difference=float(np.exp(late)) - 1.0, noise=noise)
    return result
