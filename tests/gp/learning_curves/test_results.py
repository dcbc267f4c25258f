"""`ResultIndex`: reading a log piece by piece gives what one full pass gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.gp.learning_curves._results import LogEntry, ResultIndex

DIM = 3


def full_pass(log: list[LogEntry]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reference: the latest result per (trial, level) in order of first
    appearance, the level of each row and the number of levels each row's trial
    reached, from a dictionary built over the whole log."""
    rows: dict[tuple[int, float], tuple[float, np.ndarray]] = {}
    for trial_id, level, value, vector in log:
        rows[(trial_id, level)] = (value, vector)
    reached: dict[int, int] = {}
    for trial_id, _ in rows:
        reached[trial_id] = reached.get(trial_id, 0) + 1
    vectors = np.array([vector for _, vector in rows.values()]).reshape(len(rows), DIM)
    values = np.array([value for value, _ in rows.values()])
    levels = np.array([level for _, level in rows])
    priority = np.array([reached[trial_id] for trial_id, _ in rows], dtype=float)
    return vectors, values, levels, priority


def check(index: ResultIndex, log: list[LogEntry]) -> None:
    vectors, values, levels, priority = full_pass(log)
    assert len(index) == len(values)
    np.testing.assert_array_equal(index.vectors, vectors)
    np.testing.assert_array_equal(index.values, values)
    np.testing.assert_array_equal(np.array(index.levels)[index.level_codes], levels)
    np.testing.assert_array_equal(index.priority(), priority)
    highest: dict[int, float] = {}
    for trial_id, level, _, _ in log:
        highest[trial_id] = max(level, highest.get(trial_id, -math.inf))
    assert index.highest == highest


entries = st.lists(
    st.tuples(
        st.integers(0, 12),
        st.sampled_from([1.0, 3.0, 9.0, 27.0]),
        st.floats(-10, 10, allow_nan=False),
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(entries, st.lists(st.integers(1, 80), max_size=6))
def test_reading_new_entries_equals_a_full_pass(
    raw: list[tuple[int, float, float]], cuts: list[int]
) -> None:
    rng = np.random.default_rng(len(raw))
    log: list[LogEntry] = []
    index = ResultIndex(DIM)
    positions = sorted({min(c, len(raw)) for c in cuts} | {len(raw)})
    start = 0
    for stop in positions:  # the log grows between looks, as during an experiment
        for trial_id, level, value in raw[start:stop]:
            log.append((trial_id, level, value, rng.uniform(size=DIM)))
        start = stop
        assert index.sync(log) is index
        check(index, log)
    check(index.sync(log), log)  # nothing new: unchanged


def test_a_replaced_or_shortened_log_is_read_again() -> None:
    rng = np.random.default_rng(0)
    log: list[LogEntry] = [
        (t % 5, float(1 + t % 3), float(t), rng.uniform(size=DIM)) for t in range(40)
    ]
    index = ResultIndex(DIM)
    check(index.sync(log), log)
    other = list(log[:10])  # another list (e.g. after load_state_dict)
    check(index.sync(other), other)
    del other[5:]  # cut in place
    check(index.sync(other), other)
    check(index.sync([]), [])


def test_capacity_grows_beyond_the_initial_rows() -> None:
    log: list[LogEntry] = []
    index = ResultIndex(DIM)
    for t in range(100):
        log.append((t, 1.0, float(t), np.full(DIM, t, dtype=float)))
        if t in (0, 15, 16, 32, 99):
            check(index.sync(log), log)


def test_bad_dimension_is_named() -> None:
    with pytest.raises(ValueError, match="dim must be >= 0, got -1"):
        ResultIndex(-1)
