"""HyperbandScheduler: contract, rung levels, stopping decisions, arguments, state."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from tunelab.core.schedulers.hyperband import HyperbandScheduler, RungSystem
from tunelab.core.searcher import Searcher
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import randint, uniform
from tunelab.core.testing import SchedulerContract
from tunelab.core.trial import Config, Decision, Mode, Trial

SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


class TestASHAStoppingContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        searcher = RandomSearcher(config_space, seed=seed)
        return HyperbandScheduler(
            searcher, metric=metric, mode=mode, resource_attr="epoch", max_resource_attr="epochs"
        )


class TestHyperbandStoppingContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return HyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource_attr="epochs",
            brackets=3,
            seed=seed,
        )


class TestExplicitRungLevelsContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return HyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            rung_levels=[2, 4, 6],
            reduction_factor=2,
        )


class Recorder(Searcher):
    """Hands out numbered configurations and records every call."""

    def __init__(self, limit: int | None = None) -> None:
        self.config_space = {"x": uniform(0.0, 1.0), "epochs": 27}
        self.limit = limit
        self.calls: list[tuple[Any, ...]] = []

    def suggest(self, trial_id: int) -> Config | None:
        if self.limit is not None and trial_id >= self.limit:
            return None
        return {"x": trial_id / 100, "epochs": 27}

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        self.calls.append(("observe", trial_id, result["epoch"]))

    def register_pending(self, trial_id: int, config: Config) -> None:
        self.calls.append(("pending", trial_id, config.get("epochs")))

    def remove_pending(self, trial_id: int) -> None:
        self.calls.append(("done", trial_id))


def asha(**kwargs: Any) -> HyperbandScheduler:
    options: dict[str, Any] = {"metric": "loss", "resource_attr": "epoch"}
    options.update(kwargs)
    searcher = options.pop("searcher", None) or Recorder()
    return HyperbandScheduler(searcher, **options)


def start(scheduler: HyperbandScheduler, trial_id: int) -> Trial:
    suggestion = scheduler.suggest(trial_id)
    assert suggestion is not None and not suggestion.is_resume
    assert suggestion.config is not None
    trial = Trial(trial_id, suggestion.config)
    scheduler.on_trial_add(trial)
    return trial


@pytest.mark.parametrize(
    ("settings", "levels"),
    [
        ({"max_resource": 27}, (1, 3, 9, 27)),
        ({"max_resource": 200}, (1, 3, 9, 27, 81, 200)),
        ({"max_resource": 100, "grace_period": 2, "reduction_factor": 4}, (2, 8, 32, 100)),
        ({"max_resource": 10, "reduction_factor": 2.5}, (1, 2, 6, 10)),
        (
            {"max_resource": 1.0, "grace_period": 0.1, "reduction_factor": 2},
            (0.1, 0.2, 0.4, 0.8, 1.0),
        ),
        ({"max_resource": 9, "grace_period": 9}, (9,)),
        ({"max_resource": 9, "rung_levels": (2, 5)}, (2, 5, 9)),
        ({"max_resource": 9, "rung_levels": (2, 5, 9)}, (2, 5, 9)),
    ],
)
def test_rung_levels(settings: dict[str, Any], levels: tuple[float, ...]) -> None:
    system = RungSystem(**settings)
    assert system.levels == pytest.approx(levels)
    assert system.num_rungs == len(levels) - 1


def test_promotion_quantiles_follow_level_ratios() -> None:
    system = RungSystem(max_resource=10, grace_period=1, reduction_factor=3)
    assert system.quantiles == pytest.approx((1 / 3, 3 / 9, 9 / 10))
    assert [system.slots(0, n) for n in range(1, 8)] == [0, 0, 1, 1, 1, 2, 2]
    assert system.slots(2, 2) == 1  # 9 -> 10: nearly everyone continues


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"reduction_factor": 1.5}, "reduction_factor must be a number >= 2, got 1.5"),
        ({"grace_period": 30}, "grace_period=30 exceeds max_resource=27"),
        ({"grace_period": 0}, "grace_period must be a number > 0, got 0"),
        ({"rung_levels": [3, 1, 9]}, r"strictly increasing, got \[3, 1, 9\]; sorted.*\[1, 3, 9\]"),
        ({"rung_levels": [1, 1, 9]}, "strictly increasing"),
        ({"rung_levels": [1, 30]}, "largest rung level 30 exceeds max_resource=27"),
        ({"rung_levels": []}, "non-empty list"),
        ({"rung_levels": [0, 3]}, "non-empty list of numbers > 0"),
        ({"brackets": 5}, r"brackets=5 must lie between 1 and the number of levels 4"),
        ({"brackets": 0}, "brackets=0"),
        ({"kind": "pasha"}, "kind must be 'stopping' or 'promotion', got 'pasha'"),
        ({"mode": "minimize"}, "mode must be 'min' or 'max'"),
        ({"metric": ["a", "b"]}, "optimises one metric"),
    ],
)
def test_bad_arguments_are_clear_errors(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        asha(max_resource=27, **settings)


def test_max_resource_comes_from_the_config_space_or_is_a_clear_error() -> None:
    assert asha(max_resource_attr="epochs").max_resource == 27
    with pytest.raises(ValueError, match=r"needs max_resource.*max_resource_attr=None"):
        asha()
    with pytest.raises(ValueError, match=r"config_space\['budget'\] = None"):
        asha(max_resource_attr="budget")
    searcher = RandomSearcher({"x": uniform(0, 1), "epochs": randint(1, 9)})
    with pytest.raises(ValueError, match=r"config_space\['epochs'\] = randint"):
        asha(searcher=searcher, max_resource_attr="epochs")


def test_result_without_resource_or_metric_is_a_clear_error() -> None:
    scheduler = asha(max_resource=27)
    trial = start(scheduler, 0)
    with pytest.raises(ValueError, match=r"without the resource 'epoch'"):
        scheduler.on_trial_result(trial, {"loss": 1.0})
    with pytest.raises(ValueError, match=r"without the metric 'loss'"):
        scheduler.on_trial_result(trial, {"epoch": 1})


def test_the_resource_must_be_a_number_of_any_numeric_type_but_bool() -> None:
    scheduler = asha(max_resource=27)
    trial = start(scheduler, 0)
    bad: list[Any] = [True, "1", None]
    for resource in bad:
        with pytest.raises(ValueError, match=r"epoch=.*the resource must be a number"):
            scheduler.on_trial_result(trial, {"epoch": resource, "loss": 1.0})
    good: list[Any] = [np.int64(1), np.float32(3.0), 9.0]
    for resource in good:
        assert scheduler.on_trial_result(trial, {"epoch": resource, "loss": 1.0}) in Decision


def test_stopping_keeps_the_top_fraction_at_each_rung() -> None:
    scheduler = asha(max_resource=27)
    losses = [5.0, 4.0, 6.0, 1.0, 7.0, 3.0, 2.0]
    decisions = []
    for trial_id, loss in enumerate(losses):
        trial = start(scheduler, trial_id)
        decisions.append(scheduler.on_trial_result(trial, {"epoch": 1, "loss": loss}))
    # n = 1, 2: too few to judge; n = 3: best 1 of {5, 4, 6} -> 6 stops; n = 4: 1 is
    # best; n = 5: one slot, 7 is 5th; n = 6: two slots, 3 is 2nd; n = 7: 2 is 2nd.
    assert decisions == [Decision.CONTINUE] * 2 + [Decision.STOP, Decision.CONTINUE] + [
        Decision.STOP,
        Decision.CONTINUE,
        Decision.CONTINUE,
    ]


def test_results_between_rungs_continue_and_max_resource_ends() -> None:
    scheduler = asha(max_resource=9)
    trial = start(scheduler, 0)
    for epoch in range(1, 10):
        assert scheduler.on_trial_result(trial, {"epoch": epoch, "loss": 1.0}) is Decision.CONTINUE
    assert scheduler.on_trial_result(trial, {"epoch": 10, "loss": 1.0}) is Decision.STOP


def test_mode_max_and_nan_rank_correctly() -> None:
    scheduler = asha(max_resource=27, mode="max")
    decisions = []
    for trial_id, accuracy in enumerate([0.5, 0.9, float("nan"), 0.95]):
        trial = start(scheduler, trial_id)
        decisions.append(scheduler.on_trial_result(trial, {"epoch": 1, "loss": accuracy}))
    assert decisions == [Decision.CONTINUE, Decision.CONTINUE, Decision.STOP, Decision.CONTINUE]


def test_searcher_sees_rung_results_and_pending_trials() -> None:
    searcher = Recorder()
    scheduler = asha(searcher=searcher, max_resource_attr="epochs")
    trial = start(scheduler, 0)
    assert trial.config["epochs"] == 27  # stopping: trains up to max_resource
    for epoch in range(1, 4):
        scheduler.on_trial_result(trial, {"epoch": epoch, "loss": 1.0})
    scheduler.on_trial_remove(trial)
    assert searcher.calls == [
        ("pending", 0, 27),
        ("observe", 0, 1),
        ("observe", 0, 3),
        ("done", 0),
    ]


def test_a_result_past_a_missed_rung_counts_for_it() -> None:
    scheduler = asha(max_resource=27)
    trial = start(scheduler, 0)
    scheduler.on_trial_result(trial, {"epoch": 2, "loss": 1.0})  # rung 1 missed
    assert scheduler._rungs[0].trial_ids() == [0]
    scheduler.on_trial_result(trial, {"epoch": 3, "loss": 1.0})
    assert scheduler._rungs[1].trial_ids() == [0]


def test_state_round_trip_mid_run_continues_identically() -> None:
    def run(scheduler: HyperbandScheduler, ids: range, trials: dict[int, Trial]) -> list[Any]:
        log = []
        for trial_id in ids:
            trial = trials[trial_id] = start(scheduler, trial_id)
            for epoch in (1, 2, 3):
                loss = ((trial_id * 7919) % 13) / (epoch + 1)
                log.append(scheduler.on_trial_result(trial, {"epoch": epoch, "loss": loss}))
                if log[-1] is Decision.STOP:
                    break
        return log

    def fresh(seed: int) -> HyperbandScheduler:
        searcher = RandomSearcher(SPACE, seed=seed)
        return asha(searcher=searcher, max_resource_attr="epochs", brackets=2, seed=seed)

    original = fresh(0)
    trials: dict[int, Trial] = {}
    run(original, range(10), trials)
    restored = fresh(99)
    restored.load_state_dict(pickle.loads(pickle.dumps(original.state_dict())))
    copies: dict[int, Trial] = {}
    assert run(original, range(10, 30), trials) == run(restored, range(10, 30), copies)
    assert [trials[t].config for t in range(10, 30)] == [copies[t].config for t in range(10, 30)]


def test_loading_state_of_other_settings_is_a_clear_error() -> None:
    state = asha(max_resource=27).state_dict()
    with pytest.raises(ValueError, match="saved state has 4 levels"):
        asha(max_resource=9).load_state_dict(state)
