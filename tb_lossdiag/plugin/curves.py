"""The ``/curves`` payload: an experiment's points and findings, for drawing."""

from __future__ import annotations

import numpy as np

from ..engine import ExperimentResult
from ..pairing import ExperimentSpec
from ..series import Series, SeriesRef


def points(ref: SeriesRef, series: Series | None) -> dict:
    """Steps, wall times and values of one series, JSON-ready.

    Non-finite values are ``null`` in ``values`` and listed in ``nonfinite``
    with their step.
    """
    if series is None:
        steps, values, walls = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    else:
        steps, values, walls = series.steps, series.values, series.wall_times
    finite = np.isfinite(values)
    return {
        "run": ref.run,
        "tag": ref.tag,
        "sampled": bool(series is not None and series.sampled),
        "steps": steps.tolist(),
        "wall_times": walls.tolist(),
        "values": [v if ok else None for v, ok in zip(values.tolist(), finite.tolist())],
        "nonfinite": [
            {"step": int(s), "value": _nonfinite_text(v)} for s, v in zip(steps[~finite], values[~finite])
        ],
    }


def _nonfinite_text(value: float) -> str:
    if np.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def _series(result: ExperimentResult, spec: ExperimentSpec, prefix: str) -> list[dict]:
    return [
        {"role": prefix + role, **points(ref, result.get(ref))}
        for role, ref in (("train", spec.train), ("validation", spec.validation))
        if ref is not None
    ]


def _counterpart(baseline: ExperimentResult, spec: ExperimentSpec, is_primary: bool) -> ExperimentSpec | None:
    """The baseline curve drawn with ``spec``: main curve with main curve, else the same metric."""
    if is_primary:
        return baseline.main
    return next((other for other in baseline.specs if other.metric == spec.metric), None)


def experiment_curves(
    result: ExperimentResult, learning_rate: SeriesRef | None, baseline: ExperimentResult | None
) -> dict:
    """One entry of the ``/curves`` answer's ``experiments``; ``learning_rate`` is drawn beside it."""
    curves = []
    for spec, entry in zip(result.specs, result.curves):
        series = _series(result, spec, "")
        if baseline is not None and baseline is not result:
            other = _counterpart(baseline, spec, entry["primary"])
            if other is not None:
                series += _series(baseline, other, "baseline_")
        curves.append(
            {
                "metric": spec.metric,
                "direction": spec.direction,
                "primary": entry["primary"],
                "findings": entry["findings"],
                "series": series,
            }
        )
    return {
        "name": result.name,
        "curves": curves,
        "learning_rate": None if learning_rate is None else points(learning_rate, result.get(learning_rate)),
    }
