"""Sweeps from the command line: several logdirs and globs, Dask scheduling, ``--top`` ranking.

The logdirs are written with real writers; the Dask run uses a real local
cluster of worker processes (``--scheduler processes``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tb_lossdiag.engine import ranking
from tests.event_writers import write_keras_pair, write_tbx
from tests.test_cli import run_cli, strict_json

STEPS = np.arange(60)
TRAIN = np.exp(-STEPS / 12) + 0.05
NOISE = 0.004 * np.random.default_rng(1).standard_normal(60)
HEALTHY_VAL = TRAIN + 0.08 + NOISE
OVERFIT_VAL = np.where(STEPS < 20, HEALTHY_VAL, HEALTHY_VAL[20] + 0.015 * (STEPS - 20)) + NOISE
DIVERGING = np.where(STEPS < 40, TRAIN, np.nan)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> str:
    """``sweep/lr_*`` (one logdir per trial: Keras layout and a PyTorch-style run) and ``extra``.

    ``sweep/lr_0.3/train`` also holds a truncated event file, for warnings.
    """
    root = str(tmp_path_factory.mktemp("sweeps"))
    sweep = os.path.join(root, "sweep")
    write_keras_pair(os.path.join(sweep, "lr_0.01"), ".", (STEPS, TRAIN), (STEPS, HEALTHY_VAL))
    write_keras_pair(os.path.join(sweep, "lr_0.1"), ".", (STEPS, TRAIN), (STEPS, OVERFIT_VAL))
    write_keras_pair(os.path.join(sweep, "lr_0.3"), ".", (STEPS, TRAIN), (STEPS, OVERFIT_VAL))
    write_tbx(sweep, "lr_1", {"Loss/train": (STEPS, DIVERGING), "Loss/val": (STEPS, DIVERGING)})
    write_tbx(os.path.join(root, "extra"), "baseline", {"train/loss": (STEPS, TRAIN), "eval/loss": (STEPS, HEALTHY_VAL)})
    train_dir = os.path.join(sweep, "lr_0.3", "train")
    (name,) = os.listdir(train_dir)
    damaged = os.path.join(train_dir, name + ".zz")
    shutil.copy(os.path.join(train_dir, name), damaged)
    os.truncate(damaged, os.path.getsize(damaged) - 5)
    return root


def run_in(root: str, *args: str) -> subprocess.CompletedProcess:
    """The command run from ``root``, as users name sweeps: relative paths and globs."""
    return subprocess.run(
        [sys.executable, "-m", "tb_lossdiag.cli", *args], capture_output=True, text=True, timeout=120, cwd=root, check=False
    )


def cli_json(root: str, *args: str) -> dict:
    result = run_in(root, "diagnose", *args, "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    return strict_json(result.stdout)


def test_dask_processes_give_the_in_process_document(root: str) -> None:
    args = ("sweep/*", "extra", "--baseline", "extra/baseline")
    on_dask = cli_json(root, *args, "--scheduler", "processes")
    assert on_dask == cli_json(root, *args)
    assert len(on_dask["comparisons"]) == 4
    assert len(on_dask["warnings"]) == 1 and "lr_0.3" in on_dask["warnings"][0]


def test_several_logdirs_and_globs_name_runs_after_their_logdir(root: str) -> None:
    doc = cli_json(root, "sweep/lr_0.*", "extra")
    assert [c["name"] for c in doc["curves"]] == ["extra/baseline", "sweep/lr_0.01", "sweep/lr_0.1", "sweep/lr_0.3"]
    assert doc["curves"][2]["train"]["run"] == "sweep/lr_0.1/train"
    assert run_in(root, "diagnose", "nothing*").returncode == 2


def test_top_ranks_the_worst_experiments_first(root: str) -> None:
    logdir = os.path.join(root, "sweep")
    full = cli_json(root, logdir)
    doc = cli_json(root, logdir, "--top", "2")
    assert [e["experiment"] for e in doc["ranking"]] == ["lr_1", "lr_0.1"]
    assert [e["rank"] for e in doc["ranking"]] == [1, 2]
    assert doc["ranking"] == ranking(full["curves"])[:2] == full["ranking"][:2]
    assert len(full["ranking"]) == len({c["name"] for c in full["curves"]})  # every experiment, in the document
    assert [c["name"] for c in doc["curves"]] == ["lr_1", "lr_0.1"]
    assert doc["schema"] == full["schema"] and doc["warnings"] == full["warnings"]
    keys = [(e["worst_severity"], -e["findings"], -e["confidence"]) for e in full["ranking"]]
    severity = {"high": 0, "medium": 1, "low": 2, None: 3}
    assert keys == sorted(keys, key=lambda k: (severity[k[0]], *k[1:]))

    text = run_cli("diagnose", logdir, "--top", "2", "--quiet").stdout
    table = text.split("\n\n")[0].splitlines()
    assert table[0] == "The 2 worst experiment(s):"
    assert [line.split()[:2] for line in table[2:]] == [["1", "lr_1"], ["2", "lr_0.1"]]


def test_url_logdir_reads_through_gfile(root: str) -> None:
    pytest.importorskip("tensorflow")
    logdir = os.path.join(root, "sweep")
    by_url = cli_json(root, "file://" + logdir)
    local = cli_json(root, logdir)
    assert by_url["curves"] == local["curves"]
    assert [w.replace("file://", "") for w in by_url["warnings"]] == local["warnings"]


def test_in_process_run_never_imports_dask(root: str) -> None:
    check = (
        "import sys; from tb_lossdiag.cli import main; "
        f"assert main(['diagnose', {os.path.join(root, 'extra')!r}, '--quiet']) == 0; "
        "assert not {'dask', 'distributed'} & set(sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert run_cli("diagnose", root, "--scheduler", "local").returncode == 2
