"""Where the step, wall time and scalar values sit inside one serialised Event.

:func:`parse_layout` walks the protobuf wire format of a record by hand and
accepts only the plain shape scalar events have: ``wall_time``, ``step`` and
a ``summary`` of values that each hold a ``simple_value`` or a float/double
tensor of shape ``[]`` (other tensors are allowed but hold no point), with
optional plugin metadata. Every field at most once, no unknown fields.
Anything else returns None and is parsed with protobuf instead.

A record with the same length and the same bytes outside the layout's
variable bytes (and step varint bytes of the same length) parses the same
way, so one layout decodes many records at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .points import SCALARS

_FLOAT, _DOUBLE = 1, 2  # tensorflow DataType enum values
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


class _Irregular(Exception):
    """The record is outside the plain shape :func:`parse_layout` handles."""


@dataclass(frozen=True)
class ValueSlot:
    """One summary value: its tag, declared plugin and where its number is."""

    tag: str
    plugin: str | None  # None when the value carries no metadata
    value_at: int | None  # offset of the number in the record, None if no point
    dtype: str | None  # "<f4" or "<f8"


@dataclass(frozen=True)
class Layout:
    """Byte positions of one record's fields, shared by records shaped alike."""

    wall_time_at: int | None
    step_at: int | None
    step_size: int  # bytes of the step varint
    values: tuple[ValueSlot, ...]
    fixed: np.ndarray  # bool per byte: True where the byte must equal the template's


def parse_layout(data: bytes) -> Layout | None:
    """The layout of a serialised Event, or None if it is not in the plain shape."""
    try:
        return _event_layout(data)
    except _Irregular:
        return None


def _fields(data: bytes, start: int, end: int, allowed: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, int, int]]:
    """``{field: (wire type, start, end)}`` of a message, each field at most once."""
    out: dict[int, tuple[int, int, int]] = {}
    pos = start
    while pos < end:
        key, pos = _varint(data, pos, end)
        field, wire = key >> 3, key & 7
        if field in out or wire not in allowed.get(field, ()):
            raise _Irregular
        if wire == _VARINT:
            _, stop = _varint(data, pos, end)
        elif wire == _I64:
            stop = pos + 8
        elif wire == _I32:
            stop = pos + 4
        else:
            size, pos = _varint(data, pos, end)
            stop = pos + size
        if stop > end:
            raise _Irregular
        out[field] = (wire, pos, stop)
        pos = stop
    return out


def _repeated(data: bytes, start: int, end: int, field: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each occurrence of length-delimited ``field``, the only field allowed."""
    out, pos = [], start
    while pos < end:
        key, pos = _varint(data, pos, end)
        if key != (field << 3 | _LEN):
            raise _Irregular
        size, pos = _varint(data, pos, end)
        if pos + size > end:
            raise _Irregular
        out.append((pos, pos + size))
        pos += size
    return out


def _varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    result, shift = 0, 0
    while pos < end and shift < 64:
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise _Irregular


def _event_layout(data: bytes) -> Layout:
    fields = _fields(data, 0, len(data), {1: (_I64,), 2: (_VARINT,), 5: (_LEN,)})
    fixed = np.ones(len(data), dtype=bool)
    wall_time_at = step_at = None
    step_size = 0
    if 1 in fields:
        wall_time_at = fields[1][1]
        fixed[wall_time_at : wall_time_at + 8] = False
    if 2 in fields:
        _, step_at, stop = fields[2]
        step_size = stop - step_at
        fixed[step_at:stop] = False
    values = []
    if 5 in fields:
        for start, end in _repeated(data, fields[5][1], fields[5][2], 1):
            slot = _value_slot(data, start, end)
            if slot.value_at is not None:
                fixed[slot.value_at : slot.value_at + np.dtype(slot.dtype).itemsize] = False
            values.append(slot)
    return Layout(wall_time_at, step_at, step_size, tuple(values), fixed)


def _value_slot(data: bytes, start: int, end: int) -> ValueSlot:
    fields = _fields(data, start, end, {1: (_LEN,), 2: (_I32,), 8: (_LEN,), 9: (_LEN,)})
    tag = _text(data, fields[1]) if 1 in fields else ""
    plugin = _plugin(data, *fields[9][1:]) if 9 in fields else None
    if 2 in fields and 8 in fields:
        raise _Irregular
    if 2 in fields:
        return ValueSlot(tag, SCALARS, fields[2][1], "<f4")
    if 8 in fields:
        value_at, dtype = _tensor_scalar_at(data, *fields[8][1:])
        return ValueSlot(tag, plugin, value_at, dtype)
    return ValueSlot(tag, plugin, None, None)


def _text(data: bytes, field: tuple[int, int, int]) -> str:
    try:
        return data[field[1] : field[2]].decode("utf-8")
    except UnicodeDecodeError:
        raise _Irregular from None


def _plugin(data: bytes, start: int, end: int) -> str:
    """The plugin name of a SummaryMetadata ("" when unnamed)."""
    fields = _fields(data, start, end, {1: (_LEN,), 2: (_LEN,), 3: (_LEN,), 4: (_VARINT,)})
    if 1 not in fields:
        return ""
    plugin_data = _fields(data, fields[1][1], fields[1][2], {1: (_LEN,), 2: (_LEN,)})
    return _text(data, plugin_data[1]) if 1 in plugin_data else ""


def _tensor_scalar_at(data: bytes, start: int, end: int) -> tuple[int | None, str | None]:
    """Offset and dtype of the number in a TensorProto of shape ``[]``; (None, None) if not a float/double."""
    fields = _fields(
        data,
        start,
        end,
        {1: (_VARINT,), 2: (_LEN,), 3: (_VARINT,), 4: (_LEN,), 5: (_LEN, _I32), 6: (_LEN, _I64)},
    )
    if 2 in fields and fields[2][1] != fields[2][2]:
        raise _Irregular  # a shape with dimensions: left to protobuf
    dtype = _varint(data, fields[1][1], fields[1][2])[0] if 1 in fields else 0
    if dtype not in (_FLOAT, _DOUBLE):
        return None, None
    numpy_dtype, listed_field = ("<f4", 5) if dtype == _FLOAT else ("<f8", 6)
    size = np.dtype(numpy_dtype).itemsize
    sources = [f for f in (4, 5, 6) if f in fields]
    if sources not in ([4], [listed_field]):
        raise _Irregular
    _, at, stop = fields[sources[0]]
    if stop - at != size:
        raise _Irregular
    return at, numpy_dtype
