"""Finding event files and reading their bytes, on local disk or through TensorFlow's gfile."""

from __future__ import annotations

import os
import posixpath
import stat
from typing import BinaryIO

import numpy as np


def is_remote(path: str) -> bool:
    """True for URLs such as ``gs://bucket/logs`` or ``s3://...``."""
    return "://" in path


def _gfile():
    try:
        import tensorflow as tf
    except ImportError:
        raise ImportError("reading a remote logdir (gs://, s3://, ...) needs TensorFlow: pip install tensorflow") from None
    return tf.io.gfile


def is_event_file(name: str) -> bool:
    """TensorBoard's rule: any file whose name contains ``tfevents``."""
    return "tfevents" in name


def event_files_by_run(logdir: str) -> dict[str, list[str]]:
    """``{run: [event file paths in name order]}``, runs named as TensorBoard names them.

    A run is a directory holding event files, named by its path relative to
    ``logdir`` with ``/`` separators, ``.`` for ``logdir`` itself.
    Raises FileNotFoundError / NotADirectoryError for a bad ``logdir``.
    """
    remote = is_remote(logdir)
    fs = _gfile() if remote else None
    exists = fs.exists(logdir) if remote else os.path.exists(logdir)
    if not exists:
        raise FileNotFoundError(f"logdir does not exist: {logdir}")
    if not (fs.isdir(logdir) if remote else os.path.isdir(logdir)):
        raise NotADirectoryError(f"logdir is not a directory: {logdir}")
    walker = fs.walk(logdir) if remote else _walk_local(logdir)
    join = posixpath.join if remote else os.path.join
    runs = {}
    for directory, _, names in walker:
        events = sorted(n for n in names if is_event_file(n))
        if events:
            runs[_run_name(logdir, directory, remote)] = [join(directory, n) for n in events]
    return dict(sorted(runs.items()))


def _walk_local(root: str):
    """``os.walk(root)`` without recursion: a deep tree (1,000+ levels) would exhaust Python's stack.

    Yields ``(directory, [], file names)``; like ``os.walk``, unreadable
    directories are skipped and symlinked directories are not entered.
    """
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        names = []
        for entry in entries:
            try:
                if not entry.is_dir():
                    names.append(entry.name)
                elif not entry.is_symlink():
                    stack.append(entry.path)
            except OSError:
                continue
        yield directory, [], names


def _run_name(logdir: str, directory: str, remote: bool) -> str:
    if remote:
        relative = directory[len(logdir.rstrip("/")) :].strip("/")
        return relative or "."
    return os.path.relpath(directory, logdir).replace(os.sep, "/")


def event_files_in(directory: str) -> list[str]:
    """The event files directly in ``directory`` (not in its subdirectories), in name order."""
    if is_remote(directory):
        fs = _gfile()
        names = [n for n in fs.listdir(directory) if not fs.isdir(posixpath.join(directory, n))]
        join = posixpath.join
    else:
        names = [e.name for e in os.scandir(directory) if e.is_file()]
        join = os.path.join
    return [join(directory, n) for n in sorted(names) if is_event_file(n)]


def open_remote(path: str) -> BinaryIO:
    """A remote file opened for reading with gfile."""
    return _gfile().GFile(path, "rb")


def remote_size(path: str) -> int:
    return int(_gfile().stat(path).length)


def read_bytes(path: str) -> np.ndarray:
    """A whole file's content as a uint8 array (only regular files: a FIFO would block)."""
    if is_remote(path):
        with open_remote(path) as f:
            return np.frombuffer(f.read(), dtype=np.uint8)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(f"not a regular file: {path}")
    return np.fromfile(path, dtype=np.uint8)
