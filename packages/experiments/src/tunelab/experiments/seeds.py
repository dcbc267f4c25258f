"""Paired seeds: every method of a comparison sees the same randomness per repetition."""

from __future__ import annotations

import numpy as np

_SCHEDULER_STREAM = 0
_BENCHMARK_STREAM = 1


def _derive(master_seed: int, seed: int, stream: int) -> int:
    state = np.random.SeedSequence([int(master_seed), int(seed), stream]).generate_state(1)
    return int(state[0])


def scheduler_seed(master_seed: int, seed: int) -> int:
    """The scheduler's random seed for repetition `seed`, the same for every method."""
    return _derive(master_seed, seed, _SCHEDULER_STREAM)


def benchmark_seed(master_seed: int, seed: int) -> int:
    """The simulator's seed (which blackbox seed each trial reads) for repetition `seed`."""
    return _derive(master_seed, seed, _BENCHMARK_STREAM)
