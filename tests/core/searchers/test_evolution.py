from __future__ import annotations

from typing import Any

import pytest

from tunelab.core.searchers.evolution import RegularizedEvolutionSearcher
from tunelab.core.space import choice, config_key, finrange, randint, uniform
from tunelab.core.testing import SearcherContract


class TestRegularizedEvolutionContract(SearcherContract):
    n_suggestions = 24  # the population of 4 fills early: most suggestions are mutations

    def make_searcher(
        self, config_space: dict[str, Any], *, seed: int
    ) -> RegularizedEvolutionSearcher:
        return RegularizedEvolutionSearcher(
            config_space, population_size=4, sample_size=2, seed=seed
        )


class TestRegularizedEvolutionDefaultsContract(SearcherContract):
    def make_searcher(
        self, config_space: dict[str, Any], *, seed: int
    ) -> RegularizedEvolutionSearcher:
        return RegularizedEvolutionSearcher(config_space, seed=seed)


def _space() -> dict[str, Any]:
    return {
        "x": uniform(0.0, 1.0),
        "n": randint(1, 50),
        "act": choice(["relu", "tanh", "gelu"]),
        "p": finrange(0.0, 0.5, 6),
        "single": choice(["only"]),
        "epochs": 27,
    }


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [name for name in a if a[name] != b[name]]


def test_random_until_the_population_is_full_then_one_hyperparameter_mutations() -> None:
    searcher = RegularizedEvolutionSearcher(_space(), population_size=1, sample_size=1, seed=0)
    searcher.configure(metric="loss", mode="min")
    parent = searcher.suggest(0)
    assert parent is not None
    searcher.observe(0, parent, {"loss": 1.0})
    for trial_id in range(1, 40):
        child = searcher.suggest(trial_id)
        assert child is not None
        # A population of one: the parent is the last observed configuration.
        changed = _differences(parent, child)
        assert len(changed) == 1, (parent, child)
        assert changed[0] in {"x", "n", "act", "p"}  # never a constant or a one-value domain
        assert child["epochs"] == 27 and child["single"] == "only"
        searcher.observe(trial_id, child, {"loss": float(trial_id)})
        parent = child


def test_oldest_member_leaves_whatever_its_score() -> None:
    searcher = RegularizedEvolutionSearcher(_space(), population_size=3, sample_size=2, seed=1)
    searcher.configure(metric="loss", mode="min")
    for trial_id, loss in enumerate([0.0, 5.0, 6.0, 7.0, 8.0]):
        config = searcher.suggest(trial_id)
        assert config is not None
        searcher.observe(trial_id, config, {"loss": loss})
    assert [member[0] for member in searcher.population] == [2, 3, 4]
    assert [member[2] for member in searcher.population] == [6.0, 7.0, 8.0]


def test_tournament_parent_is_the_best_member_drawn() -> None:
    space = {"a": choice(list(range(20))), "b": choice(list(range(20)))}
    searcher = RegularizedEvolutionSearcher(space, population_size=10, sample_size=10, seed=2)
    searcher.configure(metric="acc", mode="max")
    configs = []
    for trial_id in range(10):
        config = searcher.suggest(trial_id)
        assert config is not None
        configs.append(config)
        searcher.observe(trial_id, config, {"acc": 1.0 if trial_id == 6 else 0.0})
    best = configs[6]
    # Ten draws with replacement from ten members miss the best one with probability
    # 0.9**10 ~ 35 %, so most children descend from it.
    children = [searcher.suggest(trial_id) for trial_id in range(10, 40)]
    from_best = sum(len(_differences(best, child)) == 1 for child in children if child)
    assert from_best >= 12


def test_rung_results_update_a_member_in_place() -> None:
    searcher = RegularizedEvolutionSearcher(_space(), population_size=2, sample_size=1, seed=3)
    searcher.configure(metric="loss", mode="min", resource_attr="epoch")
    first, second = searcher.suggest(0), searcher.suggest(1)
    assert first is not None and second is not None
    searcher.observe(0, first, {"loss": 3.0, "epoch": 1})
    searcher.observe(1, second, {"loss": 2.0, "epoch": 1})
    searcher.observe(0, first, {"loss": 1.0, "epoch": 3})
    assert [(m[0], m[2]) for m in searcher.population] == [(0, 1.0), (1, 2.0)]


def test_max_mode_negates_and_nan_results_are_ignored() -> None:
    searcher = RegularizedEvolutionSearcher(_space(), population_size=5, sample_size=2, seed=4)
    searcher.configure(metric="acc", mode="max")
    config = searcher.suggest(0)
    assert config is not None
    searcher.observe(0, config, {"acc": 0.9})
    searcher.observe(1, config, {"acc": float("nan")})
    assert [m[2] for m in searcher.population] == [-0.9]


def test_mutations_restore_constants_a_scheduler_rewrote() -> None:
    searcher = RegularizedEvolutionSearcher(_space(), population_size=1, sample_size=1, seed=5)
    searcher.configure(metric="loss", mode="min")
    config = searcher.suggest(0)
    assert config is not None
    searcher.register_pending(0, {**config, "epochs": 3})
    searcher.observe(0, {**config, "epochs": 3}, {"loss": 1.0})
    child = searcher.suggest(1)
    assert child is not None and child["epochs"] == 27


def test_binary_domains_mutate_to_the_other_value_and_space_is_exhausted() -> None:
    space = {"a": choice([True, False]), "b": randint(0, 1)}
    searcher = RegularizedEvolutionSearcher(space, population_size=1, sample_size=1, seed=6)
    searcher.configure(metric="loss", mode="min")
    configs = []
    for trial_id in range(4):
        config = searcher.suggest(trial_id)
        assert config is not None
        configs.append(config)
        searcher.observe(trial_id, config, {"loss": 0.0})
    assert len({config_key(c) for c in configs}) == 4
    assert searcher.suggest(4) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"population_size": 0}, ValueError, "population_size must be >= 1, got 0"),
        ({"population_size": 2.5}, TypeError, "population_size must be an int"),
        ({"sample_size": 0}, ValueError, "sample_size must be >= 1"),
        ({"population_size": 5, "sample_size": 6}, ValueError, "sample_size must be <="),
    ],
)
def test_bad_arguments_name_the_problem(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        RegularizedEvolutionSearcher(_space(), **kwargs)


def test_observe_needs_configure_and_the_metric() -> None:
    searcher = RegularizedEvolutionSearcher(_space(), seed=0)
    config = searcher.suggest(0)
    assert config is not None
    with pytest.raises(RuntimeError, match="configure"):
        searcher.observe(0, config, {"loss": 1.0})
    searcher.configure(metric="loss", mode="min")
    with pytest.raises(ValueError, match="lacks the metric 'loss'"):
        searcher.observe(0, config, {"acc": 1.0})


def test_points_to_evaluate_come_first_and_are_not_repeated() -> None:
    space = {"a": choice(["x", "y"]), "b": randint(0, 1)}
    searcher = RegularizedEvolutionSearcher(
        space, population_size=1, sample_size=1, points_to_evaluate=[{}, {"b": 1}, {}], seed=0
    )
    searcher.configure(metric="loss", mode="min")
    configs = [searcher.suggest(trial_id) for trial_id in range(2)]
    assert configs == [{"a": "x", "b": 0}, {"a": "x", "b": 1}]
