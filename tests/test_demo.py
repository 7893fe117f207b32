"""The demo's real training runs, diagnosed by the CLI as a user would run it.

Each demo run is a small real Keras training that shows one behaviour;
``labels.json`` says what a correct diagnosis must find. This is the
acceptance check of the engine on real training output.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tb_lossdiag.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def diagnosis(demo_logs) -> dict[str, dict]:
    path, _ = demo_logs
    result = cli("diagnose", path, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    return {c["name"]: c for c in document["curves"] if c["primary"]}


def test_every_demo_run_is_diagnosed_as_labelled(demo_logs, diagnosis) -> None:
    _, labels = demo_logs
    assert set(labels) <= set(diagnosis)
    for name, label in labels.items():
        curve = diagnosis[name]
        kinds = {f["kind"] for f in curve["findings"]}
        if not label["expected"]:
            assert kinds == set() and curve["status"] == "healthy", (name, curve["findings"])
            continue
        assert set(label["expected"]) <= kinds, (name, kinds)
        span = max(e["last_step"] for e in (curve["train"], curve["validation"]) if e)
        for finding in curve["findings"]:
            if finding["kind"] == "overfitting":
                assert abs(finding["start_step"] - label["onset_step"]) <= 0.05 * span, (name, finding)
            if finding["kind"] == "divergence":
                assert finding["start_step"] == label["onset_step"], (name, finding)


def test_fail_on_overfitting_exit_codes(demo_logs) -> None:
    path, _ = demo_logs
    assert cli("diagnose", f"{path}/keras/overfitting", "--fail-on", "overfitting", "-q").returncode == 1
    assert cli("diagnose", f"{path}/keras/healthy", "--fail-on", "overfitting", "-q").returncode == 0


def test_improved_run_beats_the_baseline(demo_logs) -> None:
    path, _ = demo_logs
    doc = json.loads(cli("diagnose", f"{path}/keras", "--json", "--baseline", "baseline", "-q").stdout)
    verdicts = {c["run"]: c for c in doc["comparisons"]}
    assert verdicts["improved"]["verdict"] == "better"
    assert verdicts["improved"]["final_ratio"] < 1
    assert verdicts["overfitting"]["baseline"] == "baseline"
