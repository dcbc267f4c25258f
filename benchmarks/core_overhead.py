"""Tuner overhead per trial event, with random search and a no-op objective.

Usage: python benchmarks/core_overhead.py  (or `make bench`)

The trials run inside the tuner process (`InlineBackend`), so what is measured is the
tuner's own work: the scheduler and searcher, bookkeeping, callbacks and the periodic
atomic saves of results and state. A trial here is three events: start, one result,
completion. Figures are printed for experiments of 100 and of 10,000 results, as
the mean over the whole run and over its last 100 results (so growth with the size of
the results table shows). A last line gives, for scale, the cost of one trial of a
no-op function in `PythonBackend`, which starts a process per trial.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tunelab.core import (
    Decision,
    PythonBackend,
    StoppingCriterion,
    Trial,
    Tuner,
    TunerCallback,
    TunerOptions,
)
from tunelab.core.methods import random_search
from tunelab.core.space import choice, loguniform, randint
from tunelab.core.testing import InlineBackend

SPACE = {"lr": loguniform(1e-5, 1e-1), "layers": randint(1, 8), "act": choice(["a", "b"])}


def noop(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"loss": config["lr"], "epoch": 1}]


class Stamps(TunerCallback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.times.append(time.perf_counter())


def inline_run(n_results: int, folder: Path) -> tuple[float, float]:
    """(mean ms per event over the run, mean ms per event over the last 100 results)."""
    stamps = Stamps()
    tuner = Tuner(
        backend=InlineBackend(noop),
        scheduler=random_search(SPACE, metric="loss", seed=0),
        stop_criterion=StoppingCriterion(max_num_results=n_results),
        n_workers=4,
        path=folder / f"inline-{n_results}",
        callbacks=[stamps],
        options=TunerOptions(sleep_time=0.0, progress_interval=None, save_interval=5.0),
    )
    start = time.perf_counter()
    tuner.run()
    total = time.perf_counter() - start
    events = 3 * n_results
    window = min(100, len(stamps.times) - 1)
    tail = stamps.times[-1] - stamps.times[-1 - window]
    return 1000 * total / events, 1000 * tail / (3 * window)


def python_backend_run(n_trials: int, folder: Path) -> float:
    """Seconds per trial of a no-op function run in its own process."""

    def nothing(lr: float, layers: int, act: str) -> dict[str, float]:
        return {"loss": lr}

    tuner = Tuner(
        backend=PythonBackend(nothing),
        scheduler=random_search(SPACE, metric="loss", seed=0),
        stop_criterion=StoppingCriterion(max_num_trials_completed=n_trials),
        n_workers=2,
        path=folder / "python",
        options=TunerOptions(progress_interval=None),
    )
    start = time.perf_counter()
    tuner.run()
    return (time.perf_counter() - start) / n_trials


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("tuner overhead per trial event (random search, no-op objective, 4 workers)")
        for n_results in (100, 10_000):
            mean, tail = inline_run(n_results, folder)
            print(
                f"  {n_results:>6} results: {mean:.3f} ms/event over the run, "
                f"{tail:.3f} ms/event over the last 100 results"
            )
        per_trial = python_backend_run(10, folder)
        print(f"PythonBackend, no-op function, 2 workers: {per_trial:.2f} s per trial")


if __name__ == "__main__":
    main()
