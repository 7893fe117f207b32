"""The engine: experiments and their series in, the ``tb-lossdiag/1`` document out.

The CLI and the plugin both call :func:`build_document`; they differ only in
how they list and load series (event files vs TensorBoard's data provider).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from . import __version__
from .compare import compare
from .detectors import DETECTORS, SEVERITY_RANK, Curve, CurvePair, redundant
from .echoes import merge_experiment_echoes, merge_validation_echoes
from .jsonsafe import clean
from .pairing import ExperimentSpec, SeriesRef, primary
from .running_mean import batch_means, is_keras_running_mean
from .series import Series

SCHEMA = "tb-lossdiag/1"

Loader = Callable[[SeriesRef], "Series | None"]


Flip = Callable[[np.ndarray], np.ndarray]


def flip_for(direction: str, *series: Series | None) -> tuple[Flip | None, str]:
    """How to turn a series into a lower-is-better curve, and what to call it.

    Returns the flip (None for losses) and a name template for findings'
    text (``{metric}`` filled in by the caller). A maximised metric bounded
    in [0, 1] (accuracy) becomes its error rate
    ``1 - value``, which keeps log-scale reasoning valid; any other
    maximised metric is negated. Both flips are their own inverse, so the
    same function maps findings' markers back to the metric's units.
    """
    if direction != "max":
        return None, "loss"
    values = np.concatenate([s.values for s in series if s is not None] or [np.zeros(0)])
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() >= 0.0 and finite.max() <= 1.0:
        return (lambda v: 1.0 - v), "error (1 - {metric})"
    return (lambda v: -v), "negated {metric}"


def orient(series: Series | None, flip: Flip | None) -> Curve | None:
    """The series as a lower-is-better curve (see :func:`flip_for`)."""
    if series is None or len(series) == 0:
        return None
    return Curve(steps=series.steps, values=series.values if flip is None else flip(series.values))


#: A coarse (per-epoch) training curve with fewer finite points than this gives way to its finer variant.
MIN_COARSE_POINTS = 5


def oriented_pair(
    direction: str,
    train: Series | None,
    validation: Series | None,
    metric: str = "metric",
    *,
    detail: Series | None = None,
    learning_rate: Series | None = None,
) -> tuple[CurvePair, Flip | None]:
    """Both curves of an experiment oriented the same way, and the flip used.

    A finer training variant (``detail``) takes the coarse one's place when
    that has fewer than :data:`MIN_COARSE_POINTS` finite points (a
    Lightning ``*_epoch`` tag on a short run), and rides along otherwise.
    """
    flip, quantity = flip_for(direction, train, validation, detail)
    if detail is not None and (train is None or np.isfinite(train.values).sum() < MIN_COARSE_POINTS):
        train, detail = detail, None
    pair = CurvePair(
        orient(train, flip),
        orient(validation, flip),
        quantity.format(metric=metric),
        train_detail=orient(detail, flip),
        learning_rate=orient(learning_rate, None),
    )
    return pair, flip


def diagnose_pair(pair: CurvePair, unflip: Flip | None = None) -> tuple[list[dict], list[dict]]:
    """Run every detector over one curve pair.

    Returns the findings (sorted by severity, then step) and the
    not-checked notes, both as plain dicts. Findings another one explains
    (:func:`~.detectors.redundant`) are left out, and a validation spike
    that follows a training spike is reported with it, as one event.
    ``unflip`` maps markers back to the metric's own units when the pair
    was flipped.
    """
    found, not_checked = [], []
    for detector in DETECTORS:
        # Absurd inputs (1e308, steps near 2**63) overflow to inf/NaN, which the
        # detectors' comparisons and the JSON cleaning handle: no warning needed.
        with np.errstate(all="ignore"):
            report = detector.detect(pair)
        found.extend(report.findings)
        not_checked.extend({"kind": detector.KIND, "reason": r} for r in report.not_checked)
    found = merge_validation_echoes([f for f in found if not redundant(f, found)], pair)
    if unflip is not None:
        found = [replace(f, markers=[(s, float(unflip(np.float64(v)))) for s, v in f.markers]) for f in found]
    findings = [f.to_dict() for f in found]
    findings.sort(key=lambda f: (SEVERITY_RANK.get(f["severity"], 3), f["start_step"]))
    return findings, not_checked


def _series_entry(ref: SeriesRef | None, series: Series | None) -> dict | None:
    if ref is None:
        return None
    entry: dict[str, Any] = {"run": ref.run, "tag": ref.tag, "points": 0, "sampled": False}
    if series is not None and len(series):
        finite = np.isfinite(series.values)
        entry.update(
            points=len(series),
            sampled=bool(series.sampled),
            first_step=int(series.steps[0]),
            last_step=int(series.steps[-1]),
            nonfinite=int((~finite).sum()),
        )
    return entry


def diagnose_curve(
    spec: ExperimentSpec,
    train: Series | None,
    validation: Series | None,
    detail: Series | None = None,
    learning_rate: Series | None = None,
) -> dict:
    """The document entry of one experiment curve."""
    if spec.direction != "min":
        detail = None  # per-batch accuracies are all noise; spikes and divergence are a loss's business
    elif detail is not None and train is not None and is_keras_running_mean(detail.tag, train.tag):
        detail = batch_means(detail, train)
    pair, flip = oriented_pair(spec.direction, train, validation, spec.metric, detail=detail, learning_rate=learning_rate)
    if pair.train is None and pair.validation is None:
        findings, not_checked = [], [{"kind": "all", "reason": "the series has no points"}]
    else:
        findings, not_checked = diagnose_pair(pair, flip)
    status = "problems" if findings else ("not_checked" if not_checked and pair.train is None else "healthy")
    return {
        "name": spec.name,
        "metric": spec.metric,
        "direction": spec.direction,
        "train": _series_entry(spec.train, train),
        "validation": _series_entry(spec.validation, validation),
        **({"detail": _series_entry(spec.detail, detail)} if spec.detail is not None else {}),
        "status": status,
        "findings": findings,
        "not_checked": not_checked,
    }


def diagnose_curves(
    specs: Iterable[ExperimentSpec], load: Loader, progress: Callable[[int, int], None] | None = None
) -> list[dict]:
    """The document's ``curves`` entries: every spec diagnosed, ``primary`` marked."""
    specs = list(specs)
    mains = primary(specs)
    curves = []
    for i, spec in enumerate(specs):
        curve = diagnose_curve(
            spec, *(_load(load, ref) for ref in (spec.train, spec.validation, spec.detail, spec.learning_rate))
        )
        curve["primary"] = mains[spec.name] is spec
        curves.append(curve)
        if progress is not None:
            progress(i + 1, len(specs))
    by_experiment: dict[str, list[dict]] = {}
    for curve in curves:
        by_experiment.setdefault(curve["name"], []).append(curve)
    for group in by_experiment.values():
        merge_experiment_echoes(group)
    return curves


def comparisons(mains: Mapping[str, ExperimentSpec], load: Loader, baseline: str) -> list[dict]:
    """Every experiment's main curve compared with the baseline's.

    ``mains`` maps experiment names to their main curve (:func:`~.pairing.primary`).
    Raises ``KeyError`` if no experiment is named ``baseline``.
    """
    base = _pair_of(mains[baseline], load)
    return [
        {"run": name, "baseline": baseline, **compare(_pair_of(spec, load), base)}
        for name, spec in mains.items()
        if name != baseline
    ]


def document(curves: list[dict], compared: list[dict] = (), warnings: Iterable[str] = ()) -> dict:
    """Assemble (and make strictly JSON-safe) a ``tb-lossdiag/1`` document.

    ``ranking`` lists every experiment, worst first (see :func:`.sweep.ranking`),
    so the text report and the tab show experiments in one order.
    """
    from .sweep import ranking  # sweep builds on this module

    doc = {
        "schema": SCHEMA,
        "generator": f"tb-lossdiag {__version__}",
        "curves": curves,
        "comparisons": list(compared),
        "warnings": list(warnings),
    }
    return clean({**doc, "ranking": ranking(doc)})


def build_document(
    specs: Iterable[ExperimentSpec],
    load: Loader,
    *,
    baseline: str | None = None,
    warnings: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Diagnose every experiment curve and compare with ``baseline``.

    Parameters
    ----------
    specs : iterable of ExperimentSpec
        From :func:`tb_lossdiag.pairing.pair`.
    load : callable
        Returns the :class:`Series` for a :class:`SeriesRef` (None if missing).
    baseline : str, optional
        Name of the experiment every other experiment's main loss is compared with.
        Raises ``KeyError`` if no experiment has that name.
    warnings : iterable of str
        Problems met while reading (damaged files), passed into the document.
    progress : callable, optional
        Called as ``progress(done, total)`` after each curve.
    """
    specs = list(specs)
    mains = primary(specs)
    if baseline is not None and baseline not in mains:
        raise KeyError(baseline)
    curves = diagnose_curves(specs, load, progress)
    compared = comparisons(mains, load, baseline) if baseline is not None else []
    return document(curves, compared, warnings)


def _load(load: Loader, ref: SeriesRef | None) -> Series | None:
    return None if ref is None else load(ref)


def _pair_of(spec: ExperimentSpec, load: Loader) -> CurvePair:
    return oriented_pair(spec.direction, _load(load, spec.train), _load(load, spec.validation))[0]


def document_from_series(
    runs: Mapping[str, Mapping[str, Series]],
    *,
    baseline: str | None = None,
    train_tag: str | None = None,
    val_tag: str | None = None,
    warnings: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Pair and diagnose series already in memory (``{run: {tag: Series}}``)."""
    from .pairing import pair

    specs = pair(((r, t) for r, tags in runs.items() for t in tags), train_tag=train_tag, val_tag=val_tag)
    return build_document(
        specs,
        lambda ref: runs.get(ref.run, {}).get(ref.tag),
        baseline=baseline,
        warnings=warnings,
        progress=progress,
    )
