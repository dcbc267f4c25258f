"""`ConfigKeys` is `config_key`, remembered or not, on any configuration."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.core.searchers._keys import ConfigKeys
from tunelab.core.space import (
    choice,
    config_key,
    logordinal,
    ordinal,
    randint,
    sample_config,
    uniform,
)

# values that `config_key` tells apart although some compare (or hash) equal
AWKWARD = [0, 0.0, -0.0, 1, 1.0, True, False, "1", "", math.nan, 2**60, np.float64(-0.0)]
DOMAINS = [
    choice(["a", "b", 3, 2.5, True]),
    choice([0.0, 1.0, "x"]),
    ordinal([1, 2, 4, 8]),
    logordinal([1e-4, 1e-3, 1e-2]),
    randint(-3, 3),
    uniform(-1.0, 1.0),
]
CONSTANTS = [*AWKWARD, (1, True), [1.0, "a"], {"k": -0.0}]


@st.composite
def spaces(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=5, unique=True))
    return {
        name: draw(st.sampled_from(DOMAINS + CONSTANTS)) for name in draw(st.permutations(names))
    }


def changed(config: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """`config` with some values swapped for awkward ones, or an entry dropped or added."""
    config = dict(config)
    for name in list(config):
        if data.draw(st.booleans()):
            config[name] = data.draw(st.sampled_from(AWKWARD))
    if data.draw(st.booleans()):
        config.pop(data.draw(st.sampled_from(sorted(config))))
    if data.draw(st.booleans()):
        config[data.draw(st.sampled_from(["z", "a"]))] = data.draw(st.sampled_from(AWKWARD))
    return config


def same_key(found: tuple[Any, ...], expected: tuple[Any, ...]) -> bool:
    """Equal, and equal in their text too: NaN != NaN, and -0.0 == 0.0 but not in repr."""
    return repr(found) == repr(expected)


@settings(max_examples=200, deadline=None)
@given(space=spaces(), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_keys_equal_config_key_on_drawn_and_changed_configs(
    space: dict[str, Any], seed: int, data: st.DataObject
) -> None:
    keys = ConfigKeys(space)
    rng = np.random.default_rng(seed)
    for _ in range(20):  # again and again: the remembered parts must stay right
        config = sample_config(space, rng)
        assert same_key(keys(config), config_key(config))
        other = changed(config, data)
        assert same_key(keys(other), config_key(other))


def test_signed_zeros_keep_their_sign_whichever_comes_first() -> None:
    keys = ConfigKeys({"x": choice([0.0, 1.0]), "c": 0.0})
    for value in (0.0, -0.0, 0.0, -0.0):
        config = {"x": value, "c": value}
        assert repr(keys(config)) == repr(config_key(config))


def test_names_that_print_alike_take_config_key() -> None:
    space: dict[Any, Any] = {1: choice([1, 2]), "1": choice([3, 4])}
    keys = ConfigKeys(space)
    configs: list[dict[Any, Any]] = [{1: 2, "1": 3}, {1: 1, "1": 4}]
    for config in configs:
        assert keys(config) == config_key(config)
