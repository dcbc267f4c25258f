"""`SimulatorBackend(cost_attr=...)`: each result carries what its trial has cost so
far (`worker_cost`), which `StoppingCriterion(max_cost=...)` sums over trials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox import SimulatorBackend, TabularBlackbox
from tunelab.core import StoppingCriterion, Trial, Tuner, TunerOptions
from tunelab.core.methods import asha, random_search
from tunelab.core.status import COST_KEY

from .conftest import make_table

TABLE = make_table(n_configs=30, n_seeds=1, n_epochs=9)


def drain(backend: SimulatorBackend, *, until: int | None = None) -> list[dict[str, Any]]:
    """Results the backend delivers until nothing runs (or `until` results arrived)."""
    results: list[dict[str, Any]] = []
    while backend.busy_trial_ids() and (until is None or len(results) < until):
        backend.clock.sleep(1.0)
        results += [r for update in backend.fetch_new_results() for r in update.results]
    return results


def curve(trial: int) -> np.ndarray:
    return TABLE.evaluate_curve(TABLE.all_configurations()[trial])["elapsed_time"]


def test_each_result_carries_the_trials_cumulative_cost() -> None:
    backend = SimulatorBackend(TABLE, cost_attr="elapsed_time")
    for trial in (0, 1):
        backend.start_trial(Trial(trial_id=trial, config=TABLE.all_configurations()[trial]))
    results = drain(backend)
    for trial in (0, 1):
        costs = [r[COST_KEY] for r in results if r["elapsed_time"] in set(curve(trial))]
        np.testing.assert_allclose(costs, curve(trial))


def test_no_cost_without_cost_attr() -> None:
    backend = SimulatorBackend(TABLE)
    backend.start_trial(Trial(trial_id=0, config=TABLE.all_configurations()[0]))
    assert all(COST_KEY not in r for r in drain(backend))
    assert "cost_attr" not in backend.describe()
    assert "costs" not in backend.state_dict()


def test_a_resumed_trial_pays_only_for_what_it_trains_and_a_restarted_one_again() -> None:
    backend = SimulatorBackend(TABLE, cost_attr="elapsed_time", max_resource_attr="epochs")
    config = {**TABLE.all_configurations()[3], "epochs": 3}
    trial = Trial(trial_id=0, config=config)
    backend.start_trial(trial)
    first = drain(backend)
    assert [r[COST_KEY] for r in first] == pytest.approx(curve(3)[:3])
    trial.config["epochs"] = 6  # promoted: resumes after its checkpoint at epoch 3
    backend.resume_trial(trial)
    resumed = drain(backend)
    assert [r["epoch"] for r in resumed] == [4, 5, 6]
    assert [r[COST_KEY] for r in resumed] == pytest.approx(curve(3)[3:6])
    backend.delete_checkpoint(0)  # trains again from scratch, and pays for it
    trial.config["epochs"] = 7
    backend.resume_trial(trial)
    again = drain(backend)
    assert [r["epoch"] for r in again] == list(range(1, 8))
    assert again[-1][COST_KEY] == pytest.approx(curve(3)[5] + curve(3)[6])


def test_the_cost_is_saved_with_the_state() -> None:
    backend = SimulatorBackend(TABLE, cost_attr="elapsed_time", max_resource_attr="epochs")
    config = {**TABLE.all_configurations()[4], "epochs": 2}
    backend.start_trial(Trial(trial_id=5, config=config))
    drain(backend)
    state = backend.state_dict()
    assert state["costs"] == {5: pytest.approx(curve(4)[1])}
    fresh = SimulatorBackend(TABLE, cost_attr="elapsed_time", max_resource_attr="epochs")
    fresh.load_state_dict(state)
    fresh.resume_trial(Trial(trial_id=5, config={**config, "epochs": 3}))
    (result,) = drain(fresh)
    assert result[COST_KEY] == pytest.approx(curve(4)[2])
    assert fresh.describe()["cost_attr"] == "elapsed_time"


def test_an_unknown_cost_attr_is_named() -> None:
    with pytest.raises(ValueError, match=r"cost_attr 'dollars' is not an objective.*error"):
        SimulatorBackend(TABLE, cost_attr="dollars")


def test_a_decreasing_recorded_cost_never_refunds() -> None:
    noisy = TabularBlackbox(
        hyperparameters=pd.DataFrame({"x": [1, 2]}),
        objectives=np.array([[[[1.0, 5.0], [2.0, 4.0], [3.0, 9.0]]]] * 2),
        objectives_names=["y", "seconds"],
        configuration_space={"x": TABLE.configuration_space["layers"]},
        fidelity_name="epoch",
        time_objective="seconds",
    )
    backend = SimulatorBackend(noisy, cost_attr="seconds")
    backend.start_trial(Trial(trial_id=0, config={"x": 1}))
    assert [r[COST_KEY] for r in drain(backend)] == [5.0, 5.0, 9.0]


@pytest.mark.parametrize("method", ["random_search", "asha"])
def test_max_cost_stops_the_tuner_once_the_trials_cost_that_much(
    tmp_path: Path, method: str
) -> None:
    backend = SimulatorBackend(TABLE, cost_attr="elapsed_time", max_resource_attr="epochs")
    space = {**TABLE.configuration_space, "epochs": 9}
    options: dict[str, Any] = {
        "metric": "error",
        "seed": 1,
        "resource_attr": "epoch",
        "restrict_to": [{**c, "epochs": 9} for c in TABLE.all_configurations()],
    }
    if method == "asha":
        scheduler: Any = asha(space, max_resource_attr="epochs", **options)
    else:
        scheduler = random_search(space, **options)
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_cost=5000.0),
        n_workers=3,
        path=tmp_path / method,
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    results = pd.read_parquet(tmp_path / method / "results.parquet")
    total = results.groupby("trial_id")[COST_KEY].max().sum()
    assert tuner.status.cost == pytest.approx(total)
    metadata = json.loads((tmp_path / method / "metadata.json").read_text())
    assert metadata["budget"] == {"max_cost": 5000.0}
    paid = results.groupby("trial_id")[COST_KEY].diff().fillna(results[COST_KEY])
    spent = paid.cumsum()
    assert spent.iloc[-1] == pytest.approx(total) and total >= 5000.0
    reached = int((spent >= 5000.0).to_numpy().argmax())
    end = results["tuner_time"].max()
    assert results["tuner_time"].iloc[reached] == end, "it stops when max_cost is reached"
