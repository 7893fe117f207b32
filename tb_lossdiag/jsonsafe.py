"""Make documents strictly valid JSON: no NaN/Inf, no numpy scalars."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def clean(obj: Any) -> Any:
    """Return ``obj`` with numpy types made plain and non-finite floats as None.

    JSON has no NaN or Infinity; where a non-finite value is itself the
    evidence, detectors state it as text (``"nan"``, ``"inf"``).
    """
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [clean(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    return obj
