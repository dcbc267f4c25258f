"""Ranks, performance profiles, probability of improvement and critical differences,
against direct loops, scipy and the values published by Demšar (2006)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from tunelab.plotting.stats import (
    Mode,
    average_ranks,
    critical_difference,
    nemenyi_critical_difference,
    nemenyi_critical_difference_bound,
    performance_profile,
    probability_of_improvement,
    stratified_bootstrap_indices,
)
from tunelab.plotting.stats._comparison import _cliques

# Demšar (2006), Table 5: critical values q_alpha of the two-tailed Nemenyi test, k = 2..10
DEMSAR_Q_005 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
DEMSAR_Q_010 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


def ragged_mask(rng: np.random.Generator, n_runs: int, n_tasks: int) -> np.ndarray:
    mask = rng.random((n_runs, n_tasks)) < 0.6
    mask[0] = True
    return mask


# --- average_ranks ------------------------------------------------------------------------


def loop_ranks(scores: np.ndarray, mask: np.ndarray, mode: Mode) -> np.ndarray:
    """Average ranks with scipy's rankdata, one (run, task, grid point) at a time."""
    n_methods, n_runs, n_tasks, n_grid = scores.shape
    total, count = np.zeros((n_methods, n_grid)), 0
    for r, t in itertools.product(range(n_runs), range(n_tasks)):
        if not mask[:, r, t].all():
            continue
        count += 1
        for g in range(n_grid):
            key = scores[:, r, t, g] if mode == "min" else -scores[:, r, t, g]
            worst = np.nanmax(np.abs(key)) + 1 if not np.isnan(key).all() else 0.0
            total[:, g] += stats.rankdata(np.where(np.isnan(key), worst, key), method="average")
    return total / count


@pytest.mark.parametrize("mode", ["min", "max"])
def test_average_ranks_match_rankdata_loop(mode: Mode) -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 3, size=(4, 6, 3, 5)).astype(float)  # many ties
    scores[rng.random(scores.shape) < 0.15] = np.nan
    mask = rng.random((4, 6, 3)) < 0.8
    result = average_ranks(scores, mode=mode, run_mask=mask)
    np.testing.assert_allclose(result, loop_ranks(scores, mask, mode))
    final = average_ranks(scores[..., 0], mode=mode, run_mask=mask)
    np.testing.assert_allclose(final, loop_ranks(scores[..., :1], mask, mode)[:, 0])


def test_average_ranks_examples() -> None:
    # one (run, task): method 1 best, methods 0 and 2 tie, NaNs tie as worst
    scores = np.array([2.0, 1.0, 2.0, np.nan, np.nan]).reshape(5, 1, 1)
    np.testing.assert_array_equal(average_ranks(scores), [2.5, 1.0, 2.5, 4.5, 4.5])
    np.testing.assert_array_equal(average_ranks(scores, mode="max"), [1.5, 3.0, 1.5, 4.5, 4.5])


def test_average_ranks_use_only_pairs_present_for_all_methods() -> None:
    scores = np.array([[[1.0, 9.0]], [[2.0, 0.0]]])  # (2 methods, 1 run, 2 tasks)
    mask = np.array([[[True, True]], [[True, False]]])
    np.testing.assert_array_equal(average_ranks(scores, run_mask=mask), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"no \(run, task\) pair is present for all methods"):
        average_ranks(scores, run_mask=np.array([[[True, False]], [[False, True]]]))
    with pytest.raises(ValueError, match=r"run_mask must be a bool array of shape \(2, 1, 2\)"):
        average_ranks(scores, run_mask=np.ones((2, 2, 2), bool))
    with pytest.raises(ValueError, match=r"got shape \(2, 2\)"):
        average_ranks(np.ones((2, 2)))


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        float,
        st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(1, 3)),
        elements=st.sampled_from([0.0, 1.0, 2.0, np.nan]),
    )
)
def test_ranks_sum_to_the_triangular_number(scores: np.ndarray) -> None:
    k = scores.shape[0]
    assert average_ranks(scores).sum() == pytest.approx(k * (k + 1) / 2)


# --- performance_profile ------------------------------------------------------------------


def by_task(scores: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """The present runs of each task."""
    return [scores[mask[:, t], t] for t in range(mask.shape[1])]


def resample_by_task(tasks: list[np.ndarray], row: np.ndarray) -> list[np.ndarray]:
    """One resample (indices into the task-major present runs), split by task again."""
    resampled = np.concatenate(tasks)[row]
    return np.split(resampled, np.cumsum([len(t) for t in tasks])[:-1])


def loop_profile(tasks: list[np.ndarray], taus: np.ndarray, mode: Mode) -> np.ndarray:
    fractions = []
    for runs in tasks:
        fractions.append([(runs <= tau if mode == "min" else runs >= tau).mean() for tau in taus])
    profile: np.ndarray = np.mean(fractions, axis=0)
    return profile


@pytest.mark.parametrize("mode", ["min", "max"])
def test_performance_profile_matches_counting(mode: Mode) -> None:
    rng = np.random.default_rng(1)
    mask = ragged_mask(rng, 8, 4)
    scores = rng.random((8, 4))
    scores[~mask] = -1.0  # absent runs must not count
    scores[1, 2] = np.nan
    taus = np.linspace(0, 1, 11)
    estimate = performance_profile(scores, taus, run_mask=mask, mode=mode)
    np.testing.assert_allclose(estimate.point, loop_profile(by_task(scores, mask), taus, mode))
    assert np.isnan(estimate.low).all()

    bootstrap = performance_profile(
        scores, taus, run_mask=mask, mode=mode, n_resamples=80, rng=np.random.default_rng(2)
    )
    np.testing.assert_allclose(bootstrap.point, estimate.point)
    indices = stratified_bootstrap_indices(mask, 80, rng=np.random.default_rng(2))
    tasks = by_task(scores, mask)
    boot = [loop_profile(resample_by_task(tasks, row), taus, mode) for row in indices]
    low, high = np.quantile(boot, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(bootstrap.low, low)
    np.testing.assert_allclose(bootstrap.high, high)


def test_performance_profile_errors() -> None:
    with pytest.raises(ValueError, match=r"rng is required for n_resamples=5 > 0"):
        performance_profile(np.ones((2, 2)), np.ones(3), n_resamples=5)
    with pytest.raises(ValueError, match=r"taus must be 1-D, got shape \(\)"):
        performance_profile(np.ones((2, 2)), np.array(1.0))
    with pytest.raises(ValueError, match=r"scores must be \(n_runs, n_tasks\), got shape"):
        performance_profile(np.ones((2, 2, 2)), np.ones(3))


# --- probability_of_improvement -----------------------------------------------------------


def loop_improvement(x_tasks: list[np.ndarray], y_tasks: list[np.ndarray], mode: Mode) -> float:
    per_task = []
    for xs, ys in zip(x_tasks, y_tasks, strict=True):
        wins = []
        for a in xs:
            for b in ys:
                better = a < b if mode == "min" else a > b
                wins.append(1.0 if better else 0.5 if a == b else 0.0)
        per_task.append(np.mean(wins))
    return float(np.mean(per_task))


@pytest.mark.parametrize("mode", ["min", "max"])
def test_probability_of_improvement_matches_double_loop(mode: Mode) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(6, 3)).astype(float)  # ties
    y = rng.integers(0, 5, size=(9, 3)).astype(float)
    mx, my = ragged_mask(rng, 6, 3), ragged_mask(rng, 9, 3)
    x[~mx], y[~my] = np.nan, np.nan  # absent runs are ignored
    estimate = probability_of_improvement(
        x, y, mode=mode, mask_x=mx, mask_y=my, n_resamples=60, rng=np.random.default_rng(4)
    )
    x_tasks, y_tasks = by_task(x, mx), by_task(y, my)
    assert estimate.point == pytest.approx(loop_improvement(x_tasks, y_tasks, mode))
    rng_loop = np.random.default_rng(4)  # X is resampled first, then Y
    x_indices = stratified_bootstrap_indices(mx, 60, rng=rng_loop)
    y_indices = stratified_bootstrap_indices(my, 60, rng=rng_loop)
    boot = [
        loop_improvement(resample_by_task(x_tasks, rx), resample_by_task(y_tasks, ry), mode)
        for rx, ry in zip(x_indices, y_indices, strict=True)
    ]
    low, high = np.quantile(boot, [0.025, 0.975])
    assert estimate.low == pytest.approx(low)
    assert estimate.high == pytest.approx(high)


def test_probability_of_improvement_is_mann_whitney() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(12, 1)), rng.normal(size=(7, 1))
    u = stats.mannwhitneyu(x[:, 0], y[:, 0]).statistic  # counts x > y
    estimate = probability_of_improvement(x, y, mode="max", n_resamples=0, rng=rng)
    assert estimate.point == pytest.approx(u / (12 * 7))


def test_probability_of_improvement_extremes_and_nan() -> None:
    rng = np.random.default_rng(6)
    x = rng.random((5, 3))
    same = probability_of_improvement(x, x.copy(), n_resamples=20, rng=rng)
    assert same.point == 0.5
    separated = probability_of_improvement(x, x + 10, n_resamples=20, rng=rng)
    assert separated.point == separated.low == separated.high == 1.0
    reverse = probability_of_improvement(x, x + 10, mode="max", n_resamples=20, rng=rng)
    assert reverse.point == reverse.high == 0.0
    x[0, 0] = np.nan
    assert np.isnan(probability_of_improvement(x, x + 1, rng=rng).point)
    with pytest.raises(ValueError, match="same number of tasks, got 3 and 2"):
        probability_of_improvement(x, x[:, :2], rng=rng)


# --- critical_difference ------------------------------------------------------------------


@pytest.mark.parametrize(("alpha", "table"), [(0.05, DEMSAR_Q_005), (0.10, DEMSAR_Q_010)])
def test_critical_difference_uses_demsar_q_values(alpha: float, table: list[float]) -> None:
    rng = np.random.default_rng(7)
    n_tasks = 14
    for k, q in zip(range(2, 11), table, strict=True):
        result = critical_difference(rng.random((n_tasks, k)), alpha=alpha)
        expected = q * np.sqrt(k * (k + 1) / (6 * n_tasks))
        assert result.critical_difference == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("mode", ["min", "max"])
def test_friedman_matches_scipy(mode: Mode) -> None:
    rng = np.random.default_rng(8)
    scores = rng.integers(0, 4, size=(12, 5)).astype(float)  # with ties
    result = critical_difference(scores, mode=mode)
    reference = stats.friedmanchisquare(*(scores if mode == "min" else -scores).T)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue)
    ranks = stats.rankdata(scores if mode == "min" else -scores, axis=1)
    np.testing.assert_allclose(result.average_ranks, ranks.mean(axis=0))


def test_hand_checked_cliques_and_statistic() -> None:
    # ranks of methods A, B, C, D on 10 tasks; average ranks 1.2, 2.0, 2.9, 3.9
    rows = [[1, 2, 3, 4]] * 8 + [[2, 3, 1, 4], [2, 1, 4, 3]]
    abcd = np.array(rows, dtype=float)
    scores = abcd[:, [2, 0, 3, 1]]  # columns: C=0, A=1, D=2, B=3
    result = critical_difference(scores)
    np.testing.assert_allclose(result.average_ranks, [2.9, 1.2, 3.9, 2.0])
    # CD = 2.569 * sqrt(4 * 5 / 60) = 1.483: A-B, B-C, C-D are closer, the rest are not
    assert result.critical_difference == pytest.approx(1.4832, abs=1e-3)
    assert result.cliques == [(1, 3), (3, 0), (0, 2)]
    # 12 N / (k (k + 1)) * (sum of squared average ranks - k (k + 1)^2 / 4), no ties
    assert result.statistic == pytest.approx(6 * (1.2**2 + 2**2 + 2.9**2 + 3.9**2 - 25))
    assert result.p_value == pytest.approx(stats.chi2.sf(result.statistic, 3))
    assert critical_difference(-scores, mode="max").cliques == result.cliques
    gaps = np.abs(result.average_ranks[:, None] - result.average_ranks[None, :])
    significant = result.pairwise_p < 0.05
    np.testing.assert_array_equal(significant, gaps >= result.critical_difference)
    np.testing.assert_array_equal(result.pairwise_p, result.pairwise_p.T)


def test_cliques_drop_groups_inside_earlier_ones() -> None:
    mean_ranks = np.array([3.0, 1.5, 1.0, 3.2, 1.6])
    # from rank 1.0: {1.0, 1.5, 1.6}; from 1.5: {1.5, 1.6} is inside it; 1.6 alone; {3.0, 3.2}
    assert _cliques(mean_ranks, 1.0) == [(2, 1, 4), (0, 3)]
    assert _cliques(mean_ranks, 0.1) == []


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(2, 12), st.integers(2, 7)), elements=st.integers(0, 5)),
    st.sampled_from([0.01, 0.05, 0.1, 0.5]),
)
def test_cliques_cover_exactly_the_insignificant_pairs(scores: np.ndarray, alpha: float) -> None:
    result = critical_difference(scores, alpha=alpha)
    ranks, cd = result.average_ranks, result.critical_difference
    for clique in result.cliques:
        assert len(clique) >= 2
        assert list(clique) == sorted(clique, key=lambda i: ranks[i])
        assert np.ptp(ranks[list(clique)]) < cd
    for a, b in itertools.permutations(result.cliques, 2):
        assert not set(a) <= set(b)
    for i, j in itertools.combinations(range(len(ranks)), 2):
        together = any(i in c and j in c for c in result.cliques)
        assert together == (abs(ranks[i] - ranks[j]) < cd)


def test_two_methods_and_all_ties() -> None:
    # k = 2 without ties: the Friedman statistic is (wins - losses)^2 / N
    scores = np.array([[1.0, 2.0]] * 7 + [[2.0, 1.0]] * 2)
    result = critical_difference(scores)
    assert result.statistic == pytest.approx((7 - 2) ** 2 / 9)
    assert result.p_value == pytest.approx(stats.chi2.sf((7 - 2) ** 2 / 9, 1))
    assert result.critical_difference == pytest.approx(1.960 / np.sqrt(9), abs=1e-3)
    tied = critical_difference(np.ones((5, 3)))
    assert (tied.statistic, tied.p_value) == (0.0, 1.0)
    assert tied.cliques == [(0, 1, 2)]
    np.testing.assert_array_equal(tied.pairwise_p, np.ones((3, 3)))


def test_nan_ranks_worst() -> None:
    scores = np.array([[np.nan, 1.0, 2.0], [np.nan, 2.0, 1.0]])
    np.testing.assert_allclose(critical_difference(scores).average_ranks, [3.0, 1.5, 1.5])


def test_critical_difference_errors() -> None:
    with pytest.raises(ValueError, match=r"at least 2 of each, got shape \(1, 3\)"):
        critical_difference(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\), got 1\.5"):
        critical_difference(np.ones((3, 3)), alpha=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'best'"):
        critical_difference(np.ones((3, 3)), mode="best")  # type: ignore[arg-type]


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_the_scipy_free_bound_is_never_below_the_critical_difference(alpha: float) -> None:
    for n_methods, n_tasks in itertools.product([2, 3, 5, 10, 20, 50], [1, 2, 10, 30]):
        exact = nemenyi_critical_difference(n_tasks, n_methods, alpha=alpha)
        bound = nemenyi_critical_difference_bound(n_tasks, n_methods, alpha=alpha)
        assert exact <= bound <= 1.05 * exact  # tight enough to decide most cases
    with pytest.raises(ValueError, match="n_methods >= 2"):
        nemenyi_critical_difference_bound(10, 1)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
        nemenyi_critical_difference_bound(10, 3, alpha=1.0)
