"""The workloads of the issue-16 benchmarks, written once for tunelab and its peers.

Plain Python and numpy only: the same module runs in tunelab's environment and in a
peer's own virtual environment (`benchmarks/_peers.py`), so both sides tune the same
table and drive the same learning curves with the same loop.

- `grid_table`: the simulator workload, a tabulated 10 x 10 x 10 grid (`lr`, `wd`
  log-ordinal, `width` ordinal) with 100 epochs of an error curve and a cumulative
  time column. Its `digest` lets the two sides check they built the same table.
- `hartmann6_curve` and `drive_epochs`: the GP workload, Hartmann-6 learning curves
  over 27 epochs whose results reach a scheduler one epoch at a time from 4
  simulated workers, with every `suggest` timed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

# -- part 1: the simulator's grid table -----------------------------------------------

LR = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]
WD = [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]
WIDTH = [16, 32, 48, 64, 96, 128, 192, 256, 384, 512]
GRID_EPOCHS = 100
GRID_WORKERS = 4
GRID_HOURS = 8.0
GRID_SEED = 16
METRIC = "error"
TIME_COLUMN = "elapsed_time"
EPOCH = "epoch"


@dataclass(frozen=True)
class GridTable:
    """The grid benchmark as arrays, in the layout tabular blackboxes take.

    Attributes:
        rows: One (lr, wd, width) per configuration, lr slowest, shape (1000,) of tuples.
        objectives: Shape (1000, 1 seed, 100 epochs, 2): `error`, then the cumulative
            `elapsed_time` in seconds.
        objectives_names: ["error", "elapsed_time"].
        epochs: The fidelities 1, ..., 100.
    """

    rows: list[tuple[float, float, int]]
    objectives: np.ndarray
    objectives_names: list[str]
    epochs: list[int]

    @property
    def digest(self) -> str:
        """A short hash of the values: equal on both sides, or the comparison is void."""
        return hashlib.sha256(np.ascontiguousarray(self.objectives).tobytes()).hexdigest()[:16]

    def columns(self) -> dict[str, list[Any]]:
        """The hyperparameters by column, for a DataFrame."""
        return {
            "lr": [r[0] for r in self.rows],
            "wd": [r[1] for r in self.rows],
            "width": [r[2] for r in self.rows],
        }


def grid_table() -> GridTable:
    """Deterministic synthetic learning curves of every configuration of the grid.

    The final error is a smooth bowl over the grid positions (best near the middle of
    `lr`, low `wd`, wide networks), the curve decays towards it faster for larger
    learning rates, and each epoch takes longer for wider networks (0.3 to 1.0 s on
    average, so that random search sees all 1,000 configurations within the 8 hours).
    Seeded noise makes the curves and times uneven, as measured ones are.
    """
    rng = np.random.default_rng(GRID_SEED)
    # positions in [0, 1] of each configuration's values, lr slowest
    u, v, w = (
        axis.ravel()
        for axis in np.meshgrid(
            np.linspace(0, 1, len(LR)),
            np.linspace(0, 1, len(WD)),
            np.linspace(0, 1, len(WIDTH)),
            indexing="ij",
        )
    )
    n = u.size
    final = 0.05 + 0.3 * (u - 0.6) ** 2 + 0.2 * (v - 0.3) ** 2 + 0.1 * (w - 0.8) ** 2
    final = final + 0.01 * rng.random(n)
    start = 0.9 + 0.05 * rng.random(n)
    rate = 0.02 + 0.12 * u
    epochs = np.arange(1, GRID_EPOCHS + 1)
    error = final[:, None] + (start - final)[:, None] * np.exp(-rate[:, None] * epochs[None, :])
    error = error + 0.005 * rng.standard_normal((n, GRID_EPOCHS))
    per_epoch = (0.3 + 0.7 * w)[:, None] * (1.0 + 0.1 * rng.uniform(-1, 1, (n, GRID_EPOCHS)))
    elapsed = np.cumsum(per_epoch, axis=1)
    objectives = np.stack([error, elapsed], axis=-1)[:, None, :, :]
    rows = [(lr, wd, width) for lr in LR for wd in WD for width in WIDTH]
    return GridTable(
        rows=rows,
        objectives=objectives,
        objectives_names=[METRIC, TIME_COLUMN],
        epochs=[int(e) for e in epochs],
    )


# -- part 2: Hartmann-6 learning curves and the epoch-by-epoch driver -----------------

HARTMANN_A = np.array(
    [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ]
)
HARTMANN_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
GP_EPOCHS = 27
GP_WORKERS = 4
GP_DIMENSIONS = 6
GP_WINDOW_WIDTH = 100


def hartmann6(x: np.ndarray) -> float:
    """The Hartmann 6-D function on [0, 1]^6 (minimum -3.32237)."""
    inner = np.sum(HARTMANN_A * (np.asarray(x, dtype=float) - HARTMANN_P) ** 2, axis=1)
    return float(-np.sum(HARTMANN_ALPHA * np.exp(-inner)))


def hartmann6_curve(config: dict[str, Any]) -> list[float]:
    """Values at epochs 1..27: Hartmann-6 plus a term that decays to zero at epoch 27.

    The term's size grows with `x0`, so curves cross and early rungs mislead a little.
    """
    x = np.array([float(config[f"x{i}"]) for i in range(GP_DIMENSIONS)])
    r = np.arange(1, GP_EPOCHS + 1, dtype=float)
    decay = (r**-0.5 - GP_EPOCHS**-0.5) / (1.0 - GP_EPOCHS**-0.5)
    return [float(v) for v in hartmann6(x) + (0.5 + x[0]) * decay]


Action = Literal["continue", "pause", "stop"]


@dataclass(frozen=True)
class Start:
    """What a scheduler's `suggest` asks for: a new trial, or to resume a paused one."""

    config: dict[str, Any] | None = None
    resume: int | None = None


class EpochScheduler(Protocol):
    """The few scheduler calls the driver makes; each side adapts its own scheduler."""

    def suggest(self, trial_id: int) -> Start | None:
        """Start trial `trial_id` (new) or resume one; None: nothing to run now."""
        ...

    def add(self, trial_id: int, config: dict[str, Any]) -> None:
        """A new trial starts with `config`."""
        ...

    def result(self, trial_id: int, epoch: int, value: float) -> Action:
        """The value at `epoch`; the scheduler's decision."""
        ...

    def complete(self, trial_id: int, epoch: int, value: float) -> None:
        """The trial trained its last epoch."""
        ...

    def remove(self, trial_id: int) -> None:
        """The scheduler stopped the trial."""
        ...


@dataclass
class SuggestTiming:
    """One `suggest` call: results observed before it, its real seconds, and whether
    it started a new trial (where a model-based searcher does its work)."""

    results: int
    seconds: float
    new: bool


def drive_epochs(
    scheduler: EpochScheduler,
    *,
    until_results: int,
    curve: Callable[[dict[str, Any]], list[float]] = hartmann6_curve,
    n_workers: int = GP_WORKERS,
    max_epochs: int = GP_EPOCHS,
) -> list[SuggestTiming]:
    """Feed `scheduler` results epoch by epoch from `n_workers` simulated workers.

    Every free worker asks `suggest`; then each busy worker, in worker order, trains
    one epoch and reports it. A trial paused at a rung frees its worker and keeps its
    epochs; one resumed continues after its last epoch. Ends once `until_results`
    results were reported (or nothing is left to run).

    Returns:
        Every `suggest` call, in order, with the number of results reported before it.
    """
    timings: list[SuggestTiming] = []
    curves: dict[int, list[float]] = {}
    epochs_done: dict[int, int] = {}
    workers: list[int | None] = [None] * n_workers
    results, next_id = 0, 0
    while results < until_results:
        for slot, busy in enumerate(workers):
            if busy is not None:
                continue
            began = time.perf_counter()
            start = scheduler.suggest(next_id)
            seconds = time.perf_counter() - began
            new = start is not None and start.resume is None
            timings.append(SuggestTiming(results, seconds, new))
            if start is None:
                break
            if start.resume is not None:
                workers[slot] = start.resume
                continue
            assert start.config is not None
            scheduler.add(next_id, start.config)
            curves[next_id], epochs_done[next_id] = curve(start.config), 0
            workers[slot] = next_id
            next_id += 1
        if all(w is None for w in workers):
            break
        for slot, trial_id in enumerate(workers):
            if trial_id is None or results >= until_results:
                continue
            epoch = epochs_done[trial_id] + 1
            epochs_done[trial_id] = epoch
            value = curves[trial_id][epoch - 1]
            results += 1
            action = scheduler.result(trial_id, epoch, value)
            if action == "stop":
                scheduler.remove(trial_id)
                workers[slot] = None
            elif action == "pause":
                workers[slot] = None
            elif epoch >= max_epochs:
                scheduler.complete(trial_id, epoch, value)
                workers[slot] = None
    return timings


def window_figures(timings: list[SuggestTiming], start: int) -> dict[str, float]:
    """Figures of the `suggest` calls made with `start` to `start + 100` results observed.

    `count`, `median_ms`, `mean_ms`: all calls; `new_count`, `new_mean_ms`: those that
    started a new trial (the others resumed a paused one or had nothing to run). NaN
    where there was no such call.
    """
    end = start + GP_WINDOW_WIDTH
    inside = [t for t in timings if start <= t.results < end]
    every = np.array([1000 * t.seconds for t in inside])
    new = np.array([1000 * t.seconds for t in inside if t.new])
    nan = float("nan")
    return {
        "count": int(every.size),
        "median_ms": float(np.median(every)) if every.size else nan,
        "mean_ms": float(every.mean()) if every.size else nan,
        "new_count": int(new.size),
        "new_mean_ms": float(new.mean()) if new.size else nan,
    }
