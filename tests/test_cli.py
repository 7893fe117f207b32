"""The ``tb-lossdiag`` command: output formats, exit codes, bad input.

Logdirs are written with the real writers (tf.summary in the Keras layout,
tensorboardX in the PyTorch layout); the command runs as users run it, as a
subprocess of the installed console script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tb_lossdiag.engine import document_from_series
from tb_lossdiag.logdirs import run_name
from tb_lossdiag.reading import LogdirData, read_logdir
from tests.event_writers import write_keras_pair, write_tbx

STEPS = list(range(40))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tb_lossdiag.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def strict_json(text: str) -> dict:
    def reject(constant: str):
        raise AssertionError(f"non-JSON constant {constant} in output")

    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> str:
    """An overfitting and a healthy experiment (Keras layout), and a PyTorch-style run with NaN."""
    root = str(tmp_path_factory.mktemp("logs"))
    rng = np.random.default_rng(0)
    train = np.exp(-np.arange(40) / 10) + 0.05
    noise = 0.005 * rng.standard_normal(40)
    healthy_val = train + 0.08 + noise
    overfit_val = np.where(np.arange(40) < 12, healthy_val, healthy_val[12] + 0.02 * (np.arange(40) - 12)) + noise
    write_keras_pair(root, "healthy", (STEPS, train), (STEPS, healthy_val))
    write_keras_pair(root, "overfit", (STEPS, train), (STEPS, overfit_val))
    diverging = list(np.exp(-np.arange(20) / 10)) + [float("nan")] * 5
    write_tbx(root, "torch_run", {"Loss/train": (range(25), diverging), "Loss/val": (range(25), diverging)})
    return root


def test_json_document(logdir: str) -> None:
    result = run_cli("diagnose", logdir, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    doc = strict_json(result.stdout)
    assert doc["schema"] == "tb-lossdiag/1"
    curves = {c["name"]: c for c in doc["curves"] if c["primary"]}
    assert set(curves) == {"healthy", "overfit", "torch_run"}
    assert curves["healthy"]["findings"] == [] and curves["healthy"]["status"] == "healthy"
    (over,) = [f for f in curves["overfit"]["findings"] if f["kind"] == "overfitting"]
    assert abs(over["start_step"] - 12) <= 1
    assert curves["overfit"]["train"] == {
        "run": "overfit/train", "tag": "epoch_loss", "points": 40, "sampled": False,
        "first_step": 0, "last_step": 39, "nonfinite": 0,
    }
    (div,) = [f for f in curves["torch_run"]["findings"] if f["kind"] == "divergence" and f["series"] == "train"]
    assert div["start_step"] == 20 and div["evidence"]["first_nonfinite_value"] == "nan"
    for field in ("severity", "confidence", "summary", "evidence", "remedies"):
        assert field in over


def test_text_report_groups_experiments_worst_first_with_remedies_once(logdir: str) -> None:
    result = run_cli("diagnose", logdir, "-q")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    doc = strict_json(run_cli("diagnose", logdir, "--json", "-q").stdout)
    # Experiment headers, in the document's ranking.
    heads = [line.split("  ")[0] for line in lines if line[:1].isdigit() and ". " in line]
    assert heads == [f"{e['rank']}. {e['experiment']}" for e in doc["ranking"]]
    assert next(line for line in lines if line.startswith("3. ")) == "3. healthy  healthy"
    # One line per finding with its steps and series, the summary on the next.
    (main,) = [c for c in doc["curves"] if c["name"] == "overfit" and c["primary"]]
    (over,) = [f for f in main["findings"] if f["kind"] == "overfitting"]
    row = next(line for line in lines if "overfitting" in line and "validation" in line and "steps" in line)
    assert f"steps {over['start_step']}-{over['end_step']}" in row and "HIGH" in row.upper()
    # Remedies once per kind, at the end; no evidence without --verbose; no colour when piped.
    assert result.stdout.count("EarlyStopping") == 1 and "What to try:" in result.stdout
    assert "evidence:" not in result.stdout and "\033[" not in result.stdout
    assert "* = TensorBoard kept only a sample" not in result.stdout  # nothing was sampled
    verbose = run_cli("diagnose", logdir, "-q", "--verbose").stdout
    assert "evidence:" in verbose and verbose.count("EarlyStopping") == 1


def run_in_terminal(*args: str, env: dict | None = None) -> str:
    """The CLI's output when its stdout is a terminal (a pseudo-terminal)."""
    import pty

    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "tb_lossdiag.cli", *args]
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(120)
    os.close(leader)
    return b"".join(chunks).decode()


def test_text_report_is_coloured_only_on_a_terminal_without_no_color(logdir: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[1;31mHIGH" in run_in_terminal("diagnose", logdir, "-q", env=env)
    assert "\033[" not in run_in_terminal("diagnose", logdir, "-q", env={**env, "NO_COLOR": "1"})


def test_text_report_of_six_experiments_fits_a_terminal(tmp_path) -> None:
    from tests.test_browser import write_pathologies

    write_pathologies(str(tmp_path))
    doc = strict_json(run_cli("diagnose", str(tmp_path), "--json", "-q").stdout)
    assert len(doc["ranking"]) == 6
    text = run_cli("diagnose", str(tmp_path), "-q").stdout
    print(f"\n6 experiments: {len(text.splitlines())} lines")
    assert len(text.splitlines()) <= 80
    assert max(len(line) for line in text.splitlines()) <= 100


def test_a_healthy_loss_beside_a_validation_only_accuracy_is_healthy(tmp_path) -> None:
    """torch runs often log accuracy on validation only: that curve cannot be checked for overfitting, but the
    experiment's loss was, and found nothing, so the experiment is healthy, not "not checked"."""
    train = np.exp(-np.arange(40) / 10) + 0.05
    val = train + 0.08 + 0.005 * np.random.default_rng(1).standard_normal(40)
    accuracy = 0.9 - 0.5 * np.exp(-np.arange(40) / 10)
    write_tbx(str(tmp_path), "run", {"Loss/train": (STEPS, train), "Loss/val": (STEPS, val), "Accuracy/val": (STEPS, accuracy)})
    text = run_cli("diagnose", str(tmp_path), "-q").stdout
    assert "1. run  healthy" in text, text
    assert "not checked: overfitting" in text, text  # the accuracy curve still says what it could not check


def test_fail_on_exit_codes(logdir: str) -> None:
    assert run_cli("diagnose", logdir, "--fail-on", "overfitting", "-q").returncode == 1
    assert run_cli("diagnose", os.path.join(logdir, "healthy"), "--fail-on", "overfitting", "-q").returncode == 0
    assert run_cli("diagnose", logdir, "--fail-on", "plateau,underfitting", "-q").returncode == 0


def test_baseline_comparison(logdir: str) -> None:
    doc = strict_json(run_cli("diagnose", logdir, "--json", "--baseline", "overfit", "-q").stdout)
    verdicts = {c["run"]: c["verdict"] for c in doc["comparisons"]}
    assert verdicts["healthy"] == "better"
    assert set(verdicts) == {"healthy", "torch_run"}


def test_help_imports_no_numpy_and_names_every_kind() -> None:
    """``--help`` starts fast: the kinds it lists are named beside the detectors, not imported with them."""
    from tb_lossdiag.detectors import KINDS
    from tb_lossdiag.options import KINDS as NAMED

    code = (
        "import sys; from tb_lossdiag.cli import build_parser; build_parser().format_help(); "
        "print(sorted({'numpy', 'scipy'} & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
    assert NAMED == KINDS


@pytest.mark.parametrize(
    "args, message",
    [
        (["diagnose", "/nonexistent/logdir"], "error"),
        (["diagnose", "LOGDIR", "--baseline", "nope"], "no experiment named 'nope'"),
        (["diagnose", "LOGDIR", "--fail-on", "sadness"], "unknown kind"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(logdir: str, args: list[str], message: str) -> None:
    result = run_cli(*[logdir if a == "LOGDIR" else a for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_truncated_file_keeps_earlier_points_and_warns(tmp_path) -> None:
    steps = list(range(30))
    write_keras_pair(str(tmp_path), "x", (steps, np.linspace(1, 0.1, 30)), (steps, np.linspace(1.1, 0.2, 30)))
    (event_file,) = (tmp_path / "x" / "validation").iterdir()
    data = event_file.read_bytes()
    event_file.write_bytes(data[: len(data) - 30])
    result = run_cli("diagnose", str(tmp_path), "--json", "-q")
    assert result.returncode == 0
    doc = strict_json(result.stdout)
    (curve,) = [c for c in doc["curves"] if c["primary"]]
    assert 25 <= curve["validation"]["points"] < 30
    assert any(event_file.name in w for w in doc["warnings"])
    assert event_file.name in result.stderr


def test_empty_and_unconventional_logdirs(tmp_path) -> None:
    assert "No loss curves found" in run_cli("diagnose", str(tmp_path)).stdout
    write_tbx(str(tmp_path), "odd", {"objective_a": (range(20), np.linspace(2, 1, 20)), "objective_b": (range(20), np.linspace(2.2, 1.4, 20))})
    assert "No loss curves found" in run_cli("diagnose", str(tmp_path)).stdout
    doc = strict_json(run_cli("diagnose", str(tmp_path), "--json", "--train-tag", "objective_a", "--val-tag", "objective_b").stdout)
    (curve,) = doc["curves"]
    assert curve["train"]["tag"] == "objective_a" and curve["validation"]["tag"] == "objective_b"


def test_nan_only_series_is_valid_json_and_divergence(tmp_path) -> None:
    write_tbx(str(tmp_path), "r", {"train/loss": (range(10), [float("nan")] * 10)})
    doc = strict_json(run_cli("diagnose", str(tmp_path), "--json").stdout)
    (curve,) = doc["curves"]
    assert [f["kind"] for f in curve["findings"]] == ["divergence"]
    assert curve["findings"][0]["start_step"] == 0


def test_output_file_and_no_writes_otherwise(logdir: str, tmp_path) -> None:
    before = sorted(os.walk(logdir))
    out = tmp_path / "diagnosis.json"
    assert run_cli("diagnose", logdir, "--json", "-o", str(out), "-q").returncode == 0
    assert strict_json(out.read_text())["schema"] == "tb-lossdiag/1"
    assert sorted(os.walk(logdir)) == before


def test_local_processes_give_the_same_document(logdir: str, tmp_path) -> None:
    truncated = tmp_path / "with_damage"
    write_keras_pair(str(truncated), "x", (STEPS, np.linspace(1, 0.1, 40)), (STEPS, np.linspace(1.1, 0.2, 40)))
    (event_file,) = (truncated / "x" / "train").iterdir()
    event_file.write_bytes(event_file.read_bytes()[:-20])
    paths, baseline = [logdir, str(truncated)], f"{logdir}/overfit"
    two = run_cli("diagnose", *paths, "--json", "-q", "--baseline", baseline, "-j", "2")
    assert two.returncode == 0, two.stderr
    data = LogdirData()
    for path in paths:
        read = read_logdir(path)
        data.runs.update({run_name(path, run, several=True): tags for run, tags in read.runs.items()})
        data.warnings.extend(read.warnings)
    in_memory = document_from_series(data.runs, warnings=data.warnings, baseline=baseline)
    assert strict_json(two.stdout) == json.loads(json.dumps(in_memory))
    assert in_memory["warnings"]
