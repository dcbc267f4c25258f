"""Results folders written by hand in the results format (ARCHITECTURE.md §6).

The plotting tests must not need any other tunelab package, so they write
`metadata.json` and `results.parquet` themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

METHOD_OFFSETS = {"random_search": 0.3, "asha": 0.1, "bohb": 0.0}


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
    rng: np.random.Generator, *, offset: float, n_trials: int = 6, epochs: int = 4
) -> pd.DataFrame:
    """Learning curves of `n_trials` trials, reported one epoch at a time."""
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
    return pd.DataFrame(rows)


def write_study(
    root: Path,
    *,
    benchmarks: tuple[str, ...] = ("bench-a", "bench-b"),
    methods: tuple[str, ...] = ("random_search", "asha", "bohb"),
    seeds: tuple[int, ...] = (0, 1, 2, 3),
) -> Path:
    """A complete study: every method x benchmark x seed."""
    for b, benchmark in enumerate(benchmarks):
        for method in methods:
            for seed in seeds:
                rng = np.random.default_rng([b, seed, len(method)])
                results = synthetic_results(rng, offset=METHOD_OFFSETS.get(method, 0.2))
                write_experiment(
                    root, benchmark=benchmark, method=method, seed=seed, results=results
                )
    return root


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    return write_study(tmp_path / "study")
