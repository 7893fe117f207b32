"""Write real event files with the real writers, for tests.

Each function writes ``{tag: (steps, values)}`` into ``logdir/run`` with one
writer library, the way that library's users log scalars.
"""

from __future__ import annotations

import os
from typing import Mapping, Sequence

Points = tuple[Sequence[int], Sequence[float]]


def write_tf(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    """``tf.summary.scalar`` (TF2 tensor summaries, as Keras writes them)."""
    import tensorflow as tf

    path = os.path.join(logdir, run)
    writer = tf.summary.create_file_writer(path)
    with writer.as_default():
        for tag, (steps, values) in scalars.items():
            for step, value in zip(steps, values):
                tf.summary.scalar(tag, float(value), step=int(step))
    writer.close()
    return path


def write_tbx(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    """tensorboardX ``SummaryWriter.add_scalar`` (``simple_value`` summaries)."""
    from tensorboardX import SummaryWriter

    path = os.path.join(logdir, run)
    writer = SummaryWriter(path)
    for tag, (steps, values) in scalars.items():
        for step, value in zip(steps, values):
            writer.add_scalar(tag, float(value), int(step))
    writer.close()
    return path


def write_torch(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    """``torch.utils.tensorboard.SummaryWriter`` (skips the test if torch is absent)."""
    import pytest

    tb = pytest.importorskip("torch.utils.tensorboard")
    path = os.path.join(logdir, run)
    writer = tb.SummaryWriter(path)
    for tag, (steps, values) in scalars.items():
        for step, value in zip(steps, values):
            writer.add_scalar(tag, float(value), int(step))
    writer.close()
    return path


def write_keras_pair(logdir: str, name: str, train: Points, validation: Points, tag: str = "epoch_loss") -> None:
    """The Keras callback's layout: ``name/train`` and ``name/validation`` runs."""
    write_tf(logdir, f"{name}/train", {tag: train})
    write_tf(logdir, f"{name}/validation", {tag: validation})
