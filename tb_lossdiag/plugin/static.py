"""The frontend files shipped in ``tb_lossdiag/static/``, served by name.

Only files found under the static directory are ever served: a request names
a key of that listing or gets nothing, so ``..``, encoded slashes and absolute
paths cannot reach any other file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")

_MIME_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}


@dataclass(frozen=True)
class StaticFile:
    content: bytes
    mime_type: str


def list_files(root: str = STATIC_DIR) -> dict[str, str]:
    """``{relative posix path: file path}`` for every regular file under ``root``."""
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                files[os.path.relpath(path, root).replace(os.sep, "/")] = path
    return files


def mime_type(name: str) -> str:
    return _MIME_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def load(files: dict[str, str], name: str) -> StaticFile | None:
    """The file listed under ``name``, or None if there is none."""
    path = files.get(name)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            return StaticFile(f.read(), mime_type(name))
    except OSError:
        return None
