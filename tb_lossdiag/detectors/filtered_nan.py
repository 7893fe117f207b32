"""A NaN/Inf loss that the writer filtered out of the log, read back as the NaN it was.

The Hugging Face ``Trainer``'s ``logging_nan_inf_filter`` (on by default)
adds, for a NaN/Inf step, the logging window's running loss over its steps
so far instead of the loss; once a whole window is NaN that is 0, so a
diverged run logs ``train/loss`` 0.0 from then to the end. Read as zeros,
that tail is a training loss still improving, which every check would
misjudge (overfitting beside a validation loss that exploded); read as NaN,
it is the divergence it is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..robust import median
from .base import START_POINTS, Curve, CurvePair, start_level

#: A training loss logged as exactly 0 for at least this many points to the end, never 0 before...
ZEROED_TAIL_POINTS = 3
#: ...from a level (the median of its last START_POINTS positive values) at least this share of its starting
#: level, is a NaN/Inf loss filtered out of the log. A loss that fits exactly (a hinge loss reaching its margin)
#: comes down to 0 through values far below 1 % of where it started, and is 0 on some batches before.
ZEROED_FROM_SHARE = 0.01


def zeroed_tail(curve: Curve) -> int | None:
    """Where a loss logged as exactly 0 to the end starts, when that is a NaN/Inf loss filtered out of the log
    (:data:`ZEROED_TAIL_POINTS`, :data:`ZEROED_FROM_SHARE`); else None."""
    zero = curve.values == 0
    first = len(zero) - int(np.argmin(zero[::-1])) if not zero.all() else 0
    before = curve.values[:first]
    if len(zero) - first < ZEROED_TAIL_POINTS or not len(before) or not np.all(np.isfinite(before) & (before > 0)):
        return None
    x = np.log(before)
    return first if median(x[-START_POINTS:]) >= start_level(x) + np.log(ZEROED_FROM_SHARE) else None


def read_filtered_nan(pair: CurvePair) -> CurvePair:
    """``pair`` with a training loss's filtered NaN tail (:func:`zeroed_tail`) back as NaN, on each training
    series, and ``nan_logged_as_zero`` set; unchanged when there is none."""
    if pair.quantity != "loss":
        return pair
    read = {}
    for field in ("train", "train_detail"):
        curve = getattr(pair, field)
        first = zeroed_tail(curve) if curve is not None else None
        if first is not None:
            read[field] = Curve(curve.steps, np.concatenate([curve.values[:first], np.full(len(curve) - first, np.nan)]))
    return replace(pair, **read, nan_logged_as_zero=True) if read else pair
