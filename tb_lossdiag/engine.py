"""The engine: experiments and their series in, the ``tb-lossdiag/1`` document out.

One path builds the document for the CLI, the Dask sweep and the plugin:
:func:`diagnose_experiment` turns one experiment's series into an
:class:`ExperimentResult` (a task of its own in a sweep, a cache entry in the
plugin), and :func:`assemble` puts results, the baseline comparisons, the
worst-first ranking and the reading warnings into the document. The callers
differ only in how they find and read series.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import __version__
from .compare import compare
from .detectors import DETECTORS, SEVERITY_RANK, Curve, CurvePair, redundant
from .detectors.filtered_nan import read_filtered_nan
from .echoes import merge_experiment_echoes, merge_validation_echoes
from .jsonsafe import clean
from .pairing import ExperimentSpec, pair
from .running_mean import batch_means, is_keras_running_mean
from .series import Series, SeriesRef

SCHEMA = "tb-lossdiag/1"

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
    return read_filtered_nan(pair), flip


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


@dataclass(frozen=True)
class ExperimentResult:
    """One experiment diagnosed: its entries of the document's ``curves``, and the series they came from."""

    name: str
    specs: tuple[ExperimentSpec, ...]
    """Its curves, main loss first (as :func:`~.pairing.pair` sorts them)."""
    curves: tuple[dict, ...]
    series: Mapping[SeriesRef, Series]
    """The series it was diagnosed from (at least the main curve's, which a baseline comparison needs)."""

    @property
    def main(self) -> ExperimentSpec:
        return self.specs[0]

    def get(self, ref: SeriesRef | None) -> Series | None:
        return None if ref is None else self.series.get(ref)

    def for_comparison(self) -> "ExperimentResult":
        """The result keeping only the main curve's series: what :func:`assemble` needs from it."""
        return replace(self, series={r: s for r in self.main.refs if (s := self.series.get(r)) is not None})


def diagnose_experiment(specs: Sequence[ExperimentSpec], series: Mapping[SeriesRef, Series]) -> ExperimentResult:
    """Diagnose every curve of one experiment.

    Parameters
    ----------
    specs : sequence of ExperimentSpec
        The curves of one experiment (one name), in :func:`~.pairing.pair` order.
    series : mapping
        ``{SeriesRef: Series}`` holding the curves' series; a missing one is a series without points.
    """
    (name,) = {spec.name for spec in specs}
    curves = []
    for i, spec in enumerate(specs):
        refs = (spec.train, spec.validation, spec.detail, spec.learning_rate)
        curve = diagnose_curve(spec, *(_get(series, ref) for ref in refs))
        curve["primary"] = i == 0
        curves.append(curve)
    merge_experiment_echoes(curves)
    return ExperimentResult(name, tuple(specs), tuple(curves), series)


def diagnose_experiments(specs: Iterable[ExperimentSpec], series: Mapping[SeriesRef, Series]) -> list[ExperimentResult]:
    """:func:`diagnose_experiment` of each experiment of ``specs`` (any number of names)."""
    by_name: dict[str, list[ExperimentSpec]] = defaultdict(list)
    for spec in specs:
        by_name[spec.name].append(spec)
    return [diagnose_experiment(group, series) for group in by_name.values()]


def assemble(results: Iterable[ExperimentResult], baseline: str | None = None, warnings: Iterable[str] = ()) -> dict:
    """The ``tb-lossdiag/1`` document of diagnosed experiments, strictly JSON-safe.

    Parameters
    ----------
    results : iterable of ExperimentResult
        From :func:`diagnose_experiment`, one per experiment, in any order.
    baseline : str, optional
        The experiment every other one's main curve is compared with.
        Raises ``KeyError`` if no experiment has that name.
    warnings : iterable of str
        Problems met while reading (damaged files), passed into the document.
    """
    results = sorted(results, key=lambda r: r.name)
    curves = [curve for r in results for curve in r.curves]
    compared = _comparisons(results, baseline) if baseline is not None else []
    return clean(
        {
            "schema": SCHEMA,
            "generator": f"tb-lossdiag {__version__}",
            "curves": curves,
            "comparisons": compared,
            "ranking": ranking(curves),
            "warnings": list(warnings),
        }
    )


def _comparisons(results: list[ExperimentResult], baseline: str) -> list[dict]:
    """Every experiment's main curve compared with the baseline's."""
    by_name = {r.name: r for r in results}
    if baseline not in by_name:
        raise KeyError(baseline)
    base = _main_pair(by_name[baseline])
    return [
        {"run": r.name, "baseline": baseline, **compare(_main_pair(r), base)} for r in results if r.name != baseline
    ]


def _main_pair(result: ExperimentResult) -> CurvePair:
    spec = result.main
    return oriented_pair(spec.direction, result.get(spec.train), result.get(spec.validation))[0]


def _get(series: Mapping[SeriesRef, Series], ref: SeriesRef | None) -> Series | None:
    return None if ref is None else series.get(ref)


def ranking(curves: Iterable[dict]) -> list[dict]:
    """Every experiment of the document's ``curves``, worst first.

    Worse means: a more severe worst finding, then more findings, then a
    higher top confidence (ties by name). Experiments without findings come
    last, with ``worst_severity`` None.
    """
    by_name: dict[str, list[dict]] = defaultdict(list)
    for curve in curves:
        by_name[curve["name"]].extend(curve["findings"])
    entries = [
        {
            "experiment": name,
            "worst_severity": min((f["severity"] for f in found), key=SEVERITY_RANK.get, default=None),
            "findings": len(found),
            "confidence": max((f["confidence"] for f in found), default=0.0),
            "kinds": sorted({f["kind"] for f in found}),
        }
        for name, found in by_name.items()
    ]
    entries.sort(
        key=lambda e: (SEVERITY_RANK.get(e["worst_severity"], 3), -e["findings"], -e["confidence"], e["experiment"])
    )
    return [{"rank": i, **e} for i, e in enumerate(entries, 1)]


def top(document: dict, n: int) -> dict:
    """The document cut to its ``n`` worst experiments, worst first.

    ``ranking``, ``curves`` and ``comparisons`` keep only those experiments
    (curves in rank order); ``warnings`` stay whole. Still a valid
    ``tb-lossdiag/1`` document.
    """
    ranked = document["ranking"][:n]
    order = {e["experiment"]: e["rank"] for e in ranked}
    curves = sorted((c for c in document["curves"] if c["name"] in order), key=lambda c: order[c["name"]])
    compared = [c for c in document["comparisons"] if c["run"] in order]
    return {**document, "curves": curves, "comparisons": compared, "ranking": ranked}


def document_from_series(
    runs: Mapping[str, Mapping[str, Series]],
    *,
    baseline: str | None = None,
    train_tag: str | None = None,
    val_tag: str | None = None,
    warnings: Iterable[str] = (),
) -> dict:
    """Pair, diagnose and assemble series already in memory (``{run: {tag: Series}}``)."""
    series = {SeriesRef(r, t): s for r, tags in runs.items() for t, s in tags.items()}
    specs = pair(((r.run, r.tag) for r in series), train_tag=train_tag, val_tag=val_tag)
    return assemble(diagnose_experiments(specs, series), baseline, warnings)
