"""Restriction to a candidate set (`restrict_to`) for every searcher of tunelab-core."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tunelab.core.searchers import (
    BORESearcher,
    CQRSearcher,
    GridSearcher,
    KDESearcher,
    RandomSearcher,
    RegularizedEvolutionSearcher,
)
from tunelab.core.space import CandidatePool, CandidateSet, choice, loguniform, randint
from tunelab.core.testing import restricted_searcher_contracts

FACTORIES = {
    "random": lambda space, seed, rows: RandomSearcher(space, restrict_to=rows, seed=seed),
    "grid": lambda space, seed, rows: GridSearcher(space, restrict_to=rows, seed=seed),
    "kde": lambda space, seed, rows: KDESearcher(
        space, num_min_data_points=2, restrict_to=rows, seed=seed
    ),
    "bore": lambda space, seed, rows: BORESearcher(
        space, num_init_random=3, restrict_to=rows, seed=seed
    ),
    "cqr": lambda space, seed, rows: CQRSearcher(
        space, num_init_random=3, restrict_to=rows, seed=seed
    ),
    "rea": lambda space, seed, rows: RegularizedEvolutionSearcher(
        space, population_size=3, sample_size=2, restrict_to=rows, seed=seed
    ),
}


globals().update(restricted_searcher_contracts(FACTORIES))


SPACE = {"lr": loguniform(1e-4, 1e-1), "layers": randint(1, 8), "act": choice(["a", "b"])}


def table(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [
        {"lr": float(10 ** rng.uniform(-4, -1)), "layers": int(rng.integers(1, 9)), "act": a}
        for a in rng.choice(["a", "b"], size=n)
    ]


def test_model_based_searchers_rank_members_by_their_model() -> None:
    """Once KDE has a model, its suggestions concentrate near the good members."""
    rows = table(300)
    searcher = KDESearcher(
        SPACE, num_min_data_points=3, random_fraction=0.0, restrict_to=rows, seed=1
    )
    searcher.configure(metric="loss", mode="min")

    def loss(config: dict[str, Any]) -> float:
        value: float = abs(np.log10(config["lr"]) + 2.5) + (config["act"] == "b")
        return value

    for trial_id in range(60):
        config = searcher.suggest(trial_id)
        assert config is not None
        searcher.observe(trial_id, config, {"loss": loss(config)})
    later = [loss(searcher.suggest(100 + i) or {}) for i in range(20)]
    assert np.median(later) < np.median([loss(r) for r in rows])


def test_rea_maps_mutations_to_the_nearest_unused_member() -> None:
    rows = table(50)
    searcher = RegularizedEvolutionSearcher(
        SPACE, population_size=5, sample_size=2, restrict_to=rows, seed=0
    )
    searcher.configure(metric="loss", mode="min")
    members = CandidateSet(SPACE, rows)
    seen = set()
    for trial_id in range(50):
        config = searcher.suggest(trial_id)
        assert config is not None
        index = members.index_of(config)
        assert index is not None and index not in seen
        seen.add(index)
        searcher.observe(trial_id, config, {"loss": config["lr"]})
    assert searcher.suggest(50) is None


def test_points_to_evaluate_are_mapped_to_members() -> None:
    rows = table(20)
    searcher = KDESearcher(SPACE, points_to_evaluate=[{}], restrict_to=rows, seed=0)
    first = searcher.suggest(0)
    assert first is not None and CandidateSet(SPACE, rows).index_of(first) is not None


def test_a_member_outside_the_space_is_refused_by_position() -> None:
    rows = [*table(3), {"lr": 5.0, "layers": 2, "act": "a"}]
    with pytest.raises(ValueError, match=r"restrict_to\[3\]"):
        KDESearcher(SPACE, restrict_to=rows)


def test_an_empty_set_is_refused() -> None:
    with pytest.raises(ValueError, match="restrict_to is empty"):
        BORESearcher(SPACE, restrict_to=[])


def test_nearest_ties_go_to_the_member_listed_first() -> None:
    space = {"c": choice(["a", "b", "c"])}  # one-hot: "b" and "c" are equally far from "a"
    members = CandidateSet(space, [{"c": "c"}, {"c": "b"}, {"c": "a"}])
    vector = members.encoder.encode({"c": "a"})
    assert members.nearest(vector[None, :], np.array([True, True, False]))[0] == 0
    assert members.nearest(vector[None, :], np.array([False, True, False]))[0] == 1


def test_nearest_with_the_tree_agrees_with_a_scan() -> None:
    space = {"a": loguniform(1e-3, 1.0), "b": randint(0, 100)}
    rng = np.random.default_rng(3)
    rows = [
        {"a": float(10 ** rng.uniform(-3, 0)), "b": int(rng.integers(101))} for _ in range(9000)
    ]
    pool = CandidatePool(CandidateSet(space, rows))
    queries = rng.uniform(size=(50, 2))
    found = pool.nearest_unused(queries)  # 9,000 available: the k-d tree path
    vectors = pool.candidates.vectors
    expected = [int(np.argmin(np.square(vectors - q).sum(axis=1))) for q in queries]
    assert found.tolist() == expected
    pool.used[: len(rows) - 100] = True
    pool.num_used = len(rows) - 100
    found = pool.nearest_unused(queries)  # 100 available: the scan
    assert all(index >= len(rows) - 100 for index in found)
