"""Diagnoses of the current data, cached per experiment, and the sources they are read from.

A source lists every scalar series with a version (cheaply) and reads the
series asked for. That listing decides what to redo: an experiment (the
curves pairing groups under one name) is read and diagnosed again only when
the set of its series or one of their versions changed, so after a reload
that touched one run only that run's experiment is recomputed.

Two sources: the event files under TensorBoard's logdir, read by the
project's own reader (every point, new bytes only after a reload), and
TensorBoard's data provider (what its store kept; a sample of 1,000 points
per series by default) where the files cannot be read.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol, Sequence

from ..engine import ExperimentResult, assemble, diagnose_experiment
from ..pairing import ExperimentSpec, pair
from ..reading.follow import LogdirFollower
from ..series import Series, SeriesRef
from . import provider
from .provider import Version

SAMPLING_FLAG = "--samples_per_plugin scalars=100000000"


class Source(Protocol):
    """Where series come from: a listing with versions, then the series asked for."""

    def listing(self) -> dict[SeriesRef, Version]: ...

    def read(self, refs: set[SeriesRef]) -> dict[SeriesRef, Series]: ...

    def warnings(self) -> list[str]: ...


#: Seconds between two looks at the event files: requests in between are served what was read last.
#: (TensorBoard itself reloads every 5 s by default.)
RESCAN_SECONDS = 1.0


class EventFileSource:
    """Every point of the event files under the logdirs, followed incrementally (one per plugin).

    Looks at the files (lists the runs, reads appended bytes) at most every
    ``rescan_seconds``, so a burst of requests on a large logdir costs one
    directory walk, not one per request.
    """

    def __init__(self, follower: LogdirFollower, rescan_seconds: float = RESCAN_SECONDS) -> None:
        self.follower = follower
        self.rescan_seconds = rescan_seconds
        self._listed_at: float | None = None
        self._listing: dict[SeriesRef, Version] = {}
        self._warnings: list[str] = []

    def listing(self) -> dict[SeriesRef, Version]:
        """Every series with its run's version, after reading what was appended since the last look."""
        now = time.monotonic()
        if self._listed_at is None or now - self._listed_at >= self.rescan_seconds:
            self.follower.refresh()
            self._listed_at = now
            self._listing = {
                SeriesRef(run, tag): (version, 0.0)
                for run, version in self.follower.runs().items()
                for tag in self.follower.series(run)
            }
            self._warnings = self.follower.warnings()
        return self._listing

    def read(self, refs: set[SeriesRef]) -> dict[SeriesRef, Series]:
        return {ref: s for ref in refs if (s := self.follower.series(ref.run).get(ref.tag)) is not None}

    def warnings(self) -> list[str]:
        """The reading warnings as of the last look at the files."""
        return self._warnings


@dataclass
class ProviderSource:
    """What TensorBoard's data provider stored, for one request's experiment id."""

    data_provider: object
    ctx: object
    experiment_id: str
    capacity: int

    def listing(self) -> dict[SeriesRef, Version]:
        return provider.list_versions(self.data_provider, self.ctx, self.experiment_id)

    def read(self, refs: set[SeriesRef]) -> dict[SeriesRef, Series]:
        return provider.read_series(self.data_provider, self.ctx, self.experiment_id, refs, self.capacity)

    def warnings(self) -> list[str]:
        return []


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


@dataclass
class Snapshot:
    """Every experiment of one source, as of its last listing."""

    listing: dict[SeriesRef, Version] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    results: dict[str, ExperimentResult] = field(default_factory=dict)
    """Each experiment's diagnosis; its ``series`` also holds the learning rate drawn beside it."""
    warnings: tuple[str, ...] = ()
    skipped: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per experiment, the values the data provider held that are not real numbers, as warnings."""
    documents: dict[str | None, bytes] = field(default_factory=dict)
    """Finished documents by baseline, as JSON, valid as long as the snapshot."""


def plan(versions: dict[SeriesRef, Version]) -> dict[str, Plan]:
    """One :class:`Plan` per experiment name, in document order, from a listing."""
    by_name: dict[str, list[ExperimentSpec]] = collections.defaultdict(list)
    for spec in pair((r.run, r.tag) for r in versions):
        by_name[spec.name].append(spec)
    plans = {}
    for name, specs in by_name.items():
        lr = specs[0].learning_rate  # pairing found it beside the main curve
        refs = {r for s in specs for r in s.refs}
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


#: The experiment id of a plain local TensorBoard (URLs without ``/experiment/<id>/``).
DEFAULT_ID = ""


class DiagnosisCache:
    """Thread-safe cache of one :class:`Snapshot` per key (a source: the event files, or an experiment id).

    Each key has its own lock, so computing one key's diagnosis never blocks
    requests for another. At most ``max_keys`` keys are kept (the least
    recently used dropped first), never dropping :data:`DEFAULT_ID`.
    """

    def __init__(self, max_keys: int = 8) -> None:
        self._max_keys = max_keys
        self._snapshots: collections.OrderedDict[str, Snapshot] = collections.OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()  # held only to look up or update the two dicts above
        self.diagnosed = 0
        """Experiments diagnosed so far (cache misses), for tests and measurements."""

    def refresh(self, key: str, source: Source) -> Snapshot:
        """The snapshot of ``source`` now, recomputing only the experiments whose series changed."""
        with self._lock_for(key):
            with self._guard:
                old = self._snapshots.get(key) or Snapshot()
            listing = source.listing()
            warnings = tuple(source.warnings())
            if listing == old.listing and warnings == old.warnings and old.plans:
                snapshot = old  # nothing changed: not even pairing is redone
            else:
                plans = plan(listing)
                kept = {n: old.results[n] for n, p in plans.items() if old.plans.get(n) == p and n in old.results}
                fresh, skipped = self._diagnose([p for n, p in plans.items() if n not in kept], source)
                results = {n: r for n in plans if (r := kept.get(n) or fresh.get(n)) is not None}
                skipped.update({n: old.skipped[n] for n in kept if n in old.skipped})
                snapshot = Snapshot(listing, plans, results, warnings, skipped)
            with self._guard:
                self._snapshots[key] = snapshot
                self._snapshots.move_to_end(key)
                self._evict()
            return snapshot

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _evict(self) -> None:
        for key in list(self._snapshots):
            if len(self._snapshots) <= self._max_keys:
                return
            if key != DEFAULT_ID:
                del self._snapshots[key]
                self._locks.pop(key, None)

    def _diagnose(
        self, plans: list[Plan], source: Source
    ) -> tuple[dict[str, ExperimentResult], dict[str, tuple[str, ...]]]:
        """The plans' results, and per experiment the warnings about values skipped while reading."""
        series = source.read(set().union(*(p.refs for p in plans)))
        out, skipped = {}, {}
        for p in plans:
            mine = {r: series[r] for r in p.refs if r in series}
            warned = tuple(sorted(s.warning for s in mine.values() if s.warning))
            if warned:
                skipped[p.name] = warned
            specs = readable(p.specs, mine)
            if specs:
                out[p.name] = diagnose_experiment(specs, mine)
            self.diagnosed += 1
        return out, skipped

    @staticmethod
    def document(snapshot: Snapshot, baseline: str | None) -> bytes:
        """The ``tb-lossdiag/1`` document as JSON, cached per baseline in the snapshot.

        Encoded once: a warm request costs no walk over the document. Raises
        ``KeyError`` for a baseline no experiment is named after.
        """
        encoded = snapshot.documents.get(baseline)
        if encoded is None:
            warnings = [*snapshot.warnings, *(w for n in sorted(snapshot.skipped) for w in snapshot.skipped[n])]
            doc = with_sampling(assemble(snapshot.results.values(), baseline, warnings))
            encoded = snapshot.documents[baseline] = json.dumps(doc, allow_nan=False).encode("utf-8")
        return encoded


def with_sampling(doc: dict) -> dict:
    """The document, with a ``sampling`` note when TensorBoard's store sampled any series."""
    sampled = {
        (entry["run"], entry["tag"])
        for curve in doc["curves"]
        for entry in (curve["train"], curve["validation"])
        if entry and entry["sampled"]
    }
    if sampled:
        doc["sampling"] = {"sampled_series": len(sampled), "flag": SAMPLING_FLAG}
    return doc
