"""Expected hypervolume improvement (EHVI) in closed form, by a box decomposition.

The region a new point would add to the hypervolume of a front (minimisation, below a
reference point `r`) is the part of the box below `r` that no front point dominates.
It is cut into cells: a grid over the first `m - 1` objectives, whose edges are the
front's coordinates, and in each grid cell a column `(-inf, u)` in the last objective,
`u` the lowest last cost of the front points below the cell's lower corner (or `r`).
Each cell `[l, u]` gains the volume `prod_d max(0, u_d - max(y_d, l_d))` from a new
point `y`; with independent Gaussian objectives its expectation is a product of
`E[(u_d - y_d)^+] - E[(l_d - y_d)^+]`, each a closed-form expected improvement. The sum
over cells is exact: no Monte Carlo, and differentiable with autograd.

With `k` front points there are `(k + 1)^(m - 1)` cells: `k + 1` strips for two
objectives (the classic exact 2-D EHVI), `(k + 1)^2` columns for three. The last
objective's bounds take at most `k + 1` distinct values, so its expected improvements
are computed once per value and gathered.

Reference: M. Emmerich, K. Giannakoglou, B. Naujoks. Single- and Multiobjective
Evolutionary Optimization Assisted by Gaussian Random Field Metamodels. IEEE TEC, 2006;
K. Yang, M. Emmerich, A. Deutz, T. Baeck. Efficient computation of expected
hypervolume improvement using box decomposition algorithms. J. Global Opt., 2019.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np

from tunelab.gp.acquisition import expected_improvement

MAX_OBJECTIVES = 3
"""Beyond three objectives the `(k + 1)^(m - 1)` cells grow too many."""

# Smallest standard deviation of an objective (a noise-free posterior at an observed
# point would divide by zero in the expected improvements).
_MIN_STD = 1e-9


@dataclass(frozen=True)
class ImprovementCells:
    """The box decomposition of the region that improves a front's hypervolume.

    Build it with `ImprovementCells.of`. Attributes, for the `m - 1` grid objectives
    `d`: `lower[d]` and `upper[d]`, shape `(K_d,)`, the cells' edges in objective `d`
    (`lower[d][0]` is `-inf`); `levels`, shape `(L,)`, the distinct upper bounds of the
    last objective; `index`, shape `(K_1, ..., K_{m-1})`, the level of each column.
    """

    lower: tuple[np.ndarray, ...]
    upper: tuple[np.ndarray, ...]
    levels: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, front: np.ndarray, reference: np.ndarray) -> ImprovementCells:
        """The cells of `front` (costs, shape `(k, m)`, any points: dominated ones and
        those not strictly below `reference` (shape `(m,)`) add nothing)."""
        reference = np.asarray(reference, dtype=float)
        m = len(reference)
        if not 1 <= m <= MAX_OBJECTIVES or not np.isfinite(reference).all():
            raise ValueError(
                f"ImprovementCells: the reference point must be 1 to {MAX_OBJECTIVES} finite "
                f"numbers, got {reference.tolist()}"
            )
        front = np.asarray(front, dtype=float).reshape(-1, m)
        front = front[(front < reference).all(axis=1)]
        lower, upper = [], []
        for d in range(m - 1):
            edges = np.unique(front[:, d])
            lower.append(np.concatenate([[-np.inf], edges]))
            upper.append(np.concatenate([edges, [reference[d]]]))
        shape = tuple(len(edges) for edges in lower)
        # below[p, cell]: front point p is at or below the cell's lower corner in every
        # grid objective, so it dominates the cell's points at or above its last cost
        below = np.ones((len(front), *shape), dtype=bool)
        for d in range(m - 1):
            axes = [1] * (m - 1)
            axes[d] = shape[d]
            below &= front[:, d].reshape(-1, *[1] * (m - 1)) <= lower[d].reshape(1, *axes)
        last = front[:, m - 1].reshape(-1, *[1] * (m - 1))
        bounds = np.min(np.where(below, last, np.inf), axis=0, initial=reference[m - 1])
        levels, index = np.unique(bounds, return_inverse=True)
        return cls(tuple(lower), tuple(upper), levels, index.reshape(shape))

    @property
    def num_cells(self) -> int:
        """The number of cells (columns of the grid)."""
        return int(self.index.size)

    def expected_improvement(self, mean: Any, std: Any) -> Any:
        """EHVI of independent Gaussian objectives with `mean` and `std`, shape `(n, m)`
        each; shape `(n,)`. Written with `autograd.numpy` (differentiable)."""
        std = anp.maximum(std, _MIN_STD)
        m = len(self.lower) + 1
        n = mean.shape[0]
        factors = []
        for d in range(m - 1):
            mu, sigma = mean[:, d : d + 1], std[:, d : d + 1]
            above = expected_improvement(mu, sigma, self.upper[d][None, :])
            below = expected_improvement(mu, sigma, self.lower[d][None, 1:])
            factors.append(above - anp.concatenate([anp.zeros((n, 1)), below], axis=1))
        last = expected_improvement(mean[:, m - 1 :], std[:, m - 1 :], self.levels[None, :])
        columns = last[:, self.index]  # (n, K_1, ..., K_{m-1})
        if m == 1:
            return columns
        if m == 2:
            return anp.sum(factors[0] * columns, axis=1)
        return anp.einsum("ni,nj,nij->n", factors[0], factors[1], columns)
