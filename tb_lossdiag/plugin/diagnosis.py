"""Diagnoses of TensorBoard's current data, cached per experiment.

TensorBoard lists every scalar series with its ``max_step`` and
``max_wall_time`` cheaply; that listing decides what to redo. An experiment
(the curves pairing groups under one name) is re-read and re-diagnosed only
when the set of its series or one of their versions changed, so after a
reload that touched one run only that run's experiment is recomputed.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..engine import comparisons, diagnose_curves, document
from ..pairing import ExperimentSpec, SeriesRef, pair, primary
from ..series import Series
from . import learning_rate, provider
from .provider import Version

SAMPLING_FLAG = "--samples_per_plugin scalars=100000000"

#: Reads the given series (all their stored points) from TensorBoard.
Reader = Callable[[set[SeriesRef]], dict[SeriesRef, Series]]


@dataclass(frozen=True)
class Plan:
    """What one experiment needs, known from the listing alone: equal plans, equal results."""

    name: str
    specs: tuple[ExperimentSpec, ...]
    learning_rate: SeriesRef | None
    versions: tuple[tuple[SeriesRef, Version], ...]
    """Every series it reads, with its version."""

    @property
    def refs(self) -> set[SeriesRef]:
        return {ref for ref, _ in self.versions}


@dataclass(frozen=True)
class Experiment:
    """One experiment's series and their diagnosis."""

    plan: Plan
    series: dict[SeriesRef, Series]
    curves: list[dict]
    """The experiment's entries of the document's ``curves``."""

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def specs(self) -> list[ExperimentSpec]:
        """The curves diagnosed, in ``curves`` order: the plan's, as :func:`readable` leaves them."""
        return readable(self.plan.specs, self.series)

    def get(self, ref: SeriesRef | None) -> Series | None:
        return None if ref is None else self.series.get(ref)


@dataclass
class Snapshot:
    """Every experiment of one TensorBoard experiment id, as of its last listing."""

    experiments: dict[str, Experiment] = field(default_factory=dict)
    documents: dict[str | None, dict] = field(default_factory=dict)
    """Finished documents by baseline, valid until an experiment changes."""


def plan(versions: dict[SeriesRef, Version]) -> dict[str, Plan]:
    """One :class:`Plan` per experiment name, in document order, from a listing."""
    by_name: dict[str, list[ExperimentSpec]] = collections.defaultdict(list)
    for spec in pair((r.run, r.tag) for r in versions):
        by_name[spec.name].append(spec)
    plans = {}
    for name, specs in by_name.items():
        runs = [s.train.run for s in specs if s.train] + [s.validation.run for s in specs if s.validation]
        lr = learning_rate.find(versions, list(dict.fromkeys(runs)))
        refs = {r for s in specs for r in s.refs} | ({lr} if lr else set())
        ordered = sorted(refs, key=lambda r: (r.run, r.tag))
        plans[name] = Plan(name, tuple(specs), lr, tuple((r, versions[r]) for r in ordered))
    return plans


def readable(specs: Sequence[ExperimentSpec], series: dict[SeriesRef, Series]) -> list[ExperimentSpec]:
    """``specs`` without the series that have no point, as the CLI, which never sees those tags.

    TensorBoard lists a tag whose values were all dropped (integers, strings:
    see :func:`.provider.to_series`); a curve left with no series is no curve.
    """
    out = []
    for spec in specs:
        train, validation = (r if r in series and len(series[r]) else None for r in (spec.train, spec.validation))
        if train or validation:
            out.append(dataclasses.replace(spec, train=train, validation=validation))
    return out


class DiagnosisCache:
    """Thread-safe cache of :class:`Snapshot` per TensorBoard experiment id.

    Holds at most ``max_ids`` experiment ids (least recently used dropped);
    within one id only the experiments of the latest listing are kept.
    """

    def __init__(self, max_ids: int = 8) -> None:
        self._max_ids = max_ids
        self._snapshots: collections.OrderedDict[str, Snapshot] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.diagnosed = 0
        """Experiments diagnosed so far (cache misses), for tests and measurements."""

    def refresh(self, experiment_id: str, versions: dict[SeriesRef, Version], read: Reader) -> Snapshot:
        """The snapshot for this listing, recomputing only changed experiments."""
        plans = plan(versions)
        with self._lock:
            old = self._snapshots.pop(experiment_id, Snapshot())
            kept = {n: e for n, e in old.experiments.items() if plans.get(n) == e.plan}
            if len(kept) == len(plans) == len(old.experiments):
                snapshot = old
            else:
                fresh = self._diagnose([p for n, p in plans.items() if n not in kept], read)
                snapshot = Snapshot({n: kept.get(n) or fresh[n] for n in plans})
            self._snapshots[experiment_id] = snapshot
            while len(self._snapshots) > self._max_ids:
                self._snapshots.popitem(last=False)
            return snapshot

    def _diagnose(self, plans: list[Plan], read: Reader) -> dict[str, Experiment]:
        series = read(set().union(*(p.refs for p in plans)))
        out = {}
        for p in plans:
            mine = {r: series[r] for r in p.refs if r in series}
            out[p.name] = Experiment(p, mine, diagnose_curves(readable(p.specs, mine), mine.get))
            self.diagnosed += 1
        return out

    def document(self, snapshot: Snapshot, baseline: str | None) -> dict:
        """The ``tb-lossdiag/1`` document, cached per baseline.

        Raises ``KeyError`` for a baseline no experiment is named after.
        """
        if baseline is not None and baseline not in snapshot.experiments:
            raise KeyError(baseline)
        with self._lock:
            doc = snapshot.documents.get(baseline)
            if doc is None:
                doc = snapshot.documents[baseline] = assemble(snapshot, baseline)
            return doc


def assemble(snapshot: Snapshot, baseline: str | None) -> dict:
    """The document ``engine.build_document`` gives, assembled from per-experiment results."""
    experiments = snapshot.experiments.values()
    curves = [curve for e in experiments for curve in e.curves]
    compared = []
    if baseline is not None:
        mains = {e.name: primary(e.plan.specs)[e.name] for e in experiments}
        series = {ref: s for e in experiments for ref, s in e.series.items()}
        compared = comparisons(mains, series.get, baseline)
    doc = document(curves, compared, provider.warnings(s for e in experiments for s in e.series.values()))
    sampled = {
        (entry["run"], entry["tag"])
        for curve in doc["curves"]
        for entry in (curve["train"], curve["validation"])
        if entry and entry["sampled"]
    }
    if sampled:
        doc["sampling"] = {"sampled_series": len(sampled), "flag": SAMPLING_FLAG}
    return doc
