from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad

from tunelab.core.searchers._encoded import EncodedLayout
from tunelab.core.space import SpaceEncoder, choice, randint, uniform
from tunelab.gp.optimize import OptimizerSettings, place_columns, rank_candidates


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


def test_place_columns_has_autograd_gradient_of_the_column_assembly() -> None:
    """`place_columns` replaces assembling the refined points column by column: the
    same points and, to the bit (signs of zero included), the same gradient."""
    rng = np.random.default_rng(0)
    fixed = rng.uniform(size=(5, 6))
    columns = np.array([0, 2, 3, 5])
    flat = rng.uniform(size=5 * len(columns))
    weights = rng.normal(size=6)
    weights[2] = 0.0  # a column without gradient: a cotangent of -0.0

    def score(x: Any) -> Any:
        return anp.sum(-anp.sin(x * weights) + 0.1 * (x - 0.3) ** 2)

    index = {int(c): i for i, c in enumerate(columns)}

    def by_columns(f: Any) -> Any:
        numeric = anp.reshape(f, (len(fixed), len(columns)))
        pieces = [
            numeric[:, index[c]] if c in index else fixed[:, c] for c in range(fixed.shape[1])
        ]
        return anp.stack(pieces, axis=1)

    placed = place_columns(flat, fixed, columns)
    np.testing.assert_array_equal(placed, by_columns(flat))
    np.testing.assert_array_equal(placed[:, [1, 4]], fixed[:, [1, 4]])
    ours = grad(lambda f: score(place_columns(f, fixed, columns)))(flat)
    reference = grad(lambda f: score(by_columns(f)))(flat)
    np.testing.assert_array_equal(ours, reference)
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(reference))
