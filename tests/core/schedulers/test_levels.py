"""The geometric rung levels shared by asynchronous and synchronous Hyperband.

`EXPECTED` was recorded by running the two former functions (before issue 15 merged
them): `synchronous.brackets.geometric_levels(min_resource=g, max_resource=r,
reduction_factor=eta)` gave `levels`, `hyperband.levels.geometric_levels(g, eta, r)`
gave `rungs`. The shared function must reproduce both, value and type, so that no
scheduler decision changes.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from tunelab.core.schedulers._levels import geometric_levels
from tunelab.core.schedulers.hyperband import RungSystem
from tunelab.core.schedulers.synchronous import geometric_brackets

# (min_resource, reduction_factor, max_resource, levels, rungs)
EXPECTED: list[tuple[float, float, float, list[float], list[float]]] = [
    (1, 2, 9, [1, 2, 4, 8, 9], [1, 2, 4, 8]),
    (1, 2, 27, [1, 2, 4, 8, 16, 27], [1, 2, 4, 8, 16]),
    (1, 2, 50, [1, 2, 4, 8, 16, 32, 50], [1, 2, 4, 8, 16, 32]),
    (1, 2, 81, [1, 2, 4, 8, 16, 32, 64, 81], [1, 2, 4, 8, 16, 32, 64]),
    (1, 2, 100, [1, 2, 4, 8, 16, 32, 64, 100], [1, 2, 4, 8, 16, 32, 64]),
    (1, 3, 9, [1, 3, 9], [1, 3]),
    (1, 3, 27, [1, 3, 9, 27], [1, 3, 9]),
    (1, 3, 50, [1, 3, 9, 27, 50], [1, 3, 9, 27]),
    (1, 3, 81, [1, 3, 9, 27, 81], [1, 3, 9, 27]),
    (1, 3, 100, [1, 3, 9, 27, 81, 100], [1, 3, 9, 27, 81]),
    (1, 4, 9, [1, 4, 9], [1, 4]),
    (1, 4, 27, [1, 4, 16, 27], [1, 4, 16]),
    (1, 4, 50, [1, 4, 16, 50], [1, 4, 16]),
    (1, 4, 81, [1, 4, 16, 64, 81], [1, 4, 16, 64]),
    (1, 4, 100, [1, 4, 16, 64, 100], [1, 4, 16, 64]),
    (2, 2, 9, [2, 4, 8, 9], [2, 4, 8]),
    (2, 2, 27, [2, 4, 8, 16, 27], [2, 4, 8, 16]),
    (2, 2, 50, [2, 4, 8, 16, 32, 50], [2, 4, 8, 16, 32]),
    (2, 2, 81, [2, 4, 8, 16, 32, 64, 81], [2, 4, 8, 16, 32, 64]),
    (2, 2, 100, [2, 4, 8, 16, 32, 64, 100], [2, 4, 8, 16, 32, 64]),
    (2, 3, 9, [2, 6, 9], [2, 6]),
    (2, 3, 27, [2, 6, 18, 27], [2, 6, 18]),
    (2, 3, 50, [2, 6, 18, 50], [2, 6, 18]),
    (2, 3, 81, [2, 6, 18, 54, 81], [2, 6, 18, 54]),
    (2, 3, 100, [2, 6, 18, 54, 100], [2, 6, 18, 54]),
    (2, 4, 9, [2, 8, 9], [2, 8]),
    (2, 4, 27, [2, 8, 27], [2, 8]),
    (2, 4, 50, [2, 8, 32, 50], [2, 8, 32]),
    (2, 4, 81, [2, 8, 32, 81], [2, 8, 32]),
    (2, 4, 100, [2, 8, 32, 100], [2, 8, 32]),
    (3, 2, 9, [3, 6, 9], [3, 6]),
    (3, 2, 27, [3, 6, 12, 24, 27], [3, 6, 12, 24]),
    (3, 2, 50, [3, 6, 12, 24, 48, 50], [3, 6, 12, 24, 48]),
    (3, 2, 81, [3, 6, 12, 24, 48, 81], [3, 6, 12, 24, 48]),
    (3, 2, 100, [3, 6, 12, 24, 48, 96, 100], [3, 6, 12, 24, 48, 96]),
    (3, 3, 9, [3, 9], [3]),
    (3, 3, 27, [3, 9, 27], [3, 9]),
    (3, 3, 50, [3, 9, 27, 50], [3, 9, 27]),
    (3, 3, 81, [3, 9, 27, 81], [3, 9, 27]),
    (3, 3, 100, [3, 9, 27, 81, 100], [3, 9, 27, 81]),
    (3, 4, 9, [3, 9], [3]),
    (3, 4, 27, [3, 12, 27], [3, 12]),
    (3, 4, 50, [3, 12, 48, 50], [3, 12, 48]),
    (3, 4, 81, [3, 12, 48, 81], [3, 12, 48]),
    (3, 4, 100, [3, 12, 48, 100], [3, 12, 48]),
    (0.5, 2, 3, [0.5, 1, 2, 3], [0.5, 1, 2]),
    (1, 3.1, 10, [1, 3, 10], [1, 3]),
    (1.5, 3, 50, [1.5, 4.5, 13.5, 40.5, 50], [1.5, 4.5, 13.5, 40.5]),
    (5, 3, 5, [5], []),
    (
        1,
        2,
        1000,
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    ),
    (2, 2.5, 64.0, [2, 5, 12, 31, 64], [2, 5, 12, 31]),
    (0.1, 3, 1.0, [0.1, 0.30000000000000004, 0.9, 1], [0.1, 0.30000000000000004, 0.9]),
    (1.0, 3, 27, [1, 3, 9, 27], [1, 3, 9]),
]


def _typed(values: Iterable[float]) -> list[tuple[type, float]]:
    return [(type(value), value) for value in values]


@pytest.mark.parametrize(("min_resource", "eta", "max_resource", "levels", "rungs"), EXPECTED)
def test_levels_match_the_former_synchronous_function(
    min_resource: float, eta: float, max_resource: float, levels: list[float], rungs: list[float]
) -> None:
    got = geometric_levels(
        min_resource=min_resource, max_resource=max_resource, reduction_factor=eta
    )
    assert _typed(got) == _typed(levels)


@pytest.mark.parametrize(("min_resource", "eta", "max_resource", "levels", "rungs"), EXPECTED)
def test_rung_system_levels_match_the_former_asynchronous_function(
    min_resource: float, eta: float, max_resource: float, levels: list[float], rungs: list[float]
) -> None:
    system = RungSystem(
        max_resource=max_resource, grace_period=min_resource, reduction_factor=eta, brackets=None
    )
    assert _typed(system.levels) == _typed([*rungs, max_resource])


@pytest.mark.parametrize(("min_resource", "eta", "max_resource", "levels", "rungs"), EXPECTED)
def test_synchronous_brackets_use_the_same_levels(
    min_resource: float, eta: float, max_resource: float, levels: list[float], rungs: list[float]
) -> None:
    brackets = geometric_brackets(
        min_resource=min_resource, max_resource=max_resource, reduction_factor=eta
    )
    assert [list(bracket.levels) for bracket in brackets] == [
        levels[offset:] for offset in range(len(levels))
    ]


@pytest.mark.parametrize(
    ("min_resource", "max_resource", "eta", "message"),
    [
        (0, 9, 3, "grace_period must be a number > 0"),
        (1, -1, 3, "max_resource must be a number > 0"),
        (10, 9, 3, "grace_period=10 must not exceed max_resource=9"),
        (1, 9, 1.5, "reduction_factor must be a number >= 2"),
        (True, 9, 3, "grace_period must be a number > 0"),
    ],
)
def test_bad_arguments(min_resource: float, max_resource: float, eta: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        geometric_levels(min_resource=min_resource, max_resource=max_resource, reduction_factor=eta)
