"""Cost-aware promotion (`asha_cost`) on the simulator: the cost a rung counts for a
trial is its cumulative `worker_cost` when it got there, paused and resumed from its
checkpoint or restarted from scratch, and `StoppingCriterion(max_cost=...)` ends the
run once the trials' reported costs add up to the limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox import SimulatorBackend
from tunelab.core import StoppingCriterion, Tuner, TunerOptions
from tunelab.core.methods import asha_cost
from tunelab.core.schedulers import HyperbandScheduler
from tunelab.core.status import COST_KEY

from .conftest import make_table

TABLE = make_table(n_configs=60, n_seeds=1, n_epochs=9)
LEVELS = (1, 3)  # rung levels below the maximum 9 (reduction factor 3)
MAX_COST = 3000.0


def scheduler(**options: Any) -> HyperbandScheduler:
    space = {**TABLE.configuration_space, "epochs": 9}
    return asha_cost(
        space,
        metric="error",
        resource_attr="epoch",
        max_resource_attr="epochs",
        restrict_to=[{**c, "epochs": 9} for c in TABLE.all_configurations()],
        seed=1,
        **options,
    )


def run(path: Path, **options: Any) -> tuple[Tuner, SimulatorBackend, pd.DataFrame]:
    backend = SimulatorBackend(TABLE, cost_attr="elapsed_time", max_resource_attr="epochs")
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler(),
        stop_criterion=StoppingCriterion(max_cost=MAX_COST),
        n_workers=3,
        path=path,
        options=TunerOptions(progress_interval=None, **options),
    )
    tuner.run()
    return tuner, backend, pd.read_parquet(path / "results.parquet")


def table_cost(config: dict[str, Any], epoch: int) -> float:
    """What training `config` from scratch up to `epoch` costs (the table's time)."""
    known = {k: v for k, v in config.items() if k != "epochs"}
    return float(TABLE.evaluate_curve(known)["elapsed_time"][epoch - 1])


def rung_costs(tuner: Tuner) -> list[dict[int, float]]:
    """What the scheduler counts each trial of each rung as having cost to get there."""
    return [dict(saved["costs"]) for saved in tuner.scheduler.state_dict()["costs"]]


def reported_at(results: pd.DataFrame, trial_id: int, epoch: int) -> float:
    row = results[(results["trial_id"] == trial_id) & (results["epoch"] == epoch)]
    assert len(row) == 1
    return float(row[COST_KEY].iloc[0])


def test_max_cost_ends_the_run_and_the_cost_is_what_the_simulator_reported(
    tmp_path: Path,
) -> None:
    tuner, backend, results = run(tmp_path / "exp")
    latest = results.groupby("trial_id")[COST_KEY].last()
    assert tuner.status.cost == pytest.approx(latest.sum())
    assert tuner.status.cost == pytest.approx(sum(backend.state_dict()["costs"].values()))
    paid = results.groupby("trial_id")[COST_KEY].diff().fillna(results[COST_KEY]).cumsum()
    assert paid.iloc[-1] >= MAX_COST > paid.iloc[-2], "it stops at the result that reaches it"
    assert (results["decision"] == "pause").any(), "trials were paused and promoted"
    metadata = json.loads((tmp_path / "exp" / "metadata.json").read_text())
    assert metadata["budget"] == {"max_cost": MAX_COST} and metadata["method"] == "asha_cost"


def test_with_checkpoints_a_rung_counts_the_cost_of_training_up_to_it_once(
    tmp_path: Path,
) -> None:
    tuner, _, results = run(tmp_path / "exp")
    configs = {t: trial.config for t, trial in tuner.trials.items()}
    counted = rung_costs(tuner)
    assert len(counted[1]) > 0, "some trials were promoted to the second rung"
    for level, costs in zip(LEVELS, counted, strict=False):
        for trial_id, cost in costs.items():
            assert cost == pytest.approx(reported_at(results, trial_id, level))
            assert cost == pytest.approx(table_cost(configs[trial_id], level))


def test_a_trial_restarted_from_scratch_counts_what_it_paid_twice(tmp_path: Path) -> None:
    tuner, backend, results = run(
        tmp_path / "exp", checkpoint_removal="speculative", max_kept_checkpoints=0
    )
    configs = {t: trial.config for t, trial in tuner.trials.items()}
    removed = [(r.trial_id, r.tuner_time) for r in tuner.removed_checkpoints]
    counted = rung_costs(tuner)
    levels = (*LEVELS, 9)
    restarts = 0
    for index in range(len(levels) - 1):
        low, high = levels[index], levels[index + 1]
        for trial_id, cost in counted[index + 1].items():
            rows = results[results["trial_id"] == trial_id].set_index("epoch")["tuner_time"]
            between = [t for t, when in removed if t == trial_id and rows[low] <= when < rows[high]]
            step = table_cost(configs[trial_id], high)
            if between:  # trained again from scratch up to `high`, and paid for it
                restarts += 1
            else:  # from its checkpoint at `low`: only the epochs in between
                step -= table_cost(configs[trial_id], low)
            assert cost == pytest.approx(counted[index][trial_id] + step)
            assert cost == pytest.approx(reported_at(results, trial_id, high))
    assert restarts > 0, "some trial lost its checkpoint before reaching its next rung"
    # a restarted trial's repeated results are not recorded again, but what they cost
    # counts at once: the tuner's total is everything the backend charged
    latest = results.groupby("trial_id")[COST_KEY].last()
    assert tuner.status.cost == pytest.approx(sum(backend.state_dict()["costs"].values()))
    assert tuner.status.cost >= latest.sum() - 1e-6


def test_a_table_without_a_cost_is_refused_naming_the_key(tmp_path: Path) -> None:
    backend = SimulatorBackend(TABLE, max_resource_attr="epochs")
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler(),
        stop_criterion=StoppingCriterion(max_num_results=20),
        path=tmp_path / "exp",
        options=TunerOptions(progress_interval=None),
    )
    with pytest.raises(ValueError, match=r"without the cost 'worker_cost'"):
        tuner.run()
    metadata = json.loads((tmp_path / "exp" / "metadata.json").read_text())
    assert metadata["status"] == "failed" and "worker_cost" in metadata["stop_reason"]


def test_a_cost_read_from_the_tables_own_column(tmp_path: Path) -> None:
    # cost_attr="elapsed_time": the table's cumulative time at the reported epoch
    backend = SimulatorBackend(TABLE, max_resource_attr="epochs")
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler(cost_attr="elapsed_time"),
        stop_criterion=StoppingCriterion(max_num_results=150),
        n_workers=3,
        path=tmp_path / "exp",
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    configs = {t: trial.config for t, trial in tuner.trials.items()}
    for level, costs in zip(LEVELS, rung_costs(tuner), strict=False):
        expected = [table_cost(configs[t], level) for t in costs]
        np.testing.assert_allclose(list(costs.values()), expected)
