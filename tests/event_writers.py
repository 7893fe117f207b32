"""Write real event files with the real writers, for tests.

Each function writes ``{tag: (steps, values)}`` into ``logdir/run`` with one
writer library, the way that library's users log scalars.
"""

from __future__ import annotations

import itertools
import os
from typing import Mapping, Sequence

Points = tuple[Sequence[int], Sequence[float]]
_ids = itertools.count()


def _next_id() -> int:
    return next(_ids)


def write_tf(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    """``tf.summary.scalar`` (TF2 tensor summaries, as Keras writes them).

    Where TensorFlow is not installed (the oldest-TensorBoard test environment)
    the same records, rank-0 float32 tensors under the ``scalars`` plugin, are
    written through tensorboardX's file writer.
    """
    try:
        import tensorflow as tf
    except ImportError:
        return _write_tensor_scalars_tbx(logdir, run, scalars)

    path = os.path.join(logdir, run)
    writer = tf.summary.create_file_writer(path)
    with writer.as_default():
        for tag, (steps, values) in scalars.items():
            for step, value in zip(steps, values):
                tf.summary.scalar(tag, float(value), step=int(step))
    writer.close()
    return path


def _write_tensor_scalars_tbx(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    import numpy as np
    from tensorboardX import SummaryWriter
    from tensorboardX.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

    path = os.path.join(logdir, run)
    writer = SummaryWriter(path, filename_suffix=f".{os.getpid()}.{_next_id()}")
    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    for tag, (steps, values) in scalars.items():
        for step, value in zip(steps, values):
            tensor = tensor_pb2.TensorProto(
                dtype=types_pb2.DT_FLOAT,
                tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                tensor_content=np.float32(value).tobytes(),
            )
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
            writer._get_file_writer().add_summary(summary, int(step))
    writer.close()
    return path


def write_tbx(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    """tensorboardX ``SummaryWriter.add_scalar`` (``simple_value`` summaries)."""
    from tensorboardX import SummaryWriter

    path = os.path.join(logdir, run)
    # tensorboardX names files by the second; a suffix keeps two writes in one second apart.
    writer = SummaryWriter(path, filename_suffix=f".{os.getpid()}.{_next_id()}")
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


def write_tf1_tensor_scalars(logdir: str, run: str, scalars: Mapping[str, Points]) -> str:
    """TF1 ``FileWriter`` with tensor scalar summaries: metadata on each tag's first event only."""
    import tensorflow as tf
    from tensorboard.plugins.scalar import summary as scalar_summary

    path = os.path.join(logdir, run)
    with tf.Graph().as_default():
        writer = tf.compat.v1.summary.FileWriter(path)
        for tag, (steps, values) in scalars.items():
            for step, value in zip(steps, values):
                writer.add_summary(scalar_summary.pb(tag, float(value)), int(step))
        writer.close()
    return path


def write_keras_fit(logdir: str, name: str, epochs: int = 3) -> None:
    """A tiny ``model.fit`` on random numbers with the Keras ``TensorBoard`` callback."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)), rng.normal(size=(64, 1))
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    callback = tf.keras.callbacks.TensorBoard(os.path.join(logdir, name))
    model.fit(x, y, validation_split=0.25, epochs=epochs, batch_size=16, verbose=0, callbacks=[callback])
