"""A column of numbers that grows in place as a file's points arrive, viewed as one array without a join.

Keeping a file's points as many parts and joining them into one array when
a series is asked for would hold both at once. A column instead grows its
one array, doubling its capacity when full: appending costs a copy now and
then, and capacity not yet written is address space only, not memory.

A large column's array is a private anonymous memory map of its own, not
the C allocator's: freed, it goes back to the operating system at once.
From the allocator, each array given up while growing could be left as a
hole in its heap (glibc raises its threshold for mapping a block of its
own to the size of the last one freed), which measured as a third more
memory than the points.
"""

from __future__ import annotations

import mmap

import numpy as np

GROWTH = 2
"""Capacity is multiplied by this when an append does not fit (the first append's size, to begin with)."""
OWN_MAP_BYTES = 1 << 20
"""Arrays of at least this many bytes are memory maps of their own."""


class Column:
    """One growing array of ``dtype``; an appended part of a wider type widens it (int32 steps to int64)."""

    def __init__(self, dtype: type) -> None:
        self._data = np.empty(0, dtype)
        self._size = 0

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def __len__(self) -> int:
        return self._size

    def append(self, part: np.ndarray) -> None:
        """Add ``part``'s numbers at the end, in the type both share (the column's, or ``part``'s if wider)."""
        needed = self._size + len(part)
        dtype = np.promote_types(self._data.dtype, part.dtype)
        if needed > len(self._data) or dtype != self._data.dtype:
            grown = _empty(max(needed, GROWTH * len(self._data)), dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : needed] = part
        self._size = needed

    def view(self) -> np.ndarray:
        """The numbers so far, read-only; later appends never change what a view shows."""
        out = self._data[: self._size]
        out.flags.writeable = False
        return out


def _empty(length: int, dtype: np.dtype) -> np.ndarray:
    """An uninitialised array, mapped on its own when large (unmapped when the last view of it goes)."""
    size = length * dtype.itemsize
    if size < OWN_MAP_BYTES or not hasattr(mmap, "MAP_PRIVATE"):  # Windows maps differently: the allocator's
        return np.empty(length, dtype)
    return np.frombuffer(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE), dtype=dtype)
