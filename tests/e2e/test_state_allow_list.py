"""Every preset's tuner state loads under the safe unpickler's allow-list.

Each preset runs briefly on the simulator; the scheduler's state after every result
and the tuner state the run saved are loaded with `tunelab.core.results.safe_pickle`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tunelab.blackbox import SimulatorBackend
from tunelab.core import Decision, StoppingCriterion, Trial, Tuner, TunerCallback, TunerOptions
from tunelab.core.results import ExperimentStore
from tunelab.core.results.safe_pickle import loads
from tunelab.core.scheduler import Scheduler

from .test_determinism import BLACKBOX, CASES, IDS, build


class LoadStateSafely(TunerCallback):
    """Pickles the scheduler's state after each result and loads it back safely."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.loaded = 0

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        state = self.scheduler.state_dict()
        assert loads(pickle.dumps(state, protocol=5), source=f"state after trial {trial.trial_id}")
        self.loaded += 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_preset_state_loads_under_the_allow_list(
    tmp_path: Path, case: tuple[ModuleType, str, int]
) -> None:
    module, name, n_trials = case
    scheduler = build(module, name)
    check = LoadStateSafely(scheduler)
    tuner = Tuner(
        backend=SimulatorBackend(BLACKBOX, max_resource_attr="epochs", seed=5),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=n_trials),
        n_workers=4,
        path=tmp_path / name,
        callbacks=[check],
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    assert check.loaded > n_trials
    state = ExperimentStore(tuner.path).load()  # the saved file, through the safe loader
    assert state is not None and state["next_trial_id"] == n_trials
    build(module, name).load_state_dict(state["scheduler"])  # and it is the state to resume
