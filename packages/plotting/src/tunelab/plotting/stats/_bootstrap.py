"""Aggregate scores over runs and tasks with stratified-bootstrap confidence intervals.

Following Agarwal et al. (2021), "Deep Reinforcement Learning at the Edge of the
Statistical Precipice" (NeurIPS; the rliable library), a method's runs on many tasks
(benchmarks) are summarised by one robust statistic of all runs pooled, the
interquartile mean (IQM), and its uncertainty by a percentile interval of a bootstrap
that resamples runs *within* every task (stratified), so each resample keeps the
number of runs per task. For curves the same resample is used at every grid point,
which makes the bands of neighbouring points consistent with each other.

Arrays: ``scores`` is (n_runs, n_tasks) for final scores or (n_runs, n_tasks, n_grid)
for curves; ``run_mask`` (n_runs, n_tasks) marks the runs that exist (tasks may have
different numbers of seeds), the scores of absent runs are never read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Estimate",
    "interquartile_mean",
    "iqm",
    "mean",
    "median_quartiles",
    "stratified_bootstrap_indices",
]

# elements per gathered block in the IQM bootstrap: a few MB, so blocks stay in cache
_BLOCK_ELEMENTS = 1 << 19
# Up to this many runs, resamples are sorted by a sorting network of whole-array min/max
# operations: numpy's sort of many short rows costs several times more.
_NETWORK_MAX_RUNS = 16
# numpy adds up to this many values along an axis one by one (more: pairwise, unrolled)
_SEQUENTIAL_SUM_MAX = 8


@dataclass(frozen=True, eq=False)
class Estimate:
    """A statistic with an interval, each array of the statistic's shape.

    The shape is () for final scores and (n_grid,) for curves (or (k,) for a
    performance profile). ``low``/``high`` are NaN where no interval was computed
    (``n_resamples=0``) or where the statistic is undefined.
    """

    point: np.ndarray
    low: np.ndarray
    high: np.ndarray


def interquartile_mean(x: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """Mean of the middle 50 % of the values: ``n // 4`` values are cut at each end.

    Gives the same as ``scipy.stats.trim_mean(x, 0.25, axis)``; robust to outliers like
    the median, yet less noisy (Agarwal et al., 2021). Any NaN along ``axis`` makes the
    result NaN.

    Args:
        x: Values, any shape.
        axis: Axis to reduce; None reduces the flattened array.

    Returns:
        A float if the result is a scalar, otherwise ``x``'s shape without ``axis``.
    """
    a = np.asarray(x, dtype=float)
    if axis is None:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    if n == 0:
        raise ValueError(f"interquartile_mean needs at least one value along axis {axis}")
    cut = n // 4
    middle = np.moveaxis(np.sort(a, axis=axis), axis, -1)[..., cut : n - cut]
    result = np.where(np.isnan(a).any(axis=axis), np.nan, middle.mean(axis=-1))
    return float(result) if result.ndim == 0 else result


def stratified_bootstrap_indices(
    run_mask: np.ndarray, n_resamples: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Resamples of the present runs, drawn with replacement within each task.

    The present runs are numbered task-major: all present runs of task 0 (in run
    order), then those of task 1, and so on. Every resample holds, for every task,
    as many draws from that task's runs as the task has runs.

    Args:
        run_mask: Which runs exist, bool, shape (n_runs, n_tasks).
        n_resamples: Number of resamples, >= 0.
        rng: Source of randomness.

    Returns:
        Indices into the present runs, shape (n_resamples, run_mask.sum()); the
        columns of task t are the positions of task t's runs.
    """
    mask = _check_run_mask(run_mask, None)
    _check_n_resamples(n_resamples)
    sizes = mask.sum(axis=0)
    starts = np.cumsum(sizes) - sizes
    return np.repeat(starts, sizes) + rng.integers(
        0, np.repeat(sizes, sizes), size=(n_resamples, int(sizes.sum()))
    )


def iqm(
    scores: np.ndarray,
    *,
    run_mask: np.ndarray | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator,
) -> Estimate:
    """IQM of all present runs pooled, with a stratified-bootstrap percentile interval.

    See Agarwal et al. (2021). Where any present run is NaN at a grid point, point
    and interval are NaN there. Resamples are evaluated in blocks of ~0.5 M values, so
    memory beyond the (n_resamples, n_total) indices stays at a few MB.

    Args:
        scores: (n_runs, n_tasks) or (n_runs, n_tasks, n_grid).
        run_mask: Present runs, bool (n_runs, n_tasks); default all present.
        n_resamples: Bootstrap resamples; 0 computes the point estimate only.
        confidence: Coverage of the interval, in (0, 1).
        rng: Draws the resamples (through :func:`stratified_bootstrap_indices`).

    Returns:
        Estimate of shape () for 2-D ``scores``, (n_grid,) for 3-D.
    """
    return _bootstrap_estimate(
        scores, run_mask, n_resamples, confidence, rng, _pooled_iqm, _resampled_iqm
    )


def mean(
    scores: np.ndarray,
    *,
    run_mask: np.ndarray | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator,
) -> Estimate:
    """Mean of all present runs pooled, with a stratified-bootstrap percentile interval.

    Same arguments, resampling and NaN rule as :func:`iqm`.
    """
    return _bootstrap_estimate(
        scores, run_mask, n_resamples, confidence, rng, _pooled_mean, _resampled_mean
    )


def median_quartiles(scores: np.ndarray, *, run_mask: np.ndarray | None = None) -> Estimate:
    """Median and quartiles of all present runs pooled (a spread, not a confidence interval).

    Args:
        scores: (n_runs, n_tasks) or (n_runs, n_tasks, n_grid).
        run_mask: Present runs, bool (n_runs, n_tasks); default all present.

    Returns:
        Estimate with point = median, low = 25 % and high = 75 % quantile (linear
        interpolation, as ``np.quantile``); NaN where any present run is NaN.
    """
    data, shape = _pool(scores, run_mask)
    low, point, high = np.quantile(data, [0.25, 0.5, 0.75], axis=-1)
    return Estimate(point.reshape(shape), low.reshape(shape), high.reshape(shape))


def percentile_interval(boot: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval over the last axis (the resamples) of ``boot``."""
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail], axis=-1)
    return low, high


def resample_counts(indices: np.ndarray, n_total: int) -> np.ndarray:
    """How often each present run occurs in each resample, shape (n_resamples, n_total)."""
    n_resamples = indices.shape[0]
    rows = np.arange(n_resamples)[:, None] * n_total
    flat = np.bincount((indices + rows).ravel(), minlength=n_resamples * n_total)
    return flat.reshape(n_resamples, n_total).astype(float)


def check_bootstrap_args(n_resamples: int, confidence: float) -> None:
    """Raises ValueError for ``n_resamples < 0`` or ``confidence`` outside (0, 1)."""
    _check_n_resamples(n_resamples)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def present_runs(scores: np.ndarray, run_mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Checks ``scores`` and ``run_mask``; returns (scores as float, run_mask as bool)."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim not in (2, 3):
        raise ValueError(
            "scores must be (n_runs, n_tasks) or (n_runs, n_tasks, n_grid), "
            f"got shape {scores.shape}"
        )
    return scores, _check_run_mask(run_mask, scores.shape[:2])


def _pool(scores: np.ndarray, run_mask: np.ndarray | None) -> tuple[np.ndarray, tuple[int, ...]]:
    """Present runs, task-major, as (n_grid, n_total) plus the statistic's shape."""
    scores, mask = present_runs(scores, run_mask)
    shape = scores.shape[2:]
    runs = np.swapaxes(scores, 0, 1)[mask.T]  # (n_total,) + shape, task-major
    return np.ascontiguousarray(runs.reshape(runs.shape[0], -1).T), shape


def _bootstrap_estimate(
    scores: np.ndarray,
    run_mask: np.ndarray | None,
    n_resamples: int,
    confidence: float,
    rng: np.random.Generator,
    point_fn: Callable[[np.ndarray], np.ndarray],
    resample_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> Estimate:
    check_bootstrap_args(n_resamples, confidence)
    scores, mask = present_runs(scores, run_mask)
    data, shape = _pool(scores, mask)
    valid = ~np.isnan(data).any(axis=-1)
    point, low, high = (np.full(data.shape[0], np.nan) for _ in range(3))
    point[valid] = point_fn(data[valid])
    if n_resamples > 0:
        indices = stratified_bootstrap_indices(mask, n_resamples, rng=rng)
        if valid.any():
            low[valid], high[valid] = percentile_interval(
                resample_fn(data[valid], indices), confidence
            )
    return Estimate(point.reshape(shape), low.reshape(shape), high.reshape(shape))


def _pooled_iqm(data: np.ndarray) -> np.ndarray:
    return np.asarray(interquartile_mean(data, axis=-1))


def _pooled_mean(data: np.ndarray) -> np.ndarray:
    mean: np.ndarray = data.mean(axis=-1)
    return mean


def _resampled_mean(data: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Mean of every resample at every grid point, (g, n_resamples), via data @ counts."""
    n_total = data.shape[1]
    out = np.empty((data.shape[0], indices.shape[0]))
    step = max(1, _BLOCK_ELEMENTS // n_total)
    for r0 in range(0, indices.shape[0], step):
        out[:, r0 : r0 + step] = data @ resample_counts(indices[r0 : r0 + step], n_total).T
    means: np.ndarray = out / n_total
    return means


def _resampled_iqm(data: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """IQM of every resample at every grid point, (g, n_resamples).

    Instead of sorting gathered float values, each grid point's values are ranked once;
    a resample gathers the small-integer ranks, sorts them (fast SIMD sorts for int16)
    and reads the middle half of the sorted values by rank. The values averaged are
    exactly those of sorting the resample itself, in the same order.
    """
    n_grid, n_total = data.shape
    n_resamples = indices.shape[0]
    order = np.argsort(data, axis=-1, kind="stable")
    sorted_values = np.take_along_axis(data, order, axis=-1)
    rank_type = np.int16 if n_total <= np.iinfo(np.int16).max else np.int32
    ranks = np.empty(data.shape, dtype=rank_type)
    np.put_along_axis(ranks, order, np.arange(n_total, dtype=rank_type)[None, :], axis=-1)
    cut = n_total // 4
    out = np.empty((n_grid, n_resamples))
    grid_block = max(1, _BLOCK_ELEMENTS // n_total)
    for g0 in range(0, n_grid, grid_block):
        block_ranks = ranks[g0 : g0 + grid_block]
        flat_values = sorted_values[g0 : g0 + grid_block].ravel()
        rows = (np.arange(block_ranks.shape[0]) * n_total)[:, None, None]
        step = max(1, _BLOCK_ELEMENTS // block_ranks.size)
        for r0 in range(0, n_resamples, step):
            gathered = _sorted_rows(np.take(block_ranks, indices[r0 : r0 + step], axis=1))
            out[g0 : g0 + grid_block, r0 : r0 + step] = _middle_mean(
                flat_values, gathered, rows, cut
            )
    return out


def _middle_mean(
    flat_values: np.ndarray, ranks: np.ndarray, rows: np.ndarray, cut: int
) -> np.ndarray:
    """Mean of the values at sorted ranks ``cut .. n - cut - 1`` of every resample.

    `ranks` (gb, rb, n) index each grid point's sorted values, row `i` of `flat_values`
    starting at ``rows[i]``. numpy sums fewer than eight values along an axis one after
    the other, from the first: for so few the sum is spelt out column by column, which
    adds the same numbers in the same order (from 0.0, which turns -0.0 into 0.0) without
    a reduction per resample.
    """
    n = ranks.shape[-1]
    if n - 2 * cut >= _SEQUENTIAL_SUM_MAX:
        middle: np.ndarray = flat_values[ranks[..., cut : n - cut] + rows].mean(axis=-1)
        return middle
    offsets = rows[..., 0]
    total = np.zeros(ranks.shape[:-1])
    for k in range(cut, n - cut):
        total += flat_values[ranks[..., k] + offsets]
    means: np.ndarray = total / (n - 2 * cut)
    return means


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    """`a` sorted along its last axis (small integers: equal values are interchangeable).

    For short rows, a sorting network (`_merge_network`) of element-wise min/max over
    whole columns, otherwise numpy's sort in place.
    """
    n = a.shape[-1]
    if n <= 1:
        return a
    if n > _NETWORK_MAX_RUNS:
        a.sort(axis=-1)
        return a
    columns = [np.ascontiguousarray(a[..., i]) for i in range(n)]
    for i, j in _merge_network(n):
        low = np.minimum(columns[i], columns[j])
        np.maximum(columns[i], columns[j], out=columns[j])
        columns[i] = low
    return np.stack(columns, axis=-1)


@functools.cache
def _merge_network(n: int) -> tuple[tuple[int, int], ...]:
    """Comparators (i, j), i < j, of Batcher's odd-even merge sort of `n` inputs.

    Built for the next power of two; comparators that touch a position >= n are left
    out, which is sorting with +inf padding at the end (they would never swap).
    Batcher (1968), "Sorting networks and their applications", AFIPS 32.
    """
    size = 1
    while size < n:
        size *= 2
    pairs = []
    merged = 1  # sorted runs of this length are merged in pairs
    while merged < size:
        gap = merged
        while gap >= 1:
            for start in range(gap % merged, size - gap, 2 * gap):
                for i in range(start, min(start + gap, size - gap)):
                    j = i + gap
                    if i // (2 * merged) == j // (2 * merged) and j < n:
                        pairs.append((i, j))
            gap //= 2
        merged *= 2
    return tuple(pairs)


def _check_n_resamples(n_resamples: int) -> None:
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, (int, np.integer))
        or n_resamples < 0
    ):
        raise ValueError(f"n_resamples must be an integer >= 0, got {n_resamples!r}")


def _check_run_mask(run_mask: np.ndarray | None, shape: tuple[int, ...] | None) -> np.ndarray:
    expected = "(n_runs, n_tasks)" if shape is None else str(shape)
    if run_mask is None:
        if shape is None:
            raise ValueError("run_mask is required")
        mask = np.ones(shape, dtype=bool)
    else:
        mask = np.asarray(run_mask)
        if mask.dtype != bool:
            raise ValueError(f"run_mask must be a bool array, got dtype {mask.dtype}")
        if mask.ndim != 2 or (shape is not None and mask.shape != shape):
            raise ValueError(f"run_mask must have shape {expected}, got {mask.shape}")
    if mask.shape[1] == 0:
        raise ValueError(f"need at least one task, got {mask.shape[1]} (shape {mask.shape})")
    empty = np.flatnonzero(~mask.any(axis=0))
    if empty.size:
        raise ValueError(
            f"every task needs at least one present run; task(s) {empty.tolist()} have none"
        )
    return mask
