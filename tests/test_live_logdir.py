"""A logdir that changes while a real TensorBoard serves it, and one that must not change.

A writer appends points (and, like a restarted job, a second event file)
while ``tensorboard --reload_interval 1`` runs with either loader; after each
reload ``/diagnosis`` counts every point written and ``/curves`` returns
their values. A run deleted mid-session is handled as each loader handles
by both loaders: it disappears from the diagnosis at the next reload, and
asking for it is a JSON 404, never an error.

The plugin and the CLI only read: the logdir's files and bytes are identical
before and after a session of requests or commands.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

from tests.event_writers import write_tbx
from tests.tb_server import TensorBoardServer

ROUTE = "/data/plugin/lossdiag"
ROUNDS = (10, 25, 40)  # points written before the server starts, then after each append
RELOAD_TIMEOUT = 45.0


def loss(step: int) -> float:
    return 2.0 / (step + 1) + 0.001 * (step % 7)


def snapshot(root: str) -> dict[str, str | None]:
    """Every path under ``root`` (directories as None) with the SHA-256 of its bytes."""
    out: dict[str, str | None] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(directory, name), root)] = None
        for name in files:
            with open(os.path.join(directory, name), "rb") as f:
                out[os.path.relpath(os.path.join(directory, name), root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def get_json(tb: TensorBoardServer, path: str) -> dict:
    status, body = tb.get(path)
    assert status == 200, (path, status, body[:500])

    def reject(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(body, parse_constant=reject)


def curves_by_name(doc: dict) -> dict[str, dict]:
    return {c["name"]: c for c in doc["curves"] if c["primary"]}


def wait_for(tb: TensorBoardServer, done, what: str, timeout: float = RELOAD_TIMEOUT) -> dict:
    """Poll ``/diagnosis`` (every answer must be a 200) until ``done(doc)``."""
    deadline = time.monotonic() + timeout
    while True:
        doc = get_json(tb, f"{ROUTE}/diagnosis")
        if done(doc):
            return doc
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {json.dumps(curves_by_name(doc))[:2000]}")
        time.sleep(0.3)


def points_of(doc: dict, name: str) -> tuple[int, int] | None:
    curve = curves_by_name(doc).get(name)
    if curve is None:
        return None
    return curve["train"]["points"], curve["validation"]["points"]


class Writer:
    """``tf.summary`` writing to one run, flushed to disk on demand.

    (tensorboardX's ``flush()`` does not drain its queue of pending events,
    so what it has written is only known once it is closed.)
    """

    def __init__(self, path: str) -> None:
        import tensorflow as tf

        self.tf = tf
        self.writer = tf.summary.create_file_writer(path)

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        with self.writer.as_default():
            self.tf.summary.scalar(tag, value, step=step)

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


@pytest.mark.parametrize("load_fast", [True, False], ids=["rust_loader", "python_loader"])
def test_live_logdir(tmp_path, load_fast):
    logdir = str(tmp_path / "logs")
    write_tbx(logdir, "gone", {"Loss/train": (range(20), [loss(s) for s in range(20)]),
                               "Loss/test": (range(20), [loss(s) + 0.1 for s in range(20)])})  # fmt: skip
    writer = Writer(os.path.join(logdir, "live"))
    written = 0

    def append(until: int) -> None:
        nonlocal written
        for step in range(written, until):
            writer.add_scalar("Loss/train", loss(step), step)
            writer.add_scalar("Loss/test", loss(step) + 0.1, step)
        writer.flush()
        written = until

    append(ROUNDS[0])
    with TensorBoardServer(logdir, load_fast=load_fast, reload_interval=1) as tb:
        for target in ROUNDS:
            if target != written:
                append(target)
            wait_for(tb, lambda d: points_of(d, "live") == (target, target), f"{target} points")
        # A restarted job: a new writer, a new (later-named) event file in the same run.
        writer.close()
        time.sleep(1.1)  # event files are named by the second they were opened
        writer = Writer(os.path.join(logdir, "live"))
        append(ROUNDS[-1] + 15)
        writer.close()
        doc = wait_for(tb, lambda d: points_of(d, "live") == (written, written), "the second file's points")
        assert doc["warnings"] == []
        assert curves_by_name(doc)["live"]["train"]["last_step"] == written - 1
        assert len(os.listdir(os.path.join(logdir, "live"))) == 2

        # Nothing lost: every value as written, in step order.
        (live,) = get_json(tb, f"{ROUTE}/curves?experiment=live")["experiments"]
        train, validation = live["curves"][0]["series"]
        assert train["steps"] == list(range(written)) == validation["steps"]
        assert train["values"] == pytest.approx([loss(s) for s in range(written)], rel=1e-6)
        assert validation["values"] == pytest.approx([loss(s) + 0.1 for s in range(written)], rel=1e-6)
        assert points_of(doc, "gone") == (20, 20)

        # A run deleted mid-session.
        shutil.rmtree(os.path.join(logdir, "gone"))
        # Both loaders drop it at their next reload: the Rust loader forgets runs
        # whose directory is gone; the Python multiplexer removes a run whose
        # accumulator met DirectoryDeletedError. The plugin then no longer lists
        # the experiment, and asking for it is a JSON 404.
        doc = wait_for(tb, lambda d: "gone" not in curves_by_name(d), "the deleted run to disappear")
        status, body = tb.get(f"{ROUTE}/curves?experiment=gone")
        assert status == 404 and "no experiment named" in json.loads(body)["error"]
        status, body = tb.get(f"{ROUTE}/diagnosis?baseline=gone")
        assert status == 404 and "no experiment named" in json.loads(body)["error"]
        assert points_of(doc, "live") == (written, written)
        status, body = tb.get(f"{ROUTE}/diagnosis?baseline=live")
        assert status == 200, body[:500]

        # Requests only read: the logdir is byte-for-byte the same after a session of them.
        before = snapshot(logdir)
        names = sorted({c["name"] for c in get_json(tb, f"{ROUTE}/diagnosis")["curves"]})
        for name in names:
            get_json(tb, f"{ROUTE}/diagnosis?baseline={quote(name)}")
            get_json(tb, f"{ROUTE}/curves?experiment={quote(name)}&baseline=live")
        for path in ("/index.js", "/static/index.js", "/static/../x", "/curves", "/curves?experiment=nope"):
            assert tb.get(ROUTE + path)[0] in (200, 400, 404)
        time.sleep(2.5)  # two reloads
        get_json(tb, f"{ROUTE}/diagnosis")
        assert snapshot(logdir) == before
        assert "Traceback" not in tb.log()


def test_cli_does_not_write_to_the_logdir(tmp_path):
    logdir = str(tmp_path / "logs")
    write_tbx(logdir, "a", {"Loss/train": (range(30), [loss(s) for s in range(30)]),
                            "Loss/test": (range(30), [loss(s) + 0.1 for s in range(30)])})  # fmt: skip
    write_tbx(logdir, "b/train", {"epoch_loss": (range(30), [loss(s) for s in range(30)])})
    with open(os.path.join(logdir, "a", "events.out.tfevents.0.damaged"), "wb") as f:
        f.write(b"\x01" * 40)  # a damaged file: read, warned about, left alone
    os.chmod(os.path.join(logdir, "b"), 0o555)  # writing there would fail loudly, for a non-root user
    before = snapshot(logdir)
    output = str(tmp_path / "out.json")
    for args in (["--json"], [], ["--baseline", "a", "--json"], ["--fail-on", "spike"], ["-o", output, "--json"]):
        result = subprocess.run(
            [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--quiet", *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode in (0, 1), result.stderr
        assert "events.out.tfevents.0.damaged" in result.stderr
    assert snapshot(logdir) == before
    os.chmod(os.path.join(logdir, "b"), 0o755)
    with open(output) as f:
        assert json.load(f)["schema"] == "tb-lossdiag/1"
    assert sorted(os.listdir(tmp_path)) == ["logs", "out.json"]
