"""Training setups that really produce each loss-curve behaviour.

Each scenario is a function ``(variant) -> Setup``: a compiled Keras model,
its data and how to fit it, plus what a correct diagnosis must report. The
curves are whatever the optimiser produces; nothing is drawn by hand. A
variant changes the seed, the dataset and the model width, so a detector
cannot be tuned to one curve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from .data import Data, load, with_label_noise


@dataclass(frozen=True)
class Variant:
    """Which copy of a scenario to build: ``index`` 0 is the default run."""

    seed: int
    index: int = 0

    def pick(self, options: list):
        """The option for this variant, cycling through ``options``."""
        return options[self.index % len(options)]


@dataclass
class Setup:
    """A real training run ready to fit, and the label its curve deserves."""

    model: keras.Model
    data: Data
    epochs: int
    batch_size: int
    expected: list[str]
    description: str
    callbacks: list[keras.callbacks.Callback] = field(default_factory=list)
    train_stream: tf.data.Dataset | None = None
    """Batches to train on in order (instead of shuffled ``data``), with ``steps_per_epoch``."""
    steps_per_epoch: int | None = None
    spike_batches: list[int] = field(default_factory=list)
    """Optimizer steps (0-based) of the broken batches that cause spikes."""

    def fit(self, callbacks: list[keras.callbacks.Callback]) -> keras.callbacks.History:
        """Train, with the layout's logging ``callbacks`` added to the scenario's own."""
        val = (self.data.x_val, self.data.y_val)
        common = {
            "epochs": self.epochs,
            "validation_data": val,
            "validation_batch_size": len(self.data.y_val),
            "callbacks": self.callbacks + callbacks,
            "verbose": 0,
        }
        if self.train_stream is not None:
            return self.model.fit(
                self.train_stream,
                steps_per_epoch=self.steps_per_epoch,
                shuffle=False,
                **common,
            )
        return self.model.fit(self.data.x_train, self.data.y_train, batch_size=self.batch_size, **common)


def mlp(
    data: Data,
    widths: list[int],
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    l2: float = 0.0,
    batchnorm: bool = False,
) -> keras.Model:
    """A plain MLP with the output layer that ``data`` needs."""
    reg = keras.regularizers.L2(l2) if l2 else None
    layers: list = [keras.Input((data.features,))]
    for width in widths:
        layers.append(keras.layers.Dense(width, kernel_regularizer=reg))
        if batchnorm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.Activation(activation))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(data.classes or 1, kernel_regularizer=reg))
    return keras.Sequential(layers)


def compiled(model: keras.Model, data: Data, optimizer: keras.optimizers.Optimizer) -> keras.Model:
    """Compile with cross-entropy (+ accuracy) for classes, mean squared error for regression."""
    if data.classes:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    else:
        model.compile(optimizer=optimizer, loss="mse")
    return model


def healthy(v: Variant) -> Setup:
    """A regularised MLP with plenty of data: both losses fall and settle."""
    data = load(v.pick(["digits", "breast_cancer", "wine"]), v.seed)
    model = mlp(data, [v.pick([64, 32, 48])], dropout=0.2, l2=1e-4)
    return Setup(
        compiled(model, data, keras.optimizers.Adam(1e-3)),
        data,
        epochs=30,
        batch_size=32,
        expected=[],
        description=f"Regularised MLP (dropout, L2) on {data.name}: train and validation both fall and settle.",
    )


def overfitting(v: Variant) -> Setup:
    """A big unregularised MLP on a small training subset with noisy labels, trained for long."""
    name = v.pick(["digits", "breast_cancer", "digits"])
    clean = load(name, v.seed, train_size={"digits": 300, "breast_cancer": 120}[name])
    data = with_label_noise(clean, 0.2, v.seed)
    width = v.pick([512, 256, 384])
    model = mlp(data, [width, width])
    return Setup(
        compiled(model, data, keras.optimizers.Adam(1e-3)),
        data,
        epochs=60,
        batch_size=32,
        expected=["overfitting"],
        description=(
            f"Unregularised {width}x{width} MLP on {len(data.y_train)} {data.name} samples, 20% of their labels "
            "wrong: validation loss reaches its minimum, then rises steadily while training loss keeps falling "
            "(the network memorises the noise)."
        ),
    )


def underfitting(v: Variant) -> Setup:
    """A linear model under a heavy L2 penalty: it cannot fit even the training data."""
    data = load(v.pick(["digits", "breast_cancer", "wine"]), v.seed)
    model = keras.Sequential(
        [
            keras.Input((data.features,)),
            keras.layers.Dense(
                data.classes,
                kernel_initializer="zeros",
                kernel_regularizer=keras.regularizers.L2(10.0),
            ),
        ]
    )
    return Setup(
        compiled(model, data, keras.optimizers.Adam(1e-3)),
        data,
        epochs=30,
        batch_size=32,
        expected=["underfitting"],
        description=(
            f"Linear model with a heavy L2 penalty on {data.name}: both losses stay high, close together, "
            "with little progress."
        ),
    )


def plateau(v: Variant) -> Setup:
    """A deep sigmoid MLP under plain SGD: a long flat stretch before it breaks out."""
    name, batch = v.pick([("digits", 64), ("wine", 16), ("digits", 64)])
    data = load(name, v.seed)
    model = mlp(data, [v.pick([32, 32, 48])] * 4, activation="sigmoid")
    return Setup(
        compiled(model, data, keras.optimizers.SGD(0.5)),
        data,
        epochs=60,
        batch_size=batch,
        expected=["plateau"],
        description=(
            f"Four-layer sigmoid MLP with plain SGD on {data.name}: the loss sits near chance level "
            "for a long stretch (vanishing gradients), then breaks out and falls."
        ),
    )


def spikes(v: Variant) -> Setup:
    """Training whose data stream carries a few broken batches: real spikes, then recovery."""
    data = load(v.pick(["digits", "breast_cancer", "wine"]), v.seed)
    batch, steps_per_epoch, epochs = 32, 8, 40
    bad_steps = v.pick([[80, 160, 240], [64, 144, 232], [96, 176, 256]])
    rng = np.random.default_rng(v.seed)
    x, y = _stream(data, batch * steps_per_epoch * epochs, rng)
    for step in bad_steps:
        bad = slice(step * batch, (step + 1) * batch)
        x[bad] *= 30.0  # skipped normalisation
        y[bad] = rng.permutation(y[bad])  # and misaligned labels
    stream = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)
    model = mlp(data, [v.pick([128, 64, 96])])
    return Setup(
        compiled(model, data, keras.optimizers.SGD(0.05, momentum=0.9, global_clipnorm=20.0)),
        data,
        epochs=epochs,
        batch_size=batch,
        expected=["spike"],
        description=(
            f"MLP on {data.name} (SGD with momentum, gradient clipping) whose data stream has {len(bad_steps)} "
            f"broken batches (unnormalised inputs, shuffled labels) at optimizer steps {bad_steps}: each jolts "
            f"the weights, both losses spike and recover. Epochs are {steps_per_epoch} steps long, so the epoch "
            "loss shows each spike."
        ),
        train_stream=stream,
        steps_per_epoch=steps_per_epoch,
        spike_batches=bad_steps,
    )


def _stream(data: Data, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` training samples in shuffled passes over the training set."""
    passes = -(-n // len(data.y_train))
    order = np.concatenate([rng.permutation(len(data.y_train)) for _ in range(passes)])[:n]
    return data.x_train[order].copy(), data.y_train[order]


class StopAfterNonFinite(keras.callbacks.Callback):
    """Stop ``extra`` epochs after the loss first becomes NaN/Inf.

    ``TerminateOnNaN`` would stop at once; a few more logged epochs show
    that the run does not recover.
    """

    def __init__(self, extra: int = 3):
        super().__init__()
        self.extra = extra
        self.first: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.first is None and not np.isfinite((logs or {}).get("loss", 0.0)):
            self.first = epoch
        if self.first is not None and epoch >= self.first + self.extra:
            self.model.stop_training = True


def diverging(v: Variant) -> Setup:
    """SGD whose learning-rate warm-up overshoots: the loss falls, then explodes to Inf/NaN."""
    data = load("diabetes", v.seed)  # a classifier would first fit to ~0 loss, then fail: a murkier curve
    model = mlp(data, [v.pick([32, 64, 16])])
    growth = 1.5
    warmup = keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * growth**epoch)
    return Setup(
        compiled(model, data, keras.optimizers.SGD(1e-3)),
        data,
        epochs=60,
        batch_size=32,
        expected=["divergence"],
        description=(
            f"MLP on {data.name} with an SGD learning rate that grows {growth}x per epoch without a cap: "
            "the loss falls, then explodes and becomes non-finite."
        ),
        callbacks=[warmup, StopAfterNonFinite()],
    )


def _comparison(v: Variant, improved: bool) -> Setup:
    """The shared model of the baseline pair; ``improved`` adds BatchNorm and a higher learning rate."""
    data = load(v.pick(["digits", "breast_cancer", "wine"]), v.seed)
    width = v.pick([128, 64, 96])
    model = mlp(data, [width, width], batchnorm=improved, dropout=0.1)
    lr = 0.05 if improved else 0.01
    which = "with BatchNorm and a 5x learning rate: reaches a lower loss faster" if improved else "the baseline"
    return Setup(
        compiled(model, data, keras.optimizers.SGD(lr)),
        data,
        epochs=30,
        batch_size=32,
        expected=[],
        description=f"{width}x{width} MLP on {data.name}, SGD {lr}, {which}.",
    )


def baseline(v: Variant) -> Setup:
    """The reference run of the baseline comparison."""
    return _comparison(v, improved=False)


def improved(v: Variant) -> Setup:
    """The same model as ``baseline`` with BatchNorm and a higher learning rate: lower loss, sooner."""
    return _comparison(v, improved=True)


SCENARIOS: dict[str, Callable[[Variant], Setup]] = {
    "healthy": healthy,
    "overfitting": overfitting,
    "underfitting": underfitting,
    "plateau": plateau,
    "spikes": spikes,
    "diverging": diverging,
    "baseline": baseline,
    "improved": improved,
}
