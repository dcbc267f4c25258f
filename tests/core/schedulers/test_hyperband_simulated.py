"""ASHA and promotion ASHA under the real Tuner, on the simulated embedded benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tunelab.blackbox import SimulatorBackend, load
from tunelab.core import (
    FIFOScheduler,
    RandomSearcher,
    StoppingCriterion,
    Tuner,
    TunerOptions,
    load_experiment,
)
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.schedulers.hyperband.scheduler import Kind

N_TRIALS = 60


@pytest.fixture(scope="module")
def blackbox() -> Any:
    return load("sklearn-digits-mlp")


def searcher(blackbox: Any) -> RandomSearcher:
    space = {**blackbox.configuration_space, "epochs": 50}
    return RandomSearcher(space, restrict_to=blackbox.all_configurations(), seed=0)


def run(tmp_path: Path, blackbox: Any, scheduler: Scheduler, name: str) -> tuple[Tuner, Any]:
    backend = SimulatorBackend(
        blackbox, max_resource_attr="epochs", seed=0, charge_decision_time=False
    )
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=N_TRIALS),
        n_workers=4,
        path=tmp_path / name,
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    return tuner, load_experiment(tuner.path).results


def asha(blackbox: Any, kind: Kind) -> HyperbandScheduler:
    return HyperbandScheduler(
        searcher(blackbox),
        metric="val_error",
        resource_attr="epoch",
        max_resource_attr="epochs",
        kind=kind,
    )


def test_asha_spends_fewer_epochs_than_random_search(tmp_path: Path, blackbox: Any) -> None:
    fifo = FIFOScheduler(searcher(blackbox), metric="val_error", resource_attr="epoch")
    _, random_results = run(tmp_path, blackbox, fifo, "random")
    tuner, results = run(tmp_path, blackbox, asha(blackbox, "stopping"), "asha")
    assert random_results["trial_id"].nunique() == results["trial_id"].nunique() == N_TRIALS
    assert len(random_results) == N_TRIALS * 50  # one row per epoch
    assert len(results) < len(random_results) / 3
    last = results.groupby("trial_id")["epoch"].max()
    assert set(last) <= {1, 3, 9, 27, 50}  # trials end at rung levels
    assert (last == 50).sum() >= 1
    stopped = [t for t, trial in tuner.trials.items() if trial.status.value == "stopped"]
    assert stopped and set(last[stopped]) <= {1, 3, 9, 27}


def test_promoted_trials_resume_where_they_paused(tmp_path: Path, blackbox: Any) -> None:
    fifo = FIFOScheduler(searcher(blackbox), metric="val_error", resource_attr="epoch")
    _, random_results = run(tmp_path, blackbox, fifo, "random")
    tuner, results = run(tmp_path, blackbox, asha(blackbox, "promotion"), "promotion")
    assert results["trial_id"].nunique() == N_TRIALS
    assert len(results) < len(random_results) / 3
    resumed = 0
    for trial_id, rows in results.groupby("trial_id"):
        epochs = rows.sort_values("tuner_time")["epoch"].tolist()
        assert epochs == list(range(1, len(epochs) + 1)), f"trial {trial_id} restarted"
        resumed += epochs[-1] > 1
        trial = tuner.trials[int(trial_id)]
        if trial.status.value == "paused":
            # the budget handed to the script is the rung where the trial waits
            assert trial.config["epochs"] == epochs[-1]
            assert epochs[-1] in (1, 3, 9, 27)
    assert resumed >= N_TRIALS // 6
    pauses = results[results["decision"] == "pause"]
    assert set(pauses["epoch"]) <= {1, 3, 9, 27}
