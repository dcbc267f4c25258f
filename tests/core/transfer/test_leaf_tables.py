"""Gradient-boosted trees compiled to lookup tables predict exactly as the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tunelab.core.searchers._sklearn import single_threaded
from tunelab.core.transfer import _leaf_tables
from tunelab.core.transfer._leaf_tables import LeafTables, compile_leaf_tables

sklearn_ensemble = pytest.importorskip("sklearn.ensemble")


@pytest.fixture(autouse=True)
def _one_openmp_thread() -> Iterator[None]:
    """Fit and predict as the searcher does: on a shared machine, OpenMP threads
    waiting for each other make a fit of a few hundred rows take seconds."""
    with single_threaded():
        yield


def regressor(seed: int, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "max_iter": 40,
        "max_leaf_nodes": 15,
        "early_stopping": False,
        "random_state": seed,
    }
    return sklearn_ensemble.HistGradientBoostingRegressor(**(settings | options))


def training_rows(seed: int, n: int = 400, dim: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, dim))
    x[:, -1] = np.round(x[:, -1] * 4) / 4  # a column of few values, as integers encode
    y = np.sin(6 * x[:, 0]) + x[:, 1] * x[:, 2] - x[:, -1] + 0.2 * rng.normal(size=n)
    return x, y


def splits(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every split's feature and threshold, over all trees of `model`."""
    nodes = np.concatenate([p.nodes for (p,) in model._predictors])
    inner = nodes[nodes["is_leaf"] == 0]
    return inner["feature_idx"], inner["num_threshold"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tables_predict_bit_for_bit_what_the_models_predict(seed: int) -> None:
    x, y = training_rows(seed)
    models = [regressor(seed).fit(x, y), regressor(seed + 10).fit(x, np.abs(y))]
    tables = compile_leaf_tables(models, x)
    assert tables is not None
    rng = np.random.default_rng(seed + 100)
    candidates = [
        rng.uniform(size=(500, x.shape[1])),
        rng.uniform(-0.5, 1.5, size=(37, x.shape[1])),  # beyond every threshold
        rng.uniform(size=(1, x.shape[1])),
    ]
    # rows exactly on thresholds (x <= t goes left) and just past them
    features, thresholds = splits(models[0])
    on = rng.uniform(size=(len(features), x.shape[1]))
    on[np.arange(len(features)), features] = thresholds
    past = on.copy()
    past[np.arange(len(features)), features] = np.nextafter(thresholds, np.inf)
    infinite = rng.uniform(size=(4, x.shape[1]))
    infinite[:2, 0], infinite[2:, 1] = np.inf, -np.inf
    for rows in [*candidates, on, past, infinite]:
        for predicted, model in zip(tables.predict(rows), models, strict=True):
            assert predicted.shape == (len(rows),)
            assert np.array_equal(predicted, model.predict(rows))
    assert [p.shape for p in tables.predict(np.zeros((0, x.shape[1])))] == [(0,), (0,)]


def test_trees_that_are_single_leaves_predict_their_value() -> None:
    x = np.random.default_rng(0).uniform(size=(50, 3))
    model = regressor(0).fit(x, np.full(50, 2.5))
    tables = compile_leaf_tables([model], x)
    assert tables is not None and len(tables.features) == 0
    rows = np.random.default_rng(1).uniform(size=(20, 3))
    assert np.array_equal(tables.predict(rows)[0], model.predict(rows))


def test_models_the_tables_cannot_reproduce_are_left_to_predict_themselves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, y = training_rows(3)
    # categorical splits, and a loss whose prediction is not the sum of the trees
    categorical = regressor(3, categorical_features=[4]).fit(np.round(x * 4), y)
    assert compile_leaf_tables([categorical], np.round(x * 4)) is None
    poisson = regressor(3, loss="poisson").fit(x, np.exp(y))
    assert compile_leaf_tables([poisson], x) is None
    # NaN in the rows it is checked on, and no tree layout to read
    plain = regressor(3).fit(x, y)
    with_nan = x.copy()
    with_nan[0, 0] = np.nan
    assert compile_leaf_tables([plain], with_nan) is None
    assert compile_leaf_tables([object()], x) is None
    # too large
    monkeypatch.setattr(_leaf_tables, "MAX_TABLE_ENTRIES", 10)
    assert compile_leaf_tables([plain], x) is None


def test_bad_rows_are_refused() -> None:
    x, y = training_rows(4)
    tables = compile_leaf_tables([regressor(4).fit(x, y)], x)
    assert isinstance(tables, LeafTables)
    with pytest.raises(ValueError, match=r"shape \(m, 5\), got \(3, 4\)"):
        tables.predict(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"shape \(m, 5\), got \(5,\)"):
        tables.predict(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        tables.predict(np.full((2, 5), np.nan))
