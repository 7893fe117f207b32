"""Per-batch losses back from the epoch-to-date running mean that the Keras callback logs.

Keras reports, after each batch, the mean loss of the epoch so far, and the
``TensorBoard`` callback logs that as ``batch_loss``. A bad batch then shows
as a dent that fades over the epoch, not as a spike. With the epoch each
point belongs to (from the epoch-level points' wall times), the mean of the
batches between two logged points is ``(b2 * m2 - b1 * m1) / (b2 - b1)``,
``b`` counting batches since the epoch began.
"""

from __future__ import annotations

import numpy as np

from .series import Series


def is_keras_running_mean(detail_tag: str, coarse_tag: str | None) -> bool:
    """Whether a per-batch tag is the Keras callback's running mean (``batch_*`` beside ``epoch_*``)."""
    return coarse_tag is not None and detail_tag.startswith("batch_") and coarse_tag == "epoch_" + detail_tag[6:]


def batch_means(batches: Series, epochs: Series) -> Series:
    """The mean loss of the batches between consecutive logged points, from epoch-to-date means.

    ``batches`` holds the running means at global batch steps; ``epochs``
    the epoch-level points, whose wall times close each epoch. Where the
    epochs cannot be told apart (no wall times), ``batches`` is returned
    unchanged.
    """
    if len(batches) < 2 or len(epochs) == 0 or not np.any(epochs.wall_times):
        return batches
    epoch = np.searchsorted(epochs.wall_times, batches.wall_times, side="left")
    first = np.ones(len(batches), dtype=bool)
    first[1:] = epoch[1:] != epoch[:-1]
    # Batches since the epoch began: steps counted from the last step of the previous epoch.
    starts = np.maximum.accumulate(np.where(first, np.arange(len(batches)), 0))
    base = np.where(starts > 0, batches.steps[np.maximum(starts - 1, 0)], batches.steps[0] - 1)
    count = (batches.steps - base).astype(np.float64)
    total = count * batches.values
    means = batches.values.copy()
    inner = ~first
    with np.errstate(invalid="ignore", divide="ignore"):
        means[inner] = (total[inner] - total[np.flatnonzero(inner) - 1]) / (count[inner] - count[np.flatnonzero(inner) - 1])
    return Series(
        run=batches.run,
        tag=batches.tag,
        steps=batches.steps,
        values=np.maximum(means, 0.0),
        wall_times=batches.wall_times,
        sampled=batches.sampled,
    )
