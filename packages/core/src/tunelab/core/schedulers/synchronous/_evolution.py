"""Differential evolution on the unit cube: rand/1 mutation, binomial crossover, and
the subpopulations DEHB keeps per rung level (Storn & Price, 1997; Awad et al., 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np

PARENTS = 3
"""Vectors that rand/1 mutation combines."""


def mutate_rand1(pool: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """`a + factor * (b - c)` for three distinct rows of `pool`, shape `(n, dim)`, n >= 3.

    Entries that leave `[0, 1]` are redrawn uniformly (as in the DEHB authors' code),
    so the mutant stays in the cube without piling up on its faces.

    Returns:
        Array of shape `(dim,)`.
    """
    first, second, third = _three_distinct(len(pool), rng)
    mutant: np.ndarray = pool[first] + factor * (pool[second] - pool[third])
    outside = (mutant < 0.0) | (mutant > 1.0)
    mutant[outside] = rng.random(int(outside.sum()))
    return mutant


def _three_distinct(n: int, rng: np.random.Generator) -> tuple[int, int, int]:
    """Three distinct indices below `n`, uniformly, from one draw of three uniforms."""
    u = rng.random(PARENTS)
    first = int(u[0] * n)
    second = int(u[1] * (n - 1))
    second += second >= first
    third = int(u[2] * (n - 2))
    for taken in sorted((first, second)):
        third += third >= taken
    return first, second, third


def crossover_binomial(
    mutant: np.ndarray, target: np.ndarray, probability: float, rng: np.random.Generator
) -> np.ndarray:
    """Each entry from `mutant` with `probability`, else from `target`; at least one
    entry (at a random position) always comes from `mutant`. Shapes `(dim,)`."""
    dim = len(mutant)
    if dim == 0:
        empty: np.ndarray = mutant.copy()
        return empty
    take = rng.random(dim) < probability
    take[rng.integers(dim)] = True
    return np.where(take, mutant, target)


def pad_pool(pool: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`pool` with uniform random rows appended until it has `PARENTS` rows."""
    missing = PARENTS - len(pool)
    if missing <= 0:
        return pool
    return np.concatenate([pool, rng.random((missing, pool.shape[1]))])


class Subpopulation:
    """The DEHB population of one rung level: one member per slot of that level's rung.

    Slot `i` holds the best of the configurations evaluated in slot `i` of this level
    in any bracket so far (DE selection), as the encoded vector, its loss (NaN after a
    failure) and the trial that evaluated it (-1: the slot never had a member).

    Args:
        size: Number of slots (members).
        dim: Length of the encoded vectors.
    """

    def __init__(self, size: int, dim: int) -> None:
        self.vectors = np.zeros((size, dim))
        self.losses = np.full(size, np.nan)
        self.owners = np.full(size, -1, dtype=np.int64)

    def has_member(self, slot: int) -> bool:
        return bool(self.owners[slot] >= 0)

    def set(self, slot: int, vector: np.ndarray, loss: float, trial_id: int) -> None:
        self.vectors[slot] = vector
        self.losses[slot] = loss
        self.owners[slot] = trial_id

    def wins_against(self, slot: int, loss: float) -> bool:
        """True if the member of `slot` beats a challenger with `loss` (NaN: failed).

        The challenger wins ties, as in DE's selection `f(u) <= f(x)`.
        """
        if not self.has_member(slot):
            return False
        own = self.losses[slot]
        if np.isnan(loss):
            return not np.isnan(own)
        return bool(own < loss)

    def evaluated(self) -> np.ndarray:
        """Vectors of the members with a finite loss, shape `(n, dim)`."""
        finite: np.ndarray = self.vectors[np.isfinite(self.losses)]
        return finite

    def to_dict(self) -> dict[str, Any]:
        return {
            "vectors": self.vectors.copy(),
            "losses": self.losses.copy(),
            "owners": self.owners.copy(),
        }

    def load(self, data: dict[str, Any]) -> None:
        self.vectors = np.array(data["vectors"], dtype=float)
        self.losses = np.array(data["losses"], dtype=float)
        self.owners = np.array(data["owners"], dtype=np.int64)
