"""The fast file decoder: records grouped by length, decoded a layout at a time."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .collect import ScalarCollector, collect_event, order_key
from .framing import Damage, LengthGroup, read_records
from .layout import Layout, parse_layout

_MAX_LAYOUTS = 16
"""Layouts tried per record length before the rest are parsed one by one."""


def decode_file(buf: np.ndarray, wanted: Callable[[str], bool], sink: ScalarCollector, first_record: int) -> tuple[int, Damage | None]:
    """Add the scalars of one event file's bytes to ``sink``.

    Records are numbered from ``first_record`` (their position in the run).
    Returns the number of intact records and the damage that stopped reading.
    """
    records = read_records(buf)
    for group in records.groups:
        _decode_group(group, first_record, wanted, sink)
    return records.count, records.damage


def _decode_group(group: LengthGroup, first_record: int, wanted: Callable[[str], bool], sink: ScalarCollector) -> None:
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
    size = np.dtype(dtype).itemsize
    return np.ascontiguousarray(rows[:, at : at + size]).view(dtype)[:, 0].astype(np.float64)


def _emit(layout: Layout, rows: np.ndarray, record: np.ndarray, wanted: Callable[[str], bool], sink: ScalarCollector) -> None:
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
