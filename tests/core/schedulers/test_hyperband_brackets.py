"""Asynchronous Hyperband: the bracket distribution and how brackets skip rungs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from tunelab.core.schedulers.hyperband import (
    HyperbandScheduler,
    RungSystem,
    bracket_probabilities,
    bracket_sizes,
)
from tunelab.core.schedulers.hyperband.scheduler import Kind
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.trial import Decision, Trial


def test_bracket_sizes_are_those_of_synchronous_hyperband() -> None:
    # the reference example: rung levels 1, 3, 9, 27, 81 below 200, eta = 3
    assert bracket_sizes(5, 3, 6) == [243, 98, 41, 18, 9, 6]
    np.testing.assert_allclose(
        bracket_probabilities(5, 3, 6), np.array([243, 98, 41, 18, 9, 6]) / 415
    )
    assert RungSystem(max_resource=200, brackets=6).bracket_probabilities() == pytest.approx(
        np.array([243, 98, 41, 18, 9, 6]) / 415
    )


def test_fewer_brackets_renormalize_the_first_ones() -> None:
    np.testing.assert_allclose(bracket_probabilities(5, 3, 3), np.array([243, 98, 41]) / 382)
    assert bracket_probabilities(5, 3, 1).tolist() == [1.0]
    assert bracket_sizes(3, 2, 4) == [8, 6, 4, 4]  # ceil(4/4*8), ceil(4/3*4), 4/2*2, 4
    with pytest.raises(ValueError, match="brackets=7 must lie between 1 and num_rungs"):
        bracket_sizes(5, 3, 7)


def hyperband(brackets: int, seed: int = 0, kind: Kind = "promotion") -> HyperbandScheduler:
    searcher = RandomSearcher({"x": uniform(0.0, 1.0), "epochs": 27}, seed=seed)
    return HyperbandScheduler(
        searcher,
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        brackets=brackets,
        kind=kind,
        seed=seed,
    )


def first_level(scheduler: HyperbandScheduler, trial_id: int) -> int:
    """The resource level the scheduler suggests a new trial to run to first."""
    suggestion = scheduler.suggest(trial_id)
    assert suggestion is not None and suggestion.config is not None
    level: int = suggestion.config["epochs"]
    return level


def test_bracket_draws_follow_the_distribution() -> None:
    scheduler = hyperband(brackets=4, seed=11)
    levels = scheduler.rung_system.levels  # 1, 3, 9, 27
    n = 20_000
    first_levels = []
    for trial_id in range(n):
        suggestion = scheduler.suggest(trial_id)
        assert suggestion is not None and suggestion.config is not None
        first_levels.append(suggestion.config["epochs"])
    counts = np.array([first_levels.count(level) for level in levels])
    expected = n * np.array([27, 12, 6, 4]) / 49
    assert stats.chisquare(counts, expected).pvalue > 0.01
    np.testing.assert_allclose(counts / n, expected / n, atol=0.01)


def test_one_bracket_never_draws_and_is_seed_independent() -> None:
    a, b = hyperband(brackets=1, seed=0), hyperband(brackets=1, seed=0)
    b._rng = np.random.default_rng(123)
    assert [a.suggest(t) for t in range(20)] == [b.suggest(t) for t in range(20)]
    assert all(first_level(a, t) == 1 for t in range(20, 30))


def test_a_trial_competes_only_from_its_bracket_rung_on() -> None:
    scheduler = hyperband(brackets=3, seed=0, kind="stopping")
    observed = []
    scheduler.searcher.observe = (  # type: ignore[method-assign]
        lambda trial_id, config, result: observed.append(result["epoch"])
    )
    scheduler._draw_bracket = lambda: 2  # type: ignore[method-assign]
    late = scheduler.suggest(0)
    assert late is not None and late.config is not None
    trial = Trial(0, late.config)
    scheduler.on_trial_add(trial)
    for epoch in range(1, 9):
        assert scheduler.on_trial_result(trial, {"epoch": epoch, "loss": 9.0}) is Decision.CONTINUE
    assert [len(rung) for rung in scheduler._rungs] == [0, 0, 0, 0]
    scheduler.on_trial_result(trial, {"epoch": 9, "loss": 9.0})
    assert scheduler._rungs[2].trial_ids() == [0]
    assert observed == [1, 3, 9]  # the searcher still sees every rung result


def _with_distribution(distribution: object, seed: int = 0) -> HyperbandScheduler:
    searcher = RandomSearcher({"x": uniform(0.0, 1.0), "epochs": 27}, seed=seed)
    return HyperbandScheduler(
        searcher,
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        brackets=4,
        kind="promotion",
        seed=seed,
        bracket_distribution=distribution,  # type: ignore[arg-type]
    )


def test_a_bracket_distribution_hook_replaces_the_default() -> None:
    calls: list[tuple[list[float], list[float]]] = []

    def only_the_third(levels: object, default: np.ndarray) -> list[float]:
        calls.append((list(levels), default.tolist()))  # type: ignore[call-overload]
        return [0.0, 0.0, 2.0, 0.0]  # need not be normalised

    scheduler = _with_distribution(only_the_third)
    firsts = [first_level(scheduler, t) for t in range(50)]
    assert set(firsts) == {9}
    assert calls[0][0] == [1, 3, 9, 27]
    assert calls[0][1] == pytest.approx(np.array([27, 12, 6, 4]) / 49)


def test_the_default_distribution_as_a_hook_draws_the_same_brackets() -> None:
    plain = hyperband(brackets=4, seed=3)
    hooked = _with_distribution(lambda levels, default: default, seed=3)
    assert [plain.suggest(t) for t in range(100)] == [hooked.suggest(t) for t in range(100)]


def test_a_bad_bracket_distribution_is_named() -> None:
    scheduler = _with_distribution(lambda levels, default: [1.0, -1.0])
    with pytest.raises(ValueError, match="bracket_distribution must return 4 non-negative"):
        scheduler.suggest(0)
