"""A long curve judged a stretch at a time: its log values and trailing levels, in bounded memory.

Each stretch is computed from its own values and the trailing window before
it, so every number equals the one computed on the whole curve
(:func:`~.robust.to_log`, :func:`~.robust.trailing_level`). A curve of up to
:data:`PIECE_POINTS` points is one stretch, computed once and kept; a longer
one is computed again on each pass, so that a check over 1e7 points holds
no full-length temporary but those it asks for.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .robust import log_scale, log_values, trailing_level, trailing_window

#: Points per stretch: long enough that the window before each costs nothing, short enough that a
#: stretch's temporaries (a few float arrays) stay around a megabyte.
PIECE_POINTS = 1 << 16


class LogCurve:
    """A curve's values on a log scale where positive, and each point's trailing level.

    Parameters
    ----------
    values : numpy.ndarray
        The curve's values, all finite.
    window : int
        The trailing window of :func:`~.robust.trailing_level`.
    """

    def __init__(self, values: np.ndarray, window: int) -> None:
        self.values = values
        self.is_log, self.floor = log_scale(values)
        self.window = trailing_window(window, len(values))
        self._whole = self._compute(0, len(values)) if len(values) <= PIECE_POINTS else None

    def __len__(self) -> int:
        return len(self.values)

    def x(self, start: int, stop: int) -> np.ndarray:
        """The values of points ``start:stop`` on the curve's scale."""
        if self._whole is not None:
            return self._whole[0][start:stop]
        return log_values(self.values[start:stop], self.is_log, self.floor)

    def level(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """The values (on the curve's scale) and trailing levels of points ``start:stop``."""
        if self._whole is not None:
            return self._whole[0][start:stop], self._whole[1][start:stop]
        return self._compute(start, stop)

    def pieces(self, overlap: int = 0) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """``(start, x, level)`` of consecutive stretches, each ``overlap`` points longer (into the next)."""
        n = len(self)
        for start in range(0, n, PIECE_POINTS):
            yield (start, *self.level(start, min(start + PIECE_POINTS + overlap, n)))

    def first_at_most(self, start: int, bound: float) -> int | None:
        """The first point from ``start`` on whose value is at most ``bound``, or None."""
        n = len(self)
        for begin in range(start, n, PIECE_POINTS):
            hits = np.flatnonzero(self.x(begin, min(begin + PIECE_POINTS, n)) <= bound)
            if hits.size:
                return begin + int(hits[0])
        return None

    def _compute(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """From the window before ``start``, and at least a window's length (later points change no level)."""
        lead = min(start, self.window)
        end = min(len(self), max(stop, start - lead + self.window + 1))
        x = log_values(self.values[start - lead : end], self.is_log, self.floor)
        keep = slice(lead, lead + stop - start)
        return x[keep], trailing_level(x, self.window)[keep]
