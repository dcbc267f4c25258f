"""Training scikit-learn models one fidelity step at a time (all heavy imports here).

Each step's wall-clock time is measured with `time.perf_counter` around the training
call only (`partial_fit` / `fit`), never around evaluation, and accumulated into
`elapsed_time`. Callers limit BLAS / OpenMP to one thread, so times are
single-threaded training times.
"""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import datasets
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from tunelab.blackbox.repository.recipes.sklearn_curves._spec import GeneratorSpec

_LOADERS = {
    "digits": datasets.load_digits,
    "breast_cancer": datasets.load_breast_cancer,
    "wine": datasets.load_wine,
    "iris": datasets.load_iris,
}
_PROBABILITY_FLOOR = 1e-15
"""Probabilities are clipped here, so a log loss is at most -log(1e-15) ~ 34.5."""
LOSS_CAP = 1e6
"""A diverged training loss (inf or NaN) is recorded as this value."""


@dataclass(frozen=True)
class Split:
    """Standardised features (fitted on the training part) and integer labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def classes(self) -> np.ndarray:
        return np.unique(self.y_train)


@functools.lru_cache(maxsize=4)
def load_split(dataset: str, seed: int, val_fraction: float, test_fraction: float) -> Split:
    """The stratified train / validation / test split of a bundled dataset."""
    x, y = _LOADERS[dataset](return_X_y=True)
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest,
        y_rest,
        test_size=val_fraction / (1.0 - test_fraction),
        random_state=seed,
        stratify=y_rest,
    )
    scaler = StandardScaler().fit(x_train)
    return Split(
        x_train=scaler.transform(x_train),
        y_train=y_train,
        x_val=scaler.transform(x_val),
        y_val=y_val,
        x_test=scaler.transform(x_test),
        y_test=y_test,
    )


def learning_curve(spec: GeneratorSpec, config: dict[str, Any], seed: int) -> np.ndarray:
    """Train `config` with `random_state=seed` up to `spec.max_fidelity`.

    Returns:
        Array of shape (max_fidelity, n_objectives), objectives in the order of
        `spec.objectives_names`.
    """
    split = load_split(spec.dataset, spec.split_seed, spec.val_fraction, spec.test_fraction)
    train = _mlp_curve if spec.model == "mlp" else _hgb_curve
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # diverging or not-yet-converged configurations are part of the benchmark
        warnings.simplefilter("ignore")
        return train(config, seed, split, spec.max_fidelity)


def _mlp_curve(config: dict[str, Any], seed: int, split: Split, epochs: int) -> np.ndarray:
    model = MLPClassifier(
        hidden_layer_sizes=(int(config["hidden_units"]),) * int(config["n_layers"]),
        activation=config["activation"],
        solver="adam",
        learning_rate_init=config["learning_rate_init"],
        alpha=config["alpha"],
        batch_size=int(config["batch_size"]),
        shuffle=True,
        random_state=seed,
    )
    rows, elapsed = [], 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(split.x_train, split.y_train, classes=split.classes)
        elapsed += time.perf_counter() - start
        val_error, val_loss, test_error = _scores(model, split)
        train_loss = float(np.nan_to_num(model.loss_, nan=LOSS_CAP, posinf=LOSS_CAP))
        rows.append((val_error, val_loss, test_error, min(train_loss, LOSS_CAP), elapsed))
    return np.array(rows, dtype=float)


def _hgb_curve(config: dict[str, Any], seed: int, split: Split, iterations: int) -> np.ndarray:
    model = HistGradientBoostingClassifier(
        learning_rate=config["learning_rate"],
        max_leaf_nodes=int(config["max_leaf_nodes"]),
        min_samples_leaf=int(config["min_samples_leaf"]),
        l2_regularization=config["l2_regularization"],
        max_bins=int(config["max_bins"]),
        max_features=config["max_features"],
        early_stopping=False,
        warm_start=True,
        random_state=seed,
    )
    rows, elapsed = [], 0.0
    for iteration in range(1, iterations + 1):
        model.set_params(max_iter=iteration)
        start = time.perf_counter()
        model.fit(split.x_train, split.y_train)
        elapsed += time.perf_counter() - start
        rows.append((*_scores(model, split), elapsed))
    return np.array(rows, dtype=float)


def _scores(model: Any, split: Split) -> tuple[float, float, float]:
    """Validation error, validation log loss and test error, all from `predict_proba`."""
    val_error, val_loss = _error_and_loss(model, split.x_val, split.y_val)
    test_error, _ = _error_and_loss(model, split.x_test, split.y_test)
    return val_error, val_loss, test_error


def _error_and_loss(model: Any, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    proba = np.nan_to_num(model.predict_proba(x), nan=0.0, posinf=1.0, neginf=0.0)
    labels = np.searchsorted(model.classes_, y)
    error = float(np.mean(model.classes_[np.argmax(proba, axis=1)] != y))
    picked = np.clip(proba[np.arange(len(y)), labels], _PROBABILITY_FLOOR, 1.0)
    return error, float(-np.mean(np.log(picked)))
