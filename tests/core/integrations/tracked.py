"""Tuners to track, and readers of what the tracking callbacks wrote (TensorBoard's own
event reader, MLflow's client): shared by the tests of both callbacks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from tunelab.core import (
    Decision,
    Scheduler,
    StoppingCriterion,
    Trial,
    Tuner,
    TunerCallback,
    TunerOptions,
)
from tunelab.core.methods import asha, random_search
from tunelab.core.space import choice, randint, uniform
from tunelab.core.testing import InlineBackend

SPACE = {"x": uniform(0.0, 1.0), "layers": randint(1, 4), "act": choice(["relu", "tanh"])}
EPOCHS = 6
QUIET = TunerOptions(sleep_time=0.0, progress_interval=None)


def curve(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A learning curve; besides numbers, a string, a NaN and a timestamp that the
    callbacks leave out. It crashes at epoch 2 for `act="tanh"` with many layers."""
    for epoch in range(1, EPOCHS + 1):
        if config["act"] == "tanh" and config["layers"] == 4 and epoch == 2:
            raise RuntimeError("diverged")
        yield {
            "epoch": epoch,
            "loss": (config["x"] - 0.3) ** 2 + config["layers"] / (10 * epoch),
            "accuracy": 1.0 - config["x"] / epoch,
            "note": "ok",
            "gradient_norm": math.nan,
            "worker_timestamp": 1.7e9 + epoch,
        }


def make_tuner(
    path: Path,
    callbacks: list[TunerCallback],
    *,
    multi_fidelity: bool = True,
    budget: int = 40,
    **kwargs: Any,
) -> Tuner:
    """ASHA (promotion: it pauses trials and resumes some) with `epoch` as resource,
    or random search without a resource attribute, until `budget` results; 2 trials
    at a time. A resumed trial starts its curve over (no checkpoint)."""
    scheduler: Scheduler
    if multi_fidelity:
        scheduler = asha(
            {**SPACE, "epochs": EPOCHS},
            metric="loss",
            mode="min",
            seed=1,
            resource_attr="epoch",
            max_resource_attr="epochs",
            kind="promotion",
        )
    else:
        scheduler = random_search(SPACE, metric="accuracy", mode="max", seed=1)
    settings: dict[str, Any] = {
        "backend": InlineBackend(curve),
        "scheduler": scheduler,
        "stop_criterion": StoppingCriterion(max_num_results=budget),
        "n_workers": 2,
        "path": path,
        "callbacks": callbacks,
        "options": QUIET,
    }
    return Tuner(**(settings | kwargs))


class Interrupt(TunerCallback):
    """Interrupts tuning (as Ctrl-C would) at the `after`-th result."""

    def __init__(self, after: int) -> None:
        self.after, self.seen = after, 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt


def results(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path / "results.parquet")


Series = dict[int, list[tuple[int, float]]]
"""Per trial id, the (step, value) points of one key."""


def expected_series(path: Path, key: str, resource: str | None) -> Series:
    """Per trial, (step, value) of `key` as the callbacks should log them: at the
    resource level, else at the result's position in the trial."""
    series: Series = {}
    frame = results(path)
    for trial_id in sorted(frame["trial_id"].unique()):
        rows = frame[frame["trial_id"] == trial_id]
        steps = rows[resource] if resource else range(1, len(rows) + 1)
        series[int(trial_id)] = [
            (int(step), float(value)) for step, value in zip(steps, rows[key], strict=True)
        ]
    return series


def best_so_far(path: Path, metric: str, mode: str) -> list[float]:
    """The successive best values of `metric` over the results, in recorded order."""
    values = results(path)[metric]
    running = values.cummin() if mode == "min" else values.cummax()
    return [float(v) for i, v in enumerate(running) if i == 0 or v != running.iloc[i - 1]]
