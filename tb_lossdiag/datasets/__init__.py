"""Synthetic loss curves with known answers, for testing the detectors without training anything.

In the spirit of ruptures' ``datasets`` (``pw_constant`` and friends): small
pure-numpy generators, each with documented parameters and defaults and a
``seed``, returning a :class:`Synthetic`: the steps and values of the
training curve, the validation curve (or None), the learning rate where the
generator models one, and the ``answer``, the :class:`Event` s a diagnosis
should find (kind and step). The curves look like real ones: decays to a
floor with multiplicative, optionally heavy-tailed noise (:class:`Noise`),
epoch-level or per-step, under warm-up / cosine / step-decay schedules.

>>> from tb_lossdiag.datasets import overfitting
>>> run = overfitting(onset=20, seed=0)
>>> run.answer[0].kind, run.answer[0].step
('overfitting', 20)
"""

from .base import PER_STEP, SMOOTH, Event, Noise, Synthetic, decay
from .divergence import (
    divergence_collapse_to_chance,
    divergence_early_explosion,
    divergence_explosion,
    divergence_killed_at_start,
    divergence_nan,
)
from .healthy import healthy_epochs, healthy_per_step, healthy_scheduled
from .overfitting import overfitting
from .plateau import plateau_lr_cut, plateau_stall
from .schedules import learning_rate, loss_under
from .spikes import level_shift, spikes
from .underfitting import underfitting_chance, underfitting_slow

#: Every generator by name; each can be called with ``seed`` alone.
GENERATORS = {
    f.__name__: f
    for f in (
        healthy_per_step, healthy_epochs, healthy_scheduled,
        overfitting,
        underfitting_slow, underfitting_chance,
        plateau_stall, plateau_lr_cut,
        spikes, level_shift,
        divergence_nan, divergence_early_explosion, divergence_collapse_to_chance, divergence_killed_at_start,
        divergence_explosion,
    )
}

__all__ = [
    "GENERATORS", "PER_STEP", "SMOOTH", "Event", "Noise", "Synthetic", "decay", "learning_rate", "loss_under",
    *GENERATORS,
]
