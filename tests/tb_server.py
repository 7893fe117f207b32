"""Run a real ``tensorboard`` process for tests.

Usage::

    with TensorBoardServer(logdir, load_fast=True) as tb:
        listing = tb.get_json("/data/plugins_listing")
        page = tb.url + "#lossdiag"   # for a browser test

or as a pytest fixture::

    @pytest.fixture(scope="module")
    def tb(logdir):
        with TensorBoardServer(logdir) as server:
            yield server

The process starts in its own process group, so stopping it also
stops the Rust data server it spawns with ``--load_fast=true``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, Sequence

#: Keeps every point: the plugin then diagnoses complete series.
ALL_SCALARS = "scalars=100000000"
_URL = re.compile(r"(http://127\.0\.0\.1:\d+/)")


class TensorBoardServer:
    """A ``python -m tensorboard.main`` subprocess serving ``logdir`` on 127.0.0.1.

    Parameters
    ----------
    logdir : str
        Directory to serve.
    load_fast : bool
        ``True`` uses the Rust data server, ``False`` the Python multiplexer.
    samples_per_plugin : str or None
        Passed to ``--samples_per_plugin``; None leaves TensorBoard's default (a sample of 1000 points).
    reload_interval : float
        Seconds between reloads of the logdir.
    extra_args : sequence of str
        More command-line flags.
    timeout : float
        Seconds to wait for the server to answer.
    """

    def __init__(
        self,
        logdir: str,
        *,
        load_fast: bool = True,
        samples_per_plugin: str | None = ALL_SCALARS,
        reload_interval: float = 1,
        extra_args: Sequence[str] = (),
        timeout: float = 60,
    ) -> None:
        self.args = [
            sys.executable, "-m", "tensorboard.main",
            "--logdir", str(logdir),
            "--host", "127.0.0.1",
            "--port", "0",  # TensorBoard picks a free port and prints it
            "--load_fast", "true" if load_fast else "false",
            *(("--samples_per_plugin", samples_per_plugin) if samples_per_plugin else ()),
            "--reload_interval", str(reload_interval),
            *extra_args,
        ]  # fmt: skip
        self.timeout = timeout
        self.url = ""
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile(mode="w+")

    def __enter__(self) -> "TensorBoardServer":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
        self._log.close()

    def start(self) -> None:
        """Start the process and wait until its plugins listing answers."""
        self.process = subprocess.Popen(
            self.args, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.timeout
        try:
            self.url = self._wait_for_url(deadline)
            while self.get("/data/plugins_listing")[0] != 200:
                self._check_alive(deadline)
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop TensorBoard and its children (the data server); idempotent."""
        if self.process is None or self.process.poll() is not None and not self._group():
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                continue
            if not self._group():
                break

    def log(self) -> str:
        """Everything TensorBoard printed so far."""
        self._log.seek(0)
        return self._log.read()

    def children(self) -> list[str]:
        """Command lines of the other live processes of the server's process group.

        With ``--load_fast=true`` one of them is the Rust data server.
        """
        assert self.process is not None
        return [command for pid, command in self._group() if pid != self.process.pid]

    def _group(self) -> list[tuple[int, str]]:
        """``(pid, command line)`` of the live (not zombie) processes in the group, from ``/proc``."""
        assert self.process is not None
        members = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    # After the parenthesised command: state, ppid, pgrp, ...
                    state, _, pgrp = f.read().rsplit(")", 1)[1].split()[:3]
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except (OSError, ValueError):
                continue  # exited meanwhile
            if int(pgrp) == self.process.pid and state != "Z":
                members.append((int(pid), command))
        return members

    def get(self, path: str) -> tuple[int, bytes]:
        """``(status, body)`` of a GET on ``path`` (status 0 if unreachable)."""
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (urllib.error.URLError, ConnectionError):
            return 0, b""

    def get_json(self, path: str) -> Any:
        """The JSON body of a successful GET on ``path``."""
        status, body = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body[:500]!r}")
        return json.loads(body)

    def _wait_for_url(self, deadline: float) -> str:
        while True:
            found = _URL.search(self.log())
            if found:
                return found.group(1)
            self._check_alive(deadline)
            time.sleep(0.2)

    def _check_alive(self, deadline: float) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"tensorboard exited with {self.process.returncode}:\n{self.log()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"tensorboard did not answer within {self.timeout} s:\n{self.log()}")
