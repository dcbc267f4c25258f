from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np

from tunelab.core.searchers._encoded import EncodedLayout
from tunelab.core.space import SpaceEncoder, choice, randint, uniform
from tunelab.gp.optimize import OptimizerSettings, rank_candidates


def test_refinement_finds_the_minimum_and_keeps_categories_one_hot() -> None:
    space = {"a": uniform(0, 1), "b": uniform(0, 1), "c": choice(["x", "y"]), "n": randint(1, 5)}
    encoder = SpaceEncoder(space)
    layout = EncodedLayout(space, encoder)
    target = np.array([0.3, 0.7])

    def score(x: Any) -> Any:
        return anp.sum((x[:, :2] - target) ** 2, axis=1) + x[:, 2]  # category "y" wins

    settings = OptimizerSettings(num_candidates=200, num_refine=3, max_iterations=50)
    ranked = rank_candidates(score, layout, np.random.default_rng(0), settings=settings)
    assert ranked.shape == (200, encoder.dim)
    np.testing.assert_allclose(ranked[0, :2], target, atol=1e-3)
    assert encoder.decode(ranked[0])["c"] == "y"
    assert np.all(ranked[:, 2:4].sum(axis=1) == 1)
    codes = ranked[:, 4]
    assert set(np.round(codes, 9)) <= {
        np.round(encoder.encode({**space, "a": 0, "b": 0, "c": "x", "n": n})[4], 9)
        for n in range(1, 6)
    }
    values = np.asarray(score(ranked))
    assert values[0] == values.min()
