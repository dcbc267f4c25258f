"""Time of the exact hypervolume, before (a Python slicing recursion) and now (moocore).

Usage: python benchmarks/hypervolume_speed.py [--slow]

For 2 to 5 objectives and 100 or 1,000 points, all on one Pareto front (the hardest
case, and what a multi-objective run's front looks like), it prints the time of one
`hypervolume` call: the slicing recursion tunelab-plotting used until issue 17 (copied
below, as it was), `tunelab.core.multiobjective.hypervolume` and
`tunelab.plotting.stats.hypervolume`, with the values to show they agree. The old code
takes hours on 5 objectives x 1,000 points and half a minute on 4 x 1,000: those are
run only with `--slow` (the 5 x 1,000 one never). BLAS is limited to one thread.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402

from tunelab.core.multiobjective import hypervolume as core_hypervolume  # noqa: E402
from tunelab.core.trial import Mode  # noqa: E402
from tunelab.plotting.stats import hypervolume as plotting_hypervolume  # noqa: E402

SIZES = [(m, n) for m in (2, 3, 4, 5) for n in (100, 1_000)]
SLOW = {(4, 1_000)}
NEVER = {(5, 1_000)}


def old_front(costs: np.ndarray) -> np.ndarray:
    """Non-dominated rows of costs (n, m), minimisation (the old plotting `_front`)."""
    mask = np.zeros(len(costs), dtype=bool)
    front = np.empty_like(costs)
    size = 0
    for i in np.lexsort(costs.T[::-1]):
        point = costs[i]
        others = front[:size]
        if not ((others <= point).all(axis=1) & (others < point).any(axis=1)).any():
            front[size] = point
            size += 1
            mask[i] = True
    return mask


def old_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume by slicing objectives (While et al., 2006), the old plotting code."""
    if len(points) == 0:
        return 0.0
    m = points.shape[1]
    if m == 1:
        return float(reference[0] - points[:, 0].min())
    if m == 2:
        order = np.lexsort((points[:, 1], points[:, 0]))
        x, y = points[order, 0], points[order, 1]
        lowest = np.concatenate([[reference[1]], np.minimum.accumulate(y)[:-1]])
        return float(((reference[0] - x) * np.clip(lowest - y, 0.0, None)).sum())
    points = points[np.argsort(points[:, -1], kind="stable")]
    depths = np.diff(np.append(points[:, -1], reference[-1]))
    total = 0.0
    for i in np.flatnonzero(depths > 0):
        head = points[: i + 1, :-1]
        if m > 3:
            head = head[old_front(head)]
        total += depths[i] * old_volume(head, reference[:-1])
    return total


def old_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    inside = points[(points < reference).all(axis=1)]
    if inside.shape[1] > 2:
        inside = inside[old_front(inside)]
    return old_volume(inside, reference)


def front(n: int, m: int) -> np.ndarray:
    """n mutually non-dominated points on the positive unit sphere, (n, m)."""
    points = np.abs(np.random.default_rng(n * m).normal(size=(n, m)))
    on_sphere: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
    return on_sphere


def timed(function: Callable[[], float], repeats: int) -> tuple[float, float]:
    """(value, best time in seconds over `repeats` calls)."""
    best, value = np.inf, 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return value, best


def row(m: int, n: int, *, slow: bool) -> str:
    """The printed line of one size, after checking that the three values agree."""
    points, reference = front(n, m), np.full(m, 1.1)
    modes: list[Mode] = ["min"] * m
    value, new = timed(partial(core_hypervolume, points, reference, modes), 5)
    other, plotting = timed(partial(plotting_hypervolume, points, reference, modes=modes), 5)
    assert np.isclose(value, other, rtol=1e-12), (value, other)
    old_text, ratio = "not run", ""
    if (m, n) not in NEVER and (slow or (m, n) not in SLOW):
        expected, old = timed(partial(old_hypervolume, points, reference), 1)
        assert np.isclose(value, expected, rtol=1e-12), (value, expected)
        old_text, ratio = f"{old:.4f}", f"{old / new:.0f}x"
    return f"{m:>4} {n:>6} {old_text:>10} {1000 * new:10.3f} {1000 * plotting:14.3f} {ratio:>9}"


def main() -> None:
    slow = "--slow" in sys.argv[1:]
    print("exact hypervolume of n points on one front, single-threaded (best of 5; old: once)")
    print(f"{'m':>4} {'n':>6} {'old (s)':>10} {'core (ms)':>10} {'plotting (ms)':>14} speed-up")
    for m, n in SIZES:
        print(row(m, n, slow=slow), flush=True)


if __name__ == "__main__":
    main()
