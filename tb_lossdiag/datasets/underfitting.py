"""Underfitting: a training loss that barely moves, or that sits at the chance level ``ln C``."""

from __future__ import annotations

import numpy as np

from .base import SMOOTH, Event, Noise, Seed, Synthetic, decay, every_step, rng_of


def underfitting_slow(
    n_steps: int = 40,
    *,
    start: float = 2.0,
    progress: float = 0.04,
    gap: float = 0.02,
    noise: Noise = SMOOTH,
    seed: Seed = None,
) -> Synthetic:
    """Epoch-level curves that fall by only ``progress`` over the run, validation beside training.

    Parameters
    ----------
    n_steps : int, default 40
        Epochs.
    start : float, default 2.0
        Training loss at epoch 0.
    progress : float, default 0.04
        Training ends this share below ``start`` (steadily, in log space).
    gap : float, default 0.02
        Validation sits this share above training: no generalisation gap.
    noise : Noise, default ``SMOOTH``
        Scatter of both curves.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    level = start * (1.0 - progress) ** (steps / max(n_steps - 1, 1))
    answer = (Event("underfitting", 0, n_steps - 1),)
    return every_step(steps, level, gap, noise, rng, answer)


def underfitting_chance(
    n_steps: int = 40,
    n_classes: int = 10,
    *,
    excess: float = 0.3,
    settle: float = 0.1,
    crawl: float = 0.0,
    noise: Noise = Noise(sigma=0.005),
    seed: Seed = None,
) -> Synthetic:
    """A classifier stuck at chance: the loss drops from its initial value to ``ln C`` and stays there.

    A badly initialised network starts above ``ln C`` (confidently wrong),
    learns the class prior within a few epochs, and learns nothing more:
    training and validation both sit at ``ln n_classes``.

    Parameters
    ----------
    n_steps : int, default 40
        Epochs.
    n_classes : int, default 10
        Number of classes ``C``: the chance level is ``ln C`` (2.303 for 10).
    excess : float, default 0.3
        The loss starts this share above ``ln C``...
    settle : float, default 0.1
        ...and falls to it with this time constant (a share of the run).
    crawl : float, default 0.0
        Extra steady fall over the run, as a share of ``ln C``: with
        ``excess=0.02``, 0.13 makes a linear model whose loss crawls from
        about 2.35 to 2.0 on 10 classes.
    noise : Noise, default sigma 0.005
        Scatter of both curves.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    chance = float(np.log(n_classes))
    floor = chance * (1.0 - crawl * steps / max(n_steps - 1, 1))
    level = decay(steps, chance * (1.0 + excess), floor, max(settle * n_steps, 1e-9))
    answer = (Event("underfitting", 0, n_steps - 1),)
    return every_step(steps, level, 0.0, noise, rng, answer)
