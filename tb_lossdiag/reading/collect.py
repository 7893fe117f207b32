"""Scalar points of one run, gathered in file order, and the rule for what is a scalar.

A tag is a scalar series when the first metadata written for it in the run
(in file order) names the ``scalars`` plugin, as TensorBoard decides. Writers
often attach metadata to a tag's first value only. A classic ``simple_value``
is always a scalar and counts as ``scalars`` metadata, as TensorBoard
migrates it. Points are float or double scalar tensors and simple values.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2, types_pb2

from ..series import Series

SCALARS = "scalars"
_SLOT_BITS = 20  # values per event


def order_key(record, slot):
    """Position of a summary value in a run: record index, then index in the event."""
    return (np.asarray(record, dtype=np.int64) << _SLOT_BITS) | np.minimum(slot, (1 << _SLOT_BITS) - 1)


class ScalarCollector:
    """Collects the points and metadata of one run's tags, then builds its series."""

    def __init__(self) -> None:
        self._first_plugin: dict[str, tuple[int, str]] = {}
        self._chunks: dict[str, list[tuple[np.ndarray, ...]]] = defaultdict(list)
        self._singles: dict[str, list[tuple[int, int, float, float]]] = defaultdict(list)

    def metadata(self, tag: str, plugin: str, order: int) -> None:
        """Note metadata seen for ``tag`` at position ``order``; the earliest wins."""
        current = self._first_plugin.get(tag)
        if current is None or order < current[0]:
            self._first_plugin[tag] = (int(order), plugin)

    def points(self, tag: str, order: np.ndarray, steps: np.ndarray, values: np.ndarray, wall_times: np.ndarray) -> None:
        """Add many points of ``tag`` (arrays of equal length)."""
        if len(order):
            self._chunks[tag].append((order, steps, values, wall_times))

    def point(self, tag: str, order: int, step: int, value: float, wall_time: float) -> None:
        """Add one point of ``tag``."""
        self._singles[tag].append((order, step, value, wall_time))

    def series(self, run: str) -> dict[str, Series]:
        """Every scalar tag with at least one point, normalised, sorted by tag."""
        out = {}
        for tag in sorted(self._first_plugin):
            if self._first_plugin[tag][1] != SCALARS:
                continue
            order, steps, values, wall_times = self._arrays(tag)
            if len(order) == 0:
                continue
            if np.any(order[1:] < order[:-1]):
                by_order = np.argsort(order, kind="stable")
                steps, values, wall_times = steps[by_order], values[by_order], wall_times[by_order]
            out[tag] = Series.from_points(run, tag, steps, values, wall_times)
        return out

    def _arrays(self, tag: str) -> tuple[np.ndarray, ...]:
        chunks = list(self._chunks.get(tag, []))
        singles = self._singles.get(tag)
        if singles:
            order, steps, values, walls = zip(*singles)
            chunks.append(
                (
                    np.array(order, dtype=np.int64),
                    np.array(steps, dtype=np.int64),
                    np.array(values, dtype=np.float64),
                    np.array(walls, dtype=np.float64),
                )
            )
        if not chunks:
            return tuple(np.zeros(0) for _ in range(4))
        return tuple(np.concatenate(parts) for parts in zip(*chunks))


def value_scalar(value: summary_pb2.Summary.Value) -> tuple[str, str | None, float | None]:
    """Tag, declared plugin (None without metadata) and scalar (None if not one) of a value."""
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return value.tag, SCALARS, float(value.simple_value)
    plugin = value.metadata.plugin_data.plugin_name if value.HasField("metadata") else None
    if kind == "tensor":
        return value.tag or value.node_name, plugin, _tensor_scalar(value.tensor)
    return value.tag, plugin, None


def _tensor_scalar(tensor) -> float | None:
    """The value of a float or double tensor of shape ``[]`` holding one number."""
    if tensor.tensor_shape.dim or tensor.tensor_shape.unknown_rank:
        return None
    dtypes = {types_pb2.DT_FLOAT: ("<f4", tensor.float_val), types_pb2.DT_DOUBLE: ("<f8", tensor.double_val)}
    if tensor.dtype not in dtypes:
        return None
    dtype, listed = dtypes[tensor.dtype]
    if tensor.tensor_content:
        content = tensor.tensor_content
        return float(np.frombuffer(content, dtype=dtype)[0]) if len(content) == np.dtype(dtype).itemsize else None
    return float(listed[0]) if len(listed) == 1 else None


def collect_event(
    sink: ScalarCollector, data: bytes, record: int, wanted: Callable[[str], bool]
) -> None:
    """Parse one serialised Event with protobuf and add its scalars to ``sink``.

    Records that are not a valid Event are skipped.
    """
    try:
        event = event_pb2.Event.FromString(data)
    except Exception:  # protobuf's DecodeError, whose class differs between backends
        return
    if not event.HasField("summary"):
        return
    for slot, value in enumerate(event.summary.value):
        tag, plugin, scalar = value_scalar(value)
        order = int(order_key(record, slot))
        if plugin is not None:
            sink.metadata(tag, plugin, order)
        if scalar is not None and wanted(tag):
            sink.point(tag, order, event.step, scalar, event.wall_time)

