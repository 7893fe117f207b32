"""The single-run layouts PyTorch users' logs come in, written with ``torch.utils.tensorboard``.

The training loop calls a writer at every optimizer step, at each evaluation
and at each epoch end; the writer logs what its framework would log there, at
the step that framework uses:

- :class:`TorchWriter`: a hand-written loop: ``Loss/train`` and ``lr`` every
  ``log_every`` steps at the 0-based global step, ``Loss/val`` and
  ``Accuracy/val`` at each evaluation; with ``log_every=0`` everything is
  logged once per epoch at step = epoch, as many tutorials do.
- :class:`LightningWriter`: Lightning's ``TensorBoardLogger`` with
  ``self.log(..., on_step=True, on_epoch=True)``: ``train_loss_step`` every
  ``log_every_n_steps``, ``train_loss_epoch`` (the epoch mean) and ``val_loss``
  / ``val_acc`` at the global step, an ``epoch`` tag, and ``lr-<Optimizer>`` from
  ``LearningRateMonitor``.
- :class:`HFWriter`: the Hugging Face Trainer: ``train/loss`` = mean over the
  last ``logging_steps`` rounded to 4 decimals, ``train/learning_rate``,
  ``train/grad_norm``, ``train/epoch``, and ``eval/loss`` / ``eval/accuracy``
  every ``eval_steps``, at the 1-based global step. Its default
  ``logging_nan_inf_filter`` counts a NaN/Inf step as the window's running
  loss over the steps before it, so a window of NaN steps logs 0.0 (and
  ``train/grad_norm`` NaN); and it trains on to the last step whatever the loss.

The Keras layout is written by Keras' own callback (see :mod:`.keras_train`).
"""

from __future__ import annotations

import logging
import math

from torch.utils.tensorboard import SummaryWriter

from .config import Config

HF_DECIMALS = 4
"""The Trainer rounds the logged training loss to this many decimals."""


class TorchWriter:
    """``Loss/train``, ``Loss/val``, ``Accuracy/val`` and ``lr``, per step (or per epoch with ``log_every=0``)."""

    stops_after_nonfinite = True
    """A run stops ``after_nonfinite`` steps after its loss turns NaN/Inf (the library's choice, to save time)."""

    def __init__(self, logdir: str, config: Config, steps_per_epoch: int):
        logging.getLogger("torch.utils.tensorboard").setLevel(logging.ERROR)
        self.writer = SummaryWriter(logdir)
        self.every = config.log_every
        self.per_epoch = config.log_every == 0

    def step(self, step: int, loss: float, lr: float, grad_norm: float) -> None:
        if not self.per_epoch and step % self.every == 0:
            self.writer.add_scalar("Loss/train", loss, step)
            self.writer.add_scalar("lr", lr, step)

    def epoch(self, step: int, epoch: int, mean_loss: float, lr: float) -> None:
        if self.per_epoch:
            self.writer.add_scalar("Loss/train", mean_loss, epoch)
            self.writer.add_scalar("lr", lr, epoch)

    def evaluate(self, step: int, epoch: int, loss: float, accuracy: float | None) -> None:
        at = epoch if self.per_epoch else step
        self.writer.add_scalar("Loss/val", loss, at)
        if accuracy is not None:
            self.writer.add_scalar("Accuracy/val", accuracy, at)

    def close(self) -> None:
        self.writer.close()


class LightningWriter:
    """The tags and steps of Lightning's ``TensorBoardLogger``."""

    stops_after_nonfinite = True
    """A run stops ``after_nonfinite`` steps after its loss turns NaN/Inf (the library's choice, to save time)."""

    def __init__(self, logdir: str, config: Config, steps_per_epoch: int):
        self.writer = SummaryWriter(logdir)
        self.every = max(1, config.log_every)
        self.lr_tag = f"lr-{'Adam' if config.optimizer == 'adam' else 'SGD'}"
        self.epoch_index = 0

    def step(self, step: int, loss: float, lr: float, grad_norm: float) -> None:
        if (step + 1) % self.every == 0:
            self.writer.add_scalar("train_loss_step", loss, step)
            self.writer.add_scalar(self.lr_tag, lr, step)
            self.writer.add_scalar("epoch", self.epoch_index, step)

    def epoch(self, step: int, epoch: int, mean_loss: float, lr: float) -> None:
        self.writer.add_scalar("train_loss_epoch", mean_loss, step)
        self.writer.add_scalar("epoch", epoch, step)
        self.epoch_index = epoch + 1

    def evaluate(self, step: int, epoch: int, loss: float, accuracy: float | None) -> None:
        self.writer.add_scalar("val_loss", loss, step)
        if accuracy is not None:
            self.writer.add_scalar("val_acc", accuracy, step)

    def close(self) -> None:
        self.writer.close()


class HFWriter:
    """The tags and steps of the Hugging Face Trainer's TensorBoard callback."""

    stops_after_nonfinite = False
    """The Trainer trains on to its last step, NaN or not."""

    def __init__(self, logdir: str, config: Config, steps_per_epoch: int):
        self.writer = SummaryWriter(logdir)
        self.every = max(1, config.log_every)
        self.steps_per_epoch = steps_per_epoch
        self.total, self.count = 0.0, 0

    def step(self, step: int, loss: float, lr: float, grad_norm: float) -> None:
        # logging_nan_inf_filter: a NaN/Inf step adds the running loss over the window's steps before it.
        self.total += loss if math.isfinite(loss) else self.total / (1 + self.count)
        self.count += 1
        done = step + 1
        if done % self.every == 0:
            mean = self.total / self.count
            self.writer.add_scalar("train/loss", round(mean, HF_DECIMALS) if math.isfinite(mean) else mean, done)
            self.writer.add_scalar("train/grad_norm", grad_norm, done)
            self.writer.add_scalar("train/learning_rate", lr, done)
            self.writer.add_scalar("train/epoch", done / self.steps_per_epoch, done)
            self.total, self.count = 0.0, 0

    def epoch(self, step: int, epoch: int, mean_loss: float, lr: float) -> None:
        """The Trainer logs nothing of its own at an epoch end."""

    def evaluate(self, step: int, epoch: int, loss: float, accuracy: float | None) -> None:
        self.writer.add_scalar("eval/loss", loss, step + 1)
        if accuracy is not None:
            self.writer.add_scalar("eval/accuracy", accuracy, step + 1)

    def close(self) -> None:
        self.writer.close()


WRITERS = {"torch": TorchWriter, "lightning": LightningWriter, "hf": HFWriter}
