"""How a run is logged: the two layouts users' TensorBoard logs come in.

- ``keras``: the real ``keras.callbacks.TensorBoard`` callback, giving sibling
  runs ``<name>/train`` and ``<name>/validation`` with ``epoch_loss``
  (and ``epoch_accuracy``), step = epoch.
- ``pytorch_style``: one run ``<name>`` with tags ``train/loss`` and
  ``val/loss`` written by tensorboardX's ``SummaryWriter.add_scalar``, as
  PyTorch and Hugging Face users log, step = optimizer step.

Each layout returns the curve it logged, so labels are computed from the
exact values written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from .scenarios import Setup


@dataclass(frozen=True)
class Logged:
    """The main loss curve as written: shared steps, training and validation values."""

    steps: np.ndarray
    train: np.ndarray
    validation: np.ndarray


def keras_layout(setup: Setup, logdir: str) -> Logged:
    """Train with Keras' own TensorBoard callback."""
    tensorboard = keras.callbacks.TensorBoard(log_dir=logdir, write_graph=False, profile_batch=0)
    history = setup.fit([tensorboard]).history
    epochs = np.arange(len(history["loss"]))
    return Logged(epochs, np.array(history["loss"]), np.array(history["val_loss"]))


class _ScalarWriter(keras.callbacks.Callback):
    """Writes ``train/loss`` and ``val/loss`` at each epoch end, at the optimizer step."""

    def __init__(self, logdir: str):
        super().__init__()
        self.logdir = logdir
        self.points: list[tuple[int, float, float]] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        from tensorboardX import SummaryWriter

        # A diverging run logs NaN on purpose; tensorboardX would warn at every point.
        logging.getLogger("tensorboardX.x2num").setLevel(logging.ERROR)
        self.writer = SummaryWriter(self.logdir)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        step = int(self.model.optimizer.iterations.numpy())
        train, val = float(logs["loss"]), float(logs["val_loss"])
        self.writer.add_scalar("train/loss", train, step)
        self.writer.add_scalar("val/loss", val, step)
        self.points.append((step, train, val))

    def on_train_end(self, logs: dict | None = None) -> None:
        self.writer.close()


def pytorch_style_layout(setup: Setup, logdir: str) -> Logged:
    """Train with a callback that logs like a PyTorch training loop."""
    writer = _ScalarWriter(logdir)
    setup.fit([writer])
    steps, train, val = (np.array(column) for column in zip(*writer.points))
    return Logged(steps.astype(np.int64), train, val)


LAYOUTS: dict[str, Callable[[Setup, str], Logged]] = {
    "keras": keras_layout,
    "pytorch_style": pytorch_style_layout,
}
