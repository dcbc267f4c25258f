"""What MLflowCallback sends: MLflow entities made from tunelab's values, within
MLflow's limits on keys and values. MLflow is imported on first use."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import TYPE_CHECKING, Any

from tunelab.core.integrations._tracking import reported_values

if TYPE_CHECKING:
    from tunelab.core.tuner import Tuner

MAX_VALUE = 6000
"""MLflow's longest parameter value (tag values may be longer)."""
_VOLATILE = frozenset({"status", "end_time", "stop_reason", "resumed_at", "extended"})
"""metadata.json entries that change while the experiment runs: no tags."""


def owner_key(tuner: Tuner) -> str:
    """The key of the experiment's run: its folder and start time, digested."""
    start = tuner.setup.metadata.get("start_time")
    return hashlib.sha256(f"{tuner.path.absolute()}@{start}".encode()).hexdigest()[:32]


def now_ms() -> int:
    return int(time.time() * 1000)


def mlflow_key(name: str) -> str:
    """`name` with the characters MLflow refuses in keys replaced by `_`."""
    return re.sub(r"[^\w\-./ :]", "_", str(name)).strip("/")[:250] or "_"


def text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=_plain)
    return text[:MAX_VALUE]


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, anything else JSON cannot take as a string."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def metric_entries(values: dict[str, float], step: int) -> list[Any]:
    from mlflow.entities import Metric

    stamp = now_ms()
    return [Metric(mlflow_key(key), value, stamp, step) for key, value in values.items()]


def param_entries(values: dict[str, Any]) -> list[Any]:
    from mlflow.entities import Param

    return [Param(mlflow_key(key), text_value(value)) for key, value in values.items()]


def tag_entries(values: dict[str, Any]) -> list[Any]:
    from mlflow.entities import RunTag

    return [RunTag(mlflow_key(key), text_value(value)) for key, value in values.items()]


def flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys; other values (lists included) as they are."""
    flattened: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            flattened.update(flat(value, f"{prefix}{key}."))
        elif value is not None:
            flattened[f"{prefix}{key}"] = value
    return flattened


def experiment_tags(tuner: Tuner) -> dict[str, str]:
    """The plain values of the experiment's metadata (and its budget), as tags."""
    metadata = tuner.setup.metadata
    tags = {
        mlflow_key(key): text_value(value)
        for key, value in metadata.items()
        if isinstance(value, (str, int, float, bool)) and key not in _VOLATILE
    }
    budget = metadata.get("budget")
    if isinstance(budget, dict):
        tags.update(
            {mlflow_key(f"budget.{key}"): text_value(value) for key, value in budget.items()}
        )
    tags["tunelab.results"] = str(tuner.path.absolute())
    return tags


def best_entries(best: dict[str, dict[str, Any]], tuner_time: float, stamp: int) -> list[Any]:
    """The best result per optimised metric, for the experiment's run (at `stamp`, ms)."""
    from mlflow.entities import Metric

    entries: list[Any] = []
    step = int(max(tuner_time, 0.0))
    for position, (metric, row) in enumerate(best.items()):
        values = reported_values(row)
        if metric in values:
            entries.append(Metric(mlflow_key(f"best/{metric}"), values[metric], stamp, step))
        config = {
            key.removeprefix("config_"): value
            for key, value in row.items()
            if key.startswith("config_")
        }
        entries += tag_entries(
            {f"best_trial/{metric}": int(row["trial_id"]), f"best_config/{metric}": config}
        )
        if position == 0:
            entries += [
                Metric(mlflow_key(f"best_result/{key}"), value, stamp, step)
                for key, value in values.items()
            ]
    return entries
