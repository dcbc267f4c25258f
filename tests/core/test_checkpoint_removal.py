"""Checkpoint removal by the tuner: of ended trials, and speculative for paused ones."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from tunelab.core import (
    Decision,
    FIFOScheduler,
    PythonBackend,
    StoppingCriterion,
    Trial,
    TrialStatus,
    Tuner,
    TunerOptions,
    load_experiment,
)
from tunelab.core._checkpoint_removal import CheckpointRemover
from tunelab.core.backends.base import Backend
from tunelab.core.checkpoint import load_checkpoint, save_checkpoint
from tunelab.core.reporter import report
from tunelab.core.searchers import GridSearcher
from tunelab.core.space import randint
from tunelab.core.testing import InlineBackend
from tunelab.core.trial import TrialSuggestion, TrialUpdate

SPACE = {"x": randint(0, 3), "epochs": 3}


def train(x: int, epochs: int, checkpoint_dir: Path) -> None:
    """Checkpoints every epoch; x == 2 crashes after its second epoch."""
    state = load_checkpoint(checkpoint_dir)
    start = 1 if state is None else state["epoch"] + 1
    for epoch in range(start, epochs + 1):
        save_checkpoint({"x": x}, epoch=epoch, checkpoint_dir=checkpoint_dir)
        report(epoch=epoch, loss=x + 1.0 / epoch, start_epoch=start)
        time.sleep(0.2)
        if x == 2 and epoch == 2:
            raise RuntimeError("diverged")


class StopOne(FIFOScheduler):
    """Stops the trial with x == 1 after its first epoch."""

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        super().on_trial_result(trial, result)
        return Decision.STOP if trial.config["x"] == 1 else Decision.CONTINUE


def run(tmp_path: Path, scheduler: Any, n_workers: int = 2, **options: Any) -> Tuner:
    tuner = Tuner(
        backend=PythonBackend(train, gpus=[]),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_wallclock_time=60),
        n_workers=n_workers,
        path=tmp_path / "exp",
        options=TunerOptions(progress_interval=None, sleep_time=0.02, **options),
    )
    tuner.run()
    return tuner


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["never", "stopped"])
def test_checkpoints_of_stopped_completed_and_failed_trials(
    tmp_path: Path, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = StopOne(GridSearcher(SPACE), metric="loss", resource_attr="epoch")
    with caplog.at_level(logging.INFO, logger="tunelab.core.tuner"):
        tuner = run(tmp_path, scheduler, checkpoint_removal=mode)
    statuses = {trial.config["x"]: trial.status for trial in tuner.trials.values()}
    assert statuses == {
        0: TrialStatus.COMPLETED,
        1: TrialStatus.STOPPED,
        2: TrialStatus.FAILED,
        3: TrialStatus.COMPLETED,
    }
    folders = {t: tuner.backend.checkpoint_path(t).exists() for t in tuner.trials}
    if mode == "never":
        assert all(folders.values())
        assert tuner.removed_checkpoints == []
        return
    assert not any(folders.values())
    assert sorted(r.trial_id for r in tuner.removed_checkpoints) == sorted(tuner.trials)
    assert {r.reason for r in tuner.removed_checkpoints} == {"ended"}
    logged = [r.getMessage() for r in caplog.records if "removed the checkpoint" in r.getMessage()]
    assert len(logged) == 4
    assert (tuner.backend.trial_path(0) / "stdout.log").exists()  # only the checkpoint goes


class PauseAtOne(FIFOScheduler):
    """Pauses each of four trials at epoch 1, then resumes trials 1 and 0.

    `removable_checkpoints` names every paused trial, worst (largest x) first.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paused: set[int] = set()
        self.to_resume = [1, 0]

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        if trial_id < 4:
            return super().suggest(trial_id)
        if self.to_resume and len(self.paused) == 4:
            return TrialSuggestion.resume(self.to_resume.pop(0))
        return None

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        super().on_trial_result(trial, result)
        if result["epoch"] == 1 and trial.trial_id not in self.paused:
            self.paused.add(trial.trial_id)
            return Decision.PAUSE
        return Decision.CONTINUE

    def removable_checkpoints(self) -> list[int]:
        return sorted(self.paused, reverse=True)


@pytest.mark.slow
def test_speculative_removal_keeps_at_most_the_bound(tmp_path: Path) -> None:
    space = {"x": randint(0, 3), "epochs": 3}
    scheduler = PauseAtOne(GridSearcher(space), metric="loss", resource_attr="epoch")
    tuner = run(
        tmp_path, scheduler, n_workers=1, checkpoint_removal="speculative", max_kept_checkpoints=1
    )
    removed = [(r.trial_id, r.reason) for r in tuner.removed_checkpoints]
    # trial 1 paused while trial 0 held a checkpoint: the scheduler names 1 first,
    # and so on; once trial 1 is resumed, trials 0 and 3 are paused: 3 goes
    assert removed == [
        (1, "speculative"),
        (2, "speculative"),
        (3, "speculative"),
        (1, "ended"),
        (0, "ended"),
    ]
    assert tuner.resumed_without_checkpoint == [1]
    results = load_experiment(tuner.path).results
    starts = results.groupby("trial_id")["start_epoch"].max()
    assert starts[1] == 1  # restarted from scratch; its repeated epoch 1 was skipped
    assert starts[0] >= 2  # continued from its kept checkpoint
    assert results[results["trial_id"] == 1]["epoch"].tolist() == [1, 2, 3]
    assert {t: tr.status for t, tr in tuner.trials.items()} == {
        0: TrialStatus.COMPLETED,
        1: TrialStatus.COMPLETED,
        2: TrialStatus.PAUSED,
        3: TrialStatus.PAUSED,
    }


class RecordingBackend(InlineBackend):
    def __init__(self) -> None:
        super().__init__(lambda config: [])
        self.deleted: list[int] = []

    def delete_checkpoint(self, trial_id: int) -> None:
        self.deleted.append(trial_id)


def test_the_remover_deletes_named_paused_checkpoints_down_to_the_bound() -> None:
    remover = CheckpointRemover(mode="speculative", max_kept=2)
    backend = RecordingBackend()
    for trial_id in range(5):
        remover.on_status(trial_id, TrialStatus.RUNNING, TrialStatus.PAUSED)
    remover.on_status(5, TrialStatus.RUNNING, TrialStatus.STOPPED)
    remover.sweep(backend, lambda: [9, 5, 4, 3, 2, 1, 0], tuner_time=1.0)
    assert backend.deleted == [5, 4, 3, 2]  # the ended trial, then named paused ones
    assert [(r.trial_id, r.reason) for r in remover.removed][1:] == [
        (4, "speculative"),
        (3, "speculative"),
        (2, "speculative"),
    ]
    remover.sweep(backend, lambda: [1, 0], tuner_time=2.0)  # within the bound now
    assert backend.deleted == [5, 4, 3, 2]
    remover.on_status(4, TrialStatus.PAUSED, TrialStatus.RUNNING)
    assert remover.resumed_without_checkpoint == [4]
    assert remover.has_checkpoint(4) and not remover.has_checkpoint(3)
    restored = CheckpointRemover(mode="speculative", max_kept=2)
    restored.load_state_dict(remover.state_dict())
    assert restored.state_dict() == remover.state_dict()


def test_without_bound_every_named_paused_checkpoint_goes() -> None:
    remover = CheckpointRemover(mode="speculative", max_kept=None)
    backend = RecordingBackend()
    for trial_id in range(3):
        remover.on_status(trial_id, TrialStatus.RUNNING, TrialStatus.PAUSED)
    remover.sweep(backend, lambda: [2, 0], tuner_time=0.0)
    assert backend.deleted == [2, 0]


def test_stopped_mode_never_asks_the_scheduler() -> None:
    remover = CheckpointRemover(mode="stopped", max_kept=None)
    backend = RecordingBackend()
    remover.on_status(0, TrialStatus.RUNNING, TrialStatus.PAUSED)
    remover.on_status(1, TrialStatus.RUNNING, TrialStatus.COMPLETED)

    def never() -> list[int]:
        raise AssertionError("the scheduler must not be asked")

    remover.sweep(backend, never, tuner_time=0.0)
    assert backend.deleted == [1]


def test_default_backend_copies_and_deletes_checkpoint_folders(tmp_path: Path) -> None:
    backend: Backend = InlineBackend(lambda config: [])
    backend.set_path(tmp_path)
    backend.copy_checkpoint(0, 1)  # no source folder: nothing to copy
    assert not backend.checkpoint_path(1).exists()
    save_checkpoint({"w": [1, 2]}, epoch=4, checkpoint_dir=backend.checkpoint_path(0))
    (backend.checkpoint_path(0) / ".checkpoint.pkl.abc.tmp").write_text("half written")
    (backend.checkpoint_path(0) / "sub").mkdir()
    (backend.checkpoint_path(0) / "sub" / "extra.txt").write_text("kept")
    backend.copy_checkpoint(0, 1)
    assert load_checkpoint(backend.checkpoint_path(1)) == {"w": [1, 2], "epoch": 4}
    assert (backend.checkpoint_path(1) / "sub" / "extra.txt").read_text() == "kept"
    assert not (backend.checkpoint_path(1) / ".checkpoint.pkl.abc.tmp").exists()
    backend.delete_checkpoint(1)
    assert not backend.checkpoint_path(1).exists()
    assert backend.checkpoint_path(0).exists()
    backend.delete_checkpoint(1)  # a missing folder is fine


def test_the_tuner_rejects_a_copy_from_an_unknown_trial(tmp_path: Path) -> None:
    class CopyFromNowhere(FIFOScheduler):
        def suggest(self, trial_id: int) -> TrialSuggestion | None:
            return TrialSuggestion.start({"x": 0, "epochs": 3}, checkpoint_from=7)

    tuner = Tuner(
        backend=InlineBackend(lambda config: [{"loss": 1.0}]),
        scheduler=CopyFromNowhere(GridSearcher(SPACE), metric="loss"),
        stop_criterion=StoppingCriterion(max_num_trials_started=1),
        path=tmp_path / "exp",
        options=TunerOptions(progress_interval=None),
    )
    with pytest.raises(RuntimeError, match="checkpoint of trial 7, which does not exist"):
        tuner.run()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"checkpoint_removal": "always"}, "checkpoint_removal='always'; expected one of"),
        ({"checkpoint_removal": "stopped", "max_kept_checkpoints": 3}, "has no effect"),
        ({"checkpoint_removal": "speculative", "max_kept_checkpoints": -1}, "int >= 0"),
    ],
)
def test_options_are_validated(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TunerOptions(**options)


def test_a_suggestion_cannot_resume_and_copy() -> None:
    with pytest.raises(ValueError, match="only for new trials"):
        TrialSuggestion(config=None, resume_trial_id=1, checkpoint_from=0)
    assert TrialSuggestion.start({"x": 1}).checkpoint_from is None


def test_stopped_removal_with_the_inline_backend_and_grid_search(tmp_path: Path) -> None:
    backend = RecordingBackend()
    backend.fn = lambda config: [{"loss": float(config["x"]), "epoch": 1}]
    tuner = Tuner(
        backend=backend,
        scheduler=FIFOScheduler(GridSearcher(SPACE), metric="loss"),
        stop_criterion=StoppingCriterion(max_wallclock_time=60),
        n_workers=2,
        path=tmp_path / "exp",
        options=TunerOptions(progress_interval=None, sleep_time=0, checkpoint_removal="stopped"),
    )
    tuner.run()
    assert sorted(backend.deleted) == [0, 1, 2, 3]


def quick(x: int, epochs: int, checkpoint_dir: Path) -> None:
    state = load_checkpoint(checkpoint_dir)
    start = 1 if state is None else state["epoch"] + 1
    for epoch in range(start, epochs + 1):
        save_checkpoint({"x": x}, epoch=epoch, checkpoint_dir=checkpoint_dir)
        report(epoch=epoch, loss=float(x), start_epoch=start)


@pytest.mark.slow
def test_pausing_a_trial_that_just_ended_keeps_it_resumable(tmp_path: Path) -> None:
    """A promotion scheduler pauses at the rung where the script ends by itself."""
    backend = PythonBackend(quick, gpus=[])
    backend.set_path(tmp_path)
    backend.start_trial(Trial(0, {"x": 1, "epochs": 1}))
    deadline = time.monotonic() + 30
    updates: list[TrialUpdate] = []
    while not any(u.status is TrialStatus.COMPLETED for u in updates):
        assert time.monotonic() < deadline, "the trial did not end"
        updates += backend.fetch_new_results()
        time.sleep(0.02)
    backend.pause_trial(0)  # ended already: marked paused, checkpoint kept
    assert backend.busy_trial_ids() == []
    backend.resume_trial(Trial(0, {"x": 1, "epochs": 3}))
    results: list[dict[str, Any]] = []
    while len(results) < 2:
        assert time.monotonic() < deadline, "the resumed trial reported too little"
        results += [r for u in backend.fetch_new_results() for r in u.results]
        time.sleep(0.02)
    assert [(r["epoch"], r["start_epoch"]) for r in results] == [(2, 2), (3, 2)]
