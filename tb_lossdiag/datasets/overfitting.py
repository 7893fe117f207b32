"""Overfitting: validation loss bottoms out at a known step and rises while training keeps falling."""

from __future__ import annotations

import numpy as np

from .base import SMOOTH, Event, Noise, Seed, Synthetic, decay, rng_of

#: How sharply validation turns up after its optimum (1: linearly; more: slowly at first).
RISE_SHAPE = 1.3


def overfitting(
    n_steps: int = 60,
    onset: int = 20,
    *,
    start: float = 2.3,
    best: float = 0.6,
    rise: float = 0.5,
    train_floor: float = 0.02,
    noise: Noise = SMOOTH,
    seed: Seed = None,
) -> Synthetic:
    """Epoch-level curves whose validation minimum is at ``onset``.

    Validation falls (quadratically slower, as a converging loss does) to
    ``best`` at ``onset``, then rises to ``(1 + rise) * best`` at the last
    epoch; training falls exponentially all along, still clearly after the
    onset.

    Parameters
    ----------
    n_steps : int, default 60
        Epochs.
    onset : int, default 20
        The epoch of the validation optimum: the known answer.
    start : float, default 2.3
        Both losses at epoch 0.
    best : float, default 0.6
        The validation optimum.
    rise : float, default 0.5
        Validation ends this share above its optimum.
    train_floor : float, default 0.02
        The level training tends to (memorising the training set).
    noise : Noise, default ``SMOOTH``
        Scatter of both curves.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    t = steps.astype(np.float64)
    before = best + (start - best) * (np.clip(onset - t, 0, None) / max(onset, 1)) ** 2
    after = best * (1.0 + rise * (np.clip(t - onset, 0, None) / max(n_steps - 1 - onset, 1)) ** RISE_SHAPE)
    val = np.where(t <= onset, before, after)
    train = decay(t, start, train_floor, n_steps / 3.0)
    answer = (Event("overfitting", onset, n_steps - 1, series="validation"),)
    return Synthetic(steps, noise.apply(train, rng), steps, noise.apply(val, rng), answer)
