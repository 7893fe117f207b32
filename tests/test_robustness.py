"""The CLI against hostile file systems, schedulers and terminals: it never hangs, never
claims a clean run for data it could not read, and fails with one line and exit 2.

Every case runs the real command (``python -m tb_lossdiag.cli``) as a subprocess with a
timeout, on event files written by tensorboardX; FIFOs, unreadable directories, non-UTF-8
names and the scheduler ports are real too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pytest

from tb_lossdiag.sweep import SCHEDULER_TIMEOUT, diagnose_sweep
from tests.event_writers import write_tbx

STEPS = range(30)
FALLING = list(np.linspace(2.0, 0.2, 30))
#: Far above what any case below needs; a hang is what it catches.
HANG = 120


def cli(*args: str, timeout: float = HANG) -> subprocess.CompletedProcess:
    return run_bounded([sys.executable, "-m", "tb_lossdiag.cli", *args], timeout)


def run_bounded(command: list[str], timeout: float = HANG) -> subprocess.CompletedProcess:
    """``command``'s result; after ``timeout`` seconds its whole process group is killed and the test fails.

    The group, not the process: a worker left blocked (on a FIFO, say) would hold the pipes open.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{' '.join(command)} still running after {timeout} s")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def stderr_lines(result: subprocess.CompletedProcess) -> list[str]:
    return result.stderr.decode(errors="replace").splitlines()


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one ``error:`` line of a failed run; fails on a traceback or several errors."""
    lines = stderr_lines(result)
    assert not any("Traceback" in line for line in lines), result.stderr
    (error,) = [line for line in lines if line.startswith("tb-lossdiag: error: ")]
    return error


def write_run(logdir: str, run: str) -> None:
    write_tbx(logdir, run, {"train/loss": (STEPS, FALLING), "val/loss": (STEPS, [v + 0.1 for v in FALLING])})


@pytest.fixture
def logdir(tmp_path) -> str:
    write_run(str(tmp_path), "a")
    write_run(str(tmp_path), "b")
    return str(tmp_path)


# --- 2. nothing hangs ----------------------------------------------------------


def test_fifo_named_like_an_event_file_is_skipped_with_a_warning(logdir):
    fifo = os.path.join(logdir, "a", "events.out.tfevents.0.fifo")
    os.mkfifo(fifo)
    result = cli("diagnose", logdir, "--json", "-q")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {c["name"] for c in doc["curves"]} == {"a", "b"}
    assert any(w.startswith(fifo) and "not a regular file" in w for w in doc["warnings"])


class _Port:
    """A listening port on 127.0.0.1 that never answers, or answers with HTTP."""

    def __init__(self, reply: bytes | None) -> None:
        self.reply, self.conns = reply, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.reply:
                try:
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_port():
    port = _Port(None)
    yield port.address
    port.close()


@pytest.fixture
def http_port():
    port = _Port(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 50)
    yield port.address
    port.close()


def _refused_address() -> str:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return f"127.0.0.1:{s.getsockname()[1]}"  # closed again: nothing listens there


@pytest.mark.parametrize(
    "scheduler, reason",
    [
        ("tcp://SILENT", f"no answer within {SCHEDULER_TIMEOUT} s"),
        ("tcp://REFUSED", "Connection refused"),  # at once, not after Dask's retries
        ("tcp://HTTP", "does not speak Dask's protocol"),
        ("tls://SILENT", "TLS"),
    ],
    ids=["silent", "refused", "garbage", "tls"],
)
def test_unusable_scheduler_is_one_line_and_exit_2(logdir, silent_port, http_port, scheduler, reason):
    pytest.importorskip("distributed")
    address = {"SILENT": silent_port, "HTTP": http_port, "REFUSED": _refused_address()}
    for key, value in address.items():
        scheduler = scheduler.replace(key, value)
    result = cli("diagnose", logdir, "-q", "--scheduler", scheduler, timeout=SCHEDULER_TIMEOUT + HANG)
    assert result.returncode == 2
    error = error_line(result)
    assert scheduler in error and reason in error, error
    assert result.stdout == b""


# --- 3. unreadable input is never a clean run ------------------------------------


def _without_read_permission_override(command: list[str]) -> list[str]:
    """``command`` run so that file permissions apply (root's override dropped)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", *command]


def cli_without_override(*args: str) -> subprocess.CompletedProcess:
    return run_bounded(_without_read_permission_override([sys.executable, "-m", "tb_lossdiag.cli", *args]))


@pytest.fixture
def locked():
    """``chmod 000`` on paths, undone afterwards so the directory can be removed."""
    changed = []

    def lock(path: str) -> str:
        os.chmod(path, 0)
        changed.append(path)
        return path

    yield lock
    for path in changed:
        os.chmod(path, 0o755)


def test_unreadable_logdir_is_exit_2_not_a_clean_run(logdir, locked):
    locked(logdir)
    result = cli_without_override("diagnose", logdir, "-q", "--fail-on", "overfitting")
    assert result.returncode == 2
    assert "no loss curve could be read" in error_line(result)
    assert any(logdir in line and "Permission denied" in line for line in stderr_lines(result))


def test_unreadable_run_directory_is_named_in_a_warning(logdir, locked):
    run = locked(os.path.join(logdir, "b"))
    result = cli_without_override("diagnose", logdir, "--json", "-q")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {c["name"] for c in doc["curves"]} == {"a"}
    assert any(w.startswith(run) and "Permission denied" in w for w in doc["warnings"])


def test_unreadable_event_file_alone_is_exit_2(tmp_path, locked):
    write_run(str(tmp_path), "a")
    (event_file,) = (tmp_path / "a").iterdir()
    locked(str(event_file))
    result = cli_without_override("diagnose", str(tmp_path), "-q")
    assert result.returncode == 2
    assert any(str(event_file) in line for line in stderr_lines(result))


@pytest.mark.parametrize("flag", ["--train-tag", "--val-tag"])
def test_override_tag_matching_nothing_is_exit_2(logdir, flag):
    result = cli("diagnose", logdir, flag, "nope", "-q")
    assert result.returncode == 2
    assert f"no series is tagged 'nope' ({flag})" in error_line(result)


# --- 4. a run vanishing mid-sweep ----------------------------------------------------


def test_run_deleted_while_the_sweep_runs_is_a_warning(tmp_path):
    for name in ("a", "b", "c"):
        write_run(str(tmp_path), name)
    gone = str(tmp_path / "b")

    def delete_b_after_a(done: int, total: int) -> None:
        if done == 1:
            shutil.rmtree(gone)

    doc = diagnose_sweep([str(tmp_path)], progress=delete_b_after_a)
    assert {c["name"] for c in doc["curves"]} == {"a", "c"}
    assert any(w.startswith(gone) for w in doc["warnings"]), doc["warnings"]


# --- 5. output ---------------------------------------------------------------------


def test_non_utf8_directory_name_in_text_and_files(tmp_path):
    """The name's own bytes come out, on stdout and in ``-o`` (JSON escapes them)."""
    name = b"run\xff\xfe"
    logdir = tmp_path / "logs"
    write_run(str(logdir), os.fsdecode(name))
    out = tmp_path / "report.txt"
    printed = cli("diagnose", str(logdir), "-q")
    written = cli("diagnose", str(logdir), "-q", "-o", str(out))
    assert printed.returncode == written.returncode == 0, printed.stderr
    assert name in printed.stdout and printed.stdout == out.read_bytes()
    doc = json.loads(cli("diagnose", str(logdir), "-q", "--json").stdout)
    assert [c["name"] for c in doc["curves"]] == [os.fsdecode(name)]


@pytest.mark.parametrize("target", ["missing/out.json", "a_directory", "/dev/full"])
def test_unwritable_output_is_one_line_and_exit_2(logdir, tmp_path, target):
    (tmp_path / "a_directory").mkdir()
    path = target if target.startswith("/") else str(tmp_path / target)
    if target == "/dev/full" and not os.path.exists(target):
        pytest.skip("no /dev/full")
    result = cli("diagnose", logdir, "-q", "--json", "-o", path)
    assert result.returncode == 2
    assert f"cannot write {path}" in error_line(result)
    assert result.stdout == b""


def test_output_is_checked_before_the_work(tmp_path):
    """A bad ``-o`` is reported, not the missing logdir that reading would have met later."""
    result = cli("diagnose", str(tmp_path / "no_logdir"), "-o", str(tmp_path / "missing" / "out"))
    assert result.returncode == 2
    assert "cannot write" in error_line(result)


def test_failed_run_leaves_an_existing_output_file_whole(logdir, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("previous report\n")
    assert cli("diagnose", logdir, "-q", "--train-tag", "nope", "-o", str(out)).returncode == 2
    assert out.read_text() == "previous report\n"
    assert sorted(os.listdir(tmp_path)) == sorted(["a", "b", "out.json"])
    assert cli("diagnose", logdir, "-q", "--json", "-o", str(out)).returncode == 0
    assert json.loads(out.read_text())["schema"] == "tb-lossdiag/1"
    assert sorted(os.listdir(tmp_path)) == sorted(["a", "b", "out.json"])


def test_closed_stderr_still_prints_the_result(logdir):
    """The result on stdout, untouched by the warnings that had nowhere to go."""
    open(os.path.join(logdir, "a", "events.out.tfevents.0.empty"), "wb").close()
    command = [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--json", "--fail-on", "overfitting"]
    result = run_bounded(["sh", "-c", 'exec "$@" 2>&-', "sh", *command])
    assert result.returncode == 0
    assert json.loads(result.stdout)["schema"] == "tb-lossdiag/1"


@pytest.fixture(scope="module")
def slow_logdir(tmp_path_factory) -> str:
    """Enough experiments (hard links to one 20k-step run) for the CLI to run well past its first progress line."""
    root = str(tmp_path_factory.mktemp("slow"))
    n = 20_000
    falling = np.exp(-np.arange(n) / 5000)
    write_tbx(root, "e0", {"train/loss": (range(n), falling), "val/loss": (range(n), falling + 0.1)})
    for i in range(1, 400):
        shutil.copytree(os.path.join(root, "e0"), os.path.join(root, f"e{i}"), copy_function=os.link)
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_without_traceback(slow_logdir, jobs):
    process = subprocess.Popen(
        [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", slow_logdir, "-j", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        # ...whose Ctrl-C is not ignored, as it is for anything started in the background (CI runners):
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = process.stderr.readline()  # progress shows once the work has run a second
        assert b"reading and diagnosing experiments" in first, (first, process.wait(timeout=HANG), process.stdout.read(300))
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
        out, err = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err
    assert out == b""


# --- 7. scale cliffs -------------------------------------------------------------------


def test_many_empty_event_files_are_read_in_linear_time(tmp_path):
    """100,000 empty event files in one run: each a warning, read in seconds (was 41 s)."""
    run = tmp_path / "run"
    run.mkdir()
    for i in range(100_000):
        (run / f"events.out.tfevents.{i:06d}.host").touch()
    write_tbx(str(tmp_path), "other", {"train/loss": (STEPS, FALLING)})
    started = time.monotonic()
    doc = diagnose_sweep([str(tmp_path)], jobs=1)
    elapsed = time.monotonic() - started
    assert len(doc["warnings"]) == 100_000 and all("empty file" in w for w in doc["warnings"])
    assert [c["name"] for c in doc["curves"]] == ["other"]
    assert elapsed < 30, f"{elapsed:.1f} s for 100k empty files"


def test_deeply_nested_runs(tmp_path):
    """1,100 nested directories (the limit was Python's recursion), a run at the bottom."""
    depth, deep = 1_100, str(tmp_path)
    for _ in range(depth):  # os.makedirs and pathlib recurse too
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    try:
        write_tbx(deep, "run", {"train/loss": (STEPS, FALLING)})
        result = cli("diagnose", str(tmp_path), "--json", "-q")
        assert result.returncode == 0, result.stderr[-2000:]
        (curve,) = json.loads(result.stdout)["curves"]
        assert curve["name"] == "/".join(["d"] * depth) + "/run"
        assert curve["train"]["points"] == 30
    finally:  # bottom-up, without recursion
        for directory in [os.path.join(deep, "run")] + [deep.rsplit("/d", i)[0] for i in range(depth)]:
            for name in os.listdir(directory):
                if not os.path.isdir(os.path.join(directory, name)):
                    os.unlink(os.path.join(directory, name))
            os.rmdir(directory)


def test_symlink_loop_ends(tmp_path):
    write_run(str(tmp_path), "a")
    os.symlink("..", tmp_path / "a" / "up")
    result = cli("diagnose", str(tmp_path), "--json", "-q")
    assert result.returncode == 0, result.stderr
    assert [c["name"] for c in json.loads(result.stdout)["curves"]] == ["a"]
