"""Where the CLI's output goes: stdout, or a file checked before the work and written atomically."""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from typing import BinaryIO

_FILE_MODE = 0o666  # before the umask, as open() creates files


class Output:
    """One text written to stdout or to ``--output FILE``.

    :func:`open_output` checks the destination before the (long) work: a
    missing directory, a directory given as the file, an unwritable place
    raise ``OSError`` then. A regular file is written to a temporary file
    beside it and renamed over it, so a failed write leaves the old file (or
    none), never half a file. A device or pipe (``/dev/stdout``, ``/dev/full``)
    is written in place.
    """

    def __init__(self, stream: BinaryIO, encoding: str, temporary: str | None = None, target: str | None = None):
        self._stream, self._encoding = stream, encoding
        self._temporary, self._target = temporary, target

    def write(self, text: str) -> None:
        """Write ``text`` and finish (flush, rename into place). Raises ``OSError``."""
        try:
            self._stream.write(encode(text, self._encoding))
            self._stream.flush()
            if self._temporary is not None:
                os.fsync(self._stream.fileno())
                self._stream.close()
                os.replace(self._temporary, self._target)
                self._temporary = None
        finally:
            self.discard()

    def discard(self) -> None:
        """Drop what was not written (the temporary file); idempotent."""
        if self._temporary is not None:
            self._stream.close()
            try:
                os.unlink(self._temporary)
            except OSError:
                pass
            self._temporary = None

    def __enter__(self) -> "Output":
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


def open_output(path: str | None) -> Output:
    """The destination of the output, checked now: stdout, or ``path``. Raises ``OSError``."""
    if path is None:
        if sys.stdout is None:
            raise OSError(errno.EBADF, "standard output is closed")
        return Output(sys.stdout.buffer, sys.stdout.encoding or "utf-8")
    target = os.path.realpath(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    if info is not None and not stat.S_ISREG(info.st_mode):
        return Output(open(target, "wb"), "utf-8")
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    os.fchmod(fd, stat.S_IMODE(info.st_mode) if info is not None else _FILE_MODE & ~_umask())
    return Output(os.fdopen(fd, "wb"), "utf-8", temporary, target)


def encode(text: str, encoding: str) -> bytes:
    """``text`` as bytes; names that were not valid UTF-8 on disk come back as their own bytes."""
    try:
        return text.encode(encoding, "surrogateescape")
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
