"""Time of the stratified-bootstrap aggregates of `tunelab.plotting.stats`, on one core.

Usage: python benchmarks/bootstrap_speed.py

The size is that of a large comparison: 20 methods, each with 30 benchmarks x 30 seeds
and curves on 200 grid points, so one `iqm()` call per method on (30, 30, 200) random
scores with the default 1000 resamples (target: all 20 calls in under 60 s). Also
timed: `mean()` on the same curves, and both on final scores (30, 30). BLAS and OpenMP
are limited to one thread before numpy is imported, so the figures are single-core.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from tunelab.plotting.stats import Estimate, iqm, mean  # noqa: E402

N_METHODS, N_SEEDS, N_BENCHMARKS, N_GRID = 20, 30, 30, 200


def time_calls(statistic: Callable[..., Estimate], shape: tuple[int, ...]) -> float:
    """Seconds for one call per method of `statistic` on random scores of `shape`."""
    data_rng = np.random.default_rng(0)
    methods = [data_rng.random(shape) for _ in range(N_METHODS)]
    start = time.perf_counter()
    for i, scores in enumerate(methods):
        statistic(scores, rng=np.random.default_rng(i))
    return time.perf_counter() - start


def main() -> None:
    curves = (N_SEEDS, N_BENCHMARKS, N_GRID)
    final = (N_SEEDS, N_BENCHMARKS)
    print(
        f"stratified bootstrap, 1000 resamples, {N_METHODS} methods x {N_BENCHMARKS} benchmarks"
        f" x {N_SEEDS} seeds, single-threaded"
    )
    for name, statistic, shape in (
        ("iqm, curves", iqm, curves),
        ("mean, curves", mean, curves),
        ("iqm, final scores", iqm, final),
        ("mean, final scores", mean, final),
    ):
        total = time_calls(statistic, shape)
        print(
            f"  {name:<20} scores {shape!s:<15} {total:8.3f} s total, "
            f"{1000 * total / N_METHODS:9.2f} ms per method"
        )
    print("target: iqm on curves under 60 s total")


if __name__ == "__main__":
    main()
