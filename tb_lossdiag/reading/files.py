"""Finding event files and reading their bytes, on local disk or through TensorFlow's gfile."""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from typing import BinaryIO, Iterator

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


def event_files_by_run(logdir: str, warnings: list[str] | None = None) -> dict[str, list[str]]:
    """``{run: [event file paths in name order]}``, runs named as TensorBoard names them.

    A run is a directory holding event files, named by its path relative to
    ``logdir`` with ``/`` separators, ``.`` for ``logdir`` itself. Local
    directories are walked without recursion (any depth), following symlinks
    to directories as TensorBoard's loaders do, each directory once (a link
    loop ends there). Only regular files are event files: a FIFO, socket or
    device named like one is skipped. What is skipped, and every directory
    that cannot be listed, is a line naming the path in ``warnings``.
    Raises FileNotFoundError / NotADirectoryError for a bad ``logdir``.
    """
    remote = is_remote(logdir)
    fs = _gfile() if remote else None
    exists = fs.exists(logdir) if remote else os.path.exists(logdir)
    if not exists:
        raise FileNotFoundError(f"logdir does not exist: {logdir}")
    if not (fs.isdir(logdir) if remote else os.path.isdir(logdir)):
        raise NotADirectoryError(f"logdir is not a directory: {logdir}")
    warnings = [] if warnings is None else warnings
    runs = {}
    if remote:
        for directory, _, names in fs.walk(logdir):
            events = sorted(n for n in names if is_event_file(n))
            if events:
                runs[_run_name(logdir, directory, remote)] = [posixpath.join(directory, n) for n in events]
    else:
        for directory, events in _walk_local(logdir, warnings):
            if events:
                runs[_run_name(logdir, directory, remote)] = events
    return dict(sorted(runs.items()))


def _walk_local(logdir: str, warnings: list[str]) -> Iterator[tuple[str, list[str]]]:
    """``(directory, [its regular event files, sorted])`` for every directory under ``logdir``.

    Iterative, so depth is no limit; a directory reached twice (through a
    symlink) is listed the first time only.
    """
    pending, seen = [logdir], set()
    while pending:
        directory = pending.pop()
        try:
            info = os.stat(directory)
        except OSError as error:
            warnings.append(_cannot_list(directory, error))
            continue
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        listed = _list_directory(directory, warnings)
        if listed is not None:
            events, subdirectories = listed
            yield directory, events
            pending.extend(reversed(subdirectories))


def own_event_files(directory: str, warnings: list[str] | None = None) -> list[str]:
    """The event files directly in ``directory``: one run, without the runs nested below it."""
    if is_remote(directory):
        fs = _gfile()
        paths = (posixpath.join(directory, n) for n in sorted(fs.listdir(directory)) if is_event_file(n))
        return [path for path in paths if not fs.isdir(path)]
    listed = _list_directory(directory, [] if warnings is None else warnings)
    return [] if listed is None else listed[0]


def _list_directory(directory: str, warnings: list[str]) -> tuple[list[str], list[str]] | None:
    """``([regular event files], [subdirectories])`` of a local directory, both sorted.

    None (and a warning) when it cannot be listed; links are followed.
    """
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as error:
        warnings.append(_cannot_list(directory, error))
        return None
    events, subdirectories = [], []
    for entry in entries:
        try:
            if entry.is_dir():
                subdirectories.append(entry.path)
            elif is_event_file(entry.name):
                if entry.is_file():
                    events.append(entry.path)
                else:
                    warnings.append(f"{entry.path}: not a regular file (a FIFO, socket, device, broken link); skipped")
        except OSError as error:
            warnings.append(f"{entry.path}: cannot be read ({error.strerror or error}); skipped")
    return events, subdirectories


def _cannot_list(directory: str, error: OSError) -> str:
    return f"{directory}: cannot list the directory ({error.strerror or error}); skipped"


def _run_name(logdir: str, directory: str, remote: bool) -> str:
    if remote:
        relative = directory[len(logdir.rstrip("/")) :].strip("/")
        return relative or "."
    return os.path.relpath(directory, logdir).replace(os.sep, "/")


def open_remote(path: str) -> BinaryIO:
    """A remote file opened for reading with gfile."""
    return _gfile().GFile(path, "rb")


def remote_size(path: str) -> int:
    return int(_gfile().stat(path).length)


def read_bytes(path: str) -> np.ndarray:
    """A file's content as a uint8 array.

    Raises OSError for a local path that is not a regular file (now): opened
    without blocking, so a FIFO never hangs the reader.
    """
    if is_remote(path):
        with _gfile().GFile(path, "rb") as f:
            return np.frombuffer(f.read(), dtype=np.uint8)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return np.fromfile(f, dtype=np.uint8)
