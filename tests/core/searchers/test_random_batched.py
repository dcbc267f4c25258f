"""`RandomSearcher`'s block draws make the decisions of its one-at-a-time draws.

The reference is the same searcher with the block draws switched off (`_blocks = None`,
the loop of single `sample_config` draws): both must suggest the same configurations
and leave the generator in the same state, so that every later decision agrees.
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tunelab.core.space.categorical as ordinals
from tunelab.core.searchers import RandomSearcher
from tunelab.core.searchers import _block_draws as block_draws
from tunelab.core.searchers._block_draws import BlockDraws
from tunelab.core.space import (
    Ordinal,
    choice,
    config_key,
    grid_configs,
    logordinal,
    ordinal,
    sample_config,
    uniform,
)
from tunelab.core.trial import Config

GRID = {
    "lr": logordinal([1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]),
    "wd": logordinal([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 2e-1, 3e-1, 5e-1]),
    "width": ordinal([16, 32, 48, 64, 96, 128, 192, 256, 384, 512]),
}
# members whose exact midpoints are dyadic, so that ties of the nearest-point rule occur
TIES = ordinal([0, 1, 2, 3, 4])


def position(domain: Ordinal, u: float) -> int:
    """The position of the member the scalar `_decode_unit` gives for `u`."""
    return domain.categories.index(domain._decode_unit([u]))


def block_positions(domain: Ordinal, units: np.ndarray) -> list[int]:
    positions: list[int] = np.searchsorted(domain._decode_steps(), units, side="right").tolist()
    return positions


def steps_from_scratch(domain: Ordinal) -> np.ndarray:
    """The decoding steps by bisection over all of `[0, 1]` (on the doubles' bit
    patterns), as they were first worked out: the reference of the search from the
    exact midpoints."""
    below = np.arange(len(domain.categories) - 1)
    low = np.zeros_like(below, dtype=np.int64)
    high = np.full_like(low, np.float64(1.0).view(np.int64))
    while np.any(high - low > 1):
        middle = (low + high) // 2
        past = domain._unit_positions(middle.view(np.float64)) > below
        high = np.where(past, middle, high)
        low = np.where(past, low, middle)
    steps: np.ndarray = high.view(np.float64).copy()
    steps[domain._unit_positions(np.ones(len(below))) <= below] = np.inf
    return steps


def same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    """Whether two generators are in the same state (MT19937's holds an array)."""

    def equal(x: Any, y: Any) -> bool:
        if isinstance(x, dict):
            return (
                isinstance(y, dict) and x.keys() == y.keys() and all(equal(x[k], y[k]) for k in x)
            )
        if isinstance(x, np.ndarray):
            return bool(np.array_equal(x, y))
        return bool(x == y)

    return equal(a.bit_generator.state, b.bit_generator.state)


def scalar_twin(searcher: RandomSearcher) -> RandomSearcher:
    """A copy of `searcher` that draws one configuration at a time."""
    twin: RandomSearcher = pickle.loads(pickle.dumps(searcher))
    twin._blocks = None
    return twin


def run_both(
    searcher: RandomSearcher, n: int, start: int = 0
) -> tuple[list[Config | None], list[Config | None]]:
    """`n` suggestions of `searcher` and of its scalar twin; checks the generator states."""
    twin = scalar_twin(searcher)
    batched = [searcher.suggest(start + i) for i in range(n)]
    scalar = [twin.suggest(start + i) for i in range(n)]
    assert same_state(searcher._rng, twin._rng)
    assert searcher._seen == twin._seen
    return batched, scalar


def used_up(
    space: dict[str, Any], seed: int | np.random.Generator, **options: Any
) -> RandomSearcher:
    """A searcher of `space` run until it is exhausted, checked against its scalar twin."""
    searcher = RandomSearcher(space, seed=seed, **options)
    size = math.prod(len(e.categories) for e in space.values() if isinstance(e, Ordinal))
    batched, scalar = run_both(searcher, size + 1)
    assert batched == scalar
    assert batched[-1] is None and None not in batched[:-1]
    assert len({config_key(c) for c in batched if c is not None}) == size
    return searcher


# -- the decoding -----------------------------------------------------------------------

DOMAINS = [
    GRID["lr"],
    GRID["wd"],
    GRID["width"],
    TIES,
    ordinal([-3.5, -1.0, 0.0, 0.25, 7.0]),
    logordinal([1, 2, 4, 8, 16, 32]),
    ordinal([0.1, 0.2, 0.3]),  # midpoints not exactly representable
    ordinal([5]),
    ordinal(["a", "b", "c", "d", "e", "f", "g"]),  # kind "equal"
    ordinal([1, 3, 10], kind="equal"),
]


@pytest.mark.parametrize("domain", DOMAINS, ids=repr)
def test_steps_are_where_the_scalar_decoding_steps(domain: Ordinal) -> None:
    # The scalar decoding never decreases in u; so it agrees with the steps everywhere
    # when, at each step, the double below decodes below it and the step itself past it.
    steps = domain._decode_steps()
    assert steps.shape == (len(domain.categories) - 1,)
    assert np.all(np.diff(steps) >= 0)
    for i, step in enumerate(steps.tolist()):
        if math.isinf(step):
            assert position(domain, 1.0) <= i
            continue
        assert 0.0 < step <= 1.0
        assert position(domain, math.nextafter(step, 0.0)) <= i < position(domain, step)


@pytest.mark.parametrize("domain", DOMAINS, ids=repr)
def test_steps_decode_as_the_scalar_rule_at_ends_ties_and_random_points(domain: Ordinal) -> None:
    rng = np.random.default_rng(0)
    k = len(domain.categories)
    special = [0.0, 5e-324, 1e-300, 0.5, math.nextafter(1.0, 0.0), 1.0]
    special += [i / (2 * (k - 1)) for i in range(2 * k - 1)] if k > 1 else []  # ties
    special += [math.nextafter(u, 2.0) for u in special if u < 1.0]
    special += [math.nextafter(u, -1.0) for u in special if u > 0.0]
    units = np.array(sorted(special) + rng.random(20_000).tolist())
    expected = [position(domain, u) for u in units.tolist()]
    assert block_positions(domain, units) == expected
    assert expected[: len(special)] == sorted(expected[: len(special)])  # monotone


EXTREME = [
    ordinal([1e-300, 1e-299, 1.0]),
    ordinal([0.0, 5e-324, 1e-323]),  # neighbours one double apart
    ordinal([-1e300, 0.0, 1e300]),
    logordinal([1e-300, 1e-10, 1e300]),
    ordinal([1.0, 1.0000000000000002, 2.0]),  # a gap of one double at the start
    ordinal(list(range(1000))),
    logordinal([2.0**e for e in range(-40, 40)]),
]


@pytest.mark.parametrize("domain", DOMAINS + EXTREME, ids=repr)
def test_steps_searched_from_the_midpoints_are_those_of_a_bisection_from_scratch(
    domain: Ordinal,
) -> None:
    assert np.array_equal(domain._decode_steps(), steps_from_scratch(domain))


@pytest.mark.parametrize("domain", DOMAINS + EXTREME, ids=repr)
def test_steps_searched_together_are_those_walked_to(
    domain: Ordinal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no walk at all: every step from the bracket-and-halve search, from bad starts too
    walked = domain._decode_steps()
    monkeypatch.setattr(ordinals, "_STEP_WALK", 0)
    assert np.array_equal(domain._decode_steps(), walked)
    below = np.arange(len(walked))
    for start in (0.0, 0.5, 1.0):
        assert np.array_equal(domain._search_steps(below, np.full(len(walked), start)), walked)


@pytest.mark.parametrize("domain", DOMAINS + EXTREME, ids=repr)
def test_unit_position_is_the_position_of_the_decoded_member(domain: Ordinal) -> None:
    units = np.random.default_rng(1).random(2000)
    positions = [domain._unit_position(u) for u in units.tolist()]
    assert positions == [position(domain, u) for u in units.tolist()]
    assert positions == domain._unit_positions(units).tolist()


@settings(max_examples=300, deadline=None)
@given(
    members=st.lists(
        st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False), min_size=1, max_size=12
    ).map(lambda xs: sorted(set(xs))),
    log=st.booleans(),
    walk=st.sampled_from([0, 1, 24]),
)
def test_steps_equal_a_bisection_from_scratch_on_any_members(
    members: list[float], log: bool, walk: int
) -> None:
    if log:
        members = [m for m in members if m > 0] or [1.0]
    domain = logordinal(members) if log else ordinal(members)
    assert isinstance(domain, Ordinal)
    original = ordinals._STEP_WALK
    ordinals._STEP_WALK = walk  # hypothesis runs many examples per test call
    try:
        assert np.array_equal(domain._decode_steps(), steps_from_scratch(domain))
    finally:
        ordinals._STEP_WALK = original


def test_midpoints_go_to_the_lower_member_in_both_decodings() -> None:
    # 0.125 * 4 = 0.5: exactly between 0 and 1
    assert position(TIES, 0.125) == 0
    assert block_positions(TIES, np.array([0.125, 0.375, 0.625, 0.875])) == [0, 1, 2, 3]


@settings(max_examples=200, deadline=None)
@given(
    members=st.lists(
        st.floats(0.001, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=8
    ).map(lambda xs: sorted(set(xs))),
    log=st.booleans(),
    units=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50),
)
def test_steps_decode_as_the_scalar_rule_on_any_members(
    members: list[float], log: bool, units: list[float]
) -> None:
    domain = logordinal(members) if log else ordinal(members)
    assert isinstance(domain, Ordinal)
    assert block_positions(domain, np.array(units)) == [position(domain, u) for u in units]


# -- the block draws ---------------------------------------------------------------------


def test_which_spaces_draw_in_blocks() -> None:
    assert BlockDraws.of(GRID) is not None
    assert BlockDraws.of({**GRID, "epochs": 10, "tags": ["x"]}) is not None
    assert BlockDraws.of({**GRID, "act": choice(["a", "b"])}) is None
    assert BlockDraws.of({**GRID, "x": uniform(0.0, 1.0)}) is None
    assert BlockDraws.of({"a": ordinal(["x", "y"])}) is None  # kind "equal"
    assert BlockDraws.of({"epochs": 10}) is None  # nothing to draw
    alike: dict[Any, Any] = {1: ordinal([1, 2]), "1": ordinal([3, 4])}
    assert BlockDraws.of(alike) is None  # names that print alike


@pytest.mark.parametrize("rows", [0.0, math.inf], ids=["by rows", "by block"])
@pytest.mark.parametrize("first_new", [0, 1, 37, 98, 99, None])
def test_a_block_stops_at_the_first_unused_row_and_rewinds_to_it(
    first_new: int | None, rows: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both ways: a row at a time, and one block (with the rewind)
    monkeypatch.setattr(block_draws, "_ROWS_ONE_AT_A_TIME", rows)
    space = {"a": ordinal(list(range(40))), "b": logordinal([1, 2, 4, 8, 16]), "c": 3}
    blocks = BlockDraws.of(space)
    assert blocks is not None
    for seed in range(100):
        rng = np.random.default_rng(seed)
        start = rng.bit_generator.state
        draws = [sample_config(space, rng) for _ in range(100)]
        stop = 100 if first_new is None else first_new
        seen = {config_key(c) for c in draws[:stop]}
        if first_new is not None and config_key(draws[first_new]) in seen:
            continue  # the row meant to be new repeats an earlier one: another seed
        expected_state = rng.bit_generator.state
        if first_new is not None:
            rng.bit_generator.state = start
            for _ in range(first_new + 1):
                sample_config(space, rng)
            expected_state = rng.bit_generator.state
        rng.bit_generator.state = start
        found = blocks.first_unused(rng, seen, 100)
        assert rng.bit_generator.state == expected_state
        if first_new is None:
            assert found is None
        else:
            assert found == (draws[first_new], config_key(draws[first_new]))
        return
    pytest.fail("no seed gave the case")


@pytest.mark.parametrize(
    "space",
    [
        GRID,
        {"a": ordinal([1, 2, 3]), "b": logordinal([0.5, 1.0])},
        {"a": ordinal(list(range(60)))},
        {"z": TIES, "epochs": 10, "a": logordinal([1, 10, 100]), "tags": ["x", 1.0], "b": -0.0},
        {"w": ordinal([0.1, 0.2, 0.3]), "v": ordinal([2, 3, 5, 7, 11, 13, 17])},
    ],
    ids=["grid", "2x3", "60", "constants", "3x7"],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_same_suggestions_and_generator_until_the_space_is_used_up(
    space: dict[str, Any], seed: int
) -> None:
    searcher = used_up(space, seed)
    assert searcher._blocks is not None and searcher._blocks._decode_steps is not None  # used


@pytest.mark.parametrize("rows", [0.0, 8.0, math.inf], ids=["block", "mixed", "rows"])
def test_the_same_decisions_a_row_at_a_time_or_by_block(
    rows: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(block_draws, "_ROWS_ONE_AT_A_TIME", rows)
    for seed in range(3):
        used_up(GRID, seed)
        used_up({"w": ordinal([0.1, 0.2, 0.3]), "v": ordinal([2, 3, 5, 7, 11, 13, 17])}, seed)


@pytest.mark.parametrize(
    "space",
    [
        GRID,
        {"z": TIES, "epochs": 10, "a": logordinal([1, 10, 100]), "tags": ["x", 1.0], "b": -0.0},
        {"b": ordinal([0.1, 0.2, 0.3]), "a": ordinal(list(range(7))), "c": {"k": [1]}},
    ],
    ids=["grid", "constants", "unsorted names"],
)
@pytest.mark.parametrize("used", [0, 1, 500, 999])
def test_the_unused_configurations_are_those_of_the_grid_in_its_order(
    space: dict[str, Any], used: int
) -> None:
    blocks = BlockDraws.of(space)
    assert blocks is not None
    every = list(grid_configs(space, 100_000))
    rng = np.random.default_rng(used)
    picked = rng.choice(len(every), size=min(used, len(every)), replace=False)
    seen = {config_key(every[i]) for i in picked.tolist()}
    expected = [c for c in every if config_key(c) not in seen]
    unused = blocks.unused(seen)
    assert unused == expected
    assert [list(c) for c in unused] == [list(c) for c in expected]  # the names' order
    if len(unused) > 1 and "c" in space:
        assert unused[0]["c"] is not unused[1]["c"]  # constants copied, as the grid does


def test_a_nearly_used_up_searcher_enumerates_what_the_grid_gives() -> None:
    searcher = RandomSearcher(GRID, seed=4)
    twin = scalar_twin(searcher)
    for trial_id in range(1000):
        assert searcher.suggest(trial_id) == twin.suggest(trial_id)
        if searcher._unused is not None:
            assert twin._unused is not None
            assert searcher._unused == twin._unused  # the same list, in the same order
            break
    else:
        pytest.fail("the searcher never enumerated the unused configurations")


@pytest.mark.parametrize("bit_generator", [np.random.MT19937, np.random.Philox, np.random.SFC64])
def test_the_same_decisions_with_other_bit_generators(
    bit_generator: type[np.random.BitGenerator],
) -> None:
    # a block of n doubles takes from every bit generator what n single draws take
    used_up(GRID, np.random.Generator(bit_generator(5)))


def test_initial_points_and_constants_are_kept() -> None:
    space = {**GRID, "epochs": 100, "tags": ["a"]}
    initial = [{"lr": 1e-3, "wd": 1e-4, "width": 64}, {}]
    searcher = used_up(space, 7, points_to_evaluate=initial)
    assert not searcher._pending_initial


def test_a_space_with_a_categorical_draws_one_at_a_time() -> None:
    space = {**GRID, "act": choice(["relu", "tanh"])}
    searcher = RandomSearcher(space, seed=3)
    assert searcher._blocks is None
    rng = np.random.default_rng()
    rng.bit_generator.state = searcher.state_dict()["rng"]
    seen: set[tuple[Any, ...]] = set()
    for trial_id in range(1500):  # past half of the 2,000 configurations
        for _ in range(100):  # the loop of single draws, written out
            expected = sample_config(space, rng)
            if config_key(expected) not in seen:
                seen.add(config_key(expected))
                break
        assert searcher.suggest(trial_id) == expected
    assert searcher._rng.bit_generator.state == rng.bit_generator.state


def test_a_restored_searcher_continues_identically() -> None:
    original = RandomSearcher(GRID, seed=11)
    first = [original.suggest(i) for i in range(700)]  # the block draws have begun
    restored = RandomSearcher(GRID, seed=12)
    restored.load_state_dict(pickle.loads(pickle.dumps(original.state_dict())))
    twin = scalar_twin(restored)
    rest = [original.suggest(700 + i) for i in range(301)]
    assert [restored.suggest(700 + i) for i in range(301)] == rest
    assert [twin.suggest(700 + i) for i in range(301)] == rest
    assert original._rng.bit_generator.state == restored._rng.bit_generator.state
    assert original._rng.bit_generator.state == twin._rng.bit_generator.state
    assert rest[-1] is None
    assert len({config_key(c) for c in first + rest if c is not None}) == 1000


ORDINALS = [
    TIES,
    ordinal([1, 2]),
    ordinal([0.1, 0.2, 0.3]),
    logordinal([1, 3, 9, 27]),
    ordinal([5]),
]
CONSTANTS = [10, -0.0, "s", ["x", 2.0], {"k": 1}]


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(st.sampled_from(ORDINALS + CONSTANTS), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_same_decisions_on_any_space_of_ordinals_and_constants(
    entries: list[Any], seed: int
) -> None:
    space = {f"h{i}": entry for i, entry in enumerate(entries)}
    if BlockDraws.of(space) is None:  # constants only
        return
    used_up(space, seed)
