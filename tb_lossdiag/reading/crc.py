"""CRC32C of many byte strings at once, vectorised with numpy.

CRC32C is affine over GF(2): for two messages ``a`` and ``b`` of the same
length, ``crc(a) ^ crc(b) == lin(a ^ b)``, where ``lin`` is the CRC with a zero
initial register and no final XOR. ``lin`` of a message is the XOR over its
bytes of a per-position table, ``_position_table()[d][byte]``, where ``d`` is
the byte's distance from the end of the message.

Records of one length in an event file differ only in a few byte columns
(step, wall time, value), so :func:`crc32c_rows` computes the first record's
CRC and then XORs in the contribution of the columns that vary: a handful of
table look-ups per record instead of a loop over every byte.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_POLY = 0x82F63B78  # CRC32C (Castagnoli), reflected
_ALL_ONES = np.uint32(0xFFFFFFFF)
BLOCK = 1024
"""Longest message handled in one gather; longer ones are folded block by block."""


@lru_cache(maxsize=1)
def _position_table() -> np.ndarray:
    """``(BLOCK, 256)`` table: ``lin`` of byte ``b`` followed by ``d`` zero bytes."""
    crc = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        crc = np.where(crc & 1, (crc >> 1) ^ np.uint32(_POLY), crc >> 1).astype(np.uint32)
    table = np.empty((BLOCK, 256), dtype=np.uint32)
    table[0] = crc
    byte_table = crc
    for d in range(1, BLOCK):
        prev = table[d - 1]
        table[d] = byte_table[prev & 0xFF] ^ (prev >> 8)
    return table


def _lin_rows(rows: np.ndarray) -> np.ndarray:
    """``lin`` of each row of an ``(n, L)`` uint8 array, ``L <= BLOCK``."""
    length = rows.shape[1]
    distance = np.arange(length - 1, -1, -1)
    return np.bitwise_xor.reduce(_position_table()[distance, rows], axis=1).astype(np.uint32)


def _shift(register: int, zeros: int) -> int:
    """The ``lin`` register after ``zeros`` (4..BLOCK) more zero bytes.

    A register ``r`` followed by ``m`` zero bytes equals the message made of
    r's four little-endian bytes and ``m - 4`` zero bytes.
    """
    table = _position_table()
    out = 0
    for i in range(4):
        out ^= int(table[zeros - 1 - i][(register >> (8 * i)) & 0xFF])
    return out


def crc32c(data: np.ndarray) -> int:
    """CRC32C of one message (a 1-D uint8 array) of any length."""
    message = np.array(data, dtype=np.uint8)
    if len(message) < 4:
        return _crc32c_short(bytes(message))
    # An initial register of all ones is the same as inverting the first 4 bytes.
    message[:4] ^= 0xFF
    head = len(message) % BLOCK or BLOCK
    register = int(_lin_rows(message[None, :head])[0])
    for block in _lin_rows(message[head:].reshape(-1, BLOCK)):
        register = _shift(register, BLOCK) ^ int(block)
    return register ^ 0xFFFFFFFF


def _crc32c_short(data: bytes) -> int:
    table = _position_table()[0]
    crc = 0xFFFFFFFF
    for b in data:
        crc = int(table[(crc ^ b) & 0xFF]) ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c_rows(rows: np.ndarray, varying: np.ndarray | None = None) -> np.ndarray:
    """CRC32C of each row of an ``(n, L)`` uint8 array, as uint32.

    ``varying`` (from :func:`varying_columns`, or any superset) saves finding
    the columns that differ between rows.
    """
    n, length = rows.shape
    if n == 0:
        return np.zeros(0, dtype=np.uint32)
    first = crc32c(rows[0])
    if length > BLOCK:
        return np.array([first] + [crc32c(row) for row in rows[1:]], dtype=np.uint32)
    table = _position_table()
    out = np.full(n, first, dtype=np.uint32)
    for j in varying_columns(rows) if varying is None else varying:
        out ^= table[length - 1 - j][rows[:, j] ^ rows[0, j]]
    return out


def varying_columns(rows: np.ndarray) -> np.ndarray:
    """Indices of the columns of an ``(n, L)`` array that hold more than one value."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.bitwise_or.reduce(rows ^ rows[0], axis=0))


def mask(crc: np.ndarray) -> np.ndarray:
    """The masked form TFRecord stores: rotate right by 15, add a constant."""
    crc = np.asarray(crc, dtype=np.uint32)
    return (((crc >> 15) | (crc << 17)) + np.uint32(0xA282EAD8)).astype(np.uint32)
