"""What every synthetic curve is made of: a known answer, a decay to a floor, multiplicative noise.

Real loss curves fall fast and then ever more slowly towards a floor, and
their per-step values scatter multiplicatively around that level with heavy
tails (one batch in a few hundred is 2x its neighbours). The generators in
this package build a noiseless level from :func:`decay` and friends, then
draw the scatter with :class:`Noise`, so the level, and hence the answer,
is known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: What a generator's ``seed`` may be: anything :func:`numpy.random.default_rng` accepts.
Seed = int | np.random.Generator | None


@dataclass(frozen=True)
class Event:
    """One known pathology of a synthetic curve.

    ``kind`` is a detector's ``KIND`` (``"overfitting"``, ``"spike"``, ...);
    ``step`` is where a detector should place its ``start_step`` (the
    validation optimum, a spike's first step, the first NaN, a plateau's
    start); ``end_step`` is where it ends (None: to the end of the run, or a
    jump that never recovers); ``series`` is the curve it shows on.
    """

    kind: str
    step: int
    end_step: int | None = None
    series: str = "train"


@dataclass(frozen=True, eq=False)
class Synthetic:
    """A synthetic experiment and its known answer.

    ``steps`` / ``train`` are the training curve; ``val_steps`` /
    ``validation`` the validation curve, or None for a train-only run;
    ``learning_rate`` is the learning rate at each of ``steps`` when the
    generator models one. ``answer`` is empty for a healthy run.
    """

    steps: np.ndarray
    train: np.ndarray
    val_steps: np.ndarray | None
    validation: np.ndarray | None
    answer: tuple[Event, ...]
    learning_rate: np.ndarray | None = None

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds a diagnosis should report (empty: healthy)."""
        return frozenset(e.kind for e in self.answer)


@dataclass(frozen=True)
class Noise:
    """Multiplicative per-point noise: ``value = level * exp(sigma * e)``.

    Parameters
    ----------
    sigma : float, default 0.02
        Scale of the noise in log space (0.02: about 2 % scatter; per-batch
        losses of small batches reach 0.2-0.4).
    tail : {"normal", "student"}, default "normal"
        Distribution of ``e``: standard normal (log-normal values), or
        Student's t with ``df`` degrees of freedom (heavy tails: isolated
        2-3x batches on a healthy curve).
    df : float, default 3.0
        Degrees of freedom of the Student-t tail.
    zeros : float, default 0.0
        Share of points set to exactly 0.0 (a batch every prediction of
        which is right, its loss rounded to zero in float32), the first
        point excepted.
    """

    sigma: float = 0.02
    tail: str = "normal"
    df: float = 3.0
    zeros: float = 0.0

    def apply(self, level: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``level`` with this noise drawn from ``rng`` (same shape, float64)."""
        n = len(level)
        e = rng.standard_t(self.df, n) if self.tail == "student" else rng.standard_normal(n)
        values = np.asarray(level, dtype=np.float64) * np.exp(self.sigma * e)
        n_zeros = int(round(self.zeros * max(n - 1, 0)))
        if n_zeros:
            values[1 + rng.choice(n - 1, n_zeros, replace=False)] = 0.0
        return values


#: Scatter of an epoch-level curve, or of a validation loss averaged over a whole validation set.
SMOOTH = Noise(sigma=0.01)
#: Scatter of per-step training losses of small batches: heavy-tailed.
PER_STEP = Noise(sigma=0.15, tail="student", df=4.0)


def decay(
    t: np.ndarray, start: float, floor: float | np.ndarray, scale: float, shape: str = "exp", power: float = 1.0
) -> np.ndarray:
    """A loss falling from ``start`` at ``t = 0`` towards ``floor``.

    Parameters
    ----------
    t : array
        Time (steps, or any monotone measure of progress).
    start, floor : float (``floor`` may be an array, one per ``t``)
        The level at ``t = 0`` and the level it tends to.
    scale : float
        Time constant: ``t`` at which an exponential has covered 63 % of the
        way, or a power law's knee.
    shape : {"exp", "power"}, default "exp"
        ``floor + (start - floor) exp(-t / scale)``, or the power law
        ``floor + (start - floor) (1 + t / scale) ** -power``, whose slow
        tail is what long training runs show.
    power : float, default 1.0
        Exponent of the power law.
    """
    t = np.asarray(t, dtype=np.float64) / scale
    shrink = np.exp(-t) if shape == "exp" else (1.0 + t) ** -power
    return floor + (start - floor) * shrink


def rng_of(seed: Seed) -> np.random.Generator:
    """The generator behind ``seed`` (a Generator is used as is)."""
    return np.random.default_rng(seed)


def every_step(
    steps: np.ndarray,
    level: np.ndarray,
    gap: float,
    noise: Noise,
    rng: np.random.Generator,
    answer: tuple[Event, ...] = (),
) -> Synthetic:
    """Training at ``level`` and validation ``gap`` (a share) above it, both at every step and with ``noise``."""
    return Synthetic(steps, noise.apply(level, rng), steps, noise.apply(level * (1.0 + gap), rng), answer)


def evaluated(steps: np.ndarray, level: np.ndarray, every: int | None, noise: Noise, rng: np.random.Generator):
    """Validation points every ``every`` steps (from step 0) with ``noise``; (None, None) when ``every`` is None."""
    if every is None:
        return None, None
    keep = np.arange(0, len(steps), every)
    return steps[keep], noise.apply(level[keep], rng)
