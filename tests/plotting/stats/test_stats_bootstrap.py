"""IQM, mean and quartiles with stratified-bootstrap intervals, against independent computations."""

from __future__ import annotations

from collections.abc import Callable
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from tunelab.plotting.stats import (
    Estimate,
    _bootstrap,
    interquartile_mean,
    iqm,
    mean,
    median_quartiles,
    stratified_bootstrap_indices,
)

FINITE = st.floats(-1e3, 1e3, allow_nan=False)


def ragged_mask(rng: np.random.Generator, n_runs: int, n_tasks: int) -> np.ndarray:
    """Random present runs with at least one run per task."""
    mask = rng.random((n_runs, n_tasks)) < 0.6
    mask[0] = True
    return mask


def pooled(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Present runs, task-major, as (n_total, ...) by an explicit loop."""
    return np.array(
        [scores[r, t] for t in range(mask.shape[1]) for r in range(mask.shape[0]) if mask[r, t]]
    )


def loop_interval(
    values: np.ndarray, indices: np.ndarray, statistic: str, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval by recomputing the statistic for every resample one by one."""
    boot = []
    for row in indices:
        resample = values[row]  # (n_total, ...)
        if statistic == "iqm":
            boot.append(stats.trim_mean(resample, 0.25, axis=0))
        else:
            boot.append(np.mean(resample, axis=0))
    tail = (1 - confidence) / 2
    low, high = np.quantile(np.array(boot), [tail, 1 - tail], axis=0)
    return low, high


# --- interquartile_mean -------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(float, hnp.array_shapes(min_dims=1, max_dims=3, max_side=9), elements=FINITE),
    st.data(),
)
def test_interquartile_mean_is_scipy_trim_mean(x: np.ndarray, data: st.DataObject) -> None:
    axis = data.draw(st.sampled_from([None, *range(x.ndim)]))
    np.testing.assert_allclose(
        interquartile_mean(x, axis=axis), stats.trim_mean(x, 0.25, axis=axis), rtol=1e-12, atol=1e-9
    )


@settings(max_examples=80, deadline=None)
@given(hnp.arrays(float, st.integers(1, 40), elements=FINITE), st.randoms(use_true_random=False))
def test_interquartile_mean_bounded_and_permutation_invariant(
    x: np.ndarray, random: Random
) -> None:
    value = interquartile_mean(x)
    assert isinstance(value, float)
    assert x.min() - 1e-9 <= value <= x.max() + 1e-9
    shuffled = x.copy()
    random.shuffle(shuffled)
    assert interquartile_mean(shuffled) == pytest.approx(value, rel=1e-12, abs=1e-9)


def test_interquartile_mean_examples_and_nan() -> None:
    assert interquartile_mean(np.arange(8.0)) == 3.5  # mean of 2, 3, 4, 5
    assert interquartile_mean(np.array([1.0, 100.0, 2.0])) == pytest.approx(103 / 3)  # 3 // 4 = 0
    x = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, np.nan, 3.0, 4.0]])
    result = interquartile_mean(x, axis=1)
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, [2.5, np.nan])
    with pytest.raises(ValueError, match="at least one value"):
        interquartile_mean(np.array([]))


# --- stratified_bootstrap_indices ---------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(bool, st.tuples(st.integers(1, 6), st.integers(1, 5))),
    st.integers(0, 30),
    st.integers(0, 2**32 - 1),
)
def test_indices_stay_within_their_task(mask: np.ndarray, n_resamples: int, seed: int) -> None:
    mask[0] = True
    indices = stratified_bootstrap_indices(mask, n_resamples, rng=np.random.default_rng(seed))
    assert indices.shape == (n_resamples, mask.sum())
    task_of = np.repeat(np.arange(mask.shape[1]), mask.sum(axis=0))  # task of each present run
    # column j of a resample draws from the runs of the task of run j: counts are kept per task
    np.testing.assert_array_equal(task_of[indices], np.broadcast_to(task_of, indices.shape))


def test_indices_are_uniform_within_tasks() -> None:
    mask = np.array([[True, True], [True, False], [True, False], [True, False]])
    indices = stratified_bootstrap_indices(mask, 4000, rng=np.random.default_rng(1))
    counts = np.bincount(indices[:, :4].ravel(), minlength=5)
    np.testing.assert_allclose(counts[:4] / counts[:4].sum(), 0.25, atol=0.01)
    assert np.all(indices[:, 4] == 4)  # task 1 has a single run


def test_stratification_keeps_task_means() -> None:
    """Constant scores per task: a stratified resample has the same per-task counts, so the
    pooled mean cannot move, even with unequal numbers of runs."""
    rng = np.random.default_rng(2)
    mask = ragged_mask(rng, 8, 5)
    scores = np.broadcast_to(100.0 * np.arange(5), (8, 5)).copy()
    scores[~mask] = np.nan
    estimate = mean(scores, run_mask=mask, n_resamples=200, rng=rng)
    expected = np.sum(mask.sum(axis=0) * 100.0 * np.arange(5)) / mask.sum()
    assert estimate.low == pytest.approx(expected)
    assert estimate.high == pytest.approx(expected)


# --- iqm / mean ---------------------------------------------------------------------------


@pytest.mark.parametrize("statistic", ["iqm", "mean"])
def test_curve_interval_matches_loop_over_the_same_indices(statistic: str) -> None:
    rng = np.random.default_rng(3)
    mask = ragged_mask(rng, 7, 4)
    scores = rng.normal(size=(7, 4, 6))
    scores[~mask] = np.nan  # absent runs must never be read
    function = iqm if statistic == "iqm" else mean
    estimate = function(scores, run_mask=mask, n_resamples=150, rng=np.random.default_rng(11))
    indices = stratified_bootstrap_indices(mask, 150, rng=np.random.default_rng(11))
    values = pooled(scores, mask)
    low, high = loop_interval(values, indices, statistic)
    np.testing.assert_allclose(estimate.low, low, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(estimate.high, high, rtol=1e-12, atol=1e-12)
    point = stats.trim_mean(values, 0.25, axis=0) if statistic == "iqm" else values.mean(axis=0)
    np.testing.assert_allclose(estimate.point, point, rtol=1e-12)
    assert estimate.point.shape == estimate.low.shape == (6,)


def test_final_scores_give_scalar_shaped_estimates() -> None:
    rng = np.random.default_rng(4)
    scores = rng.random((10, 3))
    for function in (iqm, mean):
        estimate = function(scores, n_resamples=50, confidence=0.8, rng=np.random.default_rng(5))
        assert estimate.point.shape == estimate.low.shape == estimate.high.shape == ()
        indices = stratified_bootstrap_indices(
            np.ones((10, 3), bool), 50, rng=np.random.default_rng(5)
        )
        name = "iqm" if function is iqm else "mean"
        low, high = loop_interval(pooled(scores, np.ones((10, 3), bool)), indices, name, 0.8)
        assert estimate.low == pytest.approx(low, rel=1e-12)
        assert estimate.high == pytest.approx(high, rel=1e-12)


def test_iqm_interval_agrees_with_scipy_bootstrap_for_one_task() -> None:
    rng = np.random.default_rng(6)
    x = rng.lognormal(size=40)
    ours = iqm(x[:, None], n_resamples=20_000, rng=np.random.default_rng(7))
    theirs = stats.bootstrap(
        (x,),
        lambda s, axis: stats.trim_mean(s, 0.25, axis=axis),
        n_resamples=20_000,
        method="percentile",
        rng=np.random.default_rng(8),
    )
    spread = theirs.standard_error
    assert abs(ours.low - theirs.confidence_interval.low) < 0.15 * spread
    assert abs(ours.high - theirs.confidence_interval.high) < 0.15 * spread
    assert ours.point == pytest.approx(stats.trim_mean(x, 0.25))


def test_same_resample_at_every_grid_point() -> None:
    """Grid points that are identical (or monotone transforms of each other) must get
    identical (transformed) intervals: independent resamples per point would not."""
    rng = np.random.default_rng(9)
    base = rng.normal(size=(6, 3))
    scores = np.stack([base, base, 2.0 * base + 1.0, base], axis=-1)
    for function in (iqm, mean):
        estimate = function(scores, n_resamples=300, rng=np.random.default_rng(10))
        for j in (1, 3):
            assert estimate.low[j] == estimate.low[0]
            assert estimate.high[j] == estimate.high[0]
        assert estimate.low[2] == pytest.approx(2 * estimate.low[0] + 1, rel=1e-12)
        assert estimate.high[2] == pytest.approx(2 * estimate.high[0] + 1, rel=1e-12)


def test_nan_of_a_present_run_makes_that_grid_point_nan() -> None:
    rng = np.random.default_rng(12)
    mask = ragged_mask(rng, 5, 3)
    scores = rng.random((5, 3, 4))
    absent = np.argwhere(~mask)
    clean = iqm(scores, run_mask=mask, n_resamples=100, rng=np.random.default_rng(13))
    scores[0, 1, 2] = np.nan  # present run (row 0 is always present)
    if len(absent):
        scores[absent[0][0], absent[0][1], :] = np.nan  # absent run: ignored
    for function in (iqm, mean):
        estimate = function(scores, run_mask=mask, n_resamples=100, rng=np.random.default_rng(13))
        for array in (estimate.point, estimate.low, estimate.high):
            assert np.isnan(array[2])
            assert not np.isnan(np.delete(array, 2)).any()
    estimate = iqm(scores, run_mask=mask, n_resamples=100, rng=np.random.default_rng(13))
    np.testing.assert_array_equal(np.delete(estimate.low, 2), np.delete(clean.low, 2))


def test_zero_resamples_gives_point_only() -> None:
    scores = np.random.default_rng(14).random((5, 2, 3))
    estimate = iqm(scores, n_resamples=0, rng=np.random.default_rng(0))
    np.testing.assert_allclose(estimate.point, stats.trim_mean(scores.reshape(10, 3), 0.25, axis=0))
    assert np.isnan(estimate.low).all()
    assert np.isnan(estimate.high).all()


@pytest.mark.parametrize("function", [iqm, mean])
def test_chunking_does_not_change_the_result(
    function: Callable[..., Estimate], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(15)
    mask = ragged_mask(rng, 9, 4)
    scores = rng.normal(size=(9, 4, 7))
    reference = function(scores, run_mask=mask, n_resamples=40, rng=np.random.default_rng(16))
    monkeypatch.setattr(_bootstrap, "_BLOCK_ELEMENTS", 50)  # blocks of grid points and resamples
    chunked = function(scores, run_mask=mask, n_resamples=40, rng=np.random.default_rng(16))
    np.testing.assert_allclose(chunked.low, reference.low, rtol=1e-14)
    np.testing.assert_allclose(chunked.high, reference.high, rtol=1e-14)


def test_more_runs_than_int16_ranks() -> None:
    x = np.random.default_rng(17).random((40_000, 1))
    estimate = iqm(x, n_resamples=3, rng=np.random.default_rng(18))
    indices = stratified_bootstrap_indices(
        np.ones((40_000, 1), bool), 3, rng=np.random.default_rng(18)
    )
    low, high = loop_interval(x, indices, "iqm")
    assert estimate.low == pytest.approx(low[0], rel=1e-12)
    assert estimate.high == pytest.approx(high[0], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(1, 8), st.integers(1, 4)), elements=FINITE),
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 0.99),
)
def test_interval_is_ordered_and_within_the_data(
    x: np.ndarray, seed: int, confidence: float
) -> None:
    for function in (iqm, mean):
        estimate = function(
            x, n_resamples=30, confidence=confidence, rng=np.random.default_rng(seed)
        )
        assert estimate.low <= estimate.high
        assert x.min() - 1e-9 <= estimate.low
        assert estimate.high <= x.max() + 1e-9


# --- median_quartiles ---------------------------------------------------------------------


def test_median_quartiles_is_np_quantile_of_pooled_runs() -> None:
    rng = np.random.default_rng(19)
    mask = ragged_mask(rng, 6, 3)
    scores = rng.normal(size=(6, 3, 5))
    scores[~mask] = np.nan
    estimate = median_quartiles(scores, run_mask=mask)
    values = pooled(scores, mask)
    np.testing.assert_allclose(estimate.point, np.quantile(values, 0.5, axis=0))
    np.testing.assert_allclose(estimate.low, np.quantile(values, 0.25, axis=0))
    np.testing.assert_allclose(estimate.high, np.quantile(values, 0.75, axis=0))
    assert median_quartiles(scores[..., 0], run_mask=mask).point.shape == ()


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"confidence": 1.0}, r"confidence must be in \(0, 1\), got 1\.0"),
        ({"confidence": 0.0}, r"confidence must be in \(0, 1\), got 0\.0"),
        ({"n_resamples": -1}, r"n_resamples must be an integer >= 0, got -1"),
        ({"n_resamples": 2.5}, r"n_resamples must be an integer >= 0, got 2\.5"),
        ({"run_mask": np.ones((3, 2), bool)}, r"run_mask must have shape \(4, 2\), got \(3, 2\)"),
        ({"run_mask": np.ones((4, 2), int)}, r"run_mask must be a bool array, got dtype int64"),
        (
            {"run_mask": np.array([[1, 0], [1, 0], [0, 0], [1, 0]], bool)},
            r"every task needs at least one present run; task\(s\) \[1\] have none",
        ),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    scores = np.zeros((4, 2))
    with pytest.raises(ValueError, match=match):
        iqm(scores, rng=np.random.default_rng(0), **kwargs)  # type: ignore[arg-type]


def test_bad_scores_shape() -> None:
    with pytest.raises(ValueError, match=r"scores must be \(n_runs, n_tasks\).*got shape \(5,\)"):
        mean(np.zeros(5), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"need at least one task"):
        median_quartiles(np.zeros((3, 0)))


@pytest.mark.parametrize("n_runs", [*range(1, 21), 40])
def test_resampled_iqm_is_bit_for_bit_that_of_sorting_each_resample(
    n_runs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the sorting network and the column-by-column mean (few runs) must add exactly the
    # numbers numpy's sort and mean add, in the same order: figures must not move
    rng = np.random.default_rng(n_runs)
    data = np.round(rng.normal(size=(9, n_runs)), 1)  # many ties, and -0.0 beside 0.0
    data[0] = -0.0
    indices = stratified_bootstrap_indices(
        np.ones((n_runs, 1), dtype=bool), 300, rng=np.random.default_rng(0)
    )
    fast = _bootstrap._resampled_iqm(data, indices)
    cut = n_runs // 4
    middle = np.sort(data[:, indices], axis=-1)[..., cut : n_runs - cut]
    literal = np.ascontiguousarray(middle).mean(axis=-1)
    np.testing.assert_array_equal(fast, literal)  # -0.0 and 0.0 may sort either way
    monkeypatch.setattr(_bootstrap, "_NETWORK_MAX_RUNS", 0)
    monkeypatch.setattr(_bootstrap, "_SEQUENTIAL_SUM_MAX", 0)
    assert _bootstrap._resampled_iqm(data, indices).tobytes() == fast.tobytes()


@pytest.mark.parametrize("n", range(1, 17))
def test_the_sorting_network_sorts(n: int) -> None:
    rng = np.random.default_rng(n)
    rows = rng.integers(0, max(n - 1, 1), size=(50, n)).astype(np.int16)
    np.testing.assert_array_equal(_bootstrap._sorted_rows(rows.copy()), np.sort(rows, axis=-1))
    # every pair of positions that might be out of order is compared at some point
    assert all(i < j < n for i, j in _bootstrap._merge_network(n))
