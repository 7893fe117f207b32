"""The ``lossdiag`` TensorBoard plugin: HTTP routes over the cached diagnosis.

Routes (under ``/data/plugin/lossdiag``):

- ``/index.js``, ``/static/<file>``: the frontend, from ``tb_lossdiag/static/``.
- ``/diagnosis[?baseline=NAME]``: the ``tb-lossdiag/1`` document.
- ``/curves?experiment=NAME[&experiment=...][&baseline=NAME]``: points and
  findings to draw.

Errors are JSON ``{"error": "..."}`` with status 400 or 404, never a 500.

Series come from the event files under TensorBoard's ``--logdir`` (or
``--logdir_spec``) when they can be read, every point of them; otherwise
(no logdir, a data server elsewhere, a remote logdir without TensorFlow)
from TensorBoard's data provider, which may hold a sample.
"""

from __future__ import annotations

import functools
from typing import Callable

from tensorboard import errors, plugin_util
from tensorboard.backend import http_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from ..reading.files import is_remote
from ..reading.follow import LogdirFollower, Root, roots_from_flags
from ..running_mean import keras_wall_times
from ..series import APPROXIMATE
from . import provider, static
from .curves import experiment_curves
from .diagnosis import DEFAULT_ID, DiagnosisCache, EventFileSource, ProviderSource, Snapshot, Source

PLUGIN_NAME = "lossdiag"
_STATIC_PREFIX = f"/data/plugin/{PLUGIN_NAME}/static/"

#: Every tag's wall times, for the tab's time axes (float32 offsets); exact where the document needs them.
CHARTED_WALL_TIMES = keras_wall_times(APPROXIMATE)

Handler = Callable[["LossDiagPlugin", wrappers.Request], wrappers.Response]


def _json_errors(handler: Handler) -> Callable:
    """A WSGI app running ``handler``; TensorBoard's public errors become JSON.

    TensorBoard itself would answer them as ``text/plain``; the frontend
    shows the ``error`` text of a JSON body.
    """

    @functools.wraps(handler)
    @wrappers.Request.application
    def app(self: "LossDiagPlugin", request: wrappers.Request) -> wrappers.Response:
        try:
            return handler(self, request)
        except errors.PublicError as e:
            return http_util.Respond(
                request, {"error": str(e)}, "application/json", code=e.http_code, headers=e.headers
            )

    return app


class LossDiagPlugin(base_plugin.TBPlugin):
    """Diagnoses TensorBoard's scalar series as ``tb-lossdiag diagnose`` does."""

    plugin_name = PLUGIN_NAME

    def __init__(self, context: base_plugin.TBContext) -> None:
        self._data_provider = context.data_provider
        self._capacity = provider.capacity(context.sampling_hints)
        self._cache = DiagnosisCache()
        roots = _readable_roots(context)
        self.event_files = EventFileSource(LogdirFollower(roots, CHARTED_WALL_TIMES)) if roots else None
        """The event-file source (None when series come from the data provider)."""

    def get_plugin_apps(self) -> dict:
        return {
            "/index.js": self._index_js,
            "/static/*": self._static,
            "/diagnosis": self._diagnosis,
            "/curves": self._curves,
        }

    def is_active(self) -> bool:
        return False  # enabled by core whenever scalars exist (data_plugin_names)

    def data_plugin_names(self) -> tuple[str, ...]:
        return (provider.SCALARS,)

    def frontend_metadata(self) -> base_plugin.FrontendMetadata:
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="Loss Diagnosis")

    @property
    def cache(self) -> DiagnosisCache:
        return self._cache

    def snapshot(self, request: wrappers.Request) -> Snapshot:
        """The diagnosis of the request's data, recomputed where data changed.

        Every experiment id of a local TensorBoard names the same logdir, so
        they share the event files' snapshot.
        """
        if self.event_files is not None:
            return self._cache.refresh(DEFAULT_ID, self.event_files)
        eid = plugin_util.experiment_id(request.environ)
        source: Source = ProviderSource(self._data_provider, plugin_util.context(request.environ), eid, self._capacity)
        return self._cache.refresh(eid, source)

    @_json_errors
    def _index_js(self, request: wrappers.Request) -> wrappers.Response:
        return self._respond_static(request, "index.js")

    @_json_errors
    def _static(self, request: wrappers.Request) -> wrappers.Response:
        _, found, name = request.path.partition(_STATIC_PREFIX)
        return self._respond_static(request, name if found else "")

    @staticmethod
    def _respond_static(request: wrappers.Request, name: str) -> wrappers.Response:
        found = static.load(static.list_files(), name)
        if found is None:
            raise errors.NotFoundError("no static file %r" % name)
        return http_util.Respond(request, found.content, found.mime_type)

    @_json_errors
    def _diagnosis(self, request: wrappers.Request) -> wrappers.Response:
        baseline = request.args.get("baseline") or None
        snapshot = self.snapshot(request)
        _require_experiments(snapshot, [baseline] if baseline else [])
        return http_util.Respond(request, DiagnosisCache.document(snapshot, baseline), "application/json")

    @_json_errors
    def _curves(self, request: wrappers.Request) -> wrappers.Response:
        names = list(dict.fromkeys(request.args.getlist("experiment")))
        if not names:
            raise errors.InvalidArgumentError("give at least one experiment=NAME")
        baseline = request.args.get("baseline") or None
        snapshot = self.snapshot(request)
        _require_experiments(snapshot, names + ([baseline] if baseline else []))
        base = snapshot.results[baseline] if baseline else None
        body = {
            "experiments": [
                experiment_curves(snapshot.results[n], snapshot.plans[n].learning_rate, base) for n in names
            ]
        }
        return http_util.Respond(request, body, "application/json")


def _require_experiments(snapshot: Snapshot, names: list[str]) -> None:
    for name in names:
        if name not in snapshot.results:
            raise errors.NotFoundError("no experiment named %r" % name)


def _readable_roots(context: base_plugin.TBContext) -> list[Root]:
    """The logdirs whose event files the plugin can read itself ([] to use the data provider).

    None without a logdir (a data provider of its own, a gRPC data server
    elsewhere), nor for a remote logdir where TensorFlow's gfile is not
    importable.
    """
    flags = context.flags
    if flags is not None and getattr(flags, "grpc_data_provider", ""):
        return []
    logdir = getattr(flags, "logdir", None) if flags is not None else context.logdir
    spec = getattr(flags, "logdir_spec", None) if flags is not None else None
    roots = roots_from_flags(logdir, spec)
    if any(is_remote(r.path) for r in roots) and not _gfile_importable():
        return []
    return roots


def _gfile_importable() -> bool:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True
