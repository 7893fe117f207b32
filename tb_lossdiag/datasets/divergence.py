"""Divergence: NaN from a step, an early explosion, a blow-up that kills the network (after it learned, or before),
an explosion without NaN."""

from __future__ import annotations

import numpy as np

from .base import PER_STEP, SMOOTH, Event, Noise, Seed, Synthetic, decay, evaluated, rng_of

#: Steps an explosion or a blow-up takes to reach its height.
RAMP_STEPS = 5
#: Relative scatter of a dead network's loss: it outputs the same thing for every input.
DEAD_NOISE = Noise(sigma=1e-4)


def divergence_nan(
    n_steps: int = 200,
    at: int = 150,
    *,
    value: float = float("nan"),
    start: float = 2.3,
    floor: float = 0.3,
    noise: Noise = SMOOTH,
    seed: Seed = None,
) -> Synthetic:
    """Curves that fall normally and become ``value`` (NaN, or Inf) from ``at`` to the end, on both splits.

    Parameters
    ----------
    n_steps : int, default 200
        Steps (validation at every step).
    at : int, default 150
        The first non-finite step: the known answer.
    value : float, default NaN
        What the losses become (``float("inf")`` for an overflow).
    start, floor : float, default 2.3, 0.3
        The exponential decay before (time constant a fifth of the run).
    noise : Noise, default ``SMOOTH``
        Scatter of both curves.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    level = decay(steps, start, floor, n_steps / 5.0)
    train, val = noise.apply(level, rng), noise.apply(level * 1.05, rng)
    train[at:] = val[at:] = value
    return Synthetic(steps, train, steps, val, (Event("divergence", at, None),))


def divergence_early_explosion(
    n_steps: int = 800,
    at: int = 10,
    *,
    start: float = 5.5,
    factor: float = 20.0,
    wander: float = 0.4,
    nan_at: int | None = 600,
    noise: Noise = PER_STEP,
    seed: Seed = None,
) -> Synthetic:
    """A per-step loss that explodes in its first steps, stays 10-50x above its start, and turns NaN much later.

    Parameters
    ----------
    n_steps : int, default 800
        Training steps (train only).
    at : int, default 10
        The step the explosion starts: the known answer (not the NaN).
    start : float, default 5.5
        The loss at step 0 (falling slightly until ``at``).
    factor : float, default 20.0
        The exploded level over ``start`` (5.5 -> 110)...
    wander : float, default 0.4
        ...around which it wanders (a smoothed random walk of this scale in
        log space, clipped to stay within 10-50x ``start``).
    nan_at : int or None, default 600
        The step the loss becomes NaN (None: never).
    noise : Noise, default ``PER_STEP``
        Per-step scatter.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    walk = np.cumsum(rng.standard_normal(n_steps)) / np.sqrt(n_steps)
    high = np.log(start * factor) + wander * (walk - walk[at:].mean() if at < n_steps else walk)
    high = np.clip(high, np.log(10.0 * start), np.log(50.0 * start))
    ramp = np.clip((steps - at) / RAMP_STEPS, 0.0, 1.0)
    x = (1.0 - ramp) * np.log(start * (1.0 - 0.01 * np.minimum(steps, at))) + ramp * high
    train = noise.apply(np.exp(x), rng)
    if nan_at is not None:
        train[nan_at:] = np.nan
    return Synthetic(steps, train, None, None, (Event("divergence", at, None),))


def divergence_collapse_to_chance(
    n_steps: int = 500,
    at: int = 200,
    n_classes: int = 3,
    *,
    blowup: float = 5.0,
    best: float = 0.3,
    noise: Noise = Noise(sigma=0.05),
    dead_noise: Noise = DEAD_NOISE,
    val_every: int | None = 25,
    seed: Seed = None,
) -> Synthetic:
    """A classifier's loss that blows up at ``at`` and then freezes at the chance level ``ln C``: the network died.

    Before ``at`` it learns normally (from a little above ``ln C`` towards
    ``best``); at ``at`` it jumps to ``blowup`` x its level within a few
    steps and falls back not to where it was but to ``ln n_classes``
    (1.0986 for three classes), where it stays, almost noiseless, on both
    splits (with ``dead_noise``, as noisy as a learning rate far too high
    throws its constant outputs about).

    Parameters
    ----------
    n_steps : int, default 500
        Training steps.
    at : int, default 200
        The step of the blow-up: the known answer.
    n_classes : int, default 3
        Number of classes ``C``.
    blowup : float, default 5.0
        Height of the blow-up over the level before it.
    best : float, default 0.3
        The level the loss was falling towards.
    noise : Noise, default log-normal, sigma 0.05
        Per-step scatter before the collapse.
    dead_noise : Noise, default log-normal, sigma 1e-4
        Scatter after it.
    val_every : int or None, default 25
        Validation is evaluated every this many steps (None: train only).
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    chance = float(np.log(n_classes))
    learning = decay(steps, 1.05 * chance, best, max(at, 1) / 3.0)
    peak = blowup * learning[min(at, n_steps - 1)]
    since = steps - at
    falling = chance + (peak - chance) * np.exp(-np.clip(since - RAMP_STEPS, 0, None) / RAMP_STEPS)
    rising = learning + (peak - learning) * np.clip(since / RAMP_STEPS, 0.0, 1.0)
    level = np.where(since < 0, learning, np.where(since < RAMP_STEPS, rising, falling))
    alive = since < 0
    train = np.where(alive, noise.apply(level, rng), dead_noise.apply(level, rng))
    val_steps, validation = None, None
    if val_every is not None:
        val_steps = steps[::val_every]
        val = np.where(alive, level * 1.05, level)[val_steps]
        validation = np.where(alive[val_steps], SMOOTH.apply(val, rng), dead_noise.apply(val, rng))
    return Synthetic(steps, train, val_steps, validation, (Event("divergence", at, None),))


def divergence_killed_at_start(
    n_steps: int = 800,
    at: int = 2,
    n_classes: int = 10,
    *,
    blowup: float = 1e4,
    recovery: float = 0.0,
    learns_to: float | None = None,
    noise: Noise = Noise(sigma=0.05),
    val_every: int | None = 50,
    seed: Seed = None,
) -> Synthetic:
    """A classifier's loss thrown up at step ``at`` by a learning rate far too high, then at the chance level for good.

    It starts at ``ln n_classes``, is ``blowup`` x that at ``at`` (one
    step), and is back at about ``ln C`` from the next step to the end with
    per-batch noise: the network was broken before it learned anything.
    Validation, when evaluated, sits a little above chance. With
    ``recovery``, the blow-up takes that long to undo, and with
    ``learns_to`` the network learns after it: a blow-up it took a tenth of
    the run to undo is still a divergence.

    Parameters
    ----------
    n_steps : int, default 800
        Training steps.
    at : int, default 2
        The step of the blow-up: the known answer.
    n_classes : int, default 10
        Number of classes ``C``.
    blowup : float, default 1e4
        Height of the blow-up over the starting level.
    recovery : float, default 0.0
        Time constant of its undoing, in steps: the blow-up's height decays
        as ``exp(-(t - at) / recovery)`` in log units (0: gone the next step).
    learns_to : float or None, default None
        The level the loss then learns towards, over a quarter of the run
        (None: it stays at chance).
    noise : Noise, default log-normal, sigma 0.05
        Per-step scatter (batches of differing class mixes against a constant output).
    val_every : int or None, default 50
        Validation is evaluated every this many steps (None: train only).
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    chance = float(np.log(n_classes))
    level = np.full(n_steps, chance) if learns_to is None else decay(steps, chance, learns_to, n_steps / 4)
    since = np.clip(steps - at, 0, None)
    undone = np.exp(-since / recovery) if recovery > 0 else (since == 0).astype(float)
    level = level * np.where(steps >= at, blowup**undone, 1.0)
    train = noise.apply(level, rng)
    val_level = np.full(n_steps, 1.1 * chance) if learns_to is None else 1.1 * level
    val_steps, validation = evaluated(steps, val_level, val_every, SMOOTH, rng)
    return Synthetic(steps, train, val_steps, validation, (Event("divergence", at, None),))


def divergence_explosion(
    n_steps: int = 300,
    at: int = 150,
    *,
    factor: float = 30.0,
    rise_steps: int = 20,
    start: float = 2.3,
    floor: float = 0.3,
    noise: Noise = Noise(sigma=0.02),
    seed: Seed = None,
) -> Synthetic:
    """A per-step loss that falls, then from ``at`` grows to ``factor`` x its level and stays there, never NaN.

    Parameters
    ----------
    n_steps : int, default 300
        Training steps (train only).
    at : int, default 150
        The step the explosion starts: the known answer.
    factor : float, default 30.0
        The exploded level over the level at ``at``.
    rise_steps : int, default 20
        Steps the rise takes (exponential growth, linear in log space).
    start, floor : float, default 2.3, 0.3
        The exponential decay before (time constant a sixth of the run).
    noise : Noise, default log-normal, sigma 0.02
        Per-step scatter.
    seed : int, Generator or None
        Random state.
    """
    rng = rng_of(seed)
    steps = np.arange(n_steps)
    base = decay(np.minimum(steps, at), start, floor, n_steps / 6.0)
    growth = np.log(factor) * np.clip((steps - at) / max(rise_steps, 1), 0.0, 1.0)
    return Synthetic(steps, noise.apply(base * np.exp(growth), rng), None, None, (Event("divergence", at, None),))
