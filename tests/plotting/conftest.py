"""Results folders written by hand in the results format (ARCHITECTURE.md §6).

The plotting tests must not need any other tunelab package, so they write
`metadata.json` and `results.parquet` themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

METHOD_OFFSETS = {"random_search": 0.3, "asha": 0.1, "bohb": 0.0}
DEMO_METHODS = (
    "random_search",
    "grid_search",
    "asha",
    "hyperband",
    "pasha",
    "sync_hyperband",
    "rea",
    "kde",
    "bayesian_optimization",
    "mobster",
)
"""The methods of the demo study (conf/study/demo.yaml)."""

Settings = Callable[[str, str, int], Mapping[str, Any]]
"""(benchmark, method, seed) -> metadata fields of that experiment."""


def simulator_metadata(
    *,
    time_scale: float = 1.0,
    charge_decision_time: bool = False,
    seed: int = 0,
    source: str | None = None,
) -> dict[str, Any]:
    """The metadata a simulated tunelab-run experiment writes about its benchmark.

    `backend_settings` (by the tuner), `problem` (by tunelab-run) and the benchmark
    part of the resolved Hydra config, as in ARCHITECTURE.md §6.
    """
    return {
        "backend": "SimulatorBackend",
        "backend_settings": {
            "blackbox": "sklearn-digits-mlp",
            "seed": 1000 + seed,  # differs per repetition by design
            "charge_decision_time": charge_decision_time,
            "time_scale": time_scale,
            "time_per_fidelity": None,
            "max_resource_attr": "epochs",
        },
        "problem": {
            "blackbox": "sklearn-digits-mlp",
            "surrogate": None,
            "restrict_to_table": True,
            "num_candidates": 1000,
        },
        "hydra_config": {
            "benchmark": {
                "name": "sklearn-digits-mlp",
                "type": "simulated",
                "blackbox": "sklearn-digits-mlp",
                "load_options": {"source": source},
                "surrogate": None,
                "restrict_to_table": True,
                "time_scale": time_scale,
                "charge_decision_time": charge_decision_time,
                "n_workers": 4,
                "max_wallclock_time": 60,
            },
            "method": {"name": "whatever", "scheduler": {"_target_": "x"}},
            "seed": seed,
        },
    }


def write_experiment(
    root: Path,
    *,
    benchmark: str,
    method: str,
    seed: int,
    results: pd.DataFrame,
    **metadata: Any,
) -> Path:
    """One experiment folder `root/benchmark/method/seed` with these results."""
    folder = root / benchmark / method / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "method": method,
        "benchmark": benchmark,
        "seed": seed,
        "study": root.name,
        "metric": ["val_error"],
        "mode": ["min"],
        "resource_attr": "epoch",
        "n_workers": 4,
        "budget": {"max_wallclock_time": 100.0},
        "status": "complete",
        "start_time": "2026-11-28T06:00:00+00:00",
    }
    meta.update(metadata)
    (folder / "metadata.json").write_text(json.dumps(meta))
    results.to_parquet(folder / "results.parquet")
    return folder


def synthetic_results(
    rng: np.random.Generator,
    *,
    offset: float,
    n_trials: int = 6,
    epochs: int = 4,
    decision_time: float | None = None,
) -> pd.DataFrame:
    """Learning curves of `n_trials` trials, reported one epoch at a time.

    With `decision_time`, a `decision_time` column gives each row that many seconds.
    """
    rows = []
    time = 0.0
    for trial in range(n_trials):
        level = offset + rng.uniform(0.0, 0.5)
        for epoch in range(1, epochs + 1):
            time += rng.uniform(1.0, 4.0)
            last = epoch == epochs
            rows.append(
                {
                    "trial_id": trial,
                    "tuner_time": time,
                    "epoch": epoch,
                    "val_error": level + 0.5 / epoch,
                    "decision": "stop" if last and trial % 2 else "continue",
                    "status": "completed" if last else "running",
                    "config_lr": 10 ** rng.uniform(-4, -1),
                }
            )
    results: pd.DataFrame = pd.DataFrame(rows)
    if decision_time is not None:
        results["decision_time"] = decision_time
    return results


def write_study(
    root: Path,
    *,
    benchmarks: tuple[str, ...] = ("bench-a", "bench-b"),
    methods: tuple[str, ...] = ("random_search", "asha", "bohb"),
    seeds: tuple[int, ...] = (0, 1, 2, 3),
    settings: Settings | None = None,
    decision_time: Callable[[str], float | None] | None = None,
) -> Path:
    """A complete study: every method x benchmark x seed.

    Args:
        settings: Extra metadata of each experiment, from (benchmark, method, seed).
        decision_time: Seconds of decision time per result row of each method (None:
            no `decision_time` column, as in results written before it existed).
    """
    for b, benchmark in enumerate(benchmarks):
        for method in methods:
            for seed in seeds:
                rng = np.random.default_rng([b, seed, len(method)])
                results = synthetic_results(
                    rng,
                    offset=METHOD_OFFSETS.get(method, 0.2),
                    decision_time=decision_time(method) if decision_time else None,
                )
                extra = settings(benchmark, method, seed) if settings else {}
                write_experiment(
                    root, benchmark=benchmark, method=method, seed=seed, results=results, **extra
                )
    return root


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    return write_study(tmp_path / "study")
