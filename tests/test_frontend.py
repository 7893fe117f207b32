"""The frontend's TypeScript unit tests, and the committed bundle against a fresh build.

Both need the locked npm packages (``cd frontend && npm ci``).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

FRONTEND = os.path.join(os.path.dirname(__file__), os.pardir, "frontend")
BUNDLE = os.path.join(os.path.dirname(__file__), os.pardir, "tb_lossdiag", "static", "index.js")

pytestmark = [
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm"),
    pytest.mark.skipif(
        not os.path.isdir(os.path.join(FRONTEND, "node_modules", "esbuild")),
        reason="run `npm ci` in frontend/ first",
    ),
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=FRONTEND, capture_output=True, text=True, timeout=300)


def test_typescript_unit_tests_pass() -> None:
    result = run("npm", "test", "--silent")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def test_types_check() -> None:
    result = run("npm", "run", "--silent", "typecheck")
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_bundle_equals_a_fresh_build(tmp_path) -> None:
    fresh = tmp_path / "index.js"
    result = run("node", "build.mjs", "--outfile", str(fresh))
    assert result.returncode == 0, result.stderr
    with open(BUNDLE, "rb") as committed:
        assert committed.read() == fresh.read_bytes(), "tb_lossdiag/static/index.js is stale: run `make frontend`"
