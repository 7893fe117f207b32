"""TFRecord framing: where the records of an event file are, and where it is damaged.

A record is ``length (u64) | masked crc32c(length) (u32) | data | masked
crc32c(data) (u32)``, little-endian. Finding the records is a chain (each
length gives the next offset), but event files are regular: the same few
tags are written over and over, so record lengths repeat with a short
period. :func:`walk` reads a few records one by one, guesses that the length
pattern continues, checks a whole window of guesses with one vectorised read
and keeps the verified prefix, doubling the window while guesses hold.
Irregular stretches cost one plain step per record.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .crc import crc32c_rows, mask

HEADER = 12  # u64 length + u32 masked crc of the length
OVERHEAD = 16  # header + u32 masked crc of the data
_PLAIN_STEPS = 16  # records read one by one before guessing a pattern
_MAX_PERIOD = 8  # longest length pattern looked for
_FIRST_WINDOW = 64
_MAX_WINDOW = 1 << 16


@dataclass(frozen=True)
class Damage:
    """Where and why reading a file stopped before its end."""

    offset: int
    reason: str


@dataclass(frozen=True)
class LengthGroup:
    """Intact records that share one data length, with their bytes."""

    index: np.ndarray  # record numbers in the file, ascending
    rows: np.ndarray  # (n, length) uint8, one record's data per row
    varying: np.ndarray  # columns whose byte is not the same in every row (may include more)
    stored_crc: np.ndarray  # (n, 4) uint8, the masked checksum written after each row

    def before(self, count: int) -> "LengthGroup":
        keep = self.index < count
        return LengthGroup(self.index[keep], self.rows[keep], self.varying, self.stored_crc[keep])


INCOMPLETE = "incomplete record"
"""The reason given when the bytes end inside a record (a cut file, or one still being written)."""


@dataclass(frozen=True)
class Records:
    """The intact records at the start of a buffer: grouped by length, and the large ones apart."""

    count: int
    groups: list[LengthGroup]
    large: list[tuple[int, int, int]]
    """``(record number, data start, data length)`` of records longer than the ``large`` limit, unchecked."""
    end: int
    """Bytes taken by the intact records: where the next read starts."""
    damage: Damage | None


def read_records(buf: np.ndarray, large: int | None = None) -> Records:
    """Frame ``buf`` (bytes as uint8) and verify the checksums of its records.

    Keeps the records before the first damage: an incomplete record
    (reason :data:`INCOMPLETE`), a bad length or data checksum. Records
    longer than ``large`` bytes are not copied nor checked here: they are
    listed in ``Records.large`` for the caller to look into where they lie.
    """
    starts, lengths, end = walk(buf)
    big = np.zeros(len(lengths), dtype=bool) if large is None else lengths > large
    small = np.flatnonzero(~big)
    groups = [
        LengthGroup(small[g.index], g.rows, g.varying, g.stored_crc)
        for g in _length_groups(buf, starts[small], lengths[small])
    ]
    found = []  # (record number, damage)
    bad_header = np.flatnonzero(~_header_ok(buf, starts))
    if bad_header.size:
        found.append((int(bad_header[0]), Damage(int(starts[bad_header[0]]), "bad length checksum")))
    bad_data = _first_bad_data(groups)
    if bad_data is not None:
        found.append((bad_data, Damage(int(starts[bad_data]), "bad data checksum")))
    if end < len(buf):
        found.append((len(starts), _stop_reason(buf, end)))
    count, damage = min(found, key=lambda f: f[1].offset) if found else (len(starts), None)
    listed = [(int(i), int(starts[i]) + HEADER, int(lengths[i])) for i in np.flatnonzero(big[:count])]
    stop = int(starts[count]) if count < len(starts) else end
    return Records(count, [g.before(count) for g in groups], listed, stop, damage)


def _length_groups(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> list[LengthGroup]:
    """Records grouped by length, each group's data and stored checksums gathered in one copy.

    Rows are padded to whole 8-byte words so finding the varying columns
    works on uint64 words, eight bytes at a time.
    """
    order = np.argsort(lengths, kind="stable")
    bounds = np.flatnonzero(np.diff(lengths[order])) + 1
    padded = np.concatenate([buf, np.zeros(8, dtype=np.uint8)])
    groups = []
    for index in np.split(order, bounds) if len(order) else []:
        length = int(lengths[index[0]])
        width = (length + 4 + 7) // 8 * 8  # data, checksum, padding
        words = _columns(padded, starts[index] + HEADER, width).view("<u8")
        changed = np.bitwise_or.reduce(words ^ words[0], axis=0).view(np.uint8)[:length]
        full = words.view(np.uint8)
        groups.append(LengthGroup(index, full[:, :length], np.flatnonzero(changed), full[:, length : length + 4]))
    return groups


def _stop_reason(buf: np.ndarray, offset: int) -> Damage:
    """Why the record at ``offset`` does not fit: a bad length, or a cut file."""
    if len(buf) - offset >= HEADER and not _header_ok(buf, np.array([offset]))[0]:
        return Damage(offset, "bad length checksum")
    return Damage(offset, INCOMPLETE)


def walk(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Offsets and lengths of the records that fit in ``buf``, and where the chain stopped."""
    starts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    pos, window = 0, _FIRST_WINDOW
    while True:
        s, n, pos, more = _plain_steps(buf, pos, _PLAIN_STEPS)
        starts.append(np.array(s, dtype=np.int64))
        lengths.append(np.array(n, dtype=np.int64))
        if not more:
            break
        pattern = _pattern(n)
        while pattern is not None:
            s, n = _speculate(buf, pos, pattern, window)
            starts.append(s)
            lengths.append(n)
            if len(s) == 0:
                break
            pos = int(s[-1] + n[-1] + OVERHEAD)
            if len(s) < window:  # a guess failed (or the file ended)
                window = _FIRST_WINDOW
                break
            window = min(2 * window, _MAX_WINDOW)
    return np.concatenate(starts), np.concatenate(lengths), pos


def _plain_steps(buf: np.ndarray, pos: int, count: int) -> tuple[list[int], list[int], int, bool]:
    """Follow up to ``count`` records from ``pos``; False once the chain ends."""
    size = len(buf)
    starts, lengths = [], []
    for _ in range(count):
        if pos + HEADER > size:
            return starts, lengths, pos, False
        (length,) = struct.unpack_from("<Q", buf, pos)
        if pos + OVERHEAD + length > size:
            return starts, lengths, pos, False
        starts.append(pos)
        lengths.append(length)
        pos += OVERHEAD + length
    return starts, lengths, pos, True


def _pattern(lengths: list[int]) -> np.ndarray | None:
    """The shortest period the last lengths repeat with, as one period of lengths."""
    for period in range(1, _MAX_PERIOD + 1):
        if 2 * period > len(lengths):
            break
        if lengths[-period:] == lengths[-2 * period : -period]:
            return np.array(lengths[-period:], dtype=np.int64)
    return None


def _speculate(buf: np.ndarray, pos: int, pattern: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Records from ``pos`` whose lengths continue ``pattern``: the verified prefix of a guess."""
    window = min(window, (len(buf) - pos) // (int(pattern.min()) + OVERHEAD) + 1)
    guess = np.tile(pattern, -(-window // len(pattern)))[:window]
    ends = pos + np.cumsum(guess + OVERHEAD)
    fits = int(np.searchsorted(ends, len(buf), side="right"))
    guess = guess[:fits]
    starts = ends[:fits] - guess - OVERHEAD
    actual = _u64_at(buf, starts)
    wrong = np.flatnonzero(actual != guess.astype(np.uint64))
    keep = int(wrong[0]) if wrong.size else fits
    return starts[:keep], guess[:keep]


def _columns(buf: np.ndarray, offsets: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes at each offset, as an ``(n, width)`` array."""
    if len(offsets) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    windows = as_strided(buf, shape=(len(buf) - width + 1, width), strides=(1, 1), writeable=False)
    return windows[offsets]


def _u64_at(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return _columns(buf, offsets, 8).view("<u8")[:, 0]


def _u32_at(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return _columns(buf, offsets, 4).view("<u4")[:, 0]


def _header_ok(buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Whether each header's stored checksum matches its length (computed once per distinct length)."""
    lengths = _u64_at(buf, starts)
    distinct, which = np.unique(lengths, return_inverse=True)
    expected = mask(crc32c_rows(distinct.astype("<u8").view(np.uint8).reshape(-1, 8)))
    return expected[which] == _u32_at(buf, starts + 8)


def _first_bad_data(groups: list[LengthGroup]) -> int | None:
    """The first record whose data checksum is wrong, if any."""
    bad = []
    for group in groups:
        stored = np.ascontiguousarray(group.stored_crc).view("<u4")[:, 0]
        wrong = np.flatnonzero(mask(crc32c_rows(group.rows, group.varying)) != stored)
        if wrong.size:
            bad.append(int(group.index[wrong[0]]))
    return min(bad, default=None)
