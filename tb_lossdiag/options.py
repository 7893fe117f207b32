"""What the command line offers, named without importing numpy, so that ``tb-lossdiag --help`` starts fast."""

from __future__ import annotations

KINDS = ("divergence", "overfitting", "underfitting", "plateau", "spike")
"""The kinds of finding, in the order the detectors run (:data:`~.detectors.KINDS`, which imports them)."""

#: ``--scheduler`` value for a local cluster of worker processes.
LOCAL_PROCESSES = "processes"

#: Seconds to connect to a ``--scheduler`` address before giving up.
SCHEDULER_TIMEOUT = 10
