"""The reference reader: a plain loop over records, checked and parsed with protobuf.

Slow and obviously correct; the fast reader must give identical results.
It uses TensorBoard's own pure-Python CRC32C, independent of :mod:`.crc`.
"""

from __future__ import annotations

import struct
from typing import Callable

import numpy as np
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from .collect import ScalarCollector, collect_event
from .framing import Damage
from .logdir import LogdirData, Progress, TagFilter, read_with


def decode_file_reference(
    buf: np.ndarray, wanted: Callable[[str], bool], sink: ScalarCollector, first_record: int
) -> tuple[int, Damage | None]:
    """Add the scalars of one event file's bytes to ``sink``, record by record."""
    data = buf.tobytes()
    pos = count = 0
    while pos < len(data):
        if len(data) - pos < 12:
            return count, Damage(pos, "incomplete record")
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if masked_crc32c(header) != header_crc:
            return count, Damage(pos, "bad length checksum")
        end = pos + 12 + length + 4
        if end > len(data):
            return count, Damage(pos, "incomplete record")
        payload = data[pos + 12 : end - 4]
        (data_crc,) = struct.unpack("<I", data[end - 4 : end])
        if masked_crc32c(payload) != data_crc:
            return count, Damage(pos, "bad data checksum")
        collect_event(sink, payload, first_record + count, wanted)
        count += 1
        pos = end
    return count, None


def read_logdir_reference(
    path: str, *, tag_filter: TagFilter | None = None, progress: Progress | None = None
) -> LogdirData:
    """:func:`tb_lossdiag.reading.read_logdir`, the slow way."""
    return read_with(decode_file_reference, path, tag_filter, progress)
