"""Plateaus: a stall that training later breaks out of, and a stall made by cutting the learning rate."""

from __future__ import annotations

import numpy as np

from .base import SMOOTH, Event, Noise, Seed, Synthetic, decay, evaluated, every_step, rng_of
from .schedules import loss_under

#: The stall's own slow fall over its length (0.2 %: flat to any detector's eye).
STALL_DRIFT = 0.002
#: Time constants of the falls into and out of a stall, as shares of the stretch they fall over.
FALL_SCALE = 0.25


def plateau_stall(
    n_steps: int = 200,
    stall: tuple[int, int] = (60, 140),
    *,
    start: float = 2.3,
    level: float = 1.2,
    floor: float = 0.2,
    gap: float = 0.05,
    noise: Noise = SMOOTH,
    seed: Seed = None,
) -> Synthetic:
    """An obstacle: the loss falls to ``level``, stays there from ``stall[0]`` to ``stall[1]``, then breaks out.

    Parameters
    ----------
    n_steps : int, default 200
        Steps (or epochs).
    stall : (int, int), default (60, 140)
        First and last step of the stall: the known answer.
    start, level, floor : float, default 2.3, 1.2, 0.2
        The loss at step 0, on the stall, and what it tends to after.
    gap : float, default 0.05
        Validation (at every step) sits this share above training.
    noise : Noise, default ``SMOOTH``
        Scatter of both curves.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    t = steps.astype(np.float64)
    a, b = stall
    into = decay(t, start, level, FALL_SCALE * a)
    on = level * (1.0 - STALL_DRIFT * (t - a) / max(b - a, 1))
    out = decay(t - b, on[b] if b < n_steps else level, floor, FALL_SCALE * max(n_steps - b, 1))
    x = np.where(t < a, np.maximum(into, on), np.where(t <= b, on, out))
    answer = (Event("plateau", a, b),)
    return every_step(steps, x, gap, noise, rng, answer)


def plateau_lr_cut(
    n_steps: int = 2000,
    cut: int = 800,
    *,
    peak_lr: float = 0.1,
    cut_factor: float = 1e-4,
    start: float = 2.3,
    floor: float = 0.1,
    scale: float = 0.5,
    noise: Noise = Noise(sigma=0.05),
    val_every: int | None = 50,
    seed: Seed = None,
) -> Synthetic:
    """A run whose learning rate is cut to about zero at ``cut`` while the loss is still falling fast.

    The loss freezes at its level at ``cut`` to the end of the run: not
    convergence, a stall. The learning rate is returned beside the curves.

    Parameters
    ----------
    n_steps : int, default 2000
        Training steps.
    cut : int, default 800
        The step the learning rate is cut at: the known answer (a plateau to the end).
    peak_lr : float, default 0.1
        The learning rate before the cut...
    cut_factor : float, default 1e-4
        ...and the factor it is multiplied by at the cut.
    start, floor : float, default 2.3, 0.1
        The loss at step 0 and the level it would have reached.
    scale : float, default 0.5
        Time constant of the fall as a share of the run: at the cut the loss
        is still falling by about 1 % every 10 steps.
    noise : Noise, default log-normal, sigma 0.05
        Per-step scatter.
    val_every : int or None, default 50
        Validation is evaluated every this many steps (None: train only).
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    lr = np.where(steps < cut, peak_lr, peak_lr * cut_factor)
    level = loss_under(lr, start=start, floor=floor, scale=scale * n_steps)
    val_steps, validation = evaluated(steps, level * 1.05, val_every, SMOOTH, rng)
    answer = (Event("plateau", cut, n_steps - 1),)
    return Synthetic(steps, noise.apply(level, rng), val_steps, validation, answer, learning_rate=lr)
