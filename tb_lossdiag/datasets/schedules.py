"""Learning-rate schedules, and the loss level an SGD run under one reaches.

The loss follows the optimiser's progress, the running sum of the learning
rate, rather than the step count: a warm-up delays the fall, an LR cut to
about zero freezes the loss where it was. On top of that, SGD's noise keeps
the loss above its floor by an amount proportional to the learning rate, so
each step decay drops the loss at once (a cliff down, never a spike).
"""

from __future__ import annotations

import numpy as np

from .base import decay


def learning_rate(
    n_steps: int,
    schedule: str = "warmup_cosine",
    *,
    peak: float = 1e-3,
    warmup: float = 0.05,
    drops: tuple[float, ...] = (0.5, 0.75),
    drop_factor: float = 0.1,
) -> np.ndarray:
    """The learning rate at each of ``n_steps`` steps.

    Parameters
    ----------
    schedule : {"constant", "cosine", "warmup_cosine", "step"}, default "warmup_cosine"
        Constant ``peak``; a cosine from ``peak`` to 0; the same after a
        linear warm-up from 0; or ``peak`` multiplied by ``drop_factor`` at
        each of ``drops``.
    peak : float, default 1e-3
        The largest learning rate.
    warmup : float, default 0.05
        Share of the run the warm-up takes (``"warmup_cosine"``).
    drops : tuple of float, default (0.5, 0.75)
        Where the step decays happen, as shares of the run (``"step"``).
    drop_factor : float, default 0.1
        What each step decay multiplies the learning rate by.
    """
    t = np.arange(n_steps) / max(n_steps - 1, 1)
    if schedule == "constant":
        return np.full(n_steps, peak)
    if schedule == "step":
        return peak * drop_factor ** np.searchsorted(np.asarray(drops), t, side="right")
    if schedule == "cosine":
        return peak * 0.5 * (1.0 + np.cos(np.pi * t))
    if schedule == "warmup_cosine":
        w = max(warmup, 1e-12)
        ramp = np.clip(t / w, 0.0, 1.0)
        return peak * ramp * 0.5 * (1.0 + np.cos(np.pi * np.clip((t - w) / (1.0 - w), 0.0, 1.0)))
    raise ValueError(f"unknown schedule {schedule!r}")


def loss_under(
    lr: np.ndarray, *, start: float, floor: float, scale: float, lr_noise: float = 0.0
) -> np.ndarray:
    """The loss level of a run with learning rates ``lr`` (one per step).

    Parameters
    ----------
    start, floor : float
        The loss at step 0 and the level it tends to.
    scale : float
        Time constant of the fall, in steps at the peak learning rate.
    lr_noise : float, default 0.0
        How far above ``floor`` SGD's noise holds the loss at the peak
        learning rate (in proportion to the learning rate): the level the
        loss tends to at each step.
    """
    peak = float(np.max(lr)) if len(lr) and np.max(lr) > 0 else 1.0
    progress = np.concatenate([[0.0], np.cumsum(lr[:-1])]) / peak
    return decay(progress, start, floor + lr_noise * lr / peak, scale)
