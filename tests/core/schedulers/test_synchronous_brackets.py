"""Brackets of synchronous Hyperband: geometric sizes and levels, explicit brackets."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tunelab.core.schedulers.synchronous import (
    Bracket,
    BracketRung,
    geometric_brackets,
    geometric_levels,
)


def test_hyperband_brackets_for_1_to_27_with_eta_3() -> None:
    brackets = geometric_brackets(min_resource=1, max_resource=27, reduction_factor=3)
    assert [b.sizes for b in brackets] == [(27, 9, 3, 1), (12, 4, 2), (6, 2), (4,)]
    assert [b.levels for b in brackets] == [(1, 3, 9, 27), (3, 9, 27), (9, 27), (27,)]
    assert all(isinstance(level, int) for b in brackets for level in b.levels)


def test_successive_halving_is_the_first_bracket() -> None:
    (bracket,) = geometric_brackets(
        min_resource=1, max_resource=27, reduction_factor=3, num_brackets=1
    )
    assert bracket == Bracket.of((27, 1), (9, 3), (3, 9), (1, 27))


def test_brackets_of_the_reference_with_200_epochs() -> None:
    # Syne Tune's multi-fidelity tutorial (NASBench-201, r_max=200): N = 243, 98, 41, ...
    brackets = geometric_brackets(min_resource=1, max_resource=200, reduction_factor=3)
    assert [b.sizes[0] for b in brackets] == [243, 98, 41, 18, 9, 6]
    assert brackets[0].levels == (1, 3, 9, 27, 81, 200)
    assert brackets[0].sizes == (243, 81, 27, 9, 3, 1)


def test_levels_that_round_together_are_merged() -> None:
    assert geometric_levels(min_resource=1, max_resource=10, reduction_factor=3.1) == [1, 3, 10]
    assert geometric_levels(min_resource=0.5, max_resource=3, reduction_factor=2) == [
        0.5,
        1,
        2,
        3,
    ]
    assert geometric_levels(min_resource=5, max_resource=5, reduction_factor=3) == [5]


@given(
    min_resource=st.integers(1, 20),
    ratio=st.floats(1.0, 500.0),
    reduction_factor=st.floats(2.0, 6.0),
)
def test_geometric_brackets_are_well_formed(
    min_resource: int, ratio: float, reduction_factor: float
) -> None:
    max_resource = max(min_resource, round(min_resource * ratio))
    levels = geometric_levels(
        min_resource=min_resource, max_resource=max_resource, reduction_factor=reduction_factor
    )
    assert levels[0] == min_resource and levels[-1] == max_resource
    assert all(a < b for a, b in itertools.pairwise(levels))
    brackets = geometric_brackets(
        min_resource=min_resource, max_resource=max_resource, reduction_factor=reduction_factor
    )
    assert len(brackets) == len(levels)
    for offset, bracket in enumerate(brackets):
        assert bracket.levels == tuple(levels[offset:])
        assert all(a > b for a, b in itertools.pairwise(bracket.sizes))
        assert bracket.sizes[-1] >= 1
        assert bracket.sizes[0] >= math.ceil(reduction_factor ** (len(bracket.rungs) - 1) - 1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reduction_factor": 1.5}, "reduction_factor must be a number >= 2, got 1.5"),
        ({"min_resource": 0}, "grace_period must be a number > 0, got 0"),
        ({"min_resource": 30}, "grace_period=30 must not exceed max_resource=27"),
        (
            {"num_brackets": 0},
            r"brackets=0 is out of range: the levels \[1, 3, 9, 27\] allow 1 to 4",
        ),
        ({"num_brackets": 5}, "allow 1 to 4 geometric brackets"),
        ({"num_brackets": 2.0}, "brackets must be an int"),
    ],
)
def test_bad_geometric_arguments(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"min_resource": 1, "max_resource": 27, "reduction_factor": 3}
    with pytest.raises(ValueError, match=message):
        geometric_brackets(**{**arguments, **kwargs})


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ((), "at least one rung"),
        (((3, 1), (4, 3)), "rung sizes .* must not grow, got 3 then 4"),
        (((3, 3), (1, 3)), "rung levels .* must increase, got 3 then 3"),
        (((0, 1),), "size must be an int >= 1, got 0"),
        (((2.5, 1),), "size must be an int >= 1, got 2.5"),
        (((2, -1),), "level must be > 0, got -1"),
        (((2, 1, 3),), r"a rung is a \(size, level\) pair, got \(2, 1, 3\)"),
    ],
)
def test_bad_explicit_brackets(pairs: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Bracket.of(*pairs)


def test_explicit_bracket_accessors() -> None:
    bracket = Bracket.of((10, 1.0), (3, 2.5), (1, 10))
    assert bracket.rungs[0] == BracketRung(size=10, level=1)
    assert bracket.sizes == (10, 3, 1)
    assert bracket.levels == (1, 2.5, 10)
    assert repr(bracket) == "Bracket.of((10, 1), (3, 2.5), (1, 10))"
