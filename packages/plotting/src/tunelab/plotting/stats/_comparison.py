"""Comparisons between methods: ranks, performance profiles, probability of improvement and
the critical-difference (Friedman + Nemenyi) analysis.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from statistics import NormalDist
from types import ModuleType

import numpy as np

from tunelab.plotting.stats._bootstrap import (
    Estimate,
    check_bootstrap_args,
    percentile_interval,
    present_runs,
    resample_counts,
    stratified_bootstrap_indices,
)
from tunelab.plotting.stats._curves import Mode, check_mode

__all__ = [
    "CriticalDifference",
    "average_ranks",
    "critical_difference",
    "nemenyi_critical_difference",
    "nemenyi_critical_difference_bound",
    "performance_profile",
    "probability_of_improvement",
]


def average_ranks(
    scores: np.ndarray, *, mode: Mode = "min", run_mask: np.ndarray | None = None
) -> np.ndarray:
    """Rank of each method among all methods, averaged over paired (run, task) entries.

    Within every (run, task[, grid point]) the methods are ranked, 1 = best; tied
    methods share the mean of their ranks and NaN counts as worst (NaNs tie among
    themselves). Only (run, task) pairs present for *all* methods enter the average,
    so every method is ranked on the same entries (run ``i`` of each method is paired,
    e.g. the same seed).

    Args:
        scores: (n_methods, n_runs, n_tasks) or (n_methods, n_runs, n_tasks, n_grid).
        mode: ``"min"`` or ``"max"``: whether lower or higher is better.
        run_mask: Present runs, bool (n_methods, n_runs, n_tasks); default all present.

    Returns:
        Average ranks, (n_methods,) or (n_methods, n_grid); they sum to
        ``n_methods * (n_methods + 1) / 2``.
    """
    check_mode(mode)
    values = np.asarray(scores, dtype=float)
    if values.ndim not in (3, 4):
        raise ValueError(
            f"scores must be (n_methods, n_runs, n_tasks[, n_grid]), got shape {values.shape}"
        )
    paired: np.ndarray = np.ones(values.shape[1:3], dtype=bool)
    if run_mask is not None:
        mask = np.asarray(run_mask)
        if mask.dtype != bool or mask.shape != values.shape[:3]:
            raise ValueError(
                f"run_mask must be a bool array of shape {values.shape[:3]}, "
                f"got {mask.dtype} array of shape {mask.shape}"
            )
        paired = np.asarray(mask.all(axis=0))
    if not paired.any():
        raise ValueError("no (run, task) pair is present for all methods; nothing to rank")
    mean_ranks: np.ndarray = rank_methods(values[:, paired], mode=mode).mean(axis=1)
    return mean_ranks


def rank_methods(values: np.ndarray, *, mode: Mode) -> np.ndarray:
    """Ranks along axis 0 (1 = best, ties averaged, NaN worst), the shape of ``values``."""
    key = values if mode == "min" else -values
    nan = np.isnan(key)
    ranks = np.empty(key.shape)
    for a in range(key.shape[0]):
        better = (key < key[a]) | (~nan & nan[a])
        tied = (key == key[a]) | (nan & nan[a])
        ranks[a] = 1.0 + better.sum(axis=0) + 0.5 * (tied.sum(axis=0) - 1)
    return ranks


def performance_profile(
    scores: np.ndarray,
    taus: np.ndarray,
    *,
    run_mask: np.ndarray | None = None,
    mode: Mode = "min",
    n_resamples: int = 0,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
) -> Estimate:
    """Fraction of runs reaching each threshold: the score distribution of Agarwal et al. (2021).

    For a threshold tau, a run counts if its score is <= tau (``"min"``) or >= tau
    (``"max"``); NaN scores never count. The fraction is taken per task and averaged
    over tasks, so each task weighs the same whatever its number of runs.

    Args:
        scores: Final scores, (n_runs, n_tasks).
        taus: Thresholds, (k,).
        run_mask: Present runs, bool (n_runs, n_tasks); default all present.
        mode: ``"min"`` or ``"max"``.
        n_resamples: Stratified-bootstrap resamples for the band; 0 = none.
        confidence: Coverage of the band, in (0, 1).
        rng: Required when ``n_resamples > 0``.

    Returns:
        Estimate of shape (k,).
    """
    check_mode(mode)
    check_bootstrap_args(n_resamples, confidence)
    values, mask = _final_scores(scores, run_mask, "scores")
    thresholds = np.asarray(taus, dtype=float)
    if thresholds.ndim != 1:
        raise ValueError(f"taus must be 1-D, got shape {thresholds.shape}")
    runs = np.swapaxes(values, 0, 1)[mask.T]  # (n_total,), task-major
    sizes = mask.sum(axis=0)
    weights = np.repeat(1.0 / (sizes.size * sizes), sizes)
    if mode == "min":
        reached = runs[:, None] <= thresholds[None, :]
    else:
        reached = runs[:, None] >= thresholds[None, :]
    point = weights @ reached
    low, high = np.full_like(point, np.nan), np.full_like(point, np.nan)
    if n_resamples > 0:
        if rng is None:
            raise ValueError(f"rng is required for n_resamples={n_resamples} > 0")
        counts = resample_counts(
            stratified_bootstrap_indices(mask, n_resamples, rng=rng), runs.size
        )
        low, high = percentile_interval(((counts * weights) @ reached).T, confidence)
    return Estimate(point, low, high)


def probability_of_improvement(
    x: np.ndarray,
    y: np.ndarray,
    *,
    mode: Mode = "min",
    mask_x: np.ndarray | None = None,
    mask_y: np.ndarray | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator,
) -> Estimate:
    """Probability that a run of X beats a run of Y on a task, averaged over tasks.

    Per task this is the Mann-Whitney U statistic over ``n_x * n_y`` (a tie counts
    one half), as proposed by Agarwal et al. (2021). The interval comes from resampling
    X and Y independently, each stratified by task. NaN among the present scores makes
    the estimate NaN.

    Args:
        x: Final scores of method X, (n_x, n_tasks).
        y: Final scores of method Y, (n_y, n_tasks).
        mode: ``"min"`` or ``"max"``.
        mask_x: Present runs of X, bool (n_x, n_tasks); default all present.
        mask_y: Present runs of Y, bool (n_y, n_tasks); default all present.
        n_resamples: Bootstrap resamples; 0 computes the point estimate only.
        confidence: Coverage of the interval, in (0, 1).
        rng: Draws the resamples of X, then those of Y.

    Returns:
        Estimate of shape ().
    """
    check_mode(mode)
    check_bootstrap_args(n_resamples, confidence)
    xs, mx = _final_scores(x, mask_x, "x")
    ys, my = _final_scores(y, mask_y, "y")
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(
            f"x and y need the same number of tasks, got {xs.shape[1]} and {ys.shape[1]}"
        )
    wins = []  # per task: 1 where the X run beats the Y run, 1/2 for a tie, (n_x_t, n_y_t)
    for t in range(xs.shape[1]):
        a, b = xs[mx[:, t], t][:, None], ys[my[:, t], t][None, :]
        wins.append((a < b if mode == "min" else a > b) + 0.5 * (a == b))
    nan = np.full((), np.nan)
    if np.isnan(xs[mx]).any() or np.isnan(ys[my]).any():
        return Estimate(nan, nan.copy(), nan.copy())
    point = np.asarray(np.mean([w.mean() for w in wins]))
    if n_resamples == 0:
        return Estimate(point, nan, nan.copy())
    counts_x = resample_counts(stratified_bootstrap_indices(mx, n_resamples, rng=rng), mx.sum())
    counts_y = resample_counts(stratified_bootstrap_indices(my, n_resamples, rng=rng), my.sum())
    boot = np.zeros(n_resamples)
    ends_x, ends_y = np.cumsum(mx.sum(axis=0)), np.cumsum(my.sum(axis=0))
    for t, w in enumerate(wins):
        cx = counts_x[:, ends_x[t] - w.shape[0] : ends_x[t]]
        cy = counts_y[:, ends_y[t] - w.shape[1] : ends_y[t]]
        boot += ((cx @ w) * cy).sum(axis=1) / w.size
    low, high = percentile_interval(boot / len(wins), confidence)
    return Estimate(point, np.asarray(low), np.asarray(high))


@dataclass(frozen=True, eq=False)
class CriticalDifference:
    """Result of :func:`critical_difference`.

    Attributes:
        average_ranks: Mean rank of each method over the tasks, (k,); 1 = best.
        statistic: Friedman chi-square statistic (corrected for ties).
        p_value: Friedman test p-value (chi-square with k - 1 degrees of freedom).
        critical_difference: Nemenyi critical difference of average ranks at ``alpha``.
        pairwise_p: Nemenyi p-values of all pairs, (k, k), 1 on the diagonal.
        cliques: Maximal groups (size >= 2) of method indices, in rank order, whose
            average ranks all differ by less than the critical difference.
    """

    average_ranks: np.ndarray
    statistic: float
    p_value: float
    critical_difference: float
    pairwise_p: np.ndarray
    cliques: list[tuple[int, ...]]


def critical_difference(
    scores: np.ndarray, *, mode: Mode = "min", alpha: float = 0.05
) -> CriticalDifference:
    """Friedman test and Nemenyi critical difference over tasks (Demšar, 2006).

    Methods are ranked within every task (1 = best, ties averaged, NaN worst). Two
    methods differ significantly when their average ranks differ by at least
    ``CD = q_alpha / sqrt(2) * sqrt(k (k + 1) / (6 N))``, with ``q_alpha`` the upper
    ``alpha`` quantile of the studentized range for k groups and infinite degrees of
    freedom (Demšar, "Statistical Comparisons of Classifiers over Multiple Data Sets",
    JMLR 7, 2006).

    Args:
        scores: One score per task and method, (n_tasks, n_methods), n_tasks >= 2,
            n_methods >= 2.
        mode: ``"min"`` or ``"max"``.
        alpha: Significance level, in (0, 1).

    Returns:
        The ranks, test results and cliques of indistinguishable methods.
    """
    check_mode(mode)
    values = np.asarray(scores, dtype=float)
    if values.ndim != 2 or values.shape[0] < 2 or values.shape[1] < 2:
        raise ValueError(
            f"scores must be (n_tasks, n_methods) with at least 2 of each, got shape {values.shape}"
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    n, k = values.shape
    ranks = rank_methods(values.T, mode=mode).T  # (n_tasks, n_methods)
    mean_ranks = ranks.mean(axis=0)
    statistic, p_value = _friedman(ranks)
    scale = np.sqrt(k * (k + 1) / (6.0 * n))
    cd = nemenyi_critical_difference(n, k, alpha=alpha)
    gaps = np.abs(mean_ranks[:, None] - mean_ranks[None, :]) / scale
    pairwise = np.ones((k, k))
    upper = np.triu_indices(k, 1)
    stats = _scipy_stats()
    pairwise[upper] = stats.studentized_range.sf(gaps[upper] * np.sqrt(2.0), k, np.inf)
    pairwise.T[upper] = pairwise[upper]
    return CriticalDifference(
        average_ranks=mean_ranks,
        statistic=statistic,
        p_value=p_value,
        critical_difference=cd,
        pairwise_p=np.clip(pairwise, 0.0, 1.0),
        cliques=_cliques(mean_ranks, cd),
    )


def nemenyi_critical_difference(n_tasks: int, n_methods: int, *, alpha: float = 0.05) -> float:
    """The Nemenyi critical difference of average ranks for `n_methods` over `n_tasks`.

    ``CD = q_alpha / sqrt(2) * sqrt(k (k + 1) / (6 N))`` (Demšar, 2006, §3.2.2): it
    depends on the numbers only, so whether a diagram can separate any two methods is
    known before any score is read.

    Args:
        n_tasks: N, the number of tasks (benchmarks), >= 1.
        n_methods: k, the number of methods, >= 2.
        alpha: Significance level, in (0, 1).
    """
    _check_nemenyi(n_tasks, n_methods, alpha)
    q_alpha = _scipy_stats().studentized_range.ppf(1.0 - alpha, n_methods, np.inf) / np.sqrt(2.0)
    return float(q_alpha * np.sqrt(n_methods * (n_methods + 1) / (6.0 * n_tasks)))


def nemenyi_critical_difference_bound(
    n_tasks: int, n_methods: int, *, alpha: float = 0.05
) -> float:
    """An upper bound of `nemenyi_critical_difference`, computed without scipy.

    The range of k standard normal variables exceeds q only if one of the k (k - 1) / 2
    pairs differs by more than q, so (Bonferroni) its 1 - alpha quantile is at most
    ``sqrt(2) * Phi^-1(1 - alpha / (k (k - 1)))``. Deciding whether a critical-difference
    diagram can separate methods usually needs no more, which spares loading
    `scipy.stats` (over a second of CPU) before any figure is drawn.

    Args:
        n_tasks: N, the number of tasks (benchmarks), >= 1.
        n_methods: k, the number of methods, >= 2.
        alpha: Significance level, in (0, 1).
    """
    _check_nemenyi(n_tasks, n_methods, alpha)
    z = NormalDist().inv_cdf(1.0 - alpha / (n_methods * (n_methods - 1)))
    # exact for k = 2, where rounding must not leave the bound below the exact value
    return float(z * np.sqrt(n_methods * (n_methods + 1) / (6.0 * n_tasks))) * (1.0 + 1e-9)


def _check_nemenyi(n_tasks: int, n_methods: int, alpha: float) -> None:
    """Refuse arguments the critical difference is not defined for."""
    if n_tasks < 1 or n_methods < 2:
        raise ValueError(f"need n_tasks >= 1 and n_methods >= 2, got {n_tasks} and {n_methods}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _friedman(ranks: np.ndarray) -> tuple[float, float]:
    """Friedman chi-square and p-value from within-task ranks (n_tasks, k)."""
    n, k = ranks.shape
    tie_sum = 0.0
    for row in ranks:
        counts = np.unique(row, return_counts=True)[1]
        tie_sum += float((counts**3 - counts).sum())
    if tie_sum >= n * k * (k * k - 1):
        return 0.0, 1.0  # all methods tie on every task: no evidence of a difference
    stats = _scipy_stats()
    if k >= 3:
        result = stats.friedmanchisquare(*ranks.T)
        return float(result.statistic), float(result.pvalue)
    rank_sums = ranks.sum(axis=0)
    chi2 = 12.0 / (n * k * (k + 1)) * float((rank_sums**2).sum()) - 3.0 * n * (k + 1)
    chi2 /= 1.0 - tie_sum / (n * k * (k * k - 1))
    return chi2, float(stats.chi2.sf(chi2, k - 1))


def _scipy_stats() -> ModuleType:
    """`scipy.stats`, imported when a test needs it: it takes most of a second to load."""
    return importlib.import_module("scipy.stats")


def _cliques(mean_ranks: np.ndarray, cd: float) -> list[tuple[int, ...]]:
    """Maximal runs of consecutive methods (by rank) spanning less than ``cd``."""
    order = np.argsort(mean_ranks, kind="stable")
    ranked = mean_ranks[order]
    cliques: list[tuple[int, ...]] = []
    last_end = 0
    for start in range(len(order)):
        end = start
        while end + 1 < len(order) and ranked[end + 1] - ranked[start] < cd:
            end += 1
        if end > start and end > last_end:
            cliques.append(tuple(int(i) for i in order[start : end + 1]))
        last_end = max(last_end, end)
    return cliques


def _final_scores(
    scores: np.ndarray, run_mask: np.ndarray | None, name: str
) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(scores, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"{name} must be (n_runs, n_tasks), got shape {values.shape}")
    return present_runs(values, run_mask)
