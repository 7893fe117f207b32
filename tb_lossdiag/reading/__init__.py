"""Read scalar series from TensorBoard event files at full resolution.

Handles every writer: TF2 tensor summaries (``tf.summary.scalar``, Keras) and
classic ``simple_value`` summaries (tensorboardX, PyTorch, TensorBoard's own
writer). Files are read in bounded buffers, and records that hold no scalar
(images, audio, histograms) are skipped without being decoded. Damaged files
keep the points before the damage and add a warning. Local paths never
import TensorFlow; remote ones (``gs://``, ``s3://``) need it.
"""

from __future__ import annotations

from .runs import FileCount, LogdirData, TagFilter, read_to_end, read_with

__all__ = ["LogdirData", "read_logdir"]


def read_logdir(path: str, *, tag_filter: TagFilter | None = None, progress: FileCount | None = None) -> LogdirData:
    """Every scalar series under ``path``, as ``{run: {tag: Series}}`` plus warnings.

    Parameters
    ----------
    path : str
        The logdir: a local directory or a URL that TensorFlow's gfile reads.
    tag_filter : callable, optional
        ``tag_filter(run, tag)`` returns False for tags to skip.
    progress : callable, optional
        Called as ``progress(files_done, files_total)`` after each event file.

    Raises
    ------
    FileNotFoundError, NotADirectoryError
        When ``path`` is missing or not a directory.
    ImportError
        For a remote path when TensorFlow is not installed.
    """
    return read_with(read_to_end, path, tag_filter, progress)
