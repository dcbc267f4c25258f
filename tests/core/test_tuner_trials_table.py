"""trials.parquet, the final status of every trial (issue 14, item 12), and the
per-trial time limit `TunerOptions.max_trial_seconds` (item 11)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tunelab.core import (
    PythonBackend,
    StoppingCriterion,
    Tuner,
    TunerOptions,
    load_experiment,
)
from tunelab.core.clock import Clock
from tunelab.core.methods import grid_search, random_search
from tunelab.core.results.experiment import TRIAL_COLUMNS, TRIALS_FILE
from tunelab.core.space import choice, randint, uniform
from tunelab.core.testing import InlineBackend

QUIET = TunerOptions(sleep_time=0.0, progress_interval=None, max_failures=None)


def flaky(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """kind 0 completes, 1 crashes before its first result, 2 after its second."""
    if config["kind"] == 1:
        raise RuntimeError("CUDA out of memory (simulated)")
    for epoch in range(1, 4):
        yield {"epoch": epoch, "loss": config["x"] / epoch}
        if config["kind"] == 2 and epoch == 2:
            raise ValueError("NaN in the gradients (simulated)")


def test_trials_parquet_holds_every_trial_with_its_final_status_and_error(
    tmp_path: Path,
) -> None:
    tuner = Tuner(
        backend=InlineBackend(flaky),
        scheduler=random_search(
            {"x": uniform(0.0, 1.0), "kind": randint(0, 2)}, metric="loss", seed=2
        ),
        stop_criterion=StoppingCriterion(max_num_trials_started=12),
        n_workers=3,
        path=tmp_path / "flaky",
        options=QUIET,
    )
    tuner.run()
    assert (tmp_path / "flaky" / TRIALS_FILE).exists()
    experiment = load_experiment(tuner.path)
    trials = experiment.trials.set_index("trial_id")
    assert list(experiment.trials.columns[: len(TRIAL_COLUMNS)]) == list(TRIAL_COLUMNS)
    assert sorted(trials.index) == sorted(tuner.trials)
    for trial_id, trial in tuner.trials.items():
        row = trials.loc[trial_id]
        assert row["status"] == trial.status.value
        assert row["config_kind"] == trial.config["kind"]
        kind = trial.config["kind"]
        assert row["status"] == ("completed" if kind == 0 else "failed")
        assert row["num_results"] == [3, 0, 2][kind]
        assert pd.isna(row["error"]) == (kind == 0)
        assert row["start_tuner_time"] <= row["end_tuner_time"]
    failed = trials[trials["status"] == "failed"]
    assert set(failed["config_kind"]) == {1, 2}
    assert failed["error"].str.contains("CUDA out of memory|NaN in the gradients").all()
    # trials that never reported are in trials.parquet, though not in results.parquet
    silent = failed[failed["num_results"] == 0].index
    assert len(silent) and not set(silent) & set(experiment.results["trial_id"])
    counts = experiment.results.groupby("trial_id").size()
    assert (trials["num_results"] == counts.reindex(trials.index, fill_value=0)).all()


def test_trials_stopped_when_the_run_ends_are_recorded_as_stopped(tmp_path: Path) -> None:
    def endless(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        epoch = 0
        while True:
            epoch += 1
            yield {"epoch": epoch, "loss": config["x"]}

    tuner = Tuner(
        backend=InlineBackend(endless),
        scheduler=random_search({"x": uniform(0.0, 1.0)}, metric="loss", seed=0),
        stop_criterion=StoppingCriterion(max_num_results=20),
        n_workers=2,
        path=tmp_path / "endless",
        options=QUIET,
    )
    tuner.run()
    trials = load_experiment(tuner.path).trials
    assert list(trials["status"]) == ["stopped", "stopped"]
    assert trials["end_tuner_time"].notna().all()
    assert trials["num_results"].sum() == 20


def test_an_experiment_without_trials_parquet_loads_an_empty_table(tmp_path: Path) -> None:
    tuner = Tuner(
        backend=InlineBackend(flaky),
        scheduler=random_search({"x": uniform(0.0, 1.0), "kind": 0}, metric="loss", seed=0),
        stop_criterion=StoppingCriterion(max_num_trials_completed=1),
        path=tmp_path / "old",
        options=QUIET,
    )
    tuner.run()
    (tmp_path / "old" / TRIALS_FILE).unlink()  # as written by an earlier version
    trials = load_experiment(tmp_path / "old").trials
    assert list(trials.columns) == list(TRIAL_COLUMNS) and trials.empty


# -- max_trial_seconds --------------------------------------------------------------------


def sleepy(hang: int, x: float) -> dict[str, float]:
    from tunelab.core.reporter import report

    report(step=1, loss=x)
    if hang:
        time.sleep(600)
    return {"step": 2, "loss": x / 2}


def test_a_hanging_trial_is_stopped_and_failed_after_max_trial_seconds(tmp_path: Path) -> None:
    tuner = Tuner(
        backend=PythonBackend(sleepy, stop_grace_period=1.0),
        scheduler=grid_search({"hang": choice([0, 1]), "x": choice([0.5, 0.25])}, metric="loss"),
        stop_criterion=StoppingCriterion(max_wallclock_time=120),
        n_workers=4,
        path=tmp_path / "hang",
        options=TunerOptions(progress_interval=None, max_trial_seconds=3.0),
    )
    start = time.monotonic()
    tuner.run()
    assert time.monotonic() - start < 60, "the hanging trials held their workers"
    experiment = load_experiment(tuner.path)
    assert experiment.metadata["status"] == "complete"
    trials = experiment.trials
    hung = trials[trials["config_hang"] == 1]
    assert list(hung["status"]) == ["failed", "failed"]
    assert hung["error"].str.contains(r"TunerOptions.max_trial_seconds=3\b").all()
    assert (hung["num_results"] == 1).all(), "results before the limit are kept"
    assert list(trials[trials["config_hang"] == 0]["status"]) == ["completed", "completed"]
    assert tuner.status.num_trials_failed == 2


class TickingClock(Clock):
    """Virtual time: every sleep of the tuner lasts one second."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += 1.0


class VirtualInlineBackend(InlineBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = TickingClock()

    @property
    def clock(self) -> Clock:
        return self._clock


def test_max_trial_seconds_counts_the_backends_clock(tmp_path: Path) -> None:
    def slow(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for epoch in range(1, config["epochs"] + 1):
            yield {"epoch": epoch, "loss": 1.0 / epoch}

    tuner = Tuner(
        backend=VirtualInlineBackend(slow),
        scheduler=grid_search({"epochs": choice([3, 100])}, metric="loss"),
        stop_criterion=StoppingCriterion(max_wallclock_time=10_000),
        n_workers=2,
        path=tmp_path / "virtual",
        options=TunerOptions(sleep_time=0.0, progress_interval=None, max_trial_seconds=10),
    )
    start = time.monotonic()
    tuner.run()
    assert time.monotonic() - start < 30
    trials = load_experiment(tuner.path).trials.set_index("config_epochs")
    assert trials.loc[3, "status"] == "completed"
    assert trials.loc[100, "status"] == "failed"
    assert "max_trial_seconds=10" in trials.loc[100, "error"]
    assert 10 < trials.loc[100, "end_tuner_time"] - trials.loc[100, "start_tuner_time"] <= 12
    assert trials.loc[100, "num_results"] < 15


@pytest.mark.parametrize("value", [0, -1.0, math.nan, True, "5"])
def test_max_trial_seconds_must_be_positive(value: Any) -> None:
    with pytest.raises(ValueError, match="max_trial_seconds"):
        TunerOptions(max_trial_seconds=value)


def test_no_limit_by_default() -> None:
    assert TunerOptions().max_trial_seconds is None
