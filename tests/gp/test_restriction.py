"""Restriction to a candidate set (`restrict_to`) for the GP searchers."""

from __future__ import annotations

import numpy as np

from tunelab.core.space import CandidateSet, uniform
from tunelab.core.testing import restricted_searcher_contracts
from tunelab.gp.learning_curves.dyhpo import DyHPOSearcher
from tunelab.gp.learning_curves.hyper_tune import HyperTuneSearcher
from tunelab.gp.learning_curves.searcher import MOBSTERSearcher
from tunelab.gp.optimize import OptimizerSettings, rank_members
from tunelab.gp.searchers import GPSearcher

FACTORIES = {
    "gp": lambda space, seed, rows: GPSearcher(
        space, num_init_random=3, restrict_to=rows, seed=seed
    ),
    "mobster": lambda space, seed, rows: MOBSTERSearcher(
        space, num_init_random=3, restrict_to=rows, seed=seed
    ),
    "hyper_tune": lambda space, seed, rows: HyperTuneSearcher(
        space, num_init_random=3, restrict_to=rows, seed=seed
    ),
    "dyhpo": lambda space, seed, rows: DyHPOSearcher(
        space, num_init_random=3, restrict_to=rows, seed=seed
    ),
}


globals().update(restricted_searcher_contracts(FACTORIES))


def test_bo_maximises_the_acquisition_over_the_members() -> None:
    """On a 1-d quadratic, BO restricted to a grid finds the grid's best point quickly."""
    space = {"x": uniform(0.0, 1.0)}
    rows = [{"x": float(x)} for x in np.linspace(0.0, 1.0, 101)]
    searcher = GPSearcher(space, num_init_random=3, restrict_to=rows, seed=0)
    searcher.configure(metric="y", mode="min")
    best = []
    for trial_id in range(15):
        config = searcher.suggest(trial_id)
        assert config is not None and CandidateSet(space, rows).index_of(config) is not None
        best.append((config["x"] - 0.37) ** 2)
        searcher.observe(trial_id, config, {"y": best[-1]})
    assert min(best) <= (0.37 - 0.37) ** 2 + 1e-12


def test_rank_members_scores_every_member_in_chunks() -> None:
    vectors = np.linspace(0.0, 1.0, 50)[:, None]
    calls = []

    def score(x: np.ndarray) -> np.ndarray:
        calls.append(len(x))
        return np.abs(x[:, 0] - 0.5)

    ranked = rank_members(
        score,
        vectors,
        np.arange(50),
        np.random.default_rng(0),
        settings=OptimizerSettings(chunk_size=16),
    )
    assert calls == [16, 16, 16, 2]
    assert abs(ranked[0, 0] - 0.5) == np.min(np.abs(vectors[:, 0] - 0.5))


def test_rank_members_subsamples_a_large_set() -> None:
    vectors = np.random.default_rng(1).uniform(size=(500, 2))
    ranked = rank_members(
        lambda x: x[:, 0],
        vectors,
        np.arange(500),
        np.random.default_rng(0),
        settings=OptimizerSettings(max_members=40),
    )
    assert ranked.shape == (40, 2)
