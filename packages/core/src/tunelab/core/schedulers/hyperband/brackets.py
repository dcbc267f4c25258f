"""The bracket distribution of asynchronous Hyperband."""

from __future__ import annotations

import math

import numpy as np


def bracket_sizes(num_rungs: int, reduction_factor: float, brackets: int) -> list[int]:
    """Initial number of trials of each bracket in one round of synchronous Hyperband.

    With `J = num_rungs` rung levels below the maximum resource and `eta =
    reduction_factor`, bracket `b` (grace period `r_b`, `J - b` halvings) starts

        n_b = ceil((J + 1) / (J + 1 - b) * eta ** (J - b))

    trials, the size Hyperband gives it so that every bracket uses about the same
    budget (Li et al., 2018, Algorithm 1 with `s = J - b`). Example (J = 5, eta =
    3): 243, 98, 41, 18, 9, 6.

    Args:
        num_rungs: Number of rung levels below the maximum resource (J >= 0).
        reduction_factor: eta >= 2.
        brackets: Number of brackets used, 1 <= brackets <= J + 1.
    """
    if not 1 <= brackets <= num_rungs + 1:
        raise ValueError(
            f"brackets={brackets} must lie between 1 and num_rungs + 1 = {num_rungs + 1}"
        )
    total = num_rungs + 1
    return [
        math.ceil(total / (total - b) * reduction_factor ** (num_rungs - b) - 1e-9)
        for b in range(brackets)
    ]


def bracket_probabilities(num_rungs: int, reduction_factor: float, brackets: int) -> np.ndarray:
    """Distribution over brackets of asynchronous Hyperband, shape (brackets,).

    The probability of bracket `b` is proportional to its size `n_b` in synchronous
    Hyperband (`bracket_sizes`), renormalized over the brackets in use: asynchronous
    Hyperband then starts, on average, the same mix of grace periods as one round
    of synchronous Hyperband would (the default distribution of the Syne Tune
    documentation, "Asynchronous Hyperband": 243/415, 98/415, 41/415, 18/415,
    9/415, 6/415 for rung levels 1, 3, 9, 27, 81 and maximum 200).
    """
    sizes = np.asarray(bracket_sizes(num_rungs, reduction_factor, brackets), dtype=float)
    probabilities: np.ndarray = sizes / sizes.sum()
    return probabilities
