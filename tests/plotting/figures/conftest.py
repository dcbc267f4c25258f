"""Synthetic tidy `curves` frames and one experiment's `results` for the figure tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import Collection
from matplotlib.lines import Line2D

N_RESAMPLES = 200


def make_curves(
    *,
    benchmarks: Sequence[str] = ("bench_a", "bench_b", "bench_c"),
    methods: Sequence[str] = ("asha", "bo", "random_search"),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    n_grid: int = 12,
    max_benchmarks: Sequence[str] = (),
    seed: int = 0,
) -> pd.DataFrame:
    """A tidy curves frame: best-so-far values that improve over the grid.

    Methods later in `methods` are better on average. Seed 0 of every method has no
    result at the first grid point (NaN), as real curves before the first result.
    Benchmarks in `max_benchmarks` are maximised (values increase).
    """
    rng = np.random.default_rng(seed)
    frames = []
    for b, benchmark in enumerate(benchmarks):
        x_max = 100.0 * (b + 1)
        x = np.linspace(x_max / n_grid, x_max, n_grid)
        mode = "max" if benchmark in max_benchmarks else "min"
        for m, method in enumerate(methods):
            for s in seeds:
                steps = rng.uniform(0.0, 0.1, n_grid)
                value = 1.0 + b - 0.2 * m - np.cumsum(steps)
                if mode == "max":
                    value = -value
                if s == 0:
                    value[0] = np.nan
                frames.append(
                    pd.DataFrame(
                        {
                            "benchmark": benchmark,
                            "method": method,
                            "seed": s,
                            "step": np.arange(n_grid),
                            "x": x,
                            "fraction": x / x_max,
                            "value": value,
                            "metric": "error" if mode == "min" else "accuracy",
                            "mode": mode,
                        }
                    )
                )
    curves: pd.DataFrame = pd.concat(frames, ignore_index=True)
    curves["regret"] = np.nan
    for _, rows in curves.groupby("benchmark"):
        values = rows["value"]
        best, worst = values.min(), values.max()
        if rows["mode"].iloc[0] == "max":
            best, worst = worst, best
        curves.loc[rows.index, "regret"] = (values - best) / (worst - best)
    curves.attrs["x_label"] = "wallclock time (s)"
    return curves


def make_results() -> pd.DataFrame:
    """Six trials of a promotion-type multi-fidelity run over epochs 1..9 (rungs 1, 3).

    Three pause decisions (trial 0 at 1 and 3, trial 4 at 1), four stops (trial 1 at 3,
    trials 2 and 3 at 1, trial 4 at 3); trial 5 has a missing decision; trial 0 is best.
    """
    plan: dict[int, dict[int, str | None]] = {
        0: {1: "pause", 3: "pause"},
        1: {3: "stop"},
        2: {1: "stop"},
        3: {1: "stop"},
        4: {1: "pause", 3: "stop"},
        5: {1: None},
    }
    last_epoch = {0: 9, 1: 3, 2: 1, 3: 1, 4: 3, 5: 1}
    rows = []
    clock = 0.0
    for trial_id, decisions in plan.items():
        for epoch in range(1, last_epoch[trial_id] + 1):
            clock += 1.0
            rows.append(
                {
                    "trial_id": trial_id,
                    "tuner_time": clock,
                    "loss": 1.0 + 0.1 * trial_id + 1.0 / epoch,
                    "epoch": epoch,
                    "decision": decisions.get(epoch, "continue"),
                    "status": "completed",
                }
            )
    results: pd.DataFrame = pd.DataFrame(rows)
    return results


def band_bounds(collection: Collection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, low, high) of a one-polygon `fill_between(x, low, high)` collection."""
    (path,) = collection.get_paths()
    vertices = np.asarray(path.vertices)
    n = (len(vertices) - 3) // 2
    lower = vertices[1 : n + 1]
    upper = vertices[n + 2 : 2 * n + 2][::-1]
    return lower[:, 0], lower[:, 1], upper[:, 1]


def xdata(line: Line2D) -> np.ndarray:
    """The x data of `line` as an array (matplotlib types it as any array-like)."""
    return np.asarray(line.get_xdata())


def ydata(line: Line2D) -> np.ndarray:
    """The y data of `line` as an array (matplotlib types it as any array-like)."""
    return np.asarray(line.get_ydata())


@pytest.fixture
def curves() -> pd.DataFrame:
    return make_curves()


@pytest.fixture
def curves_factory() -> Callable[..., pd.DataFrame]:
    """`make_curves`, for tests that need other benchmarks, methods or modes."""
    return make_curves


@pytest.fixture
def band() -> Callable[[Collection], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """`band_bounds`: read (x, low, high) back from a fill_between collection."""
    return band_bounds


@pytest.fixture
def results() -> pd.DataFrame:
    return make_results()


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")
