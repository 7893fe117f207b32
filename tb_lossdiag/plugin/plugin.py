"""The ``lossdiag`` TensorBoard plugin: HTTP routes over the cached diagnosis.

Routes (under ``/data/plugin/lossdiag``):

- ``/index.js``, ``/static/<file>``: the frontend, from ``tb_lossdiag/static/``.
- ``/diagnosis[?baseline=NAME]``: the ``tb-lossdiag/1`` document.
- ``/curves?experiment=NAME[&experiment=...][&baseline=NAME][&max_points=N]``:
  points and findings to draw.

Errors are JSON ``{"error": "..."}`` with status 400 or 404, never a 500.
"""

from __future__ import annotations

import functools
from typing import Callable

from tensorboard import errors, plugin_util
from tensorboard.backend import http_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from . import provider, static
from .curves import experiment_curves
from .diagnosis import DiagnosisCache, Snapshot

PLUGIN_NAME = "lossdiag"
MAX_POINTS_RANGE = (2, 1_000_000)
_STATIC_PREFIX = f"/data/plugin/{PLUGIN_NAME}/static/"

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
        """The diagnosis of the request's experiment id, recomputed where data changed."""
        ctx = plugin_util.context(request.environ)
        eid = plugin_util.experiment_id(request.environ)
        versions = provider.list_versions(self._data_provider, ctx, eid)
        return self._cache.refresh(
            eid,
            versions,
            lambda refs: provider.read_series(self._data_provider, ctx, eid, refs, self._capacity),
        )

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
        return http_util.Respond(request, self._cache.document(snapshot, baseline), "application/json")

    @_json_errors
    def _curves(self, request: wrappers.Request) -> wrappers.Response:
        names = list(dict.fromkeys(request.args.getlist("experiment")))
        if not names:
            raise errors.InvalidArgumentError("give at least one experiment=NAME")
        baseline = request.args.get("baseline") or None
        max_points = _int_arg(request, "max_points", MAX_POINTS_RANGE)
        snapshot = self.snapshot(request)
        _require_experiments(snapshot, names + ([baseline] if baseline else []))
        base = snapshot.experiments[baseline] if baseline else None
        body = {"experiments": [experiment_curves(snapshot.experiments[n], base, max_points) for n in names]}
        return http_util.Respond(request, body, "application/json")


def _require_experiments(snapshot: Snapshot, names: list[str]) -> None:
    for name in names:
        if name not in snapshot.experiments:
            raise errors.NotFoundError("no experiment named %r" % name)


def _int_arg(request: wrappers.Request, name: str, bounds: tuple[int, int]) -> int | None:
    """An optional integer query parameter within ``bounds`` (inclusive)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.InvalidArgumentError("%s must be an integer, got %r" % (name, raw)) from None
    if not bounds[0] <= value <= bounds[1]:
        raise errors.InvalidArgumentError("%s must be between %d and %d" % (name, *bounds))
    return value
