"""Per-batch losses back from the epoch-to-date running mean that the Keras callback logs.

Keras reports, after each batch, the mean loss of the epoch so far, and the
``TensorBoard`` callback logs that as ``batch_loss``. A bad batch then shows
as a dent that fades over the epoch, not as a spike. With the epoch each
point belongs to (from the epoch-level points' wall times), the mean of the
batches between two logged points is ``(b2 * m2 - b1 * m1) / (b2 - b1)``,
``b`` counting batches since the epoch began (the epoch's length in batches
is the one that fits every boundary, also when ``update_freq`` logs only
every few batches). With ``update_freq=N``, an epoch's first logged point
may average fewer than ``N`` batches (down to one); it is joined to the next
point, whose value becomes the epoch-to-date mean of both, so that no point
is a noisier mean than the rest: one batch among means of five stands out
of their noise by chance.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .series import EXACT, Series, WallTimes


def is_keras_tag(tag: str) -> bool:
    """Whether ``tag`` is one the Keras callback logs per batch or per epoch (whose wall times tell epochs apart)."""
    return tag.startswith(("batch_", "epoch_"))


def keras_wall_times(others: type[np.floating] | None) -> WallTimes:
    """Wall times kept exactly for Keras' tags (:func:`batch_means` compares them), as ``others`` for the rest."""
    return lambda tag: EXACT if is_keras_tag(tag) else others


def is_keras_running_mean(detail_tag: str, coarse_tag: str | None) -> bool:
    """Whether a per-batch tag is the Keras callback's running mean (``batch_*`` beside ``epoch_*``)."""
    return coarse_tag is not None and detail_tag.startswith("batch_") and coarse_tag == "epoch_" + detail_tag[6:]


def batch_means(batches: Series, epochs: Series) -> Series:
    """The mean loss of the batches between consecutive logged points, from epoch-to-date means.

    ``batches`` holds the running means at global batch steps (counted from
    1); ``epochs`` the epoch-level points, at epoch numbers (from 0), whose
    wall times close their epochs. With ``update_freq=N`` Keras writes an
    epoch's point only when its last batch is a multiple of N, so epochs may
    be missing; their numbers still say how many epochs a point closes.
    An epoch's first point that averages fewer batches than ``N`` is joined
    to the next point of its epoch (see the module's docstring).
    Where the epochs cannot be told apart (no wall times) or their length
    in batches cannot be pinned down, ``batches`` is returned unchanged.
    """
    if len(batches) < 2 or not len(epochs) or not np.any(epochs.wall_times):
        return batches
    logged_before = np.searchsorted(epochs.wall_times, batches.wall_times, side="left")
    completed = np.where(logged_before > 0, epochs.steps[np.maximum(logged_before - 1, 0)] + 1, 0)
    per_epoch = _batches_per_epoch(batches.steps, completed)
    if per_epoch is None:
        return batches
    count = (batches.steps - 1) % per_epoch + 1  # batches since the epoch began, this one included
    first = np.ones(len(batches), dtype=bool)
    first[1:] = (batches.steps[1:] - 1) // per_epoch != (batches.steps[:-1] - 1) // per_epoch
    total = count * batches.values
    means = batches.values.copy()
    inner = np.flatnonzero(~first)
    with np.errstate(invalid="ignore", divide="ignore"):
        means[inner] = (total[inner] - total[inner - 1]) / (count[inner] - count[inner - 1])
    interval = np.min(np.diff(batches.steps))  # update_freq: the batches a point averages within an epoch
    partial = first & (count < interval)
    partial[-1] = False
    partial[:-1] &= ~first[1:]  # a partial point with a point after it in its epoch
    after = np.flatnonzero(partial) + 1
    means[after] = batches.values[after]  # the mean of the epoch so far: the partial point's batches and its own
    keep = ~partial
    return dataclasses.replace(
        batches,
        steps=batches.steps[keep],
        values=np.maximum(means[keep], 0.0),
        wall_offsets=batches.wall_offsets[keep],
    )


def _batches_per_epoch(steps: np.ndarray, completed: np.ndarray) -> int | None:
    """The one epoch length (in batches) that puts every logged step in the epoch its wall time says.

    ``completed`` counts the epochs finished before each step was logged.
    Epoch ``e`` (from 0) holds steps ``e * n + 1 .. (e + 1) * n``: each
    boundary between a step and the next that finished more epochs bounds
    ``n``; the smallest whole ``n`` within all the bounds is it.
    """
    ends = np.flatnonzero(completed[1:] != completed[:-1])
    if ends.size == 0:
        return None
    closed = completed[ends + 1].astype(np.float64)  # epochs completed at that boundary
    low = float(np.max(steps[ends] / closed))
    high = float(np.min((steps[ends + 1] - 1) / closed))
    n = int(np.ceil(low))
    return n if n <= high and n >= 1 else None
