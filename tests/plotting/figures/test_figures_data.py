"""curve_array / final_array against hand-built frames."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.plotting.figures import curve_array, final_array
from tunelab.plotting.figures._data import (
    Statistic,
    Summary,
    by_benchmark,
    grid_of,
    grids_of,
)


def frame(rows: list[tuple[str, str, int, int, float]], n_grid: int = 2) -> pd.DataFrame:
    """Rows of (benchmark, method, seed, step, value) on the grid x = 10 * (step + 1)."""
    data: pd.DataFrame = pd.DataFrame(
        rows, columns=["benchmark", "method", "seed", "step", "value"]
    )
    data["x"] = 10.0 * (data["step"] + 1)
    data["fraction"] = (data["step"] + 1) / n_grid
    return data


@pytest.fixture
def hand_built() -> pd.DataFrame:
    # bench "a": method A has seeds 1, 3 and B seeds 3, 5 -> runs [1, 3, 5];
    # bench "b": both only seed 0 -> run 0, padded to three runs.
    return frame(
        [
            ("a", "A", 1, 0, 1.0),
            ("a", "A", 1, 1, 0.5),
            ("a", "A", 3, 0, 2.0),
            ("a", "A", 3, 1, 1.5),
            ("a", "B", 3, 0, 3.0),
            ("a", "B", 3, 1, 2.5),
            ("a", "B", 5, 0, 4.0),
            ("a", "B", 5, 1, 3.5),
            ("b", "A", 0, 0, 7.0),
            ("b", "A", 0, 1, 6.0),
            ("b", "B", 0, 1, 8.0),  # step 0 missing -> NaN
        ]
    )


def test_curve_array_pads_missing_seeds(hand_built: pd.DataFrame) -> None:
    values, mask = curve_array(
        hand_built, column="value", methods=["A", "B"], benchmarks=["a", "b"]
    )
    assert values.shape == (2, 3, 2, 2)
    assert mask.shape == (2, 3, 2)
    expected_mask = np.array(
        [
            [[True, True], [True, False], [False, False]],  # A: seeds 1, 3 of a; 0 of b
            [[False, True], [True, False], [True, False]],  # B: seeds 3, 5 of a; 0 of b
        ]
    )
    np.testing.assert_array_equal(mask, expected_mask)
    np.testing.assert_array_equal(values[0, :, 0], [[1.0, 0.5], [2.0, 1.5], [np.nan, np.nan]])
    np.testing.assert_array_equal(values[1, :, 0], [[np.nan, np.nan], [3.0, 2.5], [4.0, 3.5]])
    np.testing.assert_array_equal(values[0, 0, 1], [7.0, 6.0])
    np.testing.assert_array_equal(values[1, 0, 1], [np.nan, 8.0])
    assert np.isnan(values[:, 1:, 1]).all()


def test_curve_array_follows_requested_order(hand_built: pd.DataFrame) -> None:
    values, mask = curve_array(hand_built, column="value", methods=["B"], benchmarks=["b", "a"])
    assert values.shape == (1, 2, 2, 2)  # seeds of "a" among B's runs: 3, 5
    np.testing.assert_array_equal(values[0, 0, 0], [np.nan, 8.0])
    np.testing.assert_array_equal(values[0, :, 1], [[3.0, 2.5], [4.0, 3.5]])
    np.testing.assert_array_equal(mask[0], [[True, True], [False, True]])


def test_final_array_picks_last_step_at_or_below_fraction(hand_built: pd.DataFrame) -> None:
    values, mask = final_array(
        hand_built, column="value", methods=["A", "B"], benchmarks=["a", "b"], fraction=1.0
    )
    assert values.shape == mask.shape == (2, 3, 2)
    np.testing.assert_array_equal(values[0, :, 0], [0.5, 1.5, np.nan])
    np.testing.assert_array_equal(values[1, :, 1], [8.0, np.nan, np.nan])
    half, _ = final_array(
        hand_built, column="value", methods=["A", "B"], benchmarks=["a", "b"], fraction=0.7
    )
    np.testing.assert_array_equal(half[0, :, 0], [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(half[1, :, 1], [np.nan, np.nan, np.nan])


def test_final_array_before_first_grid_point(hand_built: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"before the first grid point .* 'a'"):
        final_array(hand_built, column="value", methods=["A"], benchmarks=["a"], fraction=0.2)
    with pytest.raises(ValueError, match="fraction must be in"):
        final_array(hand_built, column="value", methods=["A"], benchmarks=["a"], fraction=0.0)


def test_curve_array_errors_name_the_problem(hand_built: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"column\(s\) \['regret'\]"):
        curve_array(hand_built, column="regret", methods=["A"], benchmarks=["a"])
    with pytest.raises(
        ValueError, match=r"unknown method\(s\) \['C'\]; the frame has \['A', 'B'\]"
    ):
        curve_array(hand_built, column="value", methods=["C"], benchmarks=["a"])
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['z'\]"):
        curve_array(hand_built, column="value", methods=["A"], benchmarks=["z"])
    repeated = pd.concat([hand_built, hand_built.iloc[:1]])
    with pytest.raises(ValueError, match="repeated row"):
        curve_array(repeated, column="value", methods=["A"], benchmarks=["a"])


@settings(max_examples=40, deadline=None)
@given(
    present=st.lists(st.booleans(), min_size=2 * 2 * 4, max_size=2 * 2 * 4),
    seeds=st.lists(st.integers(0, 50), min_size=4, max_size=4, unique=True),
)
def test_curve_array_round_trips_every_row(present: list[bool], seeds: list[int]) -> None:
    keys = [(b, m, s) for b in ("a", "b") for m in ("A", "B") for s in seeds]
    rows = [
        (b, m, s, step, 100.0 * s + step)
        for (b, m, s), keep in zip(keys, present, strict=True)
        if keep
        for step in range(2)
    ]
    if not rows:
        return
    data = frame(rows)
    methods = sorted(data["method"].unique())
    benchmarks = sorted(data["benchmark"].unique())
    values, mask = curve_array(data, column="value", methods=methods, benchmarks=benchmarks)
    assert mask.sum() == len(rows) // 2
    assert np.isfinite(values).sum() == len(rows)
    for j, benchmark in enumerate(benchmarks):
        runs = sorted(data.loc[data["benchmark"] == benchmark, "seed"].unique())
        for i, method in enumerate(methods):
            for r, seed in enumerate(runs):
                has = (
                    (data["benchmark"] == benchmark)
                    & (data["method"] == method)
                    & (data["seed"] == seed)
                ).any()
                assert mask[i, r, j] == has
                if has:
                    np.testing.assert_array_equal(values[i, r, j], [100.0 * seed, 100.0 * seed + 1])


def test_a_repeated_row_is_named_and_only_among_the_rows_asked_for(
    hand_built: pd.DataFrame,
) -> None:
    repeated = pd.concat(
        [hand_built, hand_built.iloc[[4, 9]]]
    )  # ("a", "B", 3, 0), ("b", "A", 0, 1)
    expected = "{'benchmark': 'a', 'method': 'B', 'seed': 3, 'step': 0}"
    with pytest.raises(ValueError, match=re.escape(f"repeated row for {expected}")):
        curve_array(repeated, column="value", methods=["A", "B"], benchmarks=["a"])
    values, _ = curve_array(repeated, column="value", methods=["A"], benchmarks=["a"])
    assert values.shape == (1, 2, 1, 2)  # the repeats of B and of "b" are not read


def test_grids_and_parts_of_every_benchmark_at_once(hand_built: pd.DataFrame) -> None:
    hand_built.attrs["x_label"] = "time"
    for column in ("x", "fraction"):
        grids = grids_of(hand_built, benchmarks=["b", "a"], column=column)
        for benchmark, grid in zip(["b", "a"], grids, strict=True):
            np.testing.assert_array_equal(
                grid, grid_of(hand_built, benchmark=benchmark, column=column)
            )
    with pytest.raises(ValueError, match=r"unknown benchmark\(s\) \['z'\]"):
        grids_of(hand_built, benchmarks=["z"])
    parts = by_benchmark(hand_built)
    assert list(parts) == ["a", "b"]
    for benchmark, part in parts.items():
        pd.testing.assert_frame_equal(part, hand_built[hand_built["benchmark"] == benchmark])
        assert part.attrs == {"x_label": "time"}


@pytest.mark.parametrize("statistic", ["iqm", "mean", "median"])
def test_a_summary_is_computed_once_per_input(statistic: Statistic) -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((5, 2, 7))
    mask = np.ones((5, 2), dtype=bool)
    mask[4, 1] = False
    summary = Summary(statistic, n_resamples=50, seed=3)
    first = summary.estimate(scores, mask)
    again = summary.estimate(scores.copy(), mask.copy())
    assert again is first  # equal values: the same estimate, not a second bootstrap
    fresh = summary._estimate(scores, mask)
    for name in ("point", "low", "high"):
        np.testing.assert_array_equal(getattr(first, name), getattr(fresh, name))
        assert not getattr(first, name).flags.writeable
    other_seed = Summary(statistic, n_resamples=50, seed=4).estimate(scores, mask)
    assert other_seed is not first
    changed = scores.copy()
    changed[0, 0, 0] += 1.0
    assert summary.estimate(changed, mask) is not first
    assert summary.estimate(scores, ~mask | np.eye(5, 2, dtype=bool)) is not first
