"""One library run, fully described by a frozen :class:`Config`, and its learning-rate schedule.

The config is everything that decides the curve; its hash (with
:data:`GENERATOR_VERSION`) keys the cache, so changing any field retrains that
run and nothing else. Both training loops (PyTorch and Keras) read the same
fields and call the same :func:`learning_rate`, so a schedule, an LR burst or
an LR cut means the same thing in either framework.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

GENERATOR_VERSION = 3
"""Bump when a training loop, a writer or a dataset changes what an unchanged config writes."""

KINDS = ("overfitting", "underfitting", "plateau", "spike", "divergence")
LAYOUTS = ("keras", "torch", "lightning", "hf")
"""``keras``: the Keras TensorBoard callback; ``torch``: ``torch.utils.tensorboard`` tags ``Loss/train``,
``Loss/val``, ``lr``; ``lightning``: TensorBoardLogger's ``train_loss_step``/``train_loss_epoch``/``val_loss``;
``hf``: the Trainer's ``train/loss``, ``eval/loss``, ``train/learning_rate``."""
SCHEDULES = ("constant", "warmup_cosine", "step", "exponential")
COSINE_FLOOR = 0.01
"""A cosine schedule ends at this fraction of the base learning rate, not at 0."""


@dataclass(frozen=True)
class Config:
    """A training run: data, model, optimiser, schedule, logging, and what was done to it on purpose."""

    name: str
    """Experiment name under the library directory (the name tb-lossdiag's pairing gives)."""
    intended: str
    """``healthy`` or one of :data:`KINDS`: what the construction causes (verified from the files)."""
    layout: str
    dataset: str
    seed: int
    description: str
    widths: tuple[int, ...] = (64,)
    """Hidden layer widths (empty: a linear model)."""
    activation: str = "relu"
    dropout: float = 0.0
    loss: str = "ce"
    """``ce`` (cross-entropy), ``hinge`` (multi-class margin, exactly 0 once fitted); regression uses MSE."""
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    """Decoupled from the logged loss (the optimiser's ``weight_decay``), as users set it."""
    clip_norm: float = 0.0
    """Global gradient-norm clip (0: none)."""
    batch_size: int = 32
    epochs: int = 10
    train_size: float = 0.7
    """Fraction or number of training samples (bytes for ``pysrc``)."""
    label_noise: float = 0.0
    shuffle_labels: bool = False
    """Training and validation labels permuted: nothing to learn but the class prior."""
    zero_inputs: bool = False
    """Every input set to 0: nothing to learn but the class prior."""
    schedule: str = "constant"
    schedule_at: tuple[float, ...] = ()
    """Fractions of the run: the warm-up end (``warmup_cosine``) or the drops (``step``)."""
    schedule_factor: float = 0.1
    """Multiplier at each ``step`` drop, or over the whole run for ``exponential``."""
    bursts: tuple[tuple[int, float, int], ...] = ()
    """LR bursts: ``(first step, factor, number of steps)``."""
    bad_batches: tuple[int, ...] = ()
    """Optimizer steps whose batch is broken (inputs x :data:`BAD_INPUT_SCALE`, labels permuted)."""
    log_every: int = 1
    """Training loss logged every N steps (Keras ``update_freq``, Lightning ``log_every_n_steps``,
    HF ``logging_steps``); 0: once per epoch only."""
    eval_every: int = 0
    """Validation every N steps (HF ``eval_steps``, Lightning ``val_check_interval``); 0: at each epoch end."""
    after_nonfinite: int = 30
    """Optimizer steps still run (and logged) after the loss first becomes NaN/Inf (the ``hf`` layout trains on
    to the end, as the Trainer does)."""

    def key(self) -> str:
        """Hash of the config and the generator version: the cache key."""
        text = json.dumps({"version": GENERATOR_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __post_init__(self) -> None:
        if self.intended not in ("healthy",) + KINDS:
            raise ValueError(f"{self.name}: unknown intended class {self.intended!r}")
        if self.layout not in LAYOUTS or self.schedule not in SCHEDULES:
            raise ValueError(f"{self.name}: unknown layout {self.layout!r} or schedule {self.schedule!r}")

    @property
    def framework(self) -> str:
        return "keras" if self.layout == "keras" else "torch"


BAD_INPUT_SCALE = 30.0
"""A broken batch's inputs are multiplied by this (a skipped normalisation)."""


def learning_rate(config: Config, step: int, total: int) -> float:
    """The learning rate at optimizer step ``step`` (0-based) of ``total``: schedule times any burst."""
    frac = step / max(1, total)
    factor = 1.0
    if config.schedule == "warmup_cosine":
        warm = config.schedule_at[0]
        if frac < warm:
            factor = (step + 1) / max(1.0, warm * total)
        else:
            progress = (frac - warm) / max(1e-9, 1 - warm)
            factor = COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * progress))
    elif config.schedule == "step":
        factor = config.schedule_factor ** sum(frac >= at for at in config.schedule_at)
    elif config.schedule == "exponential":
        factor = config.schedule_factor**frac
    for first, burst, length in config.bursts:
        if first <= step < first + length:
            factor *= burst
    return config.lr * factor
