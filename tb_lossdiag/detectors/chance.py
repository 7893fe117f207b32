"""Chance levels: the loss of a classifier that has learned nothing, ``ln C`` for ``C`` classes.

A cross-entropy of uniform predictions over ``C`` classes is ``ln C``
(0.6931 for two, 2.3026 for ten); an untrained classifier starts there or
somewhat above, and a network that died (constant outputs) ends there.
"""

from __future__ import annotations

import numpy as np

#: Chance levels ln C considered, C = 2 .. this.
MAX_CHANCE_CLASSES = 10
#: How close (relative) a level must be to ln C to be that chance level.
CHANCE_TOLERANCE = 0.05


def chance_level(value: float, below: float = CHANCE_TOLERANCE, above: float = CHANCE_TOLERANCE) -> int | None:
    """The class count ``C`` whose chance loss ``ln C`` is nearest ``value``, within ``below``/``above`` of it (relative)."""
    classes = np.arange(2, MAX_CHANCE_CLASSES + 1)
    offset = value / np.log(classes) - 1.0
    close = (offset >= -below) & (offset <= above)
    return int(classes[close][np.argmin(np.abs(offset[close]))]) if close.any() else None
