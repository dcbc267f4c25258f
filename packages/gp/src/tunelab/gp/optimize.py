"""Acquisition maximisation over the encoded space (the unit cube, one-hot categoricals).

Many random candidates are scored in one vectorised pass; the best few are refined by
L-BFGS-B on their numeric columns (categorical one-hot columns stay fixed, so each
refined point keeps its categories), then snapped to valid codes. The result is a
ranking of candidate vectors, best first; the searcher takes the first one that
decodes to a configuration not used before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import value_and_grad
from autograd.extend import defvjp, primitive
from scipy.optimize import minimize

from tunelab.core.searchers._encoded import EncodedLayout

Score = Callable[[Any], Any]


@dataclass(frozen=True)
class OptimizerSettings:
    """How hard the acquisition function is optimised.

    Args:
        num_candidates: Random candidates scored per suggestion.
        num_refine: Best candidates refined by L-BFGS-B.
        max_iterations: L-BFGS-B iterations of the refinement.
        local_fraction: Share of the candidates drawn near the `anchors` (the best
            observed points) instead of uniformly.
        local_spread: Standard deviation of those local draws (unit-cube scale).
        max_members: With a finite candidate set (`restrict_to`), the most unused
            members scored per suggestion; a larger set is subsampled at random.
        chunk_size: Members scored per vectorised call (bounds the memory of the
            cross-covariances).
    """

    num_candidates: int = 2000
    num_refine: int = 5
    max_iterations: int = 20
    local_fraction: float = 0.25
    local_spread: float = 0.05
    max_members: int = 20_000
    chunk_size: int = 4096


def rank_candidates(
    score: Score,
    layout: EncodedLayout,
    rng: np.random.Generator,
    *,
    settings: OptimizerSettings | None = None,
    anchors: np.ndarray | None = None,
) -> np.ndarray:
    """Candidates of shape `(n, dim)`, best (lowest `score`) first.

    Args:
        score: Maps candidates of shape `(m, dim)` to scores of shape `(m,)`, lower is
            better; autograd-differentiable in its input.
        layout: Column roles of the encoding.
        rng: Source of the random candidates.
        settings: Effort settings.
        anchors: Points of shape `(k, dim)` around which some candidates are drawn.
    """
    settings = settings or OptimizerSettings()
    candidates = _draw(layout, rng, settings, anchors)
    values = np.asarray(score(candidates))
    order = np.argsort(values, kind="stable")
    candidates, values = candidates[order], values[order]
    top = min(settings.num_refine, len(candidates))
    if top and len(layout.numeric) and settings.max_iterations > 0:
        refined = _refine(score, layout, candidates[:top], settings.max_iterations)
        refined_values = np.asarray(score(refined))
        better = refined_values < values[:top]
        candidates[:top][better] = refined[better]
        values[:top][better] = refined_values[better]
        head = np.argsort(values[:top], kind="stable")
        candidates[:top] = candidates[:top][head]
    return candidates


def rank_members(
    score: Score,
    vectors: np.ndarray,
    members: np.ndarray,
    rng: np.random.Generator,
    *,
    settings: OptimizerSettings | None = None,
) -> np.ndarray:
    """The encoded members of a finite candidate set, best (lowest `score`) first.

    Every member listed in `members` is scored (a random subset of
    `settings.max_members` when there are more), so the acquisition function is
    maximised exactly over the set instead of over the encoded space.

    Args:
        score: As for `rank_candidates`.
        vectors: Encoded candidate set, shape `(n, dim)`.
        members: Indices into `vectors` of the members that may be chosen.
        rng: Draws the subset of a large set.
        settings: Effort settings (`max_members`, `chunk_size`).

    Returns:
        Array of shape `(m, dim)`, m <= len(members).
    """
    settings = settings or OptimizerSettings()
    if len(members) > settings.max_members:
        members = np.sort(rng.choice(members, size=settings.max_members, replace=False))
    candidates: np.ndarray = vectors[members]
    if not len(candidates):
        return candidates
    values = np.concatenate(
        [
            np.asarray(score(candidates[start : start + settings.chunk_size]), dtype=float)
            for start in range(0, len(candidates), settings.chunk_size)
        ]
    )
    ranked: np.ndarray = candidates[np.argsort(values, kind="stable")]
    return ranked


def _draw(
    layout: EncodedLayout,
    rng: np.random.Generator,
    settings: OptimizerSettings,
    anchors: np.ndarray | None,
) -> np.ndarray:
    n_local = 0
    if anchors is not None and len(anchors):
        n_local = int(settings.local_fraction * settings.num_candidates)
    uniform = layout.uniform(rng, settings.num_candidates - n_local)
    if n_local == 0 or anchors is None:
        return uniform
    local = anchors[rng.integers(len(anchors), size=n_local)].copy()
    if len(layout.numeric):
        noise = settings.local_spread * rng.standard_normal((n_local, len(layout.numeric)))
        local[:, layout.numeric] = np.clip(local[:, layout.numeric] + noise, 0.0, 1.0)
    return np.vstack([uniform, layout.snap(local)])


# autograd ships no type information; traced, a primitive takes and returns Boxes, so
# the decorated function is left untyped (`Any`) rather than given a false signature.
@primitive  # type: ignore[untyped-decorator]
def place_columns(flat: Any, fixed: np.ndarray, columns: np.ndarray) -> Any:
    """`fixed` (shape `(m, d)`) with its `columns` (distinct indices, shape `(c,)`)
    replaced by `flat` (shape `(m * c,)`, row by row).

    An autograd primitive, differentiable in `flat`: the cotangent's entries in
    `columns` plus 0.0 (which turns -0.0 into 0.0, as autograd's own gradient of the
    column-by-column assembly this replaces does), without a traced operation per
    column.
    """
    placed = np.array(fixed, dtype=float)
    placed[:, columns] = np.reshape(flat, (len(fixed), len(columns)))
    return placed


defvjp(
    place_columns,
    lambda ans, flat, fixed, columns: lambda g: (g[:, columns] + 0.0).reshape(np.shape(flat)),
)


def _refine(
    score: Score, layout: EncodedLayout, start: np.ndarray, max_iterations: int
) -> np.ndarray:
    """L-BFGS-B on the numeric columns of the `start` points jointly (their scores are
    independent, so the sum is separable), then snapped to valid codes."""
    columns = np.asarray(layout.numeric, dtype=np.intp)
    fixed = start.copy()
    objective = value_and_grad(lambda flat: anp.sum(score(place_columns(flat, fixed, columns))))

    def value_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = objective(flat)
        return float(value), np.asarray(grad, dtype=float)

    result = minimize(
        value_and_gradient,
        start[:, columns].ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (len(start) * len(columns)),
        options={"maxiter": max_iterations},
    )
    refined = fixed.copy()
    refined[:, columns] = np.clip(result.x.reshape(len(start), len(columns)), 0.0, 1.0)
    return layout.snap(refined)
