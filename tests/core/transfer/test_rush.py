"""RUSH: seeded configurations run first and set a hurdle at every rung."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import RestrictionContract, SchedulerContract
from tunelab.core.transfer import RUSHScheduler, TaskEvaluations, seeded_configs
from tunelab.core.trial import Config, Decision, Mode, Trial

from .tasks import synthetic_tasks


def contract_scheduler(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode,
    seed: int,
    kind: str,
    restrict_to: list[Config] | None = None,
) -> RUSHScheduler:
    return RUSHScheduler(
        RandomSearcher(config_space, seed=seed, restrict_to=restrict_to),
        transfer_evaluations=synthetic_tasks(
            config_space, metric=metric, n_configs=8, fidelities=3, configs=restrict_to
        ),
        restrict_to=restrict_to,
        kind=kind,  # type: ignore[arg-type]
        metric=metric,
        mode=mode,
        resource_attr="epoch",
        max_resource=9,
    )


class TestRUSHStoppingContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> RUSHScheduler:
        return contract_scheduler(
            config_space, metric=metric, mode=mode, seed=seed, kind="stopping"
        )


class TestRUSHPromotionContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> RUSHScheduler:
        return contract_scheduler(
            config_space, metric=metric, mode=mode, seed=seed, kind="promotion"
        )


class TestRUSHRestriction(RestrictionContract):
    def make_scheduler(
        self,
        config_space: dict[str, Any],
        *,
        metric: str,
        mode: Mode,
        seed: int,
        restrict_to: list[Config],
    ) -> RUSHScheduler:
        return contract_scheduler(
            config_space,
            metric=metric,
            mode=mode,
            seed=seed,
            kind="stopping",
            restrict_to=restrict_to,
        )


SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


def task(losses: dict[float, float], upper: float = 1.0) -> TaskEvaluations:
    """A task on `x` in [0, upper] that evaluated `x` with loss `losses[x]`."""
    return TaskEvaluations(
        config_space={"x": uniform(0.0, upper)},
        configs=pd.DataFrame({"x": list(losses)}),
        objectives_names=["loss"],
        objectives=np.array(list(losses.values()))[:, None, None, None],
    )


TASKS = {
    "a": task({0.1: 0.0, 0.2: 1.0, 0.3: 2.0}),
    "b": task({0.2: 0.5, 0.1: 0.6, 2.0: 0.0}, upper=3.0),  # its best lies outside [0, 1]
}


def scheduler(kind: str = "stopping", **kwargs: Any) -> HyperbandScheduler:
    """RUSH (or plain ASHA with `rush=False`) over SPACE, levels 1, 3, 9."""
    settings: dict[str, Any] = {
        "metric": "loss",
        "resource_attr": "epoch",
        "max_resource": 9,
        "kind": kind,
    }
    searcher = RandomSearcher(SPACE, seed=0)
    if kwargs.pop("rush", True):
        return RUSHScheduler(searcher, transfer_evaluations=TASKS, **settings, **kwargs)
    return HyperbandScheduler(searcher, **settings, **kwargs)


def start(scheduler: HyperbandScheduler, trial_id: int) -> Trial:
    suggestion = scheduler.suggest(trial_id)
    assert suggestion is not None and suggestion.config is not None
    assert not suggestion.is_resume
    trial = Trial(trial_id, suggestion.config)
    scheduler.on_trial_add(trial)
    return trial


def report(scheduler: HyperbandScheduler, trial: Trial, loss: float, epoch: int = 1) -> Decision:
    return scheduler.on_trial_result(trial, {"epoch": epoch, "loss": loss})


def test_seeded_configurations_are_the_best_per_task_valid_in_the_target() -> None:
    assert seeded_configs(SPACE, TASKS, metric="loss", mode="min") == [
        {"x": 0.1, "epochs": 9},  # b's best (2.0) is no configuration of SPACE
    ]
    assert seeded_configs(SPACE, TASKS, metric="loss", mode="min", top_k=2) == [
        {"x": 0.1, "epochs": 9},
        {"x": 0.2, "epochs": 9},  # 0.1 again (b's second) is not repeated
    ]
    assert seeded_configs(SPACE, TASKS, metric="loss", mode="max") == [
        {"x": 0.3, "epochs": 9},
        {"x": 0.1, "epochs": 9},
    ]
    restricted = seeded_configs(
        SPACE, TASKS, metric="loss", mode="min", top_k=2, restrict_to=[{"x": 0.2, "epochs": 9}]
    )
    assert restricted == [{"x": 0.2, "epochs": 9}]


ORDER_TASKS = {
    "a": task({0.1: 0.0, 0.2: 1.0, 0.3: 2.0}),
    "b": task({0.2: 0.0, 0.3: 1.0, 0.1: 2.0}),
    "c": task({0.3: 0.0, 0.2: 1.0, 0.1: 2.0}),
    "d": task({0.4: 0.0, 0.1: 5.0}),  # 0.4: evaluated by d only, ranks 1 elsewhere
}


def test_seeded_configurations_best_across_tasks_come_first() -> None:
    # mean normalised rank over a, b, c, d: 0.2 -> 0.5, 0.3 -> 0.625, 0.1 and 0.4 ->
    # 0.75 (a tie: task order)
    ordered = seeded_configs(SPACE, ORDER_TASKS, metric="loss", mode="min")
    assert [c["x"] for c in ordered] == [0.2, 0.3, 0.1, 0.4]
    by_task = seeded_configs(SPACE, ORDER_TASKS, metric="loss", mode="min", order="task")
    assert [c["x"] for c in by_task] == [0.1, 0.2, 0.3, 0.4]
    rush = RUSHScheduler(
        RandomSearcher(SPACE, seed=0),
        transfer_evaluations=ORDER_TASKS,
        metric="loss",
        resource_attr="epoch",
        max_resource=9,
    )
    assert [start(rush, t).config["x"] for t in range(5)][:4] == [0.2, 0.3, 0.1, 0.4]
    assert rush.seeded_trials == [0, 1, 2, 3]


def test_seed_order_is_checked() -> None:
    with pytest.raises(ValueError, match=r'order must be "transfer" or "task", got \'best\''):
        seeded_configs(SPACE, TASKS, metric="loss", mode="min", order="best")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="got 'best'"):
        scheduler(order="best")


def test_seeded_configurations_run_first_then_the_searchers() -> None:
    rush = scheduler(top_k=2)
    trials = [start(rush, t) for t in range(3)]
    assert [t.config["x"] for t in trials[:2]] == [0.1, 0.2]
    assert isinstance(rush, RUSHScheduler) and rush.seeded_trials == [0, 1]
    plain = RandomSearcher(SPACE, seed=0)
    assert trials[2].config == plain.suggest(0)  # the searcher's first, unchanged


def test_stopping_a_trial_worse_than_the_seeded_result_stops_a_better_one_continues() -> None:
    rush, asha = scheduler(), scheduler(rush=False)
    for tuner in (rush, asha):
        trials = [start(tuner, t) for t in range(3)]
        # too few results for ASHA to stop anything at rung 1 until the third
        assert report(tuner, trials[0], 0.5) is Decision.CONTINUE
        worse = report(tuner, trials[1], 0.8)
        assert (worse is Decision.STOP) is (tuner is rush)
        assert report(tuner, trials[2], 0.3) is Decision.CONTINUE
    assert isinstance(rush, RUSHScheduler)
    assert rush.hurdles == [0.5, None, None]


def test_the_hurdle_is_the_best_seeded_result_and_maximised_metrics_work() -> None:
    rush = scheduler(mode="max")
    seeded = [start(rush, t) for t in range(2)]  # the best of a, then of b, maximised
    assert [t.config["x"] for t in seeded] == [0.3, 0.1]
    assert report(rush, seeded[0], 0.5) is Decision.CONTINUE
    # a seeded trial faces ASHA's rule only, even when worse than another seeded one
    assert report(rush, seeded[1], 0.4) is Decision.CONTINUE
    assert isinstance(rush, RUSHScheduler) and rush.hurdles == [0.5, None, None]
    worse, better = start(rush, 2), start(rush, 3)
    assert report(rush, worse, 0.45) is Decision.STOP  # below the hurdle 0.5
    assert report(rush, better, 0.6) is Decision.CONTINUE
    assert rush.hurdles == [0.5, None, None]


def test_promotion_a_seeded_trial_is_promoted_by_ashas_rule_alone() -> None:
    rush = scheduler("promotion", top_k=2)
    trials = [start(rush, t) for t in range(6)]
    assert isinstance(rush, RUSHScheduler) and rush.seeded_trials == [0, 1]
    # the seeded trials rank first and second; trial 0 sets the hurdle 0.1
    for trial, loss in zip(trials, [0.1, 0.2, 0.6, 0.7, 0.8, 0.9], strict=True):
        assert report(rush, trial, loss) is Decision.PAUSE
    resumed = [rush.suggest(6), rush.suggest(6)]
    # ASHA promotes 2 of 6: the seeded trial 1 too, although worse than the hurdle
    assert [r.resume_trial_id if r else None for r in resumed] == [0, 1]


def test_promotion_a_paused_trial_worse_than_the_seeded_result_is_not_resumed() -> None:
    rush, asha = scheduler("promotion"), scheduler("promotion", rush=False)
    for tuner in (rush, asha):
        trials = [start(tuner, t) for t in range(6)]
        for trial, loss in zip(trials, [0.1, 0.5, 0.6, 0.7, 0.8, 0.9], strict=True):
            assert report(tuner, trial, loss) is Decision.PAUSE
        first = tuner.suggest(6)
        assert first is not None and first.resume_trial_id == 0  # the seeded, best
        second = tuner.suggest(6)
        assert second is not None
        # ASHA promotes 2 of 6; RUSH only those as good as the seeded 0.1
        assert second.resume_trial_id == (None if tuner is rush else 1)


def test_promotion_a_paused_trial_failing_the_hurdle_does_not_hold_back_a_seeded_one() -> None:
    rush, asha = scheduler("promotion", top_k=2), scheduler("promotion", rush=False)
    losses = [0.1, 0.3, 0.2, 0.7, 0.8, 0.9, 0.91, 0.92, 0.93]
    resumed = {}
    for tuner in (rush, asha):
        trials = [start(tuner, t) for t in range(len(losses))]
        for trial, loss in zip(trials, losses, strict=True):
            assert report(tuner, trial, loss) is Decision.PAUSE
        suggestions = [tuner.suggest(len(losses)) for _ in range(2)]
        resumed[tuner] = [s.resume_trial_id if s else None for s in suggestions]
    # ASHA promotes 3 of 9, best first; RUSH skips trial 2 (not seeded, 0.2 is worse
    # than the hurdle 0.1), and the seeded trial 1 behind it is promoted
    assert resumed[asha] == [0, 2]
    assert resumed[rush] == [0, 1]
    rung = rush._rungs[0]
    assert rung.is_waiting(2) and not rung.is_waiting(1) and not rung.is_waiting(99)


def test_state_round_trip_keeps_the_hurdles_and_seeded_configurations() -> None:
    rush = scheduler(top_k=2)
    first = start(rush, 0)
    report(rush, first, 0.5)
    restored = scheduler(top_k=2)
    restored.load_state_dict(rush.state_dict())
    assert isinstance(restored, RUSHScheduler)
    assert restored.hurdles == [0.5, None, None] and restored.seeded_trials == [0]
    assert start(restored, 1).config["x"] == 0.2
    assert report(restored, start(restored, 2), 0.8) is Decision.STOP


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="top_k must be a positive integer, got 0"):
        scheduler(top_k=0)
    with pytest.raises(ValueError, match='kind must be "stopping" or "promotion"'):
        scheduler(kind="cost_promotion")
    with pytest.raises(ValueError, match="has no objective 'acc'"):
        RUSHScheduler(
            RandomSearcher(SPACE),
            transfer_evaluations=TASKS,
            metric="acc",
            resource_attr="epoch",
            max_resource=9,
        )
    with pytest.raises(ValueError, match="none of the best configurations"):
        RUSHScheduler(
            RandomSearcher({"x": uniform(5.0, 6.0), "epochs": 9}),
            transfer_evaluations=TASKS,
            metric="loss",
            resource_attr="epoch",
            max_resource=9,
        )
