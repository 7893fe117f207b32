"""Small real datasets bundled with scikit-learn, split and standardised.

Everything here ships inside the installed package: no download happens.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split

_LOADERS = {
    "digits": datasets.load_digits,
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "diabetes": datasets.load_diabetes,
    "iris": datasets.load_iris,
}
REGRESSION = {"diabetes"}


@dataclass(frozen=True)
class Data:
    """A train/validation split; ``classes`` is 0 for regression.

    Features are standardised with the training part's statistics, and so
    is a regression target (so a loss of 1 means "predicts the mean").
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    classes: int

    @property
    def features(self) -> int:
        return self.x_train.shape[1]


def load(name: str, seed: int, train_size: float = 0.7) -> Data:
    """Split ``name`` (stratified for classification) and standardise on the training part.

    ``train_size`` is a fraction or a number of training samples; a small
    number gives the small training set that overfitting needs.
    """
    bunch = _LOADERS[name]()
    return split(name, bunch.data, bunch.target, seed, train_size, regression=name in REGRESSION)


def split(name: str, x: np.ndarray, y: np.ndarray, seed: int, train_size: float, regression: bool = False) -> Data:
    """Split features ``x`` and targets ``y`` into a standardised :class:`Data` named ``name``."""
    x = x.astype("float32")
    y = y.astype("float32" if regression else "int32")
    stratify = None if regression else y
    x_train, x_val, y_train, y_val = train_test_split(x, y, train_size=train_size, random_state=seed, stratify=stratify)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std < 1e-3] = 1.0  # a feature constant in a small training set (blank pixels)
    x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
    if regression:
        y_mean, y_std = y_train.mean(), y_train.std()
        return Data(
            name,
            x_train,
            (y_train - y_mean) / y_std,
            x_val,
            (y_val - y_mean) / y_std,
            0,
        )
    return Data(name, x_train, y_train, x_val, y_val, int(y.max()) + 1)


def with_label_noise(data: Data, fraction: float, seed: int) -> Data:
    """``data`` with ``fraction`` of its training labels replaced by random classes.

    Noisy labels are a common real cause of overfitting: a big network
    memorises them, and its validation loss climbs.
    """
    rng = np.random.default_rng(seed)
    y = data.y_train.copy()
    flip = rng.random(len(y)) < fraction
    y[flip] = rng.integers(0, data.classes, flip.sum())
    return replace(data, y_train=y)
