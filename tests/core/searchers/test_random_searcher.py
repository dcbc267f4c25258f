from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytest

from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import choice, config_key, loguniform, randint, sample_config, uniform
from tunelab.core.testing import SearcherContract
from tunelab.core.trial import Config


class TestRandomSearcherContract(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> RandomSearcher:
        return RandomSearcher(config_space, seed=seed)


def test_points_to_evaluate_come_first_and_are_completed_with_midpoints() -> None:
    space = {"lr": loguniform(1e-4, 1e-0), "layers": randint(1, 5), "act": choice(["a", "b"])}
    searcher = RandomSearcher(space, points_to_evaluate=[{}, {"layers": 2}], seed=0)
    first, second = searcher.suggest(0), searcher.suggest(1)
    assert first == {"lr": pytest.approx(1e-2), "layers": 3, "act": "a"}
    assert second is not None and second["layers"] == 2
    assert second["lr"] == pytest.approx(1e-2)


def test_no_initial_points_by_default() -> None:
    space = {"x": uniform(0.0, 1.0)}
    config = RandomSearcher(space, seed=1).suggest(0)
    assert config is not None and config["x"] != pytest.approx(0.5)


def test_bad_points_to_evaluate_name_the_problem() -> None:
    space = {"layers": randint(1, 5)}
    with pytest.raises(ValueError, match=r"points_to_evaluate\[0\].*layers"):
        RandomSearcher(space, points_to_evaluate=[{"layers": 9}])
    with pytest.raises(TypeError, match="list of configurations"):
        RandomSearcher(space, points_to_evaluate={"layers": 2})  # type: ignore[arg-type]


def test_small_finite_space_enumerates_every_config_once() -> None:
    space = {"a": randint(0, 2), "b": choice(["x", "y"])}
    searcher = RandomSearcher(space, points_to_evaluate=[{"a": 0, "b": "x"}], seed=4)
    configs = [searcher.suggest(i) for i in range(6)]
    assert len({config_key(c) for c in configs if c is not None}) == 6
    assert searcher.suggest(6) is None


def test_constants_are_passed_through() -> None:
    searcher = RandomSearcher({"x": uniform(0, 1), "epochs": 10}, seed=0)
    config = searcher.suggest(0)
    assert config is not None and config["epochs"] == 10


class TestRestrictedRandomSearcherContract(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> RandomSearcher:
        pool = [sample_config(config_space, np.random.default_rng(i)) for i in range(40)]
        return RandomSearcher(config_space, restrict_to=pool, seed=seed)


def test_restricted_search_draws_each_listed_config_once() -> None:
    space = {"x": uniform(0.0, 1.0), "k": choice(["a", "b"])}
    pool = [{"x": i / 10, "k": "a" if i % 2 else "b"} for i in range(10)]
    searcher = RandomSearcher(space, restrict_to=pool, points_to_evaluate=[pool[3]], seed=0)
    configs = [searcher.suggest(i) for i in range(10)]
    assert configs[0] == pool[3]
    assert sorted(cast(list[Config], configs), key=lambda c: c["x"]) == pool
    assert searcher.suggest(10) is None
    state = searcher.state_dict()
    assert set(state) == {"rng", "seen", "pending_initial", "order_seed", "position"}


def test_restored_searcher_continues_identically_in_a_nearly_exhausted_space() -> None:
    import pickle

    space = {"a": choice(list(range(1000))), "b": choice(["x", "y"])}
    original = RandomSearcher(space, seed=0)
    suggested: list[Config | None] = []
    # suggest until rejection sampling gives up and the enumeration of what is left
    # takes over (the private attribute tells when)
    while original._unused is None:
        suggested.append(original.suggest(len(suggested)))
    restored = RandomSearcher(space, seed=1)
    restored.load_state_dict(pickle.loads(pickle.dumps(original.state_dict())))
    n, left = len(suggested), 2000 - len(suggested)
    rest = [original.suggest(n + i) for i in range(left + 1)]
    assert [restored.suggest(n + i) for i in range(left + 1)] == rest
    assert rest[-1] is None  # exhausted, without a duplicate
    assert len({config_key(c) for c in cast(list[Config], suggested + rest[:-1])}) == 2000


def test_draws_are_those_of_sample_config_with_the_same_generator() -> None:
    space = {
        "lr": loguniform(1e-4, 1e-0),
        "layers": randint(1, 5),
        "act": choice(["a", "b"]),
        "tags": ["x"],
        "epochs": 9,
    }
    searcher = RandomSearcher(space, seed=3)
    rng = np.random.default_rng()
    rng.bit_generator.state = searcher.state_dict()["rng"]  # where the searcher's draws start
    for trial_id in range(50):
        config = searcher.suggest(trial_id)
        assert config == sample_config(space, rng)
        assert config is not None and config["tags"] is not space["tags"]  # a copy
