"""Healthy runs: nothing a diagnosis should report.

Each resembles a pathology without being one: heavy-tailed per-step noise
(not spikes), exact zero losses (not a collapse), the flat end of a
converged run (not a plateau), step decays of the learning rate (downward
cliffs, neither spikes nor plateaus).
"""

from __future__ import annotations

import numpy as np

from .base import PER_STEP, SMOOTH, Noise, Seed, Synthetic, decay, evaluated, every_step, rng_of
from .schedules import learning_rate, loss_under


def healthy_per_step(
    n_steps: int = 2500,
    *,
    start: float = 2.3,
    floor: float = 0.35,
    scale: float = 0.1,
    noise: Noise = PER_STEP,
    val_every: int | None = 100,
    gap: float = 0.05,
    seed: Seed = None,
) -> Synthetic:
    """A per-step training loss of small batches, falling along a power law, with validation every few steps.

    Parameters
    ----------
    n_steps : int, default 2500
        Training steps (batch size 8 over a few epochs of a small data set).
    start, floor : float, default 2.3 (about ln 10), 0.35
        The loss at step 0 and the level it tends to.
    scale : float, default 0.1
        The power law's knee as a share of the run.
    noise : Noise, default ``PER_STEP``
        Per-step scatter (Student-t in log space, sigma 0.15); pass
        ``Noise(..., zeros=0.002)`` for a few exact zero losses.
    val_every : int or None, default 100
        Validation is evaluated every this many steps (None: train only).
    gap : float, default 0.05
        Validation sits this share above the training level.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    level = decay(steps, start, floor, scale * n_steps, shape="power")
    val_steps, validation = evaluated(steps, level * (1.0 + gap), val_every, SMOOTH, rng)
    return Synthetic(steps, noise.apply(level, rng), val_steps, validation, ())


def healthy_epochs(
    n_steps: int = 50,
    *,
    start: float = 2.3,
    floor: float = 0.3,
    scale: float = 0.2,
    gap: float = 0.08,
    noise: Noise = SMOOTH,
    seed: Seed = None,
) -> Synthetic:
    """Epoch-level training and validation losses that converge together.

    Parameters
    ----------
    n_steps : int, default 50
        Epochs (one point each, steps 0 to ``n_steps - 1``).
    start, floor : float, default 2.3, 0.3
        Training loss at epoch 0 and the level it tends to.
    scale : float, default 0.2
        Time constant of the exponential fall as a share of the run.
    gap : float, default 0.08
        Validation sits this share above training, and converges too.
    noise : Noise, default ``SMOOTH``
        Scatter of both curves (log-normal, sigma 0.01).
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    level = decay(steps, start, floor, scale * n_steps)
    return every_step(steps, level, gap, noise, rng)


def healthy_scheduled(
    n_steps: int = 3000,
    schedule: str = "warmup_cosine",
    *,
    start: float = 2.3,
    floor: float = 0.3,
    scale: float = 0.2,
    lr_noise: float = 0.3,
    noise: Noise = Noise(sigma=0.08, tail="student", df=5.0),
    val_every: int | None = 100,
    seed: Seed = None,
) -> Synthetic:
    """A per-step loss under a learning-rate schedule (warm-up, cosine, step decay), with the LR series.

    Parameters
    ----------
    n_steps : int, default 3000
        Training steps.
    schedule : str, default "warmup_cosine"
        A schedule of :func:`.schedules.learning_rate`: ``"warmup_cosine"``
        (5 % warm-up), ``"cosine"``, ``"step"`` (x0.1 at 50 % and 75 %:
        the loss drops at once at each) or ``"constant"``.
    start, floor : float, default 2.3, 0.3
        The loss at step 0 and the level it tends to.
    scale : float, default 0.2
        Time constant of the fall, as a share of the run, at the peak learning rate.
    lr_noise : float, default 0.3
        How far above ``floor`` SGD noise holds the loss at the peak learning rate.
    noise : Noise, default Student-t (df 5), sigma 0.08
        Per-step scatter.
    val_every : int or None, default 100
        Validation is evaluated every this many steps (None: train only).
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    lr = learning_rate(n_steps, schedule)
    level = loss_under(lr, start=start, floor=floor, scale=scale * n_steps, lr_noise=lr_noise)
    val_steps, validation = evaluated(steps, level * 1.05, val_every, SMOOTH, rng)
    return Synthetic(steps, noise.apply(level, rng), val_steps, validation, (), learning_rate=lr)
