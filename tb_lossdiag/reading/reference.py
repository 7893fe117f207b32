"""The reference reader: a plain loop over records, checked and parsed with protobuf.

Slow and obviously correct; the fast reader must give identical results.
It uses TensorBoard's own pure-Python CRC32C, independent of :mod:`.crc`.
"""

from __future__ import annotations

import struct
from typing import Callable

import numpy as np
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from .cursor import FileCursor
from .files import read_bytes
from .framing import INCOMPLETE, Damage
from .points import FilePoints, WallTimes, all_exact
from .runs import FileCount, LogdirData, TagFilter, read_with
from .scalars import collect_event


def decode_file_reference(
    buf: np.ndarray, wanted: Callable[[str], bool], sink: FilePoints, first_record: int
) -> tuple[int, Damage | None]:
    """Add the scalars of one event file's bytes to ``sink``, record by record."""
    data = buf.tobytes()
    pos = count = 0
    while pos < len(data):
        if len(data) - pos < 12:
            return count, Damage(pos, INCOMPLETE)
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if masked_crc32c(header) != header_crc:
            return count, Damage(pos, "bad length checksum")
        end = pos + 12 + length + 4
        if end > len(data):
            return count, Damage(pos, INCOMPLETE)
        payload = data[pos + 12 : end - 4]
        (data_crc,) = struct.unpack("<I", data[end - 4 : end])
        if masked_crc32c(payload) != data_crc:
            return count, Damage(pos, "bad data checksum")
        collect_event(sink, payload, first_record + count, wanted)
        count += 1
        pos = end
    return count, None


def read_file_reference(path: str, wanted: Callable[[str], bool], wall_times: WallTimes = all_exact) -> FileCursor:
    """One whole event file read with :func:`decode_file_reference`, as a cursor at its end."""
    cursor = FileCursor(path, wanted=wanted, wall_times=wall_times)
    try:
        buf = read_bytes(path)
    except OSError as error:
        cursor.error = f"unreadable ({error.strerror or error})"
        return cursor
    cursor.records, cursor.damage = decode_file_reference(buf, wanted, cursor.points, 0)
    cursor.points.commit()
    cursor.offset = len(buf) if cursor.damage is None else cursor.damage.offset
    return cursor


def read_logdir_reference(
    path: str, *, tag_filter: TagFilter | None = None, progress: FileCount | None = None
) -> LogdirData:
    """:func:`tb_lossdiag.reading.read_logdir`, the slow way."""
    return read_with(read_file_reference, path, tag_filter, progress)
