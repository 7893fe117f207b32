"""Fixtures shared across test modules."""

from __future__ import annotations

import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def demo_logs() -> tuple[str, dict]:
    """The demo's real training runs and their labels, written once.

    Uses ``$TB_LOSSDIAG_DEMO_LOGS`` or the repository's ``demo_logs/`` (what
    ``make demo`` writes); runs already there are not trained again.
    """
    import demo

    path = os.environ.get("TB_LOSSDIAG_DEMO_LOGS", os.path.join(ROOT, "demo_logs"))
    demo.write(path)
    with open(os.path.join(path, "labels.json"), encoding="utf-8") as f:
        return path, json.load(f)["experiments"]
