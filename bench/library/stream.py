"""The exact sequence of training batches a run sees, shared by both training loops.

Shuffling, broken batches, zeroed inputs and permuted labels are applied here
with the run's seed, so a PyTorch and a Keras run of one config see the same
data in the same order, and the facts of the construction (the class prior,
the chance-level loss) are computed once from the data actually used.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .config import BAD_INPUT_SCALE, Config
from .data import Data, load, with_label_noise


@dataclass(frozen=True)
class Stream:
    """The data of one run and its training batches in order (``x[i*batch:(i+1)*batch]`` is step ``i``)."""

    data: Data
    x: np.ndarray
    y: np.ndarray
    batch: int
    steps_per_epoch: int
    epochs: int

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.epochs

    def facts(self) -> dict:
        """Chance-level loss (entropy of the training class prior, nats) and the prior's accuracy."""
        if not self.data.classes:
            return {"classes": 0, "chance_loss": None, "prior_accuracy": None}
        prior = np.bincount(self.data.y_train, minlength=self.data.classes) / len(self.data.y_train)
        val_prior = np.bincount(self.data.y_val, minlength=self.data.classes) / len(self.data.y_val)
        entropy = float(-(prior[prior > 0] * np.log(prior[prior > 0])).sum())
        return {"classes": self.data.classes, "chance_loss": entropy, "prior_accuracy": float(val_prior.max())}


def _constructed(config: Config, rng: np.random.Generator) -> Data:
    """The run's dataset with its label noise, permuted labels or zeroed inputs applied."""
    data = load(config.dataset, config.seed, config.train_size)
    if config.label_noise:
        data = with_label_noise(data, config.label_noise, config.seed)
    if config.shuffle_labels:
        data = replace(data, y_train=rng.permutation(data.y_train), y_val=rng.permutation(data.y_val))
    if config.zero_inputs:
        data = replace(data, x_train=np.zeros_like(data.x_train), x_val=np.zeros_like(data.x_val))
    return data


def build(config: Config) -> Stream:
    """Every training batch of ``config`` in order: a fresh permutation per epoch, broken batches in place."""
    rng = np.random.default_rng(config.seed)
    data = _constructed(config, rng)
    n = len(data.y_train)
    batch = min(config.batch_size, n)
    steps = max(1, n // batch)
    order = np.concatenate([rng.permutation(n)[: steps * batch] for _ in range(config.epochs)])
    x, y = data.x_train[order].copy(), data.y_train[order].copy()
    for step in config.bad_batches:
        bad = slice(step * batch, (step + 1) * batch)
        if np.issubdtype(x.dtype, np.integer):  # bytes: a batch of random bytes
            x[bad] = rng.integers(0, 256, x[bad].shape)
        else:
            x[bad] *= BAD_INPUT_SCALE
        y[bad] = rng.permutation(y[bad]) if data.classes else -y[bad]
    return Stream(data, x, y, batch, steps, config.epochs)
