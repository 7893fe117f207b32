"""Run trainproof, a peer loss-log linter, on the same curves as tb-lossdiag.

Each experiment's chosen training and validation curves are written as a
JSONL log (``step``, ``loss``, ``eval_loss``: trainproof's own column names)
and judged with ``trainproof doctor FILE --json``. Feeding it the curves
rather than the event directory keeps the comparison about diagnosis, not
about reading: ``doctor`` judges each event file on its own, so it would
never see a Keras run's validation curve next to its training curve.

Trainproof finding ids map to our kinds as follows; every other id (gradient,
learning-rate, throughput, data checks) has no counterpart and is dropped.
Trainproof has no loss-spike check (``TP-GRAD-SPIKE`` reads gradient norms,
which these logs do not give it), so it can never report a spike.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from tb_lossdiag.detectors import CurvePair

#: trainproof finding id -> our kind, with why.
FINDING_KINDS = {
    "TP-NAN": "divergence",  # NaN or Inf in the loss
    "TP-DIVERGE": "divergence",  # final loss above 1.5x its minimum
    "TP-ZERO-LOSS-ONSET": "divergence",  # loss collapses to exactly 0: a masked NaN, by its own account
    "TP-FLAT": "plateau",  # relative standard deviation of the loss below 0.1%
    "TP-DEAD-RUN": "underfitting",  # last 5 losses not 5% below the first 5
    "TP-OVERFIT": "overfitting",  # eval loss 1.2x its minimum over the last 3 evals while train falls
}
_ONSET = {"TP-OVERFIT": re.compile(r"@step(-?\d+)"), "TP-NAN": re.compile(r"\[(-?\d+)")}


def _command() -> str | None:
    """The ``trainproof`` command: beside this interpreter (a virtual environment), else on PATH."""
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    return shutil.which("trainproof", path=path)


def available() -> bool:
    """True when the ``trainproof`` command is installed."""
    return _command() is not None


def records(pair: CurvePair) -> list[dict]:
    """One trainproof record per step, merging the two curves."""
    rows: dict[int, dict] = {}
    for column, curve in (("loss", pair.train), ("eval_loss", pair.validation)):
        if curve is None:
            continue
        for step, value in zip(curve.steps.tolist(), curve.values.tolist()):
            rows.setdefault(step, {"step": step})[column] = value
    return [rows[s] for s in sorted(rows)]


def kinds_of(report: dict) -> dict[str, int | None]:
    """Our kinds in trainproof's JSON output, with the onsets its evidence gives."""
    found: dict[str, int | None] = {}
    for entry in report.get("reports", []):
        for finding in entry.get("findings", []):
            kind = FINDING_KINDS.get(finding.get("id"))
            if kind is None:
                continue
            pattern = _ONSET.get(finding["id"])
            match = pattern.search(finding.get("evidence", "")) if pattern else None
            onset = int(match.group(1)) if match else None
            if found.get(kind) is None or (onset is not None and onset < found[kind]):
                found[kind] = onset
    return found


def diagnose(pair: CurvePair, workdir: str) -> dict[str, int | None] | None:
    """Trainproof's diagnosis of one experiment; None if it gave no report."""
    fd, path = tempfile.mkstemp(suffix=".jsonl", dir=workdir)
    with os.fdopen(fd, "w") as f:
        for row in records(pair):
            f.write(json.dumps(row) + "\n")  # NaN/Inf written as JSON5 literals, which trainproof reads
    result = subprocess.run([_command(), "doctor", path, "--json"], capture_output=True, text=True)
    try:
        return kinds_of(json.loads(result.stdout))
    except json.JSONDecodeError:
        return None


def diagnose_all(pairs: Sequence[CurvePair], workers: int = 2) -> list[dict[str, int | None] | None]:
    """Trainproof's diagnoses of many experiments, ``workers`` processes at a time."""
    with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda p: diagnose(p, workdir), pairs))
