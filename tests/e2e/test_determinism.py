"""Same seed, same run: every preset, run twice by the real Tuner on the default
`SimulatorBackend`, gives the identical results table (real-time columns aside).

The second run differs from the first in what must not matter: real time spent
between decisions, and extra `state_dict()` calls, which stand for the tuner's saves
(those happen at real-time intervals). A third run uses another number of BLAS threads
than the machine's default.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from tunelab.blackbox import SimulatorBackend, branin
from tunelab.core import Decision, StoppingCriterion, Trial, Tuner, TunerCallback, TunerOptions
from tunelab.core import methods as core_methods
from tunelab.core.results import load_experiment
from tunelab.core.results.store import REAL_TIME_COLUMNS
from tunelab.core.scheduler import Scheduler
from tunelab.gp import methods as gp_methods

from ..core.transfer.tasks import synthetic_tasks

QUIET = TunerOptions(progress_interval=None)
BLACKBOX = branin(max_fidelity=9)
SPACE = {**BLACKBOX.configuration_space, "epochs": 9}
ARGUMENTS = {
    "metric": "y",
    "mode": "min",
    "resource_attr": "epoch",
    "max_resource_attr": "epochs",
    "seed": 3,
}


def presets(module: ModuleType) -> list[str]:
    """The module's presets: its `PRESETS` or `__all__`, else its public functions."""
    names = getattr(module, "PRESETS", None) or getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, function in inspect.getmembers(module, inspect.isfunction)
            if function.__module__ == module.__name__ and not name.startswith("_")
        ]
    return sorted(names)


Case = tuple[ModuleType, str, int]  # presets module, preset name, trials to start
# GP methods fit a model per decision: fewer trials (six of them start at random)
BUDGETS = {"dyhpo": 10}
CASES: list[Case] = [(core_methods, name, 16) for name in presets(core_methods)] + [
    (gp_methods, name, BUDGETS.get(name, 12)) for name in presets(gp_methods)
]
IDS = [f"{module.__name__}.{name}" for module, name, _ in CASES]


# What a preset needs beyond the standard arguments: cost promotion reads each trial's
# cumulative cost (branin's cumulative `elapsed_time` here); transfer methods get
# evaluations of synthetic earlier tasks on the same space.
EXTRA_ARGUMENTS: dict[str, dict[str, Any]] = {
    "asha_cost": {"cost_attr": "elapsed_time"},
    # branin reports no constraint: every result is infeasible (elapsed time > 0), so
    # constrained_bo maximises the probability of feasibility throughout
    "constrained_bo": {"constraint_attr": "elapsed_time"},
    "cost_aware_bo": {"cost_attr": "elapsed_time"},
}


def build(module: ModuleType, name: str) -> Scheduler:
    factory: Callable[..., Scheduler] = getattr(module, name)
    accepted = inspect.signature(factory).parameters
    arguments = {k: v for k, v in ARGUMENTS.items() if k in accepted}
    arguments.update(EXTRA_ARGUMENTS.get(name, {}))
    if "transfer_evaluations" in accepted:
        arguments["transfer_evaluations"] = synthetic_tasks(SPACE, metric="y", fidelities=9)
    return factory(SPACE, **arguments)


class Disturb(TunerCallback):
    """Takes the scheduler's state and lets real time pass after every result."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.scheduler.state_dict()
        time.sleep(0.0005)


def run(
    path: Path, module: ModuleType, name: str, n_trials: int, *, disturb: bool = False
) -> pd.DataFrame:
    """The results table of one run, without its real-time columns."""
    scheduler = build(module, name)
    tuner = Tuner(
        backend=SimulatorBackend(BLACKBOX, max_resource_attr="epochs", seed=5),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=n_trials),
        n_workers=4,
        path=path,
        callbacks=[Disturb(scheduler)] if disturb else [],
        options=QUIET,
    )
    tuner.run()
    results = load_experiment(tuner.path).results
    assert len(tuner.trials) == n_trials
    assert (results["decision_time"] >= 0).all()
    return cast(
        pd.DataFrame, results.drop(columns=[c for c in REAL_TIME_COLUMNS if c in results.columns])
    )


_reference: dict[str, pd.DataFrame] = {}


def reference(tmp_path_factory: pytest.TempPathFactory, case: Case) -> pd.DataFrame:
    """The first run of a preset, shared by the tests that compare a second run with it."""
    module, name, n_trials = case
    key = f"{module.__name__}.{name}"
    if key not in _reference:
        _reference[key] = run(tmp_path_factory.mktemp(name), module, name, n_trials)
    return _reference[key]


def blas_threads() -> int:
    """The BLAS thread pool's size in this process (numpy's BLAS is loaded)."""
    return max(
        (pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1
    )


def test_every_preset_is_covered() -> None:
    names = {name for _, name, _ in CASES}
    assert set(core_methods.PRESETS) <= names
    assert {"bayesian_optimization", "mobster", "sync_mobster", "hyper_tune", "dyhpo"} <= names


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_seed_gives_the_identical_results_table(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    expected = reference(tmp_path_factory, case)
    again = run(tmp_path / "again", *case, disturb=True)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_blas_thread_count_does_not_change_a_run(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    """Machines differ in cores, and so in the default size of the BLAS thread pool."""
    expected = reference(tmp_path_factory, case)
    with threadpool_limits(limits=2 if blas_threads() == 1 else 1):
        again = run(tmp_path / "other-thread-count", *case)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)
