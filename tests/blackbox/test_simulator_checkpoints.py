"""Simulated checkpoints: copied ones continue at the source's fidelity, deleted ones restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox import SimulatorBackend, branin
from tunelab.core import (
    Decision,
    FIFOScheduler,
    RandomSearcher,
    StoppingCriterion,
    Trial,
    TrialStatus,
    Tuner,
    TunerOptions,
    load_experiment,
)
from tunelab.core.schedulers.pbt import PopulationBasedTraining
from tunelab.core.trial import TrialSuggestion, TrialUpdate

A = {"x1": 0.0, "x2": 5.0}
B = {"x1": 8.0, "x2": 2.0}


def make_backend(**options: Any) -> SimulatorBackend:
    return SimulatorBackend(
        branin(max_fidelity=9, time_per_step=10.0), charge_decision_time=False, **options
    )


def next_updates(backend: SimulatorBackend) -> list[TrialUpdate]:
    """Jump the virtual clock to the next event and fetch what happened then."""
    backend.clock.sleep(0.0)
    return backend.fetch_new_results()


def run_until(backend: SimulatorBackend, trial_id: int, epoch: int) -> list[TrialUpdate]:
    """Advance until `trial_id` reported `epoch`; every update seen on the way."""
    seen: list[TrialUpdate] = []
    while not any(
        u.trial_id == trial_id and any(r["epoch"] == epoch for r in u.results) for u in seen
    ):
        updates = next_updates(backend)
        assert updates, "the simulation ran dry"
        seen += updates
    return seen


def first_result(updates: list[TrialUpdate], trial_id: int) -> tuple[dict[str, Any], float]:
    for update in updates:
        if update.trial_id == trial_id and update.results:
            assert update.time is not None
            return update.results[0], update.time
    raise AssertionError(f"no result of trial {trial_id}")


def test_a_copy_continues_after_the_source_fidelity_with_its_own_curve() -> None:
    backend = make_backend()
    curve_b = backend.blackbox.evaluate_curve(B)
    backend.start_trial(Trial(0, dict(A)))
    run_until(backend, 0, 4)
    copied_at = backend.clock.time()
    backend.copy_checkpoint(0, 1)
    backend.start_trial(Trial(1, dict(B)))
    updates = run_until(backend, 1, 9)
    result, when = first_result(updates, 1)
    assert result["epoch"] == 5  # the fidelity after the source's last one
    assert result["y"] == pytest.approx(curve_b["y"][4])  # read for the NEW config
    step = curve_b["elapsed_time"][4] - curve_b["elapsed_time"][3]
    assert when == pytest.approx(copied_at + step)  # pays for one step only
    epochs = [r["epoch"] for u in updates if u.trial_id == 1 for r in u.results]
    assert epochs == [5, 6, 7, 8, 9]
    assert [u.status for u in updates if u.trial_id == 1][-1] is TrialStatus.COMPLETED


def test_a_copy_of_a_trial_without_results_starts_from_scratch() -> None:
    backend = make_backend()
    backend.start_trial(Trial(0, dict(A)))
    backend.copy_checkpoint(0, 1)  # trial 0 has not reported anything yet
    backend.start_trial(Trial(1, dict(B)))
    result, _ = first_result(run_until(backend, 1, 1), 1)
    assert result["epoch"] == 1


@pytest.mark.parametrize("delete", [False, True])
def test_a_deleted_checkpoint_makes_a_resume_restart(delete: bool) -> None:
    backend = make_backend()
    curve = backend.blackbox.evaluate_curve(A)
    backend.start_trial(Trial(0, dict(A)))
    run_until(backend, 0, 3)
    backend.pause_trial(0)
    if delete:
        backend.delete_checkpoint(0)
    resumed_at = backend.clock.time()
    backend.resume_trial(Trial(0, dict(A)))
    result, when = first_result(next_updates(backend), 0)
    restart_epoch = 1 if delete else 4
    assert result["epoch"] == restart_epoch
    before = 0.0 if delete else curve["elapsed_time"][2]
    assert when == pytest.approx(resumed_at + curve["elapsed_time"][restart_epoch - 1] - before)


def test_has_checkpoint_follows_what_a_resume_would_continue_from() -> None:
    backend = make_backend()
    backend.start_trial(Trial(0, dict(A)))
    assert not backend.has_checkpoint(0)  # nothing reported: a resume starts over
    run_until(backend, 0, 2)
    assert backend.has_checkpoint(0)
    backend.copy_checkpoint(0, 1)
    assert backend.has_checkpoint(1)
    backend.delete_checkpoint(0)
    assert not backend.has_checkpoint(0)


def test_pause_or_stop_on_the_last_result_is_accepted() -> None:
    backend = make_backend(max_resource_attr="epochs")
    backend.start_trial(Trial(0, {**A, "epochs": 2}))
    backend.start_trial(Trial(1, {**B, "epochs": 2}))
    updates = run_until(backend, 0, 2) + run_until(backend, 1, 2)
    assert {u.trial_id for u in updates if u.status is TrialStatus.COMPLETED} == {0, 1}
    backend.pause_trial(0)  # the scheduler pauses at the rung where the trial ended
    backend.stop_trial(1)
    backend.resume_trial(Trial(0, {**A, "epochs": 5}))
    result, _ = first_result(next_updates(backend), 0)
    assert result["epoch"] == 3
    with pytest.raises(ValueError, match="not running"):
        backend.stop_trial(7)


class CloneAfterThree(FIFOScheduler):
    """Starts trial 0; once it reported epoch 3, starts trial 1 from its checkpoint."""

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        if trial_id == 0:
            return TrialSuggestion.start(A)
        if trial_id == 1 and getattr(self, "ready", False):
            return TrialSuggestion.start(B, checkpoint_from=0)
        return None

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        self.ready = getattr(self, "ready", False) or result["epoch"] >= 3
        return Decision.CONTINUE


def simulate(tmp_path: Path, scheduler: Any, **options: Any) -> tuple[Tuner, SimulatorBackend]:
    backend = make_backend(keep_event_log=True)
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=3600),
        n_workers=4,
        path=tmp_path / "sim",
        options=TunerOptions(progress_interval=None, **options),
    )
    tuner.run()
    return tuner, backend


def test_the_tuner_copies_checkpoints_before_starting(tmp_path: Path) -> None:
    space = make_backend().blackbox.configuration_space
    scheduler = CloneAfterThree(RandomSearcher(space, seed=0), metric="y", resource_attr="epoch")
    tuner, _ = simulate(tmp_path, scheduler)
    assert tuner.trials[1].checkpoint_from == 0
    results = load_experiment(tuner.path).results
    clone = results[results["trial_id"] == 1]
    assert clone["epoch"].min() == 4  # trial 0 had reached epoch 3
    assert clone["epoch"].max() == 9


def test_pbt_on_the_simulator_exploits_checkpoints(tmp_path: Path) -> None:
    space = make_backend().blackbox.configuration_space
    scheduler = PopulationBasedTraining(
        space,
        metric="y",
        resource_attr="epoch",
        max_resource=9,
        population_size=4,
        perturbation_interval=2,
        seed=0,
    )
    tuner, _ = simulate(tmp_path, scheduler, checkpoint_removal="stopped")
    results = load_experiment(tuner.path).results
    clones = {
        tid: t.checkpoint_from for tid, t in tuner.trials.items() if t.checkpoint_from is not None
    }
    assert clones, "PBT never exploited"
    assert all(tid >= 4 for tid in clones)
    firsts = results.groupby("trial_id")["epoch"].min()
    assert all(firsts[tid] > 1 for tid in clones if tid in firsts.index)
    assert all(firsts[tid] == 1 for tid in range(4))
    # sources were alive when copied: their checkpoints are only removed afterwards
    assert all(r.reason == "ended" for r in tuner.removed_checkpoints)
    removed = {r.trial_id for r in tuner.removed_checkpoints}
    assert removed == {tid for tid, t in tuner.trials.items() if t.status.is_finished}
    assert not np.isnan(results["y"]).any()


class PauseAndForget(FIFOScheduler):
    """Pauses trial 0 at epoch 3 and names it removable; resumes it after trial 1 ends."""

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        if getattr(self, "resume_now", False):
            self.resume_now = False
            return TrialSuggestion.resume(0)
        return TrialSuggestion.start([A, B][trial_id]) if trial_id < 2 else None

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        if trial.trial_id == 0 and result["epoch"] == 3 and not getattr(self, "paused", False):
            self.paused = True
            return Decision.PAUSE
        return Decision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        self.resume_now = trial.trial_id == 1

    def removable_checkpoints(self) -> list[int]:
        return [0]


def test_a_trial_resumed_after_speculative_removal_retrains(tmp_path: Path) -> None:
    space = make_backend().blackbox.configuration_space
    scheduler = PauseAndForget(RandomSearcher(space, seed=0), metric="y", resource_attr="epoch")
    tuner, backend = simulate(tmp_path, scheduler, checkpoint_removal="speculative")
    removed = [(r.trial_id, r.reason) for r in tuner.removed_checkpoints]
    assert removed == [(0, "speculative"), (1, "ended"), (0, "ended")]
    assert tuner.resumed_without_checkpoint == [0]
    results = load_experiment(tuner.path).results
    trial0 = results[results["trial_id"] == 0]
    assert list(trial0["epoch"]) == list(range(1, 10))  # epochs 1-3 again were skipped
    curve = backend.blackbox.evaluate_curve(A)
    end1 = results[results["trial_id"] == 1]["tuner_time"].max()
    epoch4 = float(trial0[trial0["epoch"] == 4]["tuner_time"].iloc[0])
    assert epoch4 == pytest.approx(end1 + curve["elapsed_time"][3])  # retrained from scratch
