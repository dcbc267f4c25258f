"""Bookkeeping of synchronous successive halving and Hyperband."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from tunelab.core.schedulers.synchronous import (
    Bracket,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import randint, uniform
from tunelab.core.testing import finite_config_space
from tunelab.core.trial import Config, Decision, Trial, TrialStatus

SPACE = {"x": uniform(0.0, 1.0), "n": randint(1, 8), "epochs": 27}


class Loop:
    """A hand-driven tuner: trials start, report, pause and resume as decided."""

    def __init__(self, scheduler: SynchronousHyperbandScheduler) -> None:
        self.scheduler = scheduler
        self.trials: dict[int, Trial] = {}
        self.resumed: list[int] = []

    def next(self) -> Trial | None:
        suggestion = self.scheduler.suggest(len(self.trials))
        if suggestion is None:
            return None
        if suggestion.resume_trial_id is not None:
            trial = self.trials[suggestion.resume_trial_id]
            assert trial.status is TrialStatus.PAUSED
            if suggestion.config is not None:
                trial.config = suggestion.config
            trial.status = TrialStatus.RUNNING
            self.resumed.append(trial.trial_id)
            return trial
        assert suggestion.config is not None
        trial = Trial(len(self.trials), suggestion.config)
        self.trials[trial.trial_id] = trial
        self.scheduler.on_trial_add(trial)
        return trial

    def start(self, count: int) -> list[Trial]:
        started = [self.next() for _ in range(count)]
        assert all(trial is not None for trial in started)
        return started  # type: ignore[return-value]

    def report(self, trial: Trial, epoch: float, loss: float) -> Decision:
        decision = self.scheduler.on_trial_result(trial, {"loss": loss, "epoch": epoch})
        if decision is Decision.PAUSE:
            trial.status = TrialStatus.PAUSED
        elif decision is Decision.STOP:
            trial.status = TrialStatus.STOPPED
            self.scheduler.on_trial_remove(trial)
        return decision


def sh(**kwargs: Any) -> SynchronousSuccessiveHalving:
    arguments: dict[str, Any] = {
        "metric": "loss",
        "resource_attr": "epoch",
        "max_resource_attr": "epochs",
    }
    return SynchronousSuccessiveHalving(RandomSearcher(SPACE, seed=0), **{**arguments, **kwargs})


def losses(count: int, seed: int = 0) -> list[float]:
    return list(np.random.default_rng(seed).permutation(count) / count)


def test_successive_halving_runs_27_9_3_1_with_barriers() -> None:
    loop = Loop(sh())
    trials = loop.start(27)
    assert [t.config["epochs"] for t in trials] == [1] * 27
    loss = dict(zip(range(27), losses(27), strict=True))
    for trial in trials[:-1]:
        assert loop.report(trial, 1, loss[trial.trial_id]) is Decision.PAUSE
    # the rung is not full: the barrier holds, and a free worker starts the next round
    extra = loop.next()
    assert extra is not None and extra.trial_id == 27 and extra.config["epochs"] == 1
    assert loop.resumed == []
    loop.report(trials[-1], 1, loss[26])
    for level, size in ((3, 9), (9, 3), (27, 1)):
        promoted = loop.start(size)
        best = sorted(loss, key=loss.__getitem__)[:size]
        assert [t.trial_id for t in promoted] == best, "the best, best first"
        assert all(t.config["epochs"] == level for t in promoted)
        expected = Decision.CONTINUE if level == 27 else Decision.PAUSE
        for trial in promoted:
            assert loop.report(trial, level - 1, loss[trial.trial_id]) is Decision.CONTINUE
            assert loop.report(trial, level, loss[trial.trial_id]) is expected
        loss = {t.trial_id: loss[t.trial_id] for t in promoted}
    assert len(loop.resumed) == 9 + 3 + 1
    # the first round is over: the second one, already open, gets the free workers
    assert loop.next().trial_id == 28  # type: ignore[union-attr]


def test_promotion_waits_for_the_last_slot_and_ranks_by_mode() -> None:
    loop = Loop(sh(mode="max", grace_period=3, max_resource=9, max_resource_attr=None))
    trials = loop.start(3)
    values = [0.5, 0.9, 0.1]
    loop.report(trials[0], 3, values[0])
    loop.report(trials[1], 3, values[1])
    pending = loop.next()  # opens the next round: the rung at 3 still waits for trial 2
    assert pending is not None and pending.trial_id == 3
    loop.report(trials[2], 3, values[2])
    resumed = loop.scheduler.suggest(4)
    assert resumed is not None and resumed.resume_trial_id == 1  # maximised: 0.9 wins
    assert resumed.config is None  # no max_resource_attr: the config is unchanged


def test_ties_go_to_the_smaller_trial_id() -> None:
    loop = Loop(sh(max_resource=9, max_resource_attr=None))
    trials = loop.start(9)
    for trial in reversed(trials):
        loop.report(trial, 1, 0.5)
    assert [t.trial_id for t in loop.start(3)] == [0, 1, 2]


def test_failed_stopped_and_short_trials_fill_their_slot_but_are_never_promoted() -> None:
    loop = Loop(sh(max_resource=9, max_resource_attr=None))
    trials = loop.start(9)
    for trial in trials[3:]:
        loop.report(trial, 1, 0.9)
    loop.scheduler.on_trial_error(trials[0])
    loop.scheduler.on_trial_remove(trials[1])
    loop.scheduler.on_trial_complete(trials[2], {"loss": 0.0, "epoch": 0.5})
    promoted = loop.start(3)
    assert sorted(t.trial_id for t in promoted) == [3, 4, 5]


def test_a_rung_with_too_few_survivors_shrinks() -> None:
    loop = Loop(sh(max_resource=9, max_resource_attr=None))
    trials = loop.start(9)
    for trial in trials[:7]:
        loop.scheduler.on_trial_error(trial)
    loop.report(trials[7], 1, 0.3)
    loop.report(trials[8], 1, 0.2)
    assert [t.trial_id for t in loop.start(2)] == [8, 7]
    assert loop.next().trial_id == 9  # type: ignore[union-attr]  # rung of 2: next round


def test_results_off_the_rung_levels_continue() -> None:
    loop = Loop(sh())
    (trial,) = loop.start(1)
    assert loop.report(trial, 0.5, 0.1) is Decision.CONTINUE
    assert loop.report(trial, 1, 0.1) is Decision.PAUSE


def test_hyperband_opens_later_brackets_when_the_first_waits() -> None:
    scheduler = SynchronousHyperbandScheduler(
        RandomSearcher(SPACE, seed=0),
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
    )
    assert [b.sizes for b in scheduler.brackets] == [(27, 9, 3, 1), (12, 4, 2), (6, 2), (4,)]
    assert scheduler.rung_levels == [1, 3, 9, 27]
    loop = Loop(scheduler)
    levels = [t.config["epochs"] for t in loop.start(27 + 12 + 6 + 4 + 1)]
    assert levels == [1] * 27 + [3] * 12 + [9] * 6 + [27] * 4 + [1]
    # once bracket 0's rung is full, its promotions come before any other bracket's slots
    for trial in list(loop.trials.values())[:27]:
        loop.report(trial, 1, trial.config["x"])
    assert loop.next().config["epochs"] == 3 and loop.resumed  # type: ignore[union-attr]


def test_last_rung_below_max_resource_stops_the_trial() -> None:
    scheduler = SynchronousHyperbandScheduler(
        RandomSearcher(SPACE, seed=0),
        metric="loss",
        resource_attr="epoch",
        max_resource=27,
        brackets=[Bracket.of((2, 1), (1, 9))],
    )
    loop = Loop(scheduler)
    first, second = loop.start(2)
    loop.report(first, 1, 0.2)
    loop.report(second, 1, 0.1)
    (best,) = loop.start(1)
    assert best is second
    assert loop.report(best, 9, 0.1) is Decision.STOP


def test_max_resource_defaults_to_the_highest_explicit_level() -> None:
    scheduler = SynchronousHyperbandScheduler(
        RandomSearcher({"x": uniform(0, 1)}, seed=0),
        metric="loss",
        resource_attr="epoch",
        brackets=[[(4, 2), (1, 6)]],
    )
    assert scheduler.max_resource == 6
    loop = Loop(scheduler)
    trials = loop.start(4)
    for trial in trials:
        loop.report(trial, 2, float(trial.trial_id))
    (best,) = loop.start(1)
    assert loop.report(best, 6, 0.0) is Decision.CONTINUE


def test_searcher_sees_rung_results_and_pending_trials() -> None:
    events: list[tuple[Any, ...]] = []

    class Recording(RandomSearcher):
        def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
            events.append(("observe", trial_id, result["epoch"], config["epochs"]))

        def register_pending(self, trial_id: int, config: Config) -> None:
            events.append(("pending", trial_id, config["epochs"]))

        def remove_pending(self, trial_id: int) -> None:
            events.append(("done", trial_id))

    scheduler = SynchronousSuccessiveHalving(
        Recording(SPACE, seed=0),
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        grace_period=9,
    )
    assert scheduler.searcher.metric == "loss" and scheduler.searcher.resource_attr == "epoch"
    loop = Loop(scheduler)
    first, second, third = loop.start(3)
    loop.report(first, 8, 0.3)
    for trial, loss in ((first, 0.3), (second, 0.1), (third, 0.2)):
        loop.report(trial, 9, loss)
    (best,) = loop.start(1)
    loop.report(best, 27, 0.05)
    assert events == [
        ("pending", 0, 9),
        ("pending", 1, 9),
        ("pending", 2, 9),
        ("observe", 0, 9, 9),
        ("done", 0),
        ("observe", 1, 9, 9),
        ("done", 1),
        ("observe", 2, 9, 9),
        ("done", 2),
        ("pending", 1, 27),
        ("observe", 1, 27, 27),
        ("done", 1),
    ]


def test_removable_checkpoints_by_how_unlikely_a_resume_is() -> None:
    loop = Loop(sh(max_resource=9, max_resource_attr=None))
    trials = loop.start(9)
    for trial in trials[:8]:
        loop.report(trial, 1, trial.trial_id / 10)
    # waiting at the barrier: all might be promoted, the worst are the best bets
    assert loop.scheduler.removable_checkpoints() == [7, 6, 5, 4, 3, 2, 1, 0]
    loop.report(trials[8], 1, 0.05)
    # 0, 8, 1 are promoted: the others never resume; then the promoted, lowest first
    assert loop.scheduler.removable_checkpoints() == [2, 3, 4, 5, 6, 7, 1, 8, 0]
    resumed = loop.start(2)
    assert [t.trial_id for t in resumed] == [0, 8]
    loop.report(resumed[0], 3, 0.3)  # 0 waits at 3, 8 runs, 1 is still to be resumed
    assert loop.scheduler.removable_checkpoints() == [2, 3, 4, 5, 6, 7, 0, 1]


def test_an_exhausted_searcher_closes_the_round_but_promotions_go_on() -> None:
    space = finite_config_space()  # 12 configurations
    scheduler = SynchronousSuccessiveHalving(
        RandomSearcher(space, seed=0), metric="loss", resource_attr="epoch", max_resource=27
    )
    loop = Loop(scheduler)
    trials = loop.start(12)
    assert scheduler.suggest(12) is None  # the searcher ran dry: rung 0 closes at 12
    for trial in trials:
        loop.report(trial, 1, trial.trial_id / 100)
    # sizes scale with 12/27: ceil(9 * 12/27) = 4, ceil(3 * 12/27) = 2, then 1
    for level, size in ((3, 4), (9, 2), (27, 1)):
        promoted = loop.start(size)
        assert [t.trial_id for t in promoted] == list(range(size))
        assert scheduler.suggest(12) is None
        for trial in promoted:
            loop.report(trial, level, trial.trial_id / 100)
    assert scheduler.suggest(12) is None
    statuses = [t.status for t in loop.trials.values()]
    assert statuses == [TrialStatus.RUNNING] + [TrialStatus.PAUSED] * 11  # 0 runs to its end


def test_state_round_trip_mid_bracket_continues_identically() -> None:
    def drive(loop: Loop, steps: int, log: list[Any]) -> None:
        rng = np.random.default_rng(len(log))
        for _ in range(steps):
            running = [t for t in loop.trials.values() if t.status is TrialStatus.RUNNING]
            while len(running) < 4:
                trial = loop.next()
                assert trial is not None
                running.append(trial)
                log.append(("start", trial.trial_id, dict(trial.config)))
            trial = running[int(rng.integers(len(running)))]
            decision = loop.report(trial, trial.config["epochs"], float(rng.random()))
            log.append(("result", trial.trial_id, decision))

    def make() -> SynchronousHyperbandScheduler:
        return SynchronousHyperbandScheduler(
            RandomSearcher(SPACE, seed=3),
            metric="loss",
            resource_attr="epoch",
            max_resource_attr="epochs",
        )

    original = Loop(make())
    drive(original, 40, [])
    saved_trials = pickle.loads(pickle.dumps(original.trials))
    restored = Loop(make())
    restored.scheduler.load_state_dict(pickle.loads(pickle.dumps(original.scheduler.state_dict())))
    restored.trials = saved_trials
    expected: list[Any] = ["x"]
    drive(original, 60, expected)
    actual: list[Any] = ["x"]
    drive(restored, 60, actual)
    assert actual == expected
    assert any(entry[0] == "start" and entry[1] < 40 for entry in expected), "resumes happened"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_resource_attr": None}, ValueError, "highest resource level is unknown"),
        ({"max_resource_attr": "x"}, ValueError, r"config_space\['x'\] is uniform"),
        ({"max_resource_attr": "nope"}, ValueError, r"config_space\['nope'\] is None"),
        ({"max_resource": 0}, ValueError, "max_resource must be a number > 0, got 0"),
        ({"brackets": "two"}, ValueError, "brackets must be None .* got 'two'"),
        ({"brackets": []}, ValueError, "non-empty list"),
        ({"brackets": [[(3, 1), (1, 30)]]}, ValueError, "rung level 30 exceeds max_resource=27"),
        ({"brackets": 5}, ValueError, "allow 1 to 4 geometric brackets"),
        ({"reduction_factor": 1}, ValueError, "reduction_factor must be a number >= 2"),
        ({"grace_period": 0}, ValueError, "grace_period must be a number > 0"),
        ({"mode": "minimize"}, ValueError, "mode must be 'min' or 'max'"),
        ({"metric": ["a", "b"]}, ValueError, "optimises one metric"),
        ({"resource_attr": ""}, ValueError, "resource_attr must be a non-empty string"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    arguments: dict[str, Any] = {
        "metric": "loss",
        "resource_attr": "epoch",
        "max_resource_attr": "epochs",
    }
    with pytest.raises(error, match=message):
        SynchronousHyperbandScheduler(RandomSearcher(SPACE), **{**arguments, **kwargs})


def test_searcher_must_be_a_searcher() -> None:
    with pytest.raises(TypeError, match=r"tunelab\.core\.Searcher, got dict"):
        SynchronousHyperbandScheduler({}, metric="loss", resource_attr="epoch", max_resource=9)  # type: ignore[arg-type]


def test_results_must_carry_metric_and_resource() -> None:
    loop = Loop(sh())
    (trial,) = loop.start(1)
    with pytest.raises(ValueError, match=r"reported \['epoch'\] without the metric 'loss'"):
        loop.scheduler.on_trial_result(trial, {"epoch": 1})
    with pytest.raises(ValueError, match="reported epoch=None; resource_attr='epoch' must be"):
        loop.scheduler.on_trial_result(trial, {"loss": 1.0})
