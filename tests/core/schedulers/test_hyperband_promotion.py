"""HyperbandScheduler(kind="promotion"): pauses, promotions, exhaustion, checkpoints."""

from __future__ import annotations

import pickle
import zlib
from typing import Any

from tunelab.core.asktell import AskTell
from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import config_key
from tunelab.core.testing import SchedulerContract, finite_config_space
from tunelab.core.trial import Decision, Mode, Trial, TrialSuggestion

from .test_hyperband import Recorder, asha, start


class TestASHAPromotionContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return HyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            kind="promotion",
        )


class TestHyperbandPromotionContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return HyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            brackets=3,
            kind="promotion",
            seed=seed,
        )


class TestExplicitLevelsPromotionContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return HyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            rung_levels=[1, 2, 4],
            kind="promotion",
        )


def promotion(**kwargs: Any) -> HyperbandScheduler:
    return asha(kind="promotion", max_resource_attr="epochs", **kwargs)


def report(scheduler: HyperbandScheduler, trial: Trial, epoch: int, loss: float) -> Decision:
    return scheduler.on_trial_result(trial, {"epoch": epoch, "loss": loss})


def resume(scheduler: HyperbandScheduler, trials: dict[int, Trial], new_id: int) -> Trial:
    suggestion = scheduler.suggest(new_id)
    assert suggestion is not None and suggestion.resume_trial_id is not None
    trial = trials[suggestion.resume_trial_id]
    assert suggestion.config is not None
    trial.config = suggestion.config
    return trial


def test_trials_pause_at_rungs_and_the_best_is_promoted_with_its_budget_rewritten() -> None:
    searcher = Recorder()
    scheduler = promotion(searcher=searcher)
    trials = {t: start(scheduler, t) for t in range(3)}
    assert [t.config["epochs"] for t in trials.values()] == [1, 1, 1]  # first rung level
    for trial_id, loss in enumerate([3.0, 1.0, 2.0]):
        assert report(scheduler, trials[trial_id], 1, loss) is Decision.PAUSE
    # 3 results at rung 1 -> one slot: trial 1 (the best) is promoted towards 3
    promoted = resume(scheduler, trials, 3)
    assert promoted.trial_id == 1 and promoted.config["epochs"] == 3
    assert ("pending", 1, 3) in searcher.calls
    # trial 2 (rank 1) is not in the top third: a new trial starts
    assert not scheduler.suggest(3).is_resume  # type: ignore[union-attr]
    trials[3] = Trial(3, {"x": 0.03, "epochs": 1})
    scheduler.on_trial_add(trials[3])
    assert report(scheduler, promoted, 2, 0.9) is Decision.CONTINUE
    assert report(scheduler, promoted, 3, 0.8) is Decision.PAUSE
    assert ("done", 1) in searcher.calls  # not pending while paused
    # rung 3 has one result (no slot); trial 3 is best at rung 1 among 4 -> promoted
    assert report(scheduler, trials[3], 1, 0.5) is Decision.PAUSE
    assert resume(scheduler, trials, 4).trial_id == 3


def test_ties_are_promoted_by_trial_id() -> None:
    scheduler = promotion()
    trials = {t: start(scheduler, t) for t in range(6)}
    for trial_id in (5, 4, 3, 2, 1, 0):
        report(scheduler, trials[trial_id], 1, 1.0)
    # six equal results, two slots: trials 0 and 1, in this order
    assert [resume(scheduler, trials, 6).trial_id for _ in range(2)] == [0, 1]
    assert not scheduler.suggest(6).is_resume  # type: ignore[union-attr]


def test_higher_rungs_are_promoted_first() -> None:
    scheduler = promotion()
    trials = {t: start(scheduler, t) for t in range(9)}
    for trial_id, trial in trials.items():
        report(scheduler, trial, 1, float(trial_id))
    for trial_id in (0, 1, 2):  # 9 results at rung 1: three slots
        assert resume(scheduler, trials, 9).trial_id == trial_id
    trials[9] = start(scheduler, 9)
    for trial_id in (0, 1, 2):
        report(scheduler, trials[trial_id], 3, float(trial_id))
    report(scheduler, trials[9], 1, -1.0)  # promotable at rung 1 (best of 10, 3 slots)
    top = resume(scheduler, trials, 10)
    assert (top.trial_id, top.config["epochs"]) == (0, 9)  # rung 3 first: 3 results, 1 slot
    low = resume(scheduler, trials, 10)
    assert (low.trial_id, low.config["epochs"]) == (9, 3)


def test_a_paused_trial_that_is_removed_is_never_resumed() -> None:
    scheduler = promotion()
    trials = {t: start(scheduler, t) for t in range(3)}
    for trial_id, loss in enumerate([3.0, 1.0, 2.0]):
        report(scheduler, trials[trial_id], 1, loss)
    scheduler.on_trial_remove(trials[1])
    suggestion = scheduler.suggest(3)
    assert suggestion is not None and not suggestion.is_resume


def test_without_max_resource_attr_resume_keeps_the_config() -> None:
    scheduler = asha(kind="promotion", max_resource=27)
    trials = {t: start(scheduler, t) for t in range(3)}
    assert "epochs" in trials[0].config and trials[0].config["epochs"] == 27  # untouched
    for trial_id, loss in enumerate([3.0, 1.0, 2.0]):
        report(scheduler, trials[trial_id], 1, loss)
    assert scheduler.suggest(3) == TrialSuggestion.resume(1)


def test_an_exhausted_searcher_still_lets_paused_trials_resume() -> None:
    scheduler = promotion(searcher=Recorder(limit=6))
    trials = {t: start(scheduler, t) for t in range(3)}
    for trial_id, loss in enumerate([3.0, 1.0, 2.0]):
        report(scheduler, trials[trial_id], 1, loss)
    assert resume(scheduler, trials, 3).trial_id == 1
    trials.update({t: start(scheduler, t) for t in (3, 4, 5)})
    assert scheduler.suggest(6) is None  # exhausted, nothing promotable yet
    # rung 1 ends with at most 6 results (2 slots): trial 2 (rank 1) may still go,
    # trial 0 (rank 2) never
    assert scheduler.removable_checkpoints() == [0, 2]
    assert scheduler.removable_checkpoints()[:1] == [0]
    for trial_id, loss in zip((3, 4, 5), (0.5, 5.0, 6.0), strict=True):
        report(scheduler, trials[trial_id], 1, loss)
    assert resume(scheduler, trials, 6).trial_id == 3
    assert scheduler.suggest(6) is None
    assert scheduler.removable_checkpoints() == [0, 2, 4, 5]


def test_checkpoints_go_least_promising_first() -> None:
    scheduler = promotion()
    trials = {t: start(scheduler, t) for t in range(6)}
    for trial_id, loss in enumerate([6.0, 5.0, 4.0, 3.0, 2.0, 1.0]):
        report(scheduler, trials[trial_id], 1, loss)
    assert resume(scheduler, trials, 6).trial_id == 5
    assert scheduler.removable_checkpoints() == [0, 1, 2, 3, 4]  # worst first
    report(scheduler, trials[5], 3, 1.0)
    # (rank + 1) / (q n): trial 0: 6 / 2 = 3 at rung 1; trial 5: 1 / (1/3) = 3 at
    # rung 3 (it needs two more results there); the lower rung goes first
    assert scheduler.removable_checkpoints() == [0, 5, 1, 2, 3, 4]
    assert asha(max_resource=27).removable_checkpoints() == []  # stopping kind


def test_no_duplicates_in_a_finite_space_and_promoted_trials_finish() -> None:
    space = finite_config_space()
    scheduler = HyperbandScheduler(
        RandomSearcher(space, seed=3),
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        kind="promotion",
    )
    loop = AskTell(scheduler)
    epochs: dict[int, int] = {}
    events = []
    while (trial := loop.ask()) is not None:
        events.append("resume" if trial.trial_id in epochs else "new")
        epoch = epochs.get(trial.trial_id, 0)
        while True:
            epoch += 1
            floor = zlib.crc32(repr(config_key({**trial.config, "epochs": 0})).encode()) % 97
            loss = floor / 97 + 1 / epoch
            final = epoch >= trial.config["epochs"]
            decision = loop.tell(trial.trial_id, {"epoch": epoch, "loss": loss}, final=final)
            if decision is not Decision.CONTINUE or final:
                break
        epochs[trial.trial_id] = epoch
    keys = [config_key({**t.config, "epochs": 0}) for t in loop.trials.values()]
    assert len(keys) == len(set(keys)) == 12  # the whole space, no repeat
    # ASHA promotes the top third of each rung as it fills up, which ends with at
    # least floor(12 / 3) promotions; every promoted trial trained to the maximum
    assert events.count("resume") >= 4
    assert sorted(t for t, e in epochs.items() if e == 3) == sorted(
        t for t, trial in loop.trials.items() if trial.status.value == "completed"
    )
    assert len([e for e in epochs.values() if e == 3]) == events.count("resume")


def test_promotion_state_round_trip_keeps_paused_trials() -> None:
    scheduler = promotion(brackets=2, seed=1)
    trials = {t: start(scheduler, t) for t in range(5)}
    for trial_id, trial in trials.items():
        first = int(trial.config["epochs"])
        report(scheduler, trial, first, float(trial_id))
    restored = promotion(brackets=2, seed=7)
    restored.load_state_dict(pickle.loads(pickle.dumps(scheduler.state_dict())))
    for new_id in range(5, 12):
        assert scheduler.suggest(new_id) == restored.suggest(new_id)
