"""The presets under the real Tuner, on the simulated Hartmann-6 benchmark."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from tunelab.blackbox import SimulatorBackend, load
from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.scheduler import Scheduler
from tunelab.core.space import sample_config
from tunelab.core.status import COST_KEY
from tunelab.core.testing import RestrictionContract
from tunelab.gp import methods


def run(tmp_path: Path, scheduler: Scheduler, n_trials: int) -> Any:
    backend = SimulatorBackend(
        load("hartmann6"), max_resource_attr="epochs", seed=0, charge_decision_time=False
    )
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=n_trials),
        n_workers=4,
        path=tmp_path / "run",
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    return load_experiment(tuner.path).results


def space() -> dict[str, Any]:
    return {**load("hartmann6").configuration_space, "epochs": 27}


def test_bayesian_optimization_runs_on_the_simulator(tmp_path: Path) -> None:
    scheduler = methods.bayesian_optimization(space(), metric="y", seed=0)
    results = run(tmp_path, scheduler, 14)
    assert results["trial_id"].nunique() == 14
    assert results["y"].notna().all()


@pytest.mark.parametrize("model", ["joint", "independent"])
def test_mobster_runs_on_the_simulator(tmp_path: Path, model: str) -> None:
    scheduler = methods.mobster(
        space(),
        metric="y",
        resource_attr="epoch",
        max_resource_attr="epochs",
        model=model,
        seed=0,
    )
    results = run(tmp_path, scheduler, 20)
    assert results["trial_id"].nunique() == 20
    per_trial = results.groupby("trial_id")["epoch"].max()
    assert per_trial.min() == 1 and per_trial.max() > 1  # trials are stopped at rungs


def test_mobster_promotion_type_runs_on_the_simulator(tmp_path: Path) -> None:
    scheduler = methods.mobster(
        space(),
        metric="y",
        resource_attr="epoch",
        max_resource_attr="epochs",
        kind="promotion",
        seed=0,
    )
    results = run(tmp_path, scheduler, 16)
    assert results["trial_id"].nunique() == 16
    assert results.groupby("trial_id")["epoch"].max().max() >= 3  # some trial was promoted


def test_mobster_takes_max_resource_from_the_space() -> None:
    scheduler = methods.mobster(
        space(), metric="y", resource_attr="epoch", max_resource_attr="epochs"
    )
    assert scheduler.searcher.max_resource == 27  # type: ignore[attr-defined]


def test_sync_mobster_runs_synchronous_brackets_on_the_simulator(tmp_path: Path) -> None:
    from tunelab.core.schedulers import SynchronousHyperbandScheduler
    from tunelab.gp.learning_curves.searcher import MOBSTERSearcher

    scheduler = methods.sync_mobster(
        space(), metric="y", resource_attr="epoch", max_resource_attr="epochs", seed=0
    )
    assert isinstance(scheduler, SynchronousHyperbandScheduler)
    assert isinstance(scheduler.searcher, MOBSTERSearcher)
    results = run(tmp_path, scheduler, 30)
    per_trial = results.groupby("trial_id")["epoch"].max()
    # the first bracket's rung 0 trains 27 trials to 1 epoch; 9 of them go on to 3
    assert (per_trial == 1).sum() >= 18 and (per_trial >= 3).sum() >= 1


def _gp_preset(name: str, config_space: dict[str, Any], **arguments: Any) -> Scheduler:
    """A GP preset with the multi-fidelity arguments it takes."""
    factory = getattr(methods, name)
    accepted = inspect.signature(factory).parameters
    standard = {"resource_attr": "epoch", "max_resource": 9}
    if "constraint_attr" in accepted:  # the contracts report no constraint: their cost
        arguments.setdefault("constraint_attr", COST_KEY)  # (> 0: every result infeasible)
    scheduler = factory(
        config_space, **arguments, **{k: v for k, v in standard.items() if k in accepted}
    )
    return cast(Scheduler, scheduler)


def _restriction_contract(name: str) -> type:
    class Contract(RestrictionContract):
        n_trials = 14

        def make_scheduler(
            self,
            config_space: dict[str, Any],
            *,
            metric: str,
            mode: str,
            seed: int,
            restrict_to: list[dict[str, Any]],
        ) -> Scheduler:
            return _gp_preset(
                name, config_space, metric=metric, mode=mode, seed=seed, restrict_to=restrict_to
            )

    Contract.__name__ = f"TestRestriction_{name}"
    return Contract


for _name in methods.__all__:
    globals()[f"TestRestriction_{_name}"] = _restriction_contract(_name)


def test_every_gp_preset_records_its_name() -> None:
    for name in methods.__all__:
        scheduler = _gp_preset(name, space(), metric="y", seed=0)
        assert scheduler.method_name == name


def test_bayesian_optimization_on_a_table_runs_only_its_rows(tmp_path: Path) -> None:
    blackbox = load("hartmann6")
    rows = candidate_configs_of(blackbox, 40)
    scheduler = methods.bayesian_optimization(
        space(), metric="y", seed=0, restrict_to=[{**row, "epochs": 27} for row in rows]
    )
    results = run(tmp_path, scheduler, 30)
    tuned = sorted(blackbox.configuration_space)
    allowed = {tuple(row[name] for name in tuned) for row in rows}
    ran = {tuple(r) for r in results[[f"config_{name}" for name in tuned]].to_numpy().tolist()}
    assert ran <= allowed and len(ran) == 30


def candidate_configs_of(blackbox: Any, n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    return [sample_config(blackbox.configuration_space, rng) for _ in range(n)]
