"""The Keras training loop: ``model.fit`` on the :mod:`.stream` batches, logged by Keras' TensorBoard callback.

The callback writes ``<run>/train`` and ``<run>/validation`` with ``epoch_loss``,
``epoch_accuracy`` and ``epoch_learning_rate``; with ``update_freq=N``
(:attr:`Config.log_every`) also ``batch_loss`` every N batches at the global
batch step (Keras' running mean over the epoch so far, as Keras 3 logs it).
The model and its compilation are the demo's (:mod:`demo.scenarios`).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from demo.scenarios import compiled, mlp

from .config import Config, learning_rate
from .stream import build


class _Schedule(keras.callbacks.Callback):
    """Sets the optimizer's learning rate before every batch; stops a while after the loss turns non-finite."""

    def __init__(self, config: Config, total: int):
        super().__init__()
        self.config, self.total = config, total
        self.step = 0
        self.stop_at: int | None = None

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.model.optimizer.learning_rate.assign(learning_rate(self.config, self.step, self.total))

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.step += 1
        if self.stop_at is None and not math.isfinite(float((logs or {}).get("loss", 0.0))):
            self.stop_at = self.step + self.config.after_nonfinite
        if self.stop_at is not None and self.step >= self.stop_at:
            self.model.stop_training = True


def _optimizer(config: Config) -> keras.optimizers.Optimizer:
    extra = {"global_clipnorm": config.clip_norm} if config.clip_norm else {}
    if config.weight_decay:
        extra["weight_decay"] = config.weight_decay
    if config.optimizer == "adam":
        return keras.optimizers.Adam(config.lr, **extra)
    return keras.optimizers.SGD(config.lr, momentum=config.momentum, **extra)


def train(config: Config, logdir: str) -> dict:
    """Train ``config`` with Keras into ``logdir``; return the facts of the construction."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(config.seed)
    stream = build(config)
    data = stream.data
    model = compiled(mlp(data, list(config.widths), activation=config.activation, dropout=config.dropout),
                     data, _optimizer(config))
    batches = tf.data.Dataset.from_tensor_slices((stream.x, stream.y)).batch(stream.batch)
    tensorboard = keras.callbacks.TensorBoard(
        log_dir=logdir, write_graph=False, profile_batch=0, update_freq=config.log_every or "epoch"
    )
    model.fit(
        batches,
        epochs=config.epochs,
        steps_per_epoch=stream.steps_per_epoch,
        shuffle=False,
        validation_data=(data.x_val, data.y_val),
        validation_batch_size=len(data.y_val),
        callbacks=[_Schedule(config, stream.total_steps), tensorboard],
        verbose=0,
    )
    return {**stream.facts(), "steps_per_epoch": stream.steps_per_epoch, "batch": stream.batch,
            "total_steps": stream.total_steps}


def configure_threads() -> None:
    """One thread for TensorFlow's ops, like ``torch.set_num_threads(1)`` (call before any op runs)."""
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    np.seterr(all="ignore")
