"""Spikes: isolated upward jumps that recover, and a jump that never comes back (a level shift)."""

from __future__ import annotations

import numpy as np

from .base import Event, Noise, Seed, Synthetic, decay, rng_of

#: Recovery is over (for the answer's ``end_step``) once the jump has decayed by this factor in log space.
RECOVERED_AFTER = 3.0


def spikes(
    n_steps: int = 1000,
    at: tuple[int, ...] = (300, 600),
    *,
    height: float = 4.0,
    recovery: float = 4.0,
    start: float = 2.3,
    floor: float = 0.3,
    scale: float = 0.15,
    noise: Noise = Noise(sigma=0.03),
    seed: Seed = None,
) -> Synthetic:
    """A per-step training loss with upward jumps of ``height`` x the local level at the steps ``at``.

    Each jump decays back exponentially in log space (a bad batch, or a
    burst of the learning rate, from which the optimiser recovers).

    Parameters
    ----------
    n_steps : int, default 1000
        Training steps (train only: no validation curve).
    at : tuple of int, default (300, 600)
        The steps of the jumps: the known answer.
    height : float, default 4.0
        Each jump's peak over the local level (4.0: 4x).
    recovery : float, default 4.0
        Time constant of the recovery, in steps.
    start, floor, scale : float, default 2.3, 0.3, 0.15
        The exponential decay underneath (``scale`` a share of the run).
    noise : Noise, default log-normal, sigma 0.03
        Per-step scatter; pass a Student-t ``Noise`` for heavy-tailed batches.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    bump = np.zeros(n_steps)
    for a in at:
        since = steps - a
        bump += np.where(since >= 0, np.log(height) * np.exp(-np.clip(since, 0, None) / recovery), 0.0)
    level = decay(steps, start, floor, scale * n_steps) * np.exp(bump)
    end = int(np.ceil(RECOVERED_AFTER * recovery))
    answer = tuple(Event("spike", a, min(a + end, n_steps - 1)) for a in at)
    return Synthetic(steps, noise.apply(level, rng), None, None, answer)


def level_shift(
    n_steps: int = 600,
    at: int = 300,
    *,
    factor: float = 2.0,
    start: float = 2.3,
    floor: float = 0.3,
    scale: float = 0.15,
    noise: Noise = Noise(sigma=0.03),
    seed: Seed = None,
) -> Synthetic:
    """A per-step training loss that jumps up ``factor`` x at ``at`` and stays up (still falling slowly).

    Parameters
    ----------
    n_steps : int, default 600
        Training steps (train only).
    at : int, default 300
        The step of the jump: the known answer (a spike with no end).
    factor : float, default 2.0
        The level after the jump over the level before it.
    start, floor, scale : float, default 2.3, 0.3, 0.15
        The exponential decay underneath (``scale`` a share of the run).
    noise : Noise, default log-normal, sigma 0.03
        Per-step scatter.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    level = decay(steps, start, floor, scale * n_steps) * np.where(steps >= at, factor, 1.0)
    return Synthetic(steps, noise.apply(level, rng), None, None, (Event("spike", at, None),))
