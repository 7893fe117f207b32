"""Following one event file: the bytes read so far, the points they held, and only new bytes after that.

A file is read from where the last read stopped, in buffers of at most
:data:`CHUNK_BYTES` (a record longer than that is read whole, on its own),
so memory stays bounded by the points kept, not by the file's size. A
record that is still being written (an incomplete record at the end) is
read once it is complete. A file that shrank or was replaced (another
inode) is read again from the start. Checksum damage stops the file for
good; what came before it is kept.
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

import numpy as np

from .fast import decode_records
from .files import is_remote, open_remote, remote_size
from .framing import HEADER, INCOMPLETE, OVERHEAD, Damage, read_records
from .points import FilePoints, WallTimes, all_exact

CHUNK_BYTES = 8 << 20
"""Bytes read (and framed) at a time."""
LARGE_RECORD = 64 << 10
"""Records longer than this (images, audio, histograms) are scanned in place, not copied into length groups."""


@dataclass
class FileCursor:
    """One event file, read up to ``offset``; :meth:`advance` reads what was appended since."""

    path: str
    wanted: Callable[[str], bool] = lambda tag: True
    """Tags whose points are kept (metadata is always noted)."""
    wall_times: WallTimes = all_exact
    """How each tag's wall times are kept."""
    points: FilePoints = field(init=False)
    offset: int = 0
    """Bytes of intact records read so far."""
    records: int = 0
    tail: int = 0
    """Bytes after ``offset`` that do not form a whole record yet."""
    damage: Damage | None = None
    """Checksum damage that stopped reading (kept until the file is replaced)."""
    error: str | None = None
    """Why the file could not be read at all, if it could not."""
    identity: tuple | None = None
    bytes_read: int = 0
    """Every byte read from the file, re-reads included (for measurements)."""

    def __post_init__(self) -> None:
        self.points = FilePoints(self.wall_times)

    def advance(self) -> bool:
        """Read the bytes appended since the last call; True when the file's points or state changed."""
        try:
            identity, size = self._stat()
        except OSError as e:
            return self._failed(f"unreadable ({e.strerror or e})")
        changed = False
        if identity != self.identity or size < self.offset + self.tail:
            changed = self.identity is not None
            self._reset()  # replaced or shrunk: from the start
            self.identity = identity
        if self.damage is not None or size == self.offset + self.tail and self.error is None:
            return changed
        try:
            with self._open() as f:
                self._read_from(f, size)
        except OSError as e:
            return self._failed(f"unreadable ({e.strerror or e})")
        self.error = None
        return True

    def warning(self) -> str | None:
        """What stopped reading this file before its end, as one line naming it, or None."""
        if self.error is not None:
            return f"{self.path}: {self.error}"
        damage = self.damage
        if damage is None and self.tail:
            damage = Damage(self.offset, INCOMPLETE)
        if damage is None and self.offset == 0:
            damage = Damage(0, "empty file")
        if damage is None:
            return None
        return f"{self.path}: {damage.reason} at byte offset {damage.offset}; kept the {self.records} records before it"

    def _failed(self, reason: str) -> bool:
        changed = self.error != reason or self.records > 0
        self._reset()
        self.error = reason
        return changed

    def _reset(self) -> None:
        self.points, self.offset, self.records, self.tail = FilePoints(self.wall_times), 0, 0, 0
        self.damage = self.error = self.identity = None

    def _stat(self) -> tuple[tuple, int]:
        if is_remote(self.path):
            return ("remote",), remote_size(self.path)
        info = os.stat(self.path)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"not a regular file: {self.path}")
        return (info.st_dev, info.st_ino), info.st_size

    def _open(self) -> BinaryIO:
        return open_remote(self.path) if is_remote(self.path) else open(self.path, "rb")

    def _read_from(self, f: BinaryIO, size: int) -> None:
        """Read and decode from ``offset`` to the end of the file (``size`` bytes when listed), a buffer at a time."""
        f.seek(self.offset)
        pending = b""
        want = CHUNK_BYTES
        while True:
            data = f.read(want)
            self.bytes_read += len(data)
            if not data:
                break
            pending = pending + data if pending else data
            buf = np.frombuffer(pending, dtype=np.uint8)
            records = read_records(buf, large=LARGE_RECORD)
            count, damage = decode_records(buf, records, self.wanted, self.points, self.records)
            self.points.commit()
            self.records += count
            end = records.end if damage is records.damage else damage.offset
            if damage is not None and damage.reason != INCOMPLETE:
                self.damage = Damage(self.offset + damage.offset, damage.reason)
                self.offset += end
                pending = b""
                break
            self.offset += end
            pending = pending[end:]
            # A record longer than a buffer is read whole (never more than the file holds).
            want = max(CHUNK_BYTES, min(_record_size(pending), size - self.offset) - len(pending))
        self.tail = len(pending)


def _record_size(pending: bytes) -> int:
    """Bytes of the record that starts ``pending``, once its length is known (0 before)."""
    if len(pending) < HEADER:
        return 0
    return struct.unpack_from("<Q", pending)[0] + OVERHEAD
