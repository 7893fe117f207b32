"""Read scalar series from TensorBoard's data provider into :class:`Series`.

Works with both loaders (the Python multiplexer and the Rust data server);
everything goes through ``list_scalars`` / ``read_scalars``.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Iterable, Mapping, Sequence

import numpy as np
from tensorboard.data import provider as tb_provider

from ..pairing import SeriesRef
from ..series import Series

SCALARS = "scalars"
#: TensorBoard keeps this many points per scalar series unless told otherwise.
DEFAULT_CAPACITY = 1000
#: ``read_scalars`` downsample meaning "every stored point" (0 means none).
ALL_POINTS = 2**31 - 1

#: What identifies the current content of a series without reading it:
#: ``(max_step, max_wall_time)``. New or rewritten points move the wall time.
Version = tuple[int, float]


def capacity(sampling_hints: Mapping[str, int] | None) -> int:
    """Points TensorBoard stores per scalar series (``--samples_per_plugin``); 0 = all."""
    return int((sampling_hints or {}).get(SCALARS, DEFAULT_CAPACITY))


def list_versions(data_provider, ctx, experiment_id: str) -> dict[SeriesRef, Version]:
    """Every scalar series of the experiment, with its version."""
    listing = data_provider.list_scalars(ctx, experiment_id=experiment_id, plugin_name=SCALARS)
    return {
        SeriesRef(run, tag): (int(meta.max_step), float(meta.max_wall_time))
        for run, tags in listing.items()
        for tag, meta in tags.items()
    }


def read_points(data_provider, ctx, experiment_id: str, refs: Iterable[SeriesRef]) -> dict[str, dict[str, list]]:
    """Every stored point of ``refs``, in one ``read_scalars`` call: ``{run: {tag: [ScalarDatum]}}``.

    The filter is the product of the runs and tags asked for, so the answer
    may hold a few series more than ``refs``.
    """
    refs = set(refs)
    if not refs:
        return {}
    return data_provider.read_scalars(
        ctx,
        experiment_id=experiment_id,
        plugin_name=SCALARS,
        downsample=ALL_POINTS,
        run_tag_filter=tb_provider.RunTagFilter(
            runs=sorted({r.run for r in refs}), tags=sorted({r.tag for r in refs})
        ),
    )


_STEP, _VALUE, _WALL_TIME = attrgetter("step"), attrgetter("value"), attrgetter("wall_time")

def to_series(ref: SeriesRef, points: Sequence, store_capacity: int) -> Series:
    """``read_scalars`` points as a normalised :class:`Series`, flagged when sampled.

    Only floating-point values are points, as in the event-file reader and
    TensorBoard's Rust loader. The Python loader also hands over what other
    tensors under the ``scalars`` plugin hold: integers and booleans are
    dropped (not loss values), strings and complex numbers too, with a
    warning in ``series.warning``.

    One ``np.fromiter`` per column over ``map(attrgetter)``: the cheapest
    per-point work the public ``ScalarDatum`` allows.
    """
    warning = None
    if not all(type(v) is float for v in map(_VALUE, points)):
        odd = [p.value for p in points if not isinstance(p.value, (float, int))]
        if odd:
            warning = (
                f"{ref.run}/{ref.tag}: skipped {len(odd)} value(s) that are not real numbers "
                f"(first: {_preview(odd[0])})"
            )
        points = [p for p in points if type(p.value) is float]
    n = len(points)
    series = Series.from_points(
        ref.run,
        ref.tag,
        np.fromiter(map(_STEP, points), dtype=np.int64, count=n),
        np.fromiter(map(_VALUE, points), dtype=np.float64, count=n),
        np.fromiter(map(_WALL_TIME, points), dtype=np.float64, count=n),
    )
    return dataclasses.replace(series, sampled=is_sampled(series.steps, n, store_capacity), warning=warning)


def _preview(value, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_series(
    data_provider, ctx, experiment_id: str, refs: Iterable[SeriesRef], store_capacity: int
) -> dict[SeriesRef, Series]:
    """Read every stored point of ``refs``, normalised, flagged when sampled.

    A series left without points (none stored, or none a real number) is
    left out, as the event-file reader leaves out such a tag.
    """
    refs = set(refs)
    data = read_points(data_provider, ctx, experiment_id, refs)
    out = {}
    for ref in refs:
        points = data.get(ref.run, {}).get(ref.tag)
        if points:
            series = to_series(ref, points, store_capacity)
            if len(series) or series.warning:
                out[ref] = series
    return out


def is_sampled(steps: np.ndarray, stored: int, store_capacity: int) -> bool:
    """Whether TensorBoard's reservoir dropped points of this series.

    The reservoir keeps at most ``store_capacity`` points (always the latest),
    so fewer stored points means none were dropped. A full reservoir is a
    sample unless what it holds is itself a complete log: evenly spaced steps
    beginning at step 0 or at the stride (``10, 20, ...``), a pattern random
    eviction of a longer log does not leave. Looking only at whether step 0
    is missing would not do: the first point survives sampling with
    probability ``capacity / points logged``, often.
    """
    if store_capacity <= 0 or stored < store_capacity:
        return False
    if len(steps) < 2:
        return True
    stride = steps[1] - steps[0]
    evenly_spaced = stride > 0 and bool(np.all(np.diff(steps) == stride))
    return not (evenly_spaced and steps[0] in (0, stride))
