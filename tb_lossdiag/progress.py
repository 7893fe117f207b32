"""Progress on stderr for large logdirs, without cluttering small runs or logs."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """Prints ``reading and diagnosing experiments 120/4000`` lines, at most twice a second.

    Stays silent for jobs that finish within ``delay`` seconds, so small
    logdirs and CI logs get no noise. On a terminal the line is rewritten
    in place.
    """

    def __init__(self, stream: TextIO, enabled: bool = True, delay: float = 1.0, interval: float = 0.5):
        self.stream, self.enabled = stream, enabled
        self.delay, self.interval = delay, interval
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def _show(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.start < self.delay:
            return
        if done < total and now - self.last < self.interval:
            return
        self.last, self.shown = now, True
        line = f"tb-lossdiag: {what} {done}/{total}"
        self.stream.write(f"\r{line}\033[K" if self.tty else line + "\n")
        self.stream.flush()

    def experiments(self, done: int, total: int) -> None:
        self._show("reading and diagnosing experiments", done, total)

    def done(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")
            self.stream.flush()
