"""A small mixed space and objective on which model-based searchers must beat random."""

from __future__ import annotations

from typing import Any

import numpy as np

from tunelab.core.searcher import Searcher
from tunelab.core.space import choice, uniform
from tunelab.core.trial import Mode

SPACE = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0), "c": choice(["a", "b", "c"])}


def objective(config: dict[str, Any]) -> float:
    value: float = (config["x"] - 0.7) ** 2 + (config["y"] - 0.2) ** 2 + (config["c"] != "b") * 0.3
    return value


def best_found(searcher: Searcher, n: int, mode: Mode) -> float:
    """Best objective in `n` sequential suggestions (the metric negated in max mode)."""
    searcher.configure(metric="m", mode=mode)
    best = np.inf
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        assert config is not None
        value = objective(config)
        best = min(best, value)
        searcher.observe(trial_id, config, {"m": value if mode == "min" else -value})
    return best
