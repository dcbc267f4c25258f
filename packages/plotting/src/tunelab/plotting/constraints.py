"""Feasible results and the cost of a run, as metadata.json and results.parquet say.

A benchmark with a constraint names its metric in metadata.json (`"constraint":
"<metric>"`); a result is feasible when that metric is <= 0 (as in Syne Tune and
tunelab-core). An infeasible result must never count as a best: `frames` gives its
objective values as NaN, which every best-so-far curve, hypervolume and table then
ignores, and learning curves choose their best trial among feasible results only.

A cost-aware run reports what its trials cost: the backend's `worker_cost` column
(what `StoppingCriterion(max_cost=...)` sums), else the metric metadata.json names as
`cost_attr`. Either holds what a trial has cost *so far*, so the cost spent up to a
result is the sum over trials of their latest value (`cost_spent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

CONSTRAINT_KEY = "constraint"
"""metadata.json key naming the constraint metric (feasible when <= 0)."""
COST_COLUMN = "worker_cost"
"""Results column of a trial's cost so far, written by backends that know it."""
COST_KEY = "cost_attr"
"""metadata.json key naming the metric that holds a trial's cost so far."""


def constraint_metric(metadata: Mapping[str, Any], *, experiment: str = "") -> str | None:
    """The constraint metric metadata.json names, or None without a constraint.

    Raises:
        ValueError: `constraint` is neither null nor a non-empty string.
    """
    name = metadata.get(CONSTRAINT_KEY)
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"experiment {experiment!r}: metadata.json 'constraint' must be the name of a "
            f"reported metric or null, got {name!r}"
        )
    return name


def feasible_mask(results: pd.DataFrame, constraint: str | None) -> np.ndarray:
    """Which rows of `results` are feasible, bool (n_results,).

    A row is feasible when its `constraint` value is <= 0; a row without a numeric
    value (or results without the column) is not. Every row is feasible without a
    constraint.
    """
    if constraint is None:
        return np.ones(len(results), dtype=bool)
    if constraint not in results.columns:
        return np.zeros(len(results), dtype=bool)
    values = pd.to_numeric(results[constraint], errors="coerce").to_numpy(dtype=float)
    feasible: np.ndarray = values <= 0.0  # NaN compares False
    return feasible


def cost_column(results: pd.DataFrame, metadata: Mapping[str, Any]) -> str | None:
    """The column of `results` holding each trial's cost so far, or None without one:
    `worker_cost` when the backend wrote it, else the metadata's `cost_attr` metric."""
    if COST_COLUMN in results.columns:
        return COST_COLUMN
    named = metadata.get(COST_KEY)
    if isinstance(named, str) and named in results.columns:
        return named
    return None


def cost_spent(results: pd.DataFrame, column: str) -> np.ndarray:
    """Total cost of all trials up to each result (in the order of `tuner_time`), (n,).

    Each result carries its trial's cost so far, so a result adds the increase over
    its trial's previous result; a trial that reports less than before (restarted from
    scratch) pays its new value again. NaN costs add nothing.
    """
    order = np.argsort(results["tuner_time"].to_numpy(), kind="stable")
    ordered = results.iloc[order]
    level = pd.to_numeric(ordered[column], errors="coerce").to_numpy(dtype=float)
    previous = (
        pd.Series(level).groupby(ordered["trial_id"].to_numpy()).shift(1).to_numpy(dtype=float)
    )
    step = np.where(np.isnan(previous) | (level < previous), level, level - previous)
    spent = np.empty(len(ordered))
    spent[order] = np.cumsum(np.nan_to_num(step))
    return spent
