"""Every run of the library: families of configs that cause one behaviour each, varied by data, seed and layout.

A family is a function returning configs; :func:`catalogue` joins them. The
seeds cycle so that each family lands in both splits (see
:func:`bench.library.label.split_of`), and the layouts cycle so that every
behaviour is written by several writers.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from .config import Config
from .data import load
from .label import split_of

TARGET_STEPS = 900
"""Per-step runs last about this many optimizer steps (epochs are rounded to reach it)."""
MAX_EPOCHS = 150
"""Epoch-level curves stay short enough to be read as epochs (tiny datasets get fewer steps instead)."""
KERAS_MAX_EPOCHS = 40
"""Keras spends most of its time per epoch (validation, callbacks), so its runs are kept to this many."""
TORCH_LAYOUTS = ("torch", "lightning", "hf")


@lru_cache(maxsize=None)
def train_count(dataset: str, train_size: float = 0.7) -> int:
    return len(load(dataset, 0, train_size).y_train)


def epochs_for(dataset: str, batch: int, steps: int = TARGET_STEPS, train_size: float = 0.7,
               layout: str = "torch") -> int:
    """Epochs that make about ``steps`` optimizer steps (at least 3, at most the layout's maximum)."""
    per_epoch = max(1, train_count(dataset, train_size) // min(batch, train_count(dataset, train_size)))
    return min(KERAS_MAX_EPOCHS if layout == "keras" else MAX_EPOCHS, max(3, round(steps / per_epoch)))


def run_name(family: str, layout: str, detail: str, seed: int) -> str:
    """``family/layout/detail_sSEED``; Lightning's logger adds ``lightning_logs/version_N`` itself."""
    if layout == "lightning":
        return f"{family}/lightning/{detail}/lightning_logs/version_{seed}"
    return f"{family}/{layout}/{detail}_s{seed}"


def _cycle(options, i: int):
    return options[i % len(options)]


def healthy_noisy() -> Iterator[Config]:
    """Adam at batch sizes 4-256, every step logged: noisy, heavy-tailed, nothing wrong."""
    small, large = ("wine", "moons", "digits", "classification"), ("digits", "classification")
    for i, batch in enumerate((4, 8, 16, 32, 64, 128, 256, 8, 16, 4, 32, 64, 4, 8, 128, 16)):
        dataset = _cycle(large if batch >= 64 else small, i)
        layout, seed = _cycle(TORCH_LAYOUTS, i), i
        lr = 3e-3 if batch >= 128 else 1e-3
        yield Config(
            run_name("healthy", layout, f"{dataset}_bs{batch}", seed), "healthy", layout, dataset, seed,
            f"MLP with dropout and weight decay on {dataset}, Adam {lr:g}, batch {batch}, every step logged: "
            "a noisy but healthy curve.",
            widths=(64,), dropout=0.2, weight_decay=0.1, lr=lr, batch_size=batch,
            epochs=epochs_for(dataset, batch, layout=layout), log_every=1 if layout != "hf" else 10,
            eval_every=0 if layout != "hf" else 50,
        )


def healthy_schedules() -> Iterator[Config]:
    """Warm-up + cosine, step decay and exponential decay: the drops and bends of a schedule are healthy."""
    plans = (
        ("warmup_cosine", (0.1,), 0.1, "adam", 3e-3),
        ("step", (0.5, 0.75), 0.1, "sgd", 0.05),
        ("exponential", (), 0.01, "adam", 3e-3),
        ("step", (0.33, 0.66), 0.2, "sgd", 0.1),
        ("warmup_cosine", (0.05,), 0.1, "sgd", 0.1),
    )
    datasets = ("digits", "classification", "moons", "digits", "classification")
    for i in range(10):
        schedule, at, factor, opt, lr = _cycle(plans, i)
        dataset, layout, seed, batch = _cycle(datasets, i), _cycle(TORCH_LAYOUTS + ("keras",), i), 20 + i, 32
        yield Config(
            run_name("schedule", layout, f"{dataset}_{schedule}", seed), "healthy", layout, dataset, seed,
            f"MLP on {dataset}, {opt} {lr:g} with a {schedule} schedule (logged LR): the loss bends and drops "
            "where the learning rate changes; nothing is wrong.",
            widths=(64,), dropout=0.2, weight_decay=0.1 if opt == "adam" else 1e-3, optimizer=opt, lr=lr,
            momentum=0.9 if opt == "sgd" else 0,
            batch_size=batch, epochs=epochs_for(dataset, batch, 1200, layout=layout), schedule=schedule, schedule_at=at,
            schedule_factor=factor, log_every=_cycle((1, 5, 10, 5), i), eval_every=0 if layout != "hf" else 60,
        )


def healthy_zeros() -> Iterator[Config]:
    """Multi-class hinge loss at batch 4-8 on easy data: many batches score exactly 0.0."""
    datasets = ("breast_cancer", "moons", "wine", "iris", "digits")
    for i in range(8):
        dataset, layout, seed, batch = _cycle(datasets, i), _cycle(TORCH_LAYOUTS, i), 40 + i, _cycle((4, 8), i)
        yield Config(
            run_name("hinge", layout, f"{dataset}_bs{batch}", seed), "healthy", layout, dataset, seed,
            f"MLP with a multi-class hinge loss on {dataset}, batch {batch}: once fitted, many batch losses are "
            "exactly 0.0; healthy.",
            widths=(32,), weight_decay=1e-2, loss="hinge", lr=1e-3, batch_size=batch,
            epochs=epochs_for(dataset, batch, 1500, layout=layout), log_every=1, eval_every=0 if layout != "hf" else 50,
        )


def healthy_converged() -> Iterator[Config]:
    """A high learning rate on easy data: a steep first drop, then a long converged tail (epoch logging)."""
    datasets = ("iris", "moons", "classification", "wine", "digits")
    for i in range(8):
        dataset, layout, seed = _cycle(datasets, i), _cycle(("keras", "torch", "keras", "lightning"), i), 60 + i
        yield Config(
            run_name("converged", layout, f"{dataset}_fast", seed), "healthy", layout, dataset, seed,
            f"Small MLP on {dataset}, Adam 0.01 with weight decay: most of the loss goes in the first epochs, "
            "then both curves sit converged.",
            widths=(32,), dropout=0.3, weight_decay=0.2, lr=1e-2, batch_size=32, epochs=20,
            log_every=0 if layout != "lightning" else 5,
        )


def healthy_keras_batches() -> Iterator[Config]:
    """Keras with ``update_freq``: ``batch_loss`` beside ``epoch_loss``, nothing wrong."""
    datasets = ("digits", "classification", "moons")
    for i in range(6):
        dataset, seed, freq = _cycle(datasets, i), 70 + i, _cycle((5, 10, 2), i)
        yield Config(
            run_name("keras_batches", "keras", f"{dataset}_uf{freq}", seed), "healthy", "keras", dataset, seed,
            f"MLP on {dataset} logged by Keras' callback with update_freq={freq}: healthy.",
            widths=(64,), dropout=0.2, weight_decay=0.1, lr=1e-3, batch_size=16,
            epochs=max(10, epochs_for(dataset, 16, 800, layout="keras")), log_every=freq,
        )


def healthy_bytes() -> Iterator[Config]:
    """A byte-level language model on standard-library source: a long, smooth, healthy descent."""
    for i in range(3):
        layout, seed = _cycle(TORCH_LAYOUTS, i), 80 + i
        yield Config(
            run_name("bytes", layout, "pysrc_lm", seed), "healthy", layout, "pysrc", seed,
            "Byte-level MLP language model (8-byte context) on Python standard-library source, Adam 2e-3: healthy.",
            widths=(128,), lr=2e-3, batch_size=64, epochs=2, log_every=_cycle((1, 5, 10), i), eval_every=100,
        )


def overfit_tiny() -> Iterator[Config]:
    """A big unregularised MLP on a tiny training subset with some wrong labels, trained long."""
    subsets = (("digits", 150), ("breast_cancer", 60), ("classification", 150), ("wine", 40), ("iris", 30),
               ("moons", 60), ("digits", 200), ("classification", 100))
    layouts = ("keras", "torch", "lightning", "hf")
    for i in range(24):
        (dataset, size), layout, seed = _cycle(subsets, i), _cycle(layouts, i // 2 + i), 100 + i
        batch = _cycle((16, 32, 8), i)
        yield Config(
            run_name("tiny_subset", layout, f"{dataset}_{size}", seed), "overfitting", layout, dataset, seed,
            f"Unregularised 256x256 MLP on {size} {dataset} samples with 20% wrong labels, Adam 1e-3: validation "
            "reaches its minimum, then rises while training keeps falling.",
            widths=(256, 256), lr=1e-3, batch_size=batch, train_size=size, label_noise=0.2,
            epochs=epochs_for(dataset, batch, 1500, size, layout), log_every=_cycle((1, 5, 0, 2), i),
            eval_every=0 if layout != "hf" else 25,
        )
    for i in range(2):
        layout, seed = _cycle(TORCH_LAYOUTS, i), 120 + i
        yield Config(
            run_name("tiny_subset", layout, "pysrc_4k", seed), "overfitting", layout, "pysrc", seed,
            "Byte-level MLP language model with 256 hidden units on 4,000 bytes of standard-library source: it "
            "memorises the text and its validation loss climbs.",
            widths=(256,), lr=3e-3, batch_size=64, train_size=4000, epochs=20, log_every=5, eval_every=50,
        )


def underfit_small() -> Iterator[Config]:
    """Too-small models: linear (loss crawls from about ln C) or a 1-2 unit bottleneck."""
    plans = (("digits", (), "sgd", 2e-4), ("classification", (), "sgd", 1e-3), ("digits", (1,), "adam", 1e-3),
             ("classification", (2,), "adam", 1e-3), ("digits", (), "sgd", 5e-4))
    layouts = ("torch", "keras", "lightning", "hf")
    for i in range(8):
        (dataset, widths, opt, lr), layout, seed = _cycle(plans, i), _cycle(layouts, i), 200 + i
        model = "linear model" if not widths else f"MLP with a {widths[0]}-unit hidden layer"
        yield Config(
            run_name("too_small", layout, f"{dataset}_w{''.join(map(str, widths)) or 0}", seed), "underfitting",
            layout, dataset, seed,
            f"A {model} on {dataset}, {opt} {lr:g}: the loss crawls down from near chance level and stays high, "
            "training and validation together.",
            widths=widths, optimizer=opt, lr=lr, batch_size=32, epochs=epochs_for(dataset, 32, 900, layout=layout),
            log_every=_cycle((1, 0, 5, 10), i), eval_every=0 if layout != "hf" else 50,
        )


def underfit_chance() -> Iterator[Config]:
    """Nothing to learn: labels permuted or inputs zeroed, so the loss sits at ln C (accuracy at the prior)."""
    datasets = ("digits", "wine", "classification", "breast_cancer", "moons", "iris")
    layouts = ("torch", "keras", "lightning", "hf")
    for i in range(7):
        dataset, layout, seed, zeroed = _cycle(datasets, i), _cycle(layouts, i), 220 + i, i % 2 == 1
        how = "inputs all zero" if zeroed else "labels permuted"
        yield Config(
            run_name("chance", layout, f"{dataset}_{'zeros' if zeroed else 'shuffled'}", seed), "underfitting",
            layout, dataset, seed,
            f"Small MLP on {dataset} with {how}: only the class prior can be learned; the loss stays at the "
            "chance level and the accuracy at the prior.",
            widths=(16,), lr=1e-3, weight_decay=0.1, batch_size=32, epochs=epochs_for(dataset, 32, 600, layout=layout),
            zero_inputs=zeroed, shuffle_labels=not zeroed, log_every=_cycle((1, 0, 5, 10), i),
            eval_every=0 if layout != "hf" else 40,
        )


def underfit_l2() -> Iterator[Config]:
    """A weight decay so heavy that the weights cannot grow: both losses stay high together."""
    datasets = ("digits", "breast_cancer", "wine", "classification", "moons")
    layouts = ("keras", "torch", "hf", "lightning")
    for i in range(6):
        dataset, layout, seed = _cycle(datasets, i), _cycle(layouts, i), 240 + i
        yield Config(
            run_name("heavy_decay", layout, f"{dataset}_wd", seed), "underfitting", layout, dataset, seed,
            f"MLP on {dataset} with SGD and a weight decay of {_cycle((0.3, 0.5, 1.0), i)}: the penalty holds the "
            "weights near zero and the "
            "loss stays high on both splits.",
            widths=(64,), optimizer="sgd", lr=0.05, weight_decay=_cycle((0.3, 0.5, 1.0), i), batch_size=32,
            epochs=epochs_for(dataset, 32, 700, layout=layout), log_every=_cycle((0, 1, 10, 5), i),
            eval_every=0 if layout != "hf" else 50,
        )


def plateau_lr_cut() -> Iterator[Config]:
    """The learning rate cut to ~0 (x1e-4) early, while the loss was still falling fast; the LR is logged."""
    plans = (("digits", 0.15), ("classification", 0.2), ("pysrc", 0.1), ("digits", 0.25), ("moons", 0.15),
             ("classification", 0.15), ("wine", 0.2))
    layouts = ("torch", "lightning", "hf", "keras")
    for i in range(14):
        (dataset, at), layout, seed = _cycle(plans, i), _cycle(layouts, i), 300 + i
        if dataset == "pysrc" and layout == "keras":
            layout = "torch"
        lm = dataset == "pysrc"
        batch = 64 if lm else 32
        yield Config(
            run_name("lr_cut", layout, f"{dataset}_at{int(at * 100)}", seed), "plateau", layout, dataset, seed,
            f"MLP on {dataset}, Adam 1e-3: at {at:.0%} of the run the learning rate is cut 10,000-fold while the "
            "loss is still falling fast; the loss stops dead (the logged learning rate shows the cut).",
            widths=(128,) if lm else (64,), lr=1e-3, batch_size=batch,
            epochs=1 if lm else epochs_for(dataset, batch, 1000, layout=layout), schedule="step", schedule_at=(at,),
            schedule_factor=1e-4, log_every=0 if layout == "keras" else _cycle((1, 2, 10), i),
            eval_every=0 if layout != "hf" else 50,
        )


def plateau_sigmoid() -> Iterator[Config]:
    """A deep sigmoid MLP under SGD: stuck near chance (vanishing gradients), then it breaks out."""
    datasets = ("digits", "classification")
    layouts = ("torch", "keras", "lightning", "hf")
    for i in range(9):
        dataset, layout, seed = _cycle(datasets, i), _cycle(layouts, i), 320 + i
        keras = layout == "keras"  # Keras' Glorot initialisation escapes sooner: plain SGD 0.5 as in the demo
        lr, momentum = (0.5, 0.0) if keras else (1.0, 0.5)
        yield Config(
            run_name("sigmoid_stall", layout, f"{dataset}_deep", seed), "plateau", layout, dataset, seed,
            f"Four-layer sigmoid MLP on {dataset} with SGD {lr:g} (momentum {momentum:g}): a long stall near "
            "chance level, then a break-out.",
            widths=(32,) * 4, activation="sigmoid", optimizer="sgd", lr=lr, momentum=momentum, batch_size=64,
            epochs=epochs_for(dataset, 64, 1400, layout=layout), log_every=0 if keras else _cycle((1, 5, 10), i),
            eval_every=0 if layout != "hf" else 50,
        )


def spike_lr_burst() -> Iterator[Config]:
    """Learning-rate bursts (x20-100 for 1-3 steps) under SGD with momentum, per-step curves: a jump, then recovery."""
    datasets = ("classification", "digits", "breast_cancer", "moons", "pysrc")
    for i in range(16):
        dataset, layout, seed = _cycle(datasets, i), _cycle(TORCH_LAYOUTS, i), 400 + i
        factor, length = _cycle((50, 20, 100, 30), i), _cycle((2, 3, 1), i)
        at = _cycle(((250, 550), (300, 500, 700), (400,), (200, 650)), i)
        lm = dataset == "pysrc"
        yield Config(
            run_name("lr_burst", layout, f"{dataset}_x{factor}", seed), "spike", layout, dataset, seed,
            f"MLP on {dataset}, SGD {0.1 if lm else 0.05:g} with momentum and gradient clipping, the learning rate "
            f"raised x{factor} for {length} step(s) at steps {list(at)}: each burst throws the loss up, and it "
            "recovers.",
            widths=(128,) if lm else (64,), optimizer="sgd", lr=0.1 if lm else 0.05, momentum=0.9, clip_norm=5.0,
            batch_size=64 if lm else 32, epochs=1 if lm else epochs_for(dataset, 32, 900, layout=layout),
            bursts=tuple((s, float(factor), length) for s in at), log_every=_cycle((1, 1, 2), i),
            eval_every=0 if layout != "hf" else 100,
        )


def spike_bad_batches() -> Iterator[Config]:
    """A few broken batches (unnormalised inputs, permuted labels) in the stream of a per-step run."""
    datasets = ("digits", "classification", "wine", "breast_cancer", "moons", "iris")
    for i in range(7):
        dataset, layout, seed = _cycle(datasets, i), _cycle(TORCH_LAYOUTS, i), 420 + i
        bad = _cycle(((150, 420, 700), (200, 500), (120, 380, 640)), i)
        yield Config(
            run_name("bad_batches", layout, f"{dataset}_{len(bad)}bad", seed), "spike", layout, dataset, seed,
            f"MLP on {dataset}, SGD 0.05 with momentum and gradient clipping; the batches at steps {list(bad)} "
            "are broken (inputs x30, labels permuted): the loss spikes there and recovers.",
            widths=(64,), optimizer="sgd", lr=0.05, momentum=0.9, clip_norm=20.0, batch_size=16,
            epochs=epochs_for(dataset, 16, 900, layout=layout), bad_batches=bad, log_every=1,
            eval_every=0 if layout != "hf" else 100,
        )


def spike_keras_batches() -> Iterator[Config]:
    """Keras ``update_freq`` runs with LR bursts early in an epoch: visible in ``batch_loss``, averaged away in
    ``epoch_loss``."""
    datasets = ("classification", "digits", "breast_cancer", "moons", "classification")
    for i in range(7):
        dataset, seed, freq, factor = _cycle(datasets, i), 440 + i, _cycle((1, 2, 5), i), _cycle((20, 30), i)
        per_epoch = train_count(dataset) // 16
        at = tuple(e * per_epoch + 2 for e in _cycle(((3, 8), (4, 9, 13), (5,)), i))
        yield Config(
            run_name("keras_burst", "keras", f"{dataset}_uf{freq}", seed), "spike", "keras", dataset, seed,
            f"MLP on {dataset} logged by Keras' callback with update_freq={freq}, SGD 0.05 with momentum; the "
            f"learning rate is raised x{factor} for 1 step early in some epochs (steps {list(at)}): spikes in "
            "batch_loss (Keras' running mean of the epoch so far), much less in epoch_loss.",
            widths=(64,), optimizer="sgd", lr=0.05, momentum=0.9, clip_norm=5.0, batch_size=16, epochs=16,
            bursts=tuple((s, float(factor), 1) for s in at), log_every=freq,
        )


def diverge_high_lr() -> Iterator[Config]:
    """A learning rate that grows without a cap (or starts too high): the loss explodes to Inf/NaN."""
    plans = (("diabetes", "sgd", 1e-3, 1e4), ("digits", "sgd", 0.01, 1e4), ("classification", "sgd", 0.01, 3e3),
             ("diabetes", "sgd", 3e-3, 3e3), ("breast_cancer", "sgd", 0.01, 1e4))
    layouts = ("keras", "torch", "lightning", "hf")
    for i in range(10):
        (dataset, opt, lr, growth), layout, seed = _cycle(plans, i), _cycle(layouts, i), 500 + i
        yield Config(
            run_name("lr_growth", layout, f"{dataset}_{opt}", seed), "divergence", layout, dataset, seed,
            f"MLP on {dataset}, {opt} starting at {lr:g} with the learning rate growing {growth:g}-fold over "
            "the run: the loss falls, then explodes and becomes non-finite.",
            widths=(64,), optimizer=opt, lr=lr, momentum=0.9 if opt == "sgd" else 0, batch_size=32,
            epochs=epochs_for(dataset, 32, 900, layout=layout), schedule="exponential", schedule_factor=growth,
            log_every=_cycle((0, 1, 5, 10), i), eval_every=0 if layout != "hf" else 50,
        )


def diverge_early() -> Iterator[Config]:
    """A byte-level LM whose SGD learning rate is far too high from the start: it blows up early and turns NaN."""
    for i in range(4):
        layout, seed, lr = _cycle(TORCH_LAYOUTS, i), 520 + i, _cycle((1.0, 2.0), i)
        yield Config(
            run_name("early_blowup", layout, "pysrc_sgd", seed), "divergence", layout, "pysrc", seed,
            f"Byte-level MLP language model, SGD {lr:g} with momentum (far too high) and growing 100-fold over "
            "the run: the loss jumps above its start within the first steps and turns NaN.",
            widths=(128,), optimizer="sgd", lr=lr, momentum=0.9, batch_size=64, epochs=1, schedule="exponential",
            schedule_factor=100.0, log_every=_cycle((1, 2, 5), i), eval_every=100,
        )


def diverge_collapse() -> Iterator[Config]:
    """A huge LR burst kills every ReLU: the output freezes at the class prior (loss ln C, accuracy at the prior)."""
    datasets = ("digits", "wine", "classification", "iris", "digits", "moons")
    layouts = ("torch", "keras", "lightning", "hf")
    for i in range(7):
        dataset, layout, seed = _cycle(datasets, i), _cycle(layouts, i), 540 + i
        total = epochs_for(dataset, 32, 900, layout=layout) * max(1, train_count(dataset) // 32)
        yield Config(
            run_name("dead_relu", layout, f"{dataset}_collapse", seed), "divergence", layout, dataset, seed,
            f"ReLU MLP on {dataset}, SGD 0.01; at 30% of the run the learning rate is raised x1000 for 3 steps: "
            "the loss blows up, every ReLU dies, and the loss freezes at the chance level.",
            widths=(64, 64), optimizer="sgd", lr=0.01, momentum=0.9, batch_size=32,
            epochs=epochs_for(dataset, 32, 900, layout=layout), bursts=((int(0.3 * total), 1000.0, 3),),
            log_every=_cycle((1, 0, 5, 10), i), eval_every=0 if layout != "hf" else 50,
        )


def diverge_no_nan() -> Iterator[Config]:
    """Adam whose learning rate grows without a cap: Adam's bounded steps keep it finite, the loss explodes anyway."""
    plans = (("pysrc", 0.5, 1e3), ("classification", 0.05, 1e4), ("pysrc", 0.05, 1e4), ("digits", 0.05, 1e4),
             ("classification", 0.1, 1e4))
    for i in range(6):
        (dataset, lr, growth), layout, seed = _cycle(plans, i), _cycle(TORCH_LAYOUTS, i), 560 + i
        lm = dataset == "pysrc"
        yield Config(
            run_name("adam_growth", layout, f"{dataset}_x{growth:g}", seed), "divergence", layout, dataset, seed,
            f"MLP on {dataset}, Adam from {lr:g} with the learning rate growing {growth:g}-fold over the run: "
            "the loss explodes to many times its start and keeps climbing, without turning NaN.",
            widths=(128,) if lm else (64,), lr=lr, batch_size=64 if lm else 32,
            epochs=1 if lm else epochs_for(dataset, 32, 900, layout=layout), schedule="exponential",
            schedule_factor=growth, log_every=_cycle((1, 2, 5), i), eval_every=0 if layout != "hf" else 50,
        )


FAMILIES = (
    healthy_noisy, healthy_schedules, healthy_zeros, healthy_converged, healthy_keras_batches, healthy_bytes,
    overfit_tiny, underfit_small, underfit_chance, underfit_l2, plateau_lr_cut, plateau_sigmoid,
    spike_lr_burst, spike_bad_batches, spike_keras_batches, diverge_high_lr, diverge_early, diverge_collapse,
    diverge_no_nan,
)


#: Added to every run's seed for a second draw of the catalogue (other initial weights, batches and
#: splits), of which only the runs the split rule puts in ``tune`` are kept: more runs to choose
#: parameters on, the test split unchanged.
SECOND_DRAW = 1000


def redrawn(configs: list[Config], offset: int) -> Iterator[Config]:
    """``configs`` again with ``offset`` added to their seeds and run names (other initial weights, batches and
    splits)."""
    for config in configs:
        seed = config.seed + offset
        name = re.sub(rf"(_s|version_){config.seed}$", rf"\g<1>{seed}", config.name)
        yield replace(config, seed=seed, name=name)


def second_draw(configs: list[Config], offset: int = SECOND_DRAW) -> Iterator[Config]:
    """``configs`` again with ``offset`` added to their seeds, the tune-split ones only."""
    return (c for c in redrawn(configs, offset) if split_of(c.dataset, c.seed) == "tune")


def catalogue(fresh_draw: int | None = None) -> list[Config]:
    """Every config of the library (the families, then their second draw), names unique.

    With ``fresh_draw``, the families alone with that added to every seed, in both splits: runs of the same
    kinds that no parameter was chosen on, to see whether what was tuned on the library holds beyond it.
    """
    first = list(itertools.chain.from_iterable(family() for family in FAMILIES))
    configs = list(redrawn(first, fresh_draw)) if fresh_draw else first + list(second_draw(first))
    names = [c.name for c in configs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate run names: {sorted(duplicates)}")
    return configs
