"""The fast file decoder: records grouped by length, decoded a layout at a time."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .crc import crc32c, mask
from .framing import HEADER, Damage, LengthGroup, Records
from .layout import Layout, parse_layout
from .points import FilePoints, order_key
from .scalars import add_values, collect_event, scan_large_event

_MAX_LAYOUTS = 16
"""Layouts tried per record length before the rest are parsed one by one."""


def decode_records(
    buf: np.ndarray, records: Records, wanted: Callable[[str], bool], sink: FilePoints, first_record: int
) -> tuple[int, Damage | None]:
    """Add the scalars of the framed ``records`` of ``buf`` to ``sink``.

    Records are numbered from ``first_record`` (their position in the file).
    A large record is scanned where it lies; its data checksum is verified
    only when it holds a scalar point (an image's bytes are never needed).
    Returns the number of intact records and the damage that stopped reading.
    """
    count, damage = records.count, records.damage
    large = []
    for index, start, length in records.large:
        step, wall_time, values = scan_large_event(memoryview(buf[start : start + length]))
        if any(v[2] is not None for v in values) and not _checksum_ok(buf, start, length):
            count, damage = index, Damage(start - HEADER, "bad data checksum")
            break
        large.append((index, step, wall_time, values))
    for group in records.groups:
        _decode_group(group.before(count), first_record, wanted, sink)
    for index, step, wall_time, values in large:
        add_values(sink, first_record + index, step, wall_time, values, wanted)
    return count, damage


def _checksum_ok(buf: np.ndarray, start: int, length: int) -> bool:
    stored = buf[start + length : start + length + 4].view("<u4")[0]
    return int(mask(np.uint32(crc32c(buf[start : start + length])))) == int(stored)


def _decode_group(group: LengthGroup, first_record: int, wanted: Callable[[str], bool], sink: FilePoints) -> None:
    """Decode records of one length: match them against layouts, parse leftovers one by one.

    A record matches a template's layout when it equals the template at every
    fixed byte; only columns that vary within the group can differ.
    """
    rows, record = group.rows, group.index + first_record
    remaining = np.arange(len(rows))
    layouts_tried = 0
    while remaining.size:
        template = rows[remaining[0]]
        layout = parse_layout(template.tobytes()) if layouts_tried < _MAX_LAYOUTS else None
        if layout is None:
            collect_event(sink, template.tobytes(), int(record[remaining[0]]), wanted)
            remaining = remaining[1:]
            continue
        layouts_tried += 1
        candidates = rows if len(remaining) == len(rows) else rows[remaining]
        columns = group.varying[layout.fixed[group.varying]]
        same = ~(candidates[:, columns] != template[columns]).any(axis=1)
        if layout.step_at is not None:
            same &= _varint_shape_ok(candidates[:, layout.step_at : layout.step_at + layout.step_size])
        matched = candidates if same.all() else candidates[same]
        _emit(layout, matched, record[remaining[same]], wanted, sink)
        remaining = remaining[~same]


def _varint_shape_ok(columns: np.ndarray) -> np.ndarray:
    """Rows whose bytes form one varint of exactly this many bytes."""
    continued = (columns & 0x80) != 0
    return continued[:, :-1].all(axis=1) & ~continued[:, -1]


def _varints(columns: np.ndarray) -> np.ndarray:
    """Decode fixed-size varints (one per row) as int64."""
    out = np.zeros(len(columns), dtype=np.uint64)
    for i in range(columns.shape[1]):
        out |= (columns[:, i] & 0x7F).astype(np.uint64) << np.uint64(7 * i)
    return out.view(np.int64)


def _numbers(rows: np.ndarray, at: int, dtype: str) -> np.ndarray:
    """The numbers of ``dtype`` at byte ``at`` of each row, as written (float32 stays float32 until its column is joined)."""
    size = np.dtype(dtype).itemsize
    return np.ascontiguousarray(rows[:, at : at + size]).view(dtype)[:, 0]


def _emit(layout: Layout, rows: np.ndarray, record: np.ndarray, wanted: Callable[[str], bool], sink: FilePoints) -> None:
    """Add the values of records that share ``layout``."""
    n = len(rows)
    steps = wall_times = None
    for slot, value in enumerate(layout.values):
        if value.plugin is not None:
            sink.metadata(value.tag, value.plugin, int(order_key(record[0], slot)))
        if value.value_at is None or not wanted(value.tag):
            continue
        if steps is None:
            steps = (
                np.zeros(n, dtype=np.int64)
                if layout.step_at is None
                else _varints(rows[:, layout.step_at : layout.step_at + layout.step_size])
            )
            wall_times = (
                np.zeros(n, dtype=np.float64) if layout.wall_time_at is None else _numbers(rows, layout.wall_time_at, "<f8")
            )
        sink.points(value.tag, order_key(record, slot), steps, _numbers(rows, value.value_at, value.dtype), wall_times)
