from __future__ import annotations

from typing import Any

import pytest

from tunelab.core.searchers import GridSearcher
from tunelab.core.space import choice, loguniform, randint, uniform
from tunelab.core.testing import SearcherContract, finite_config_space


class TestGridSearcherContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> GridSearcher:
        return GridSearcher(config_space, points_per_dim=2, seed=seed)


class TestShuffledGridSearcherContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> GridSearcher:
        return GridSearcher(config_space, points_per_dim=2, shuffle=True, seed=seed)


def _all(searcher: GridSearcher) -> list[dict[str, Any]]:
    configs: list[dict[str, Any]] = []
    while (config := searcher.suggest(len(configs))) is not None:
        configs.append(config)
    return configs


def test_continuous_domains_get_points_per_dim_values_in_order() -> None:
    space = {"x": uniform(0.0, 1.0), "lr": loguniform(1e-3, 1e-1), "c": choice(["a", "b"])}
    configs = _all(GridSearcher(space, points_per_dim=3))
    assert len(configs) == 3 * 3 * 2
    assert sorted({c["x"] for c in configs}) == pytest.approx([0.0, 0.5, 1.0])
    assert sorted({c["lr"] for c in configs}) == pytest.approx([1e-3, 1e-2, 1e-1])
    assert configs == _all(GridSearcher(space, points_per_dim=3))


def test_finite_domains_are_covered_fully() -> None:
    configs = _all(GridSearcher(finite_config_space(), points_per_dim=2))
    assert len(configs) == 12


def test_shuffle_changes_order_not_content() -> None:
    space = {"a": randint(0, 9)}
    ordered = _all(GridSearcher(space, points_per_dim=10))
    shuffled = _all(GridSearcher(space, points_per_dim=10, shuffle=True, seed=0))
    assert ordered != shuffled
    assert sorted(c["a"] for c in shuffled) == list(range(10))


def test_points_to_evaluate_are_not_repeated_by_the_grid() -> None:
    space = {"a": randint(0, 3)}
    configs = _all(GridSearcher(space, points_to_evaluate=[{"a": 2}]))
    assert [c["a"] for c in configs] == [2, 0, 1, 3]


def test_invalid_points_per_dim() -> None:
    with pytest.raises(ValueError, match="points_per_dim must be an integer >= 1, got 0"):
        GridSearcher({"x": uniform(0, 1)}, points_per_dim=0)
