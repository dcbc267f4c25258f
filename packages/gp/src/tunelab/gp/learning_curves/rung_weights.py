"""How reliably each rung level predicts the ordering at the highest supported one.

The pieces of Hyper-Tune (Li et al., 2022) that turn model samples into a
distribution `theta` over rung levels, and `theta` into a bracket distribution,
as pure functions on arrays. The searcher is `HyperTuneSearcher`.

Reference: Y. Li, Y. Shen, H. Jiang, W. Zhang, J. Li, J. Liu, C. Zhang, B. Cui.
Hyper-Tune: Towards Efficient Hyper-parameter Tuning at Scale. VLDB 2022.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

from tunelab.gp.model import ConditionedGP, stable_cholesky


def pairwise_ranking_loss(samples: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Number of pairs `i < j` ordered differently by each sample and by `targets`.

    Args:
        samples: Shape `(S, n)`, predictions of `S` samples at `n` configurations.
        targets: Shape `(n,)`, the observed values (lower is better).

    Returns:
        Shape `(S,)`.
    """
    upper = np.triu(np.ones((len(targets), len(targets)), dtype=bool), k=1)
    by_sample = samples[:, :, None] < samples[:, None, :]
    by_target = targets[:, None] < targets[None, :]
    discordant: np.ndarray = np.sum((by_sample != by_target) & upper, axis=(1, 2))
    return discordant


def rung_weights(losses: np.ndarray) -> np.ndarray:
    """`theta`: for each level, the share of samples in which its loss is minimal.

    Args:
        losses: Shape `(L, S)`, ranking loss of level `l` in sample `s`. Levels tied
            for the minimum of a sample all count it.

    Returns:
        Shape `(L,)`, non-negative, summing to 1.
    """
    wins = (losses == losses.min(axis=0, keepdims=True)).sum(axis=1).astype(float)
    weights: np.ndarray = wins / wins.sum()
    return weights


def adapted_bracket_distribution(
    levels: np.ndarray, default: np.ndarray, weights: np.ndarray, r_star: float
) -> np.ndarray:
    """`P(r) = M theta_r / r` (renormalised) for the bracket levels `r <= r_0 =
    min(r_star, max(levels))`, `M` their default mass; `P_0(r)` above `r_0`.

    Args:
        levels: Shape `(B,)`, first rung level of each bracket.
        default: Shape `(B,)`, the fixed distribution `P_0`.
        weights: Shape `(B,)`, `theta` at each bracket level (0 where unsupported).
        r_star: The highest rung level supported by enough data.

    Returns:
        Shape `(B,)`; `default` when no level up to `r_0` has weight.
    """
    levels, default = np.asarray(levels, dtype=float), np.asarray(default, dtype=float)
    supported = levels <= min(r_star, float(levels.max()))
    raw = np.where(supported, np.asarray(weights, dtype=float) / levels, 0.0)
    if not raw.sum() > 0:
        return default
    adapted: np.ndarray = default.copy()
    adapted[supported] = default[supported].sum() * raw[supported] / raw.sum()
    return adapted


def joint_samples(
    gp: ConditionedGP, x: np.ndarray, num_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Samples of the latent function at `x` (shape `(n, d)`) from the joint posterior,
    shape `(num_samples, n)`."""
    mean_p, kernel_p, _ = gp.model.split(gp.theta)
    cross = gp.model.kernel(kernel_p, gp.x, x)
    v = solve_triangular(gp.chol, cross, lower=True)
    mean = gp.model.mean(mean_p, x) + gp.weights @ cross
    cov = gp.model.kernel(kernel_p, x, x) - v.T @ v
    factor = stable_cholesky(0.5 * (cov + cov.T) + 1e-9 * np.eye(len(x)))
    samples: np.ndarray = mean[None, :] + rng.standard_normal((num_samples, len(x))) @ factor.T
    return samples


def leave_one_out_samples(
    gp: ConditionedGP, rows: np.ndarray, num_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Samples of each training target `rows` (shape `(n,)`) from its leave-one-out
    predictive distribution (closed form for an exact GP: mean `y_i - [K^-1 r]_i /
    [K^-1]_ii`, variance `1 / [K^-1]_ii`), shape `(num_samples, n)`. This stands in
    for the model's prediction at the level it was fit to."""
    unit = np.zeros((len(gp.y), len(rows)))
    unit[rows, np.arange(len(rows))] = 1.0
    precision = np.sum(solve_triangular(gp.chol, unit, lower=True) ** 2, axis=0)
    mean = gp.y[rows] - gp.weights[rows] / precision
    std = 1.0 / np.sqrt(precision)
    samples: np.ndarray = mean[None, :] + std[None, :] * rng.standard_normal(
        (num_samples, len(rows))
    )
    return samples
