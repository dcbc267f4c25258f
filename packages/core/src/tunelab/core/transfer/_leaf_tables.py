"""Fitted gradient-boosted trees as lookup tables: the same predictions, several times faster.

scikit-learn's `HistGradientBoostingRegressor.predict` walks each of its trees for
each row, and checks its input on every call; the transfer model of
`QuantileBasedSearcher` predicts 500 candidates through 200 trees at every
suggestion. A tree only asks, feature by feature, on which side of its own
thresholds `x` lies, so its leaf is a function of the interval of each feature it
splits on: a table over those intervals holds its leaf values. One `searchsorted`
per feature then locates `x` among all the trees' thresholds, and each tree's table
entry is a sum of per-feature offsets (gathered for all trees at once).

The leaf values are the trees' own, and they are added in scikit-learn's order
(baseline, then tree by tree), so the predictions are bit for bit the model's;
`compile_leaf_tables` checks that on rows it is given and returns None if not (a
model with categorical splits, another loss, or a scikit-learn whose internals
differ), and callers keep the model's own `predict` then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_TABLE_ENTRIES = 1 << 22
"""Compiled tables larger than this (in leaf values, 8 bytes each) are not built."""


@dataclass(frozen=True)
class LeafTables:
    """Lookup tables of the trees of one or more fitted regressors of `dim` features.

    Attributes:
        dim: Number of features of a row.
        features: The features split on anywhere, shape `(f,)`.
        thresholds: Per feature in `features`, its distinct thresholds in any tree,
            sorted, shape `(k,)`.
        offsets: Per such feature, shape `(k + 1, n_trees)`: for `x` in interval `i`
            of the feature (`searchsorted(thresholds, x, side="left")`), how far to
            move in each tree's table.
        starts: Where each tree's table starts in `leaves`, shape `(n_trees,)`.
        leaves: All tables, one after the other, shape `(n_entries,)`.
        trees: Number of trees of each model, in model order.
        baselines: The constant each model adds before its trees.
    """

    dim: int
    features: np.ndarray
    thresholds: tuple[np.ndarray, ...]
    offsets: tuple[np.ndarray, ...]
    starts: np.ndarray
    leaves: np.ndarray
    trees: tuple[int, ...]
    baselines: tuple[float, ...]

    def predict(self, x: np.ndarray) -> list[np.ndarray]:
        """Each model's prediction of rows `x` (m, dim), shape `(m,)` each.

        Raises:
            ValueError: `x` is not of shape `(m, dim)` or has a NaN (a tree sends
                missing values its own way; predict those with the model).
        """
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(
                f"LeafTables.predict: expected rows of shape (m, {self.dim}), got {x.shape}"
            )
        if np.isnan(x).any():
            raise ValueError("LeafTables.predict: x has NaN values; predict them with the model")
        index = np.broadcast_to(self.starts, (len(x), len(self.starts))).copy()
        located = zip(self.features, self.thresholds, self.offsets, strict=True)
        for feature, thresholds, offsets in located:
            index += offsets[np.searchsorted(thresholds, x[:, feature], side="left")]
        values = self.leaves[index]  # (m, n_trees)
        predictions = []
        first = 0
        for count, baseline in zip(self.trees, self.baselines, strict=True):
            terms = np.empty((len(x), count + 2))
            terms[:, 0] = 0.0
            terms[:, 1] = baseline
            terms[:, 2:] = values[:, first : first + count]
            # cumsum adds strictly left to right, as scikit-learn does (zeros, then
            # the baseline, then tree by tree); np.sum would add pairwise and round
            # differently
            predictions.append(np.cumsum(terms, axis=1)[:, -1])
            first += count
        return predictions


def compile_leaf_tables(models: Sequence[Any], check: np.ndarray) -> LeafTables | None:
    """`LeafTables` of fitted `HistGradientBoostingRegressor`s, or None where they
    would not reproduce `model.predict(check)` bit for bit on rows `check`
    (n, dim), or would hold more than `MAX_TABLE_ENTRIES` values."""
    check = np.asarray(check, dtype=float)
    try:
        nodes = [predictor.nodes for model in models for (predictor,) in model._predictors]
        baselines = tuple(float(np.ravel(model._baseline_prediction)[0]) for model in models)
        trees = tuple(len(model._predictors) for model in models)
        if any(node["is_categorical"].any() for node in nodes):
            return None
        tables = _compile(nodes, check.shape[1], trees, baselines)
    except (AttributeError, KeyError, ValueError, TypeError, IndexError):
        return None  # not the layout of scikit-learn's trees this was written for
    if tables is None or np.isnan(check).any():
        return None
    predicted = tables.predict(check)
    same = (np.array_equal(p, m.predict(check)) for p, m in zip(predicted, models, strict=True))
    return tables if all(same) else None


def _compile(
    nodes: list[np.ndarray], dim: int, trees: tuple[int, ...], baselines: tuple[float, ...]
) -> LeafTables | None:
    splits = [tree[tree["is_leaf"] == 0] for tree in nodes]
    features = np.unique(np.concatenate([s["feature_idx"] for s in splits])).astype(np.intp)
    if len(features) and (features[0] < 0 or features[-1] >= dim):
        return None
    thresholds = tuple(
        np.unique(np.concatenate([s["num_threshold"][s["feature_idx"] == f] for s in splits]))
        for f in features
    )
    offsets = tuple(np.zeros((len(t) + 1, len(nodes)), dtype=np.intp) for t in thresholds)
    column = {int(f): k for k, f in enumerate(features)}
    tables: list[np.ndarray] = []
    starts = np.zeros(len(nodes), dtype=np.intp)
    size = 0
    for t, (tree, split) in enumerate(zip(nodes, splits, strict=True)):
        used = np.unique(split["feature_idx"]).astype(np.intp)
        local = [np.unique(split["num_threshold"][split["feature_idx"] == f]) for f in used]
        shape = [len(values) + 1 for values in local]
        entries = int(np.prod(shape, dtype=np.int64))
        size += entries
        if size > MAX_TABLE_ENTRIES:
            return None
        strides = np.ones(len(shape), dtype=np.intp)
        for k in range(len(shape) - 2, -1, -1):
            strides[k] = strides[k + 1] * shape[k + 1]
        # one point per cell: a threshold itself is on its left side (x <= t), inf
        # beyond the last
        grid = np.zeros((entries, dim))
        if len(used):
            axes = np.meshgrid(*[np.append(values, np.inf) for values in local], indexing="ij")
            for f, axis in zip(used, axes, strict=True):
                grid[:, f] = axis.ravel()
        tables.append(_leaf_values(tree, grid))
        starts[t] = size - entries
        for f, values, stride in zip(used, local, strides, strict=True):
            k = column[int(f)]
            everywhere = np.append(thresholds[k], np.inf)
            offsets[k][:, t] = stride * np.searchsorted(values, everywhere, side="left")
    return LeafTables(
        dim=dim,
        features=features,
        thresholds=thresholds,
        offsets=offsets,
        starts=starts,
        leaves=np.concatenate(tables) if tables else np.zeros(0),
        trees=trees,
        baselines=baselines,
    )


def _leaf_values(tree: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The leaf value of `tree` (scikit-learn's node records) at rows `x` without NaN,
    shape `(len(x),)`: left where `x[feature] <= threshold`, as the tree decides."""
    node = np.zeros(len(x), dtype=np.intp)
    rows = np.arange(len(x))
    for _ in range(len(tree)):
        inner = tree["is_leaf"][node] == 0
        if not inner.any():
            break
        at = node[inner]
        left = x[rows[inner], tree["feature_idx"][at]] <= tree["num_threshold"][at]
        node[inner] = np.where(left, tree["left"][at], tree["right"][at])
    values: np.ndarray = tree["value"][node].astype(float)
    return values
