"""The simulator backend under the real Tuner, on virtual time."""

from __future__ import annotations

import itertools
import logging
import math
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.blackbox import SimulatorBackend, TabularBlackbox, branin
from tunelab.blackbox.simulator import _cumulative
from tunelab.core import (
    Decision,
    FIFOScheduler,
    RandomSearcher,
    StoppingCriterion,
    Trial,
    Tuner,
    TunerCallback,
    TunerOptions,
    load_experiment,
)
from tunelab.core.methods import random_search
from tunelab.core.results.store import REAL_TIME_COLUMNS
from tunelab.core.trial import TrialSuggestion

QUIET = TunerOptions(progress_interval=None)
SIX_HOURS = 6 * 3600.0


def simulate(
    tmp_path: Path,
    blackbox: Any,
    *,
    scheduler: Any = None,
    n_workers: int = 4,
    budget: float = SIX_HOURS,
    seed: int = 0,
    charge: bool = False,
    name: str = "sim",
    **backend_options: Any,
) -> tuple[Tuner, SimulatorBackend]:
    backend = SimulatorBackend(
        blackbox, seed=seed, charge_decision_time=charge, keep_event_log=True, **backend_options
    )
    if scheduler is None:
        scheduler = random_search(
            blackbox.configuration_space,
            metric=blackbox.objectives_names[0],
            seed=seed,
            resource_attr=blackbox.fidelity_name,
            restrict_to=getattr(blackbox, "all_configurations", lambda: None)(),
        )
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=budget),
        n_workers=n_workers,
        path=tmp_path / name,
        options=QUIET,
    )
    tuner.run()
    return tuner, backend


def replay(events: list[tuple[float, int, str]], n_workers: int) -> None:
    """Check the event log: time order, and never more than n_workers trials at once."""
    times = [when for when, _, _ in events]
    assert times == sorted(times), "events must happen in virtual-time order"
    running: set[int] = set()
    for _, trial_id, kind in events:
        if kind == "start":
            assert trial_id not in running
            running.add(trial_id)
            assert len(running) <= n_workers, "a worker ran two trials at once"
        elif kind == "result":
            assert trial_id in running, "a result came from a trial that was not running"
        else:
            running.discard(trial_id)


def test_six_hours_with_four_workers(tmp_path: Path, table: TabularBlackbox) -> None:
    began = time.perf_counter()
    tuner, backend = simulate(tmp_path, table)
    assert time.perf_counter() - began < 60
    replay(backend.events, n_workers=4)
    results = load_experiment(tuner.path).results
    assert results["tuner_time"].is_monotonic_increasing
    assert results["tuner_time"].max() <= SIX_HOURS
    # each result arrives exactly when its training would have finished
    starts = {tid: when for when, tid, kind in backend.events if kind == "start"}
    for row in results.sample(30, random_state=0).itertuples():
        config = tuner.trials[row.trial_id].config
        seed_times = [
            table.evaluate(config, fidelity=row.epoch, seed=s)["elapsed_time"] for s in table.seeds
        ]
        assert row.tuner_time - starts[row.trial_id] == pytest.approx(seed_times[0])
    assert len(tuner.trials) == len(table)  # restricted random search used the table up


def test_same_seed_same_run_different_seed_different_run(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=9)
    first, _ = simulate(tmp_path, blackbox, budget=3600, name="a")
    second, _ = simulate(tmp_path, blackbox, budget=3600, name="b")
    third, _ = simulate(tmp_path, blackbox, budget=3600, seed=1, name="c")
    a, b, c = (load_experiment(t.path).results for t in (first, second, third))
    assert "decision_time" in a.columns  # real time: it differs from run to run
    a, b = (frame.drop(columns=list(REAL_TIME_COLUMNS), errors="ignore") for frame in (a, b))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a["y"].equals(c["y"])


def test_trials_read_seeds_chosen_from_the_run_seed(tmp_path: Path, table: TabularBlackbox) -> None:
    tuner, _ = simulate(tmp_path, table, budget=4 * 3600)
    results = load_experiment(tuner.path).results
    used = set()
    for trial_id, rows in results.groupby("trial_id"):
        config = tuner.trials[int(cast(int, trial_id))].config
        curve = rows.sort_values("epoch")["error"].to_numpy()
        matching = [
            s
            for s in table.seeds
            if np.allclose(table.evaluate_curve(config, seed=s)["error"][: len(curve)], curve)
        ]
        assert matching, f"trial {trial_id} read values of no seed"
        used.update(matching)
    assert len(used) > 1


class PauseThenResume(FIFOScheduler):
    """Pauses trial 0 at epoch 3 and resumes it when trial 1 completes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resume_now = False

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        if self.resume_now:
            self.resume_now = False
            return TrialSuggestion.resume(0)
        return super().suggest(trial_id) if trial_id < 2 else None

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        super().on_trial_result(trial, result)
        if trial.trial_id == 0 and result["epoch"] == 3 and not getattr(self, "paused", False):
            self.paused = True
            return Decision.PAUSE
        return Decision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        super().on_trial_complete(trial, result)
        if trial.trial_id == 1:
            self.resume_now = True


def test_pause_and_resume_continue_from_the_paused_fidelity(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=6, time_per_step=10.0)
    scheduler = PauseThenResume(RandomSearcher(blackbox.configuration_space, seed=0), metric="y")
    tuner, backend = simulate(tmp_path, blackbox, scheduler=scheduler, n_workers=2)
    results = load_experiment(tuner.path).results
    trial0 = results[results["trial_id"] == 0]
    assert list(trial0["epoch"]) == [1, 2, 3, 4, 5, 6]
    step0 = blackbox.evaluate_curve(tuner.trials[0].config)["elapsed_time"][0]
    end1 = results[results["trial_id"] == 1]["tuner_time"].max()
    resumed = trial0[trial0["epoch"] >= 4]["tuner_time"].to_numpy()
    np.testing.assert_allclose(resumed, end1 + step0 * np.arange(1, 4))
    replay(backend.events, n_workers=2)


class StopAtEpochTwo(FIFOScheduler):
    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        super().on_trial_result(trial, result)
        return Decision.STOP if result["epoch"] == 2 else Decision.CONTINUE


def test_stopping_frees_the_worker_at_once(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=9)
    scheduler = StopAtEpochTwo(RandomSearcher(blackbox.configuration_space, seed=0), metric="y")
    tuner, backend = simulate(tmp_path, blackbox, scheduler=scheduler, n_workers=1, budget=600)
    ends = {tid: when for when, tid, kind in backend.events if kind == "end"}
    starts = {tid: when for when, tid, kind in backend.events if kind == "start"}
    for trial_id in range(1, len(starts)):
        assert starts[trial_id] == ends[trial_id - 1]
    results = load_experiment(tuner.path).results
    assert results.groupby("trial_id")["epoch"].max().max() == 2


def test_max_resource_attr_limits_training(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=9)
    space = {**blackbox.configuration_space, "epochs": 4}
    scheduler = random_search(space, metric="y", seed=0)
    tuner, _ = simulate(
        tmp_path, blackbox, scheduler=scheduler, budget=600, max_resource_attr="epochs"
    )
    results = load_experiment(tuner.path).results
    last = results.groupby("trial_id")["epoch"].max()
    completed = [t for t, trial in tuner.trials.items() if trial.status.value == "completed"]
    assert completed and set(last[completed]) == {4}
    assert last.max() == 4


class SlowSearcher(RandomSearcher):
    def suggest(self, trial_id: int) -> dict[str, Any] | None:
        time.sleep(0.02)
        return super().suggest(trial_id)


def test_decision_time_is_charged_to_the_virtual_clock(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=3, time_per_step=1.0)

    def first_starts(charge: bool) -> list[float]:
        scheduler = FIFOScheduler(SlowSearcher(blackbox.configuration_space, seed=0), metric="y")
        _, backend = simulate(
            tmp_path, blackbox, scheduler=scheduler, budget=20, charge=charge, name=str(charge)
        )
        return [when for when, _, kind in backend.events if kind == "start"][:4]

    assert first_starts(False) == [0.0, 0.0, 0.0, 0.0]
    charged = first_starts(True)
    assert all(b - a >= 0.02 for a, b in itertools.pairwise(charged))


def test_decision_time_is_recorded_but_not_charged_by_default(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=3, time_per_step=1.0)
    backend = SimulatorBackend(blackbox, keep_event_log=True)
    assert backend.charge_decision_time is False
    backend.clock.charge(5.0)
    assert backend.clock.time() == 0.0
    tuner = Tuner(
        backend=backend,
        scheduler=FIFOScheduler(SlowSearcher(blackbox.configuration_space, seed=0), metric="y"),
        stop_criterion=StoppingCriterion(max_wallclock_time=20),
        n_workers=4,
        path=tmp_path / "default",
        options=QUIET,
    )
    tuner.run()
    assert [when for when, _, kind in backend.events if kind == "start"][:4] == [0.0] * 4
    experiment = load_experiment(tuner.path)
    column = experiment.results["decision_time"]
    assert (column >= 0).all()
    assert column.iloc[0] >= 4 * 0.02  # the four suggestions before the first result
    assert column.sum() <= experiment.metadata["decision_seconds"] == tuner.decision_seconds
    settings = experiment.metadata["backend_settings"]
    assert settings == {
        "blackbox": "branin",
        "seed": 0,
        "charge_decision_time": False,
        "time_scale": 1.0,
        "time_per_fidelity": None,
        "max_resource_attr": None,
    }


def test_charging_is_an_opt_in_written_in_metadata_and_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tunelab.blackbox.simulator"):
        tuner, backend = simulate(tmp_path, branin(max_fidelity=3), budget=60, charge=True)
    assert backend.describe()["charge_decision_time"] is True
    metadata = load_experiment(tuner.path).metadata
    assert metadata["backend_settings"]["charge_decision_time"] is True
    lines = [r.getMessage() for r in caplog.records if r.name == "tunelab.blackbox.simulator"]
    assert len(lines) == 1 and "depend on this machine and its load" in lines[0]


def test_a_run_resumes_only_with_the_same_simulator_settings(tmp_path: Path) -> None:
    blackbox = branin(max_fidelity=9)

    class Interrupt(TunerCallback):
        def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
            raise KeyboardInterrupt

    def tuner(charge: bool, callbacks: list[TunerCallback]) -> Tuner:
        return Tuner(
            backend=SimulatorBackend(blackbox, charge_decision_time=charge),
            scheduler=random_search(blackbox.configuration_space, metric="y", seed=0),
            stop_criterion=StoppingCriterion(max_wallclock_time=600),
            path=tmp_path / "sim",
            callbacks=callbacks,
            options=QUIET,
        )

    with pytest.raises(KeyboardInterrupt):
        tuner(False, [Interrupt()]).run()
    with pytest.raises(ValueError, match=r"cannot resume.*backend_settings"):
        tuner(True, [])
    tuner(False, []).run()
    assert load_experiment(tmp_path / "sim").metadata["status"] == "complete"


def test_a_blackbox_without_time_needs_a_time_per_fidelity() -> None:
    class Timeless(type(branin())):  # type: ignore[misc]
        @property
        def time_objective(self) -> None:
            return None

    blackbox = Timeless(branin().function, branin().configuration_space, name="t")
    with pytest.raises(ValueError, match="time_per_fidelity"):
        SimulatorBackend(blackbox)
    assert SimulatorBackend(blackbox, time_per_fidelity=5.0).time_per_fidelity == 5.0


def test_six_simulated_hours_on_the_embedded_default(tmp_path: Path) -> None:
    """The issue's acceptance run: random search, 4 workers, 6 virtual hours.

    The embedded MLPs train in a fraction of a second, so training time is scaled by
    100 (a median trial then takes about half a minute) and the surrogate answers any
    configuration, so that random search can run for the whole six hours.
    """
    from tunelab.blackbox import SurrogateBlackbox, load

    blackbox = SurrogateBlackbox(load("sklearn-digits-mlp"))  # type: ignore[arg-type]
    scheduler = random_search(
        blackbox.configuration_space, metric="val_error", resource_attr="epoch", seed=0
    )
    began = time.perf_counter()
    tuner, backend = simulate(tmp_path, blackbox, scheduler=scheduler, time_scale=100.0)
    assert time.perf_counter() - began < 120
    replay(backend.events, n_workers=4)
    results = load_experiment(tuner.path).results
    assert results["tuner_time"].is_monotonic_increasing
    assert SIX_HOURS - 600 < results["tuner_time"].max() <= SIX_HOURS
    assert len(results) > 50_000


def test_time_scale_applies_to_time_per_fidelity_too(tmp_path: Path) -> None:
    class Timeless(type(branin())):  # type: ignore[misc]
        @property
        def time_objective(self) -> None:
            return None

    blackbox = Timeless(branin().function, branin().configuration_space, name="t", max_fidelity=3)
    _, backend = simulate(
        tmp_path, blackbox, n_workers=1, budget=100, time_per_fidelity=2.0, time_scale=5.0
    )
    results = [when for when, _, kind in backend.events if kind == "result"]
    assert results[:3] == [10.0, 20.0, 30.0]


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0]),
        ),
        max_size=12,
    )
)
def test_cumulative_values_are_those_of_nan_to_num_then_the_running_maximum(
    values: list[float],
) -> None:
    expected = np.maximum.accumulate(np.nan_to_num(np.asarray(values, dtype=float)))
    found = _cumulative(np.asarray(values))
    assert found.dtype == np.float64
    assert repr(found.tolist()) == repr(expected.tolist())  # -0.0 and NaN included
