"""The ``/curves`` payload: an experiment's points and findings, for drawing."""

from __future__ import annotations

import numpy as np

from ..pairing import ExperimentSpec, SeriesRef, primary
from ..series import Series
from .diagnosis import Experiment
from .downsample import minmax_indices


def points(ref: SeriesRef, series: Series | None, max_points: int | None) -> dict:
    """Steps, wall times and values of one series, JSON-ready.

    Non-finite values are ``null`` in ``values`` and listed in ``nonfinite``
    with their step. ``max_points`` thins the series, keeping spikes.
    """
    if series is None:
        steps, values, walls = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    else:
        steps, values, walls = series.steps, series.values, series.wall_times
    if max_points is not None:
        keep = minmax_indices(values, max_points)
        steps, values, walls = steps[keep], values[keep], walls[keep]
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


def _series(experiment: Experiment, spec: ExperimentSpec, prefix: str, max_points: int | None) -> list[dict]:
    return [
        {"role": prefix + role, **points(ref, experiment.get(ref), max_points)}
        for role, ref in (("train", spec.train), ("validation", spec.validation))
        if ref is not None
    ]


def _counterpart(baseline: Experiment, spec: ExperimentSpec, is_primary: bool) -> ExperimentSpec | None:
    """The baseline curve drawn with ``spec``: main curve with main curve, else the same metric."""
    if is_primary:
        return primary(baseline.plan.specs)[baseline.name]
    return next((other for other in baseline.plan.specs if other.metric == spec.metric), None)


def experiment_curves(experiment: Experiment, baseline: Experiment | None, max_points: int | None) -> dict:
    """One entry of the ``/curves`` answer's ``experiments``."""
    curves = []
    for spec, entry in zip(experiment.specs, experiment.curves):
        series = _series(experiment, spec, "", max_points)
        if baseline is not None and baseline is not experiment:
            other = _counterpart(baseline, spec, entry["primary"])
            if other is not None:
                series += _series(baseline, other, "baseline_", max_points)
        curves.append(
            {
                "metric": spec.metric,
                "direction": spec.direction,
                "primary": entry["primary"],
                "findings": entry["findings"],
                "series": series,
            }
        )
    lr = experiment.plan.learning_rate
    return {
        "name": experiment.name,
        "curves": curves,
        "learning_rate": None if lr is None else points(lr, experiment.get(lr), max_points),
    }
