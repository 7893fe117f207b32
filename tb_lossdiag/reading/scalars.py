"""What is a scalar point in a summary value, for records decoded by protobuf or scanned by hand.

Points are ``simple_value`` summaries (tensorboardX, PyTorch, TensorBoard's
own writer; they count as ``scalars`` metadata, as TensorBoard migrates
them) and float or double tensors of shape ``[]`` holding one number.
"""

from __future__ import annotations

import struct
from typing import Callable

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2, types_pb2

from .points import SCALARS, FilePoints, order_key

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_SMALL_VALUE = 4096
"""Summary values up to this many bytes are decoded with protobuf; longer ones can hold no scalar tensor."""


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


Scalar = tuple[str, "str | None", "float | None"]
"""``(tag, declared plugin or None, value or None)`` of one summary value."""


def collect_event(sink: FilePoints, data: bytes, record: int, wanted: Callable[[str], bool]) -> None:
    """Parse one serialised Event with protobuf and add its scalars to ``sink``.

    Records that are not a valid Event are skipped.
    """
    try:
        event = event_pb2.Event.FromString(data)
    except Exception:  # protobuf's DecodeError, whose class differs between backends
        return
    if event.HasField("summary"):
        add_values(sink, record, event.step, event.wall_time, [value_scalar(v) for v in event.summary.value], wanted)


def add_values(
    sink: FilePoints, record: int, step: int, wall_time: float, values: list[Scalar], wanted: Callable[[str], bool]
) -> None:
    """Add the metadata and points of one event's summary values to ``sink``."""
    for slot, (tag, plugin, value) in enumerate(values):
        order = int(order_key(record, slot))
        if plugin is not None:
            sink.metadata(tag, plugin, order)
        if value is not None and wanted(tag):
            sink.point(tag, order, step, value, wall_time)


def scan_large_event(data: memoryview) -> tuple[int, float, list[Scalar]]:
    """Step, wall time and summary values of a large serialised Event (an image, audio, a histogram).

    Walks the wire format without decoding the large payloads: each summary
    value up to :data:`_SMALL_VALUE` bytes is decoded with protobuf, a
    longer one only for its tag and metadata. A record that is not a valid
    Event has no values.
    """
    try:
        event = _fields(data, 0, len(data))
        wall_time = struct.unpack_from("<d", data, event[1][-1][0])[0] if 1 in event else 0.0
        step = _varint(data, event[2][-1][0])[0] if 2 in event else 0
        if step >= 1 << 63:
            step -= 1 << 64
        if 5 not in event:
            return step, wall_time, []
        start, end = event[5][-1]
        values = []
        for start, end in _fields(data, start, end).get(1, []):
            if end - start <= _SMALL_VALUE:
                values.append(value_scalar(summary_pb2.Summary.Value.FromString(bytes(data[start:end]))))
            else:
                values.append(_large_value(data, start, end))
        return step, wall_time, values
    except Exception:  # a malformed record, as protobuf would reject it
        return 0, 0.0, []


def _large_value(data: memoryview, start: int, end: int) -> tuple[str, str | None, float | None]:
    """Tag, declared plugin and ``simple_value`` of a summary value too large to hold a scalar tensor."""
    fields = _fields(data, start, end)
    tag = bytes(data[slice(*fields[1][-1])]).decode("utf-8") if 1 in fields else ""
    if 2 in fields:
        return tag, SCALARS, float(struct.unpack_from("<f", data, fields[2][-1][0])[0])
    if not tag and 7 in fields:
        tag = bytes(data[slice(*fields[7][-1])]).decode("utf-8")
    plugin = None
    if 9 in fields:
        metadata = summary_pb2.SummaryMetadata.FromString(bytes(data[slice(*fields[9][-1])]))
        plugin = metadata.plugin_data.plugin_name
    return tag, plugin, None


def _fields(data: memoryview, start: int, end: int) -> dict[int, list[tuple[int, int]]]:
    """``{field: [(start, end), ...]}`` of a message's fields, payloads left where they are."""
    out: dict[int, list[tuple[int, int]]] = {}
    pos = start
    while pos < end:
        key, pos = _varint(data, pos)
        wire = key & 7
        if wire == _VARINT:
            stop = _varint(data, pos)[1]
        elif wire == _I64:
            stop = pos + 8
        elif wire == _I32:
            stop = pos + 4
        elif wire == _LEN:
            size, pos = _varint(data, pos)
            stop = pos + size
        else:
            raise ValueError("unsupported wire type")
        if stop > end:
            raise ValueError("field runs past its message")
        out.setdefault(key >> 3, []).append((pos, stop))
        pos = stop
    return out


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while shift < 70:
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise ValueError("varint too long")
