"""Reading a whole logdir with a given file decoder (fast or reference)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from ..series import Series
from .collect import ScalarCollector
from .files import event_files_by_run, read_bytes
from .framing import Damage

TagFilter = Callable[[str, str], bool]
Progress = Callable[[int, int], None]


class FileDecoder(Protocol):
    def __call__(
        self, buf: np.ndarray, wanted: Callable[[str], bool], sink: ScalarCollector, first_record: int
    ) -> tuple[int, Damage | None]: ...


@dataclass
class LogdirData:
    """Every scalar series of a logdir, and what could not be read."""

    runs: dict[str, dict[str, Series]] = field(default_factory=dict)
    """``{run: {tag: Series}}``, normalised (restarts resolved as TensorBoard shows them, by step)."""
    warnings: list[str] = field(default_factory=list)
    """One line per damaged or unreadable file, naming it and the byte offset."""


def read_with(
    decode: FileDecoder, path: str, tag_filter: TagFilter | None = None, progress: Progress | None = None
) -> LogdirData:
    """Read every run of ``path`` with ``decode``, merging a run's files in name order."""
    listing_warnings: list[str] = []
    files = event_files_by_run(path, listing_warnings)
    return read_files(decode, files, tag_filter, progress, listing_warnings)


def read_files(
    decode: FileDecoder,
    files: dict[str, list[str]],
    tag_filter: TagFilter | None = None,
    progress: Progress | None = None,
    warnings: list[str] | None = None,
) -> LogdirData:
    """Read ``{run: [event file paths]}`` with ``decode``; ``warnings`` start the result's."""
    total = sum(len(names) for names in files.values())
    done = 0
    data = LogdirData(warnings=list(warnings or ()))
    for run, paths in files.items():
        sink = ScalarCollector()
        wanted = (lambda tag, run=run: tag_filter(run, tag)) if tag_filter else (lambda tag: True)
        first_record = 0
        for file_path in paths:
            records, damage = _decode_path(decode, file_path, wanted, sink, first_record)
            if damage is not None:
                data.warnings.append(
                    f"{file_path}: {damage.reason} at byte offset {damage.offset}; "
                    f"kept the {records} records before it"
                )
            first_record += records
            done += 1
            if progress is not None:
                progress(done, total)
        data.runs[run] = sink.series(run)
    return data


def _decode_path(
    decode: FileDecoder, file_path: str, wanted: Callable[[str], bool], sink: ScalarCollector, first_record: int
) -> tuple[int, Damage | None]:
    """Decode one file; an unreadable or empty file is damage at offset 0."""
    try:
        buf = read_bytes(file_path)
    except OSError as error:
        return 0, Damage(0, f"unreadable ({error.strerror or error})")
    if buf.size == 0:
        return 0, Damage(0, "empty file")
    return decode(buf, wanted, sink, first_record)
