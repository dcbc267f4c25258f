"""HyperbandScheduler(kind="cost_promotion"): a rung's promotable trials weigh their costs."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tunelab.core import methods
from tunelab.core.schedulers import MOASHAScheduler
from tunelab.core.schedulers.hyperband import HyperbandScheduler, RungSystem
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.status import COST_KEY
from tunelab.core.testing import (
    ContractMetrics,
    SchedulerContract,
    contract_config_space,
    simulate,
)
from tunelab.core.trial import Decision, Mode, Trial

from .test_hyperband import Recorder, asha, start

SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


class TestASHACostPromotionContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return HyperbandScheduler(
            RandomSearcher(config_space, seed=seed),
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            kind="cost_promotion",
        )


class TestHyperbandCostPromotionContract(SchedulerContract):
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
            kind="cost_promotion",
            seed=seed,
        )


class TestCostFromAnotherKeyContract(SchedulerContract):
    metrics = ContractMetrics(cost_attr="seconds")

    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return methods.asha_cost(
            config_space,
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            cost_attr="seconds",
            seed=seed,
        )


# -- the number of promotable trials -------------------------------------------------------

SYSTEM = RungSystem(max_resource=27)  # levels 1, 3, 9, 27: q = 1/3 at each rung


def test_cheap_good_trials_let_more_through_and_expensive_ones_fewer() -> None:
    # best first; 6 results: the count rule promotes 2
    assert SYSTEM.slots(0, 6) == 2
    # the best two cost 1 each, the others 10: 1 + 1 + 10 = 12 <= 42 / 3
    assert SYSTEM.slots_by_cost(0, np.array([1.0, 1.0, 10.0, 10.0, 10.0, 10.0])) == 3
    # the best costs 10 of 15: more than a third, nobody goes
    assert SYSTEM.slots_by_cost(0, np.array([10.0, 1.0, 1.0, 1.0, 1.0, 1.0])) == 0
    # exactly a third is in: 5 <= 15 / 3
    assert SYSTEM.slots_by_cost(0, np.array([5.0, 1.0, 9.0])) == 1


def test_a_rung_without_cost_falls_back_to_the_count_rule() -> None:
    assert SYSTEM.slots_by_cost(0, np.zeros(6)) == SYSTEM.slots(0, 6) == 2
    assert SYSTEM.slots_by_cost(1, np.array([])) == 0


@given(
    st.integers(min_value=1, max_value=300),
    st.floats(min_value=1e-6, max_value=1e6),
    st.sampled_from([(27, None), (10, None), (9, (2, 5)), (100, (3, 7, 33))]),
)
def test_equal_costs_give_the_count_rule(n: int, cost: float, setting: Any) -> None:
    top, levels = setting
    system = RungSystem(max_resource=top, rung_levels=levels)
    for rung in range(system.num_rungs):
        assert system.slots_by_cost(rung, np.full(n, cost)) == system.slots(rung, n)


@given(
    st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=2),
)
@example([0.0, 5e-324], 0)  # a subnormal total once overflowed the scaling
@example([5e-324, 5e-324], 0)
def test_the_largest_best_k_within_the_quantile_of_the_total(costs: list[float], rung: int) -> None:
    array = np.array(costs)
    q, total = SYSTEM.quantiles[rung], array.sum()
    found = SYSTEM.slots_by_cost(rung, array)
    if total == 0:
        assert found == SYSTEM.slots(rung, len(costs))
        return
    # as fractions of the total: products like q * total round badly among subnormals
    assert array[:found].sum() / total <= q + 1e-9
    assert found == len(costs) or array[: found + 1].sum() / total > q - 1e-9


# -- decisions -----------------------------------------------------------------------------


def cost_promotion(**kwargs: Any) -> HyperbandScheduler:
    return asha(kind="cost_promotion", max_resource_attr="epochs", **kwargs)


def report(
    scheduler: HyperbandScheduler, trial: Trial, epoch: int, loss: float, cost: float
) -> Decision:
    return scheduler.on_trial_result(trial, {"epoch": epoch, "loss": loss, COST_KEY: cost})


def resumed(scheduler: HyperbandScheduler, trial_id: int) -> int | None:
    suggestion = scheduler.suggest(trial_id)
    assert suggestion is not None
    return suggestion.resume_trial_id


def test_a_third_trial_is_promoted_when_the_best_two_were_cheap() -> None:
    scheduler = cost_promotion()
    trials = {t: start(scheduler, t) for t in range(6)}
    costs = [1.0, 1.0, 10.0, 10.0, 10.0, 10.0]  # trial t ranks t (loss t)
    for trial_id, trial in trials.items():
        assert report(scheduler, trial, 1, float(trial_id), costs[trial_id]) is Decision.PAUSE
    assert [resumed(scheduler, 6) for _ in range(3)] == [0, 1, 2]
    assert resumed(scheduler, 6) is None  # trial 3 would make 22 > 42 / 3: a new trial


def test_an_expensive_best_trial_holds_the_rung_back() -> None:
    scheduler = cost_promotion()
    trials = {t: start(scheduler, t) for t in range(6)}
    for trial_id, trial in trials.items():
        report(scheduler, trial, 1, float(trial_id), 10.0 if trial_id == 0 else 1.0)
    assert resumed(scheduler, 6) is None  # 10 > 15 / 3: nobody yet
    more = {t: start(scheduler, t) for t in range(6, 12)}
    for trial_id, trial in more.items():  # total 10 + 11 = 21: 10 <= 21 / 3? no
        report(scheduler, trial, 1, 100.0 + trial_id, 1.0)
    assert resumed(scheduler, 12) is None
    last = {t: start(scheduler, t) for t in range(12, 21)}
    for trial_id, trial in last.items():  # total 30: 10 <= 10, then 11 > 10
        report(scheduler, trial, 1, 100.0 + trial_id, 1.0)
    assert [resumed(scheduler, 21) for _ in range(2)] == [0, None]


@given(
    st.lists(
        st.tuples(st.sampled_from([0.1, 0.2, 0.3, 0.4]), st.floats(min_value=0.0, max_value=50.0)),
        min_size=1,
        max_size=30,
    )
)
def test_the_best_promotable_trials_of_a_rung_are_promoted_in_order(
    reported: list[tuple[float, float]],
) -> None:
    scheduler = cost_promotion()
    trials = {t: start(scheduler, t) for t in range(len(reported))}
    for trial_id, (loss, cost) in enumerate(reported):
        report(scheduler, trials[trial_id], 1, loss, cost)
    # by hand: best first (ties by id), then the most whose costs fit in a third
    order = sorted(range(len(reported)), key=lambda t: (reported[t][0], t))
    costs = np.array([reported[t][1] for t in order])
    fits = SYSTEM.slots_by_cost(0, costs)
    promoted: list[int] = []
    while (resumed_id := resumed(scheduler, len(reported))) is not None:
        promoted.append(resumed_id)
    assert promoted == order[:fits]


def test_with_equal_costs_it_decides_as_promotion() -> None:
    # the resource as the cost: every trial of a rung cost the same to reach it
    def build(kind: str) -> HyperbandScheduler:
        return methods.asha(
            contract_config_space(), metric="loss", resource_attr="epoch", max_resource=9,
            kind=kind, cost_attr="epoch", seed=4,
        )  # fmt: skip

    expected = simulate(build("promotion"), n_trials=40, n_workers=4)["log"]
    assert simulate(build("cost_promotion"), n_trials=40, n_workers=4)["log"] == expected


def test_costs_change_the_run_against_promotion() -> None:
    def build(kind: str) -> HyperbandScheduler:
        return methods.asha(
            contract_config_space(),
            metric="loss",
            resource_attr="epoch",
            max_resource=9,
            kind=kind,
            seed=4,
        )

    promotion = simulate(build("promotion"), n_trials=40, n_workers=4)["log"]
    by_cost = simulate(build("cost_promotion"), n_trials=40, n_workers=4)["log"]
    assert by_cost != promotion


def test_the_cost_at_a_rung_is_the_one_reported_there() -> None:
    scheduler = cost_promotion()
    trials = {t: start(scheduler, t) for t in range(3)}
    for trial_id, trial in trials.items():
        report(scheduler, trial, 1, float(trial_id), 2.0 + trial_id)
    assert resumed(scheduler, 3) == 0  # 2 <= 9 / 3
    report(scheduler, trials[0], 2, 0.5, 7.0)  # between rungs: not recorded
    report(scheduler, trials[0], 3, 0.4, 11.0)  # cumulative: what reaching 3 cost
    state = scheduler.state_dict()
    assert state["costs"][0] == {"costs": {0: 2.0, 1: 3.0, 2: 4.0}}
    assert state["costs"][1] == {"costs": {0: 11.0}}


# -- errors --------------------------------------------------------------------------------


def test_a_result_without_the_cost_is_a_clear_error_naming_the_key() -> None:
    scheduler = cost_promotion()
    trial = start(scheduler, 0)
    with pytest.raises(ValueError, match=r"without the cost 'worker_cost'.*cost_promotion"):
        scheduler.on_trial_result(trial, {"epoch": 1, "loss": 0.5})
    other = cost_promotion(cost_attr="dollars")
    trial = start(other, 0)
    with pytest.raises(
        ValueError, match=r"trial 0 reported \['epoch', 'loss'\] without .*'dollars'"
    ):
        other.on_trial_result(trial, {"epoch": 1, "loss": 0.5})


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), "3", True, None])
def test_a_cost_that_is_not_a_finite_number_at_least_0_is_named(value: Any) -> None:
    scheduler = cost_promotion()
    trial = start(scheduler, 0)
    with pytest.raises(ValueError, match=r"reported worker_cost=.*finite number >= 0"):
        scheduler.on_trial_result(trial, {"epoch": 1, "loss": 0.5, COST_KEY: value})


def test_other_kinds_ignore_the_cost() -> None:
    for kind in ("stopping", "promotion"):
        scheduler = asha(kind=kind, max_resource_attr="epochs")
        trial = start(scheduler, 0)
        scheduler.on_trial_result(trial, {"epoch": 1, "loss": 0.5})
        assert "costs" not in scheduler.state_dict()


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="cost_attr must be a non-empty string, got ''"):
        cost_promotion(cost_attr="")
    with pytest.raises(ValueError, match=r"kind must be .*got 'costly'.*'cost_promotion'"):
        asha(kind="costly", max_resource_attr="epochs")
    with pytest.raises(ValueError, match="MOASHAScheduler ranks a rung on several metrics"):
        MOASHAScheduler(
            RandomSearcher(SPACE, seed=0), metric=["loss", "size"], resource_attr="epoch",
            max_resource=9, kind="cost_promotion",
        )  # fmt: skip


# -- state and checkpoints -----------------------------------------------------------------


def test_the_state_keeps_the_costs_and_refuses_one_without() -> None:
    scheduler = cost_promotion()
    trials = {t: start(scheduler, t) for t in range(6)}
    for trial_id, trial in trials.items():
        report(scheduler, trial, 1, float(trial_id), [1.0, 1.0, 10, 10, 10, 10][trial_id])
    restored = cost_promotion()
    restored.load_state_dict(pickle.loads(pickle.dumps(scheduler.state_dict())))
    assert [resumed(restored, 6) for _ in range(4)] == [0, 1, 2, None]
    plain = asha(kind="promotion", max_resource_attr="epochs")
    with pytest.raises(ValueError, match="saved state has no costs"):
        cost_promotion().load_state_dict(plain.state_dict())


def test_checkpoints_go_by_what_the_trials_ahead_cost() -> None:
    scheduler = cost_promotion(searcher=Recorder(limit=6))
    trials = {t: start(scheduler, t) for t in range(6)}
    # ranks 0..5 by loss; the costs make trial 1 (rank 1) need 11 of 42 / 3 = 14
    costs = [1.0, 10.0, 1.0, 10.0, 10.0, 10.0]
    for trial_id, trial in trials.items():
        report(scheduler, trial, 1, float(trial_id), costs[trial_id])
    assert [resumed(scheduler, 6) for _ in range(3)] == [0, 1, 2]  # 1, 11, 12 <= 14
    assert scheduler.suggest(6) is None  # exhausted, nothing promotable
    # rung 1 is complete (no live trial below it): trials 3, 4, 5 can never go (by id)
    assert scheduler.removable_checkpoints() == [3, 4, 5]


def test_while_trials_may_still_arrive_no_paused_trial_is_ruled_out() -> None:
    scheduler = cost_promotion()
    trials = {t: start(scheduler, t) for t in range(3)}
    for trial_id, trial in trials.items():
        report(scheduler, trial, 1, float(trial_id), [9.0, 1.0, 1.0][trial_id])
    # nobody promotable (9 > 11 / 3); least promising first: trial 2 (11 / (11 / 3))
    assert scheduler.suggest(3) is not None
    assert scheduler.removable_checkpoints() == [2, 1, 0]
