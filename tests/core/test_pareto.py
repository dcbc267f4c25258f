"""`tunelab.core._pareto`: the order MOASHA, NSGA-II and MOREA rank points by."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tunelab.core._pareto import costs_of, pareto_order, pareto_scores
from tunelab.core.multiobjective import nondominated_ranks

# front 0: (0, 4), (1, 2), (1.5, 1.8), (4, 0); front 1: (2, 3); front 2: (5, 5)
COSTS = np.array([[2.0, 3.0], [0.0, 4.0], [1.5, 1.8], [4.0, 0.0], [5.0, 5.0], [1.0, 2.0]])


def test_fronts_first_then_crowding_then_the_row() -> None:
    fronts, spread = pareto_scores(COSTS)
    assert fronts.tolist() == [1, 0, 0, 0, 2, 0]
    # (1, 2) and (1.5, 1.8) sit between the ends (0, 4) and (4, 0) of front 0
    assert spread[[1, 3]].tolist() == [np.inf, np.inf]
    assert spread[5] == pytest.approx(1.5 / 4 + 2.2 / 4)
    assert spread[2] == pytest.approx(3.0 / 4 + 2.0 / 4)
    assert pareto_order(COSTS).tolist() == [1, 3, 2, 5, 0, 4]


def test_the_hypervolume_tie_break_favours_the_largest_exclusive_box() -> None:
    # reference: worst + 10 % of the range = (5.5, 5.5); exclusive boxes of front 0:
    # (0, 4): 1 x 1.5, (1, 2): 0.5 x 2, (1.5, 1.8): 2.5 x 0.2, (4, 0): 1.5 x 1.8
    _, spread = pareto_scores(COSTS, "hypervolume")
    assert spread[[1, 5, 2, 3]] == pytest.approx([1.5, 1.0, 0.5, 2.7])
    assert pareto_order(COSTS, "hypervolume").tolist() == [3, 1, 5, 2, 0, 4]


def test_rows_with_a_nan_or_an_infinity_come_last_in_row_order() -> None:
    costs = np.array([[np.inf, 0.0], [1.0, 1.0], [np.nan, -1.0], [2.0, 2.0]])
    fronts, spread = pareto_scores(costs)
    assert fronts.tolist() == [4, 0, 4, 1] and spread[[0, 2]].tolist() == [0.0, 0.0]
    assert pareto_order(costs).tolist() == [1, 3, 0, 2]
    assert pareto_order(np.full((2, 2), np.nan)).tolist() == [0, 1]


@settings(max_examples=100, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 3)), elements=st.integers(0, 4)))
def test_the_order_lists_each_row_once_front_by_front(costs: np.ndarray) -> None:
    order = pareto_order(costs)
    assert sorted(order.tolist()) == list(range(len(costs)))
    ranks = nondominated_ranks(costs, ["min"] * costs.shape[1])
    assert np.all(np.diff(ranks[order]) >= 0)


def test_costs_negate_maximised_metrics_and_name_what_is_wrong() -> None:
    costs = costs_of({"a": 1, "b": 2.5}, ["a", "b"], ["min", "max"], where="here")
    assert costs.tolist() == [1.0, -2.5]
    with pytest.raises(ValueError, match=r"here: result \['a'\] lacks the metric 'b'"):
        costs_of({"a": 1}, ["a", "b"], ["min", "max"], where="here")
    with pytest.raises(ValueError, match=r"here: metric 'a' must be a number, got \[1\]"):
        costs_of({"a": [1]}, ["a"], ["min"], where="here")
