"""The library's datasets: all ship inside an installed package, so nothing is downloaded.

- scikit-learn's bundled tables (``digits``, ``wine``, ``breast_cancer``, ``iris``,
  ``diabetes``), split and standardised by :func:`demo.data.load`;
- scikit-learn's generators (``moons``, ``classification``), drawn with a fixed seed;
- ``pysrc``: a byte-level language-modelling set cut from the source of Python's
  own standard library (read with :mod:`inspect`), 256 classes.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
from sklearn import datasets

from demo.data import Data, load as load_bundled, split, with_label_noise

__all__ = ["Data", "load", "with_label_noise", "TEXT_MODULES", "CONTEXT"]

GENERATED_SEED = 1234
"""Seed of the generated tables: the table is the same for every run; the split varies with the run's seed."""
GENERATED = {
    "moons": lambda: datasets.make_moons(n_samples=1000, noise=0.25, random_state=GENERATED_SEED),
    "classification": lambda: datasets.make_classification(
        n_samples=2000, n_features=20, n_informative=8, n_classes=4, n_clusters_per_class=2,
        random_state=GENERATED_SEED,
    ),
}
TEXT_MODULES = ("textwrap", "difflib", "argparse", "string", "fractions", "calendar", "shlex", "heapq")
"""Standard-library modules whose source is the byte-level text (read in this order)."""
CONTEXT = 8
"""Bytes of context the byte-level model sees before the byte it predicts."""
TEXT_VAL_BYTES = 4_000
"""Bytes held out for validation, taken from the end of the text."""
TEXT_TRAIN_BYTES = 60_000
"""Default bytes of training text (``train_size`` above 1 overrides it, e.g. a tiny set to overfit)."""


def _text() -> bytes:
    return b"\n".join(inspect.getsource(importlib.import_module(m)).encode("utf-8") for m in TEXT_MODULES)


def _windows(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ``CONTEXT``-byte window of ``text`` and the byte that follows it."""
    idx = np.arange(CONTEXT)[None, :] + np.arange(len(text) - CONTEXT)[:, None]
    return text[idx].astype("int64"), text[CONTEXT:].astype("int64")


def load_text(seed: int, train_size: float = 0.7) -> Data:
    """Byte windows of the standard-library text; ``seed`` picks where the training slice starts.

    Validation is always the last :data:`TEXT_VAL_BYTES` bytes, so it never overlaps training.
    """
    text = np.frombuffer(_text(), dtype=np.uint8)
    val, rest = text[-TEXT_VAL_BYTES:], text[:-TEXT_VAL_BYTES]
    size = int(train_size) if train_size > 1 else TEXT_TRAIN_BYTES
    start = np.random.default_rng(seed).integers(0, max(1, len(rest) - size))
    x_train, y_train = _windows(rest[start:start + size])
    x_val, y_val = _windows(val)
    return Data("pysrc", x_train, y_train, x_val, y_val, 256)


def load(name: str, seed: int, train_size: float = 0.7) -> Data:
    """The train/validation split of dataset ``name`` for ``seed`` (``train_size``: fraction or count)."""
    if name == "pysrc":
        return load_text(seed, train_size)
    if name in GENERATED:
        x, y = GENERATED[name]()
        return split(name, x, y, seed, train_size)
    return load_bundled(name, seed, train_size)
