"""`TabularBlackbox` casts its table column by column: the same configurations, row
lookups and keys as casting every row on its own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.blackbox import TabularBlackbox
from tunelab.core.space import (
    Domain,
    choice,
    config_key,
    hyperparameter_names,
    logordinal,
    ordinal,
    randint,
    uniform,
)


def _table(space: dict[str, Any], columns: dict[str, Any]) -> TabularBlackbox:
    frame = pd.DataFrame(columns)
    n = len(frame)
    return TabularBlackbox(
        hyperparameters=frame,
        objectives=np.arange(float(n)).reshape(n, 1, 1, 1),
        objectives_names=["y"],
        configuration_space=space,
    )


def _row_by_row(table: TabularBlackbox) -> list[dict[str, Any]]:
    """What casting each row on its own gives (the definition)."""
    configs = []
    for row in table.hyperparameters.to_dict("records"):
        config = {}
        for name, entry in table.configuration_space.items():
            if isinstance(entry, Domain):
                value = row[name]
                config[name] = entry.cast(value.item() if hasattr(value, "item") else value)
            else:
                config[name] = entry
        configs.append(config)
    return configs


def _assert_same(found: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert found == expected
    for one, other in zip(found, expected, strict=True):
        assert list(one) == list(other)  # the space's order
        for name in one:
            assert type(one[name]) is type(other[name])
            assert repr(one[name]) == repr(other[name])  # -0.0 stays -0.0


def _assert_lookups(table: TabularBlackbox, configs: list[dict[str, Any]]) -> None:
    names = hyperparameter_names(table.configuration_space)
    expected = {config_key({n: c[n] for n in names}): row for row, c in enumerate(configs)}
    for config in configs:
        assert table.index_of(config) == expected[config_key({n: config[n] for n in names})]


MIXED_SPACE: dict[str, Any] = {
    "act": choice(["relu", "tanh"]),
    "batch": logordinal([8, 16, 32, 64]),
    "lr": uniform(-1.0, 1.0),
    "depth": randint(1, 4),
    "flag": choice([True, False]),
    "budget": 27,
    "width": ordinal([1, 2, 4]),
}
MIXED_COLUMNS: dict[str, Any] = {
    "act": ["relu", "tanh", "relu", "tanh", "relu"],
    "batch": np.array([8, 16, 32, 64, 8], dtype=np.int32),
    "lr": [0.0, -0.0, 0.5, 1.0, -1.0],
    "depth": [1.0, 2.0, 3.0, 4.0, 1.0],  # floats cast to the integers of randint
    "flag": [True, False, True, True, False],
    "width": pd.Series([np.int64(1), "2", 4, 2.0, "4"], dtype=object),  # mixed objects
}


def test_configurations_are_those_of_casting_each_row() -> None:
    table = _table(MIXED_SPACE, MIXED_COLUMNS)
    configs = table.all_configurations()
    _assert_same(configs, _row_by_row(table))
    assert [c["lr"] for c in configs][:2] == [0.0, -0.0]
    assert all(c["budget"] == 27 for c in configs)
    _assert_lookups(table, configs)


def test_each_call_returns_new_dicts() -> None:
    table = _table(MIXED_SPACE, MIXED_COLUMNS)
    first = table.all_configurations()
    first[0]["act"] = "changed"
    first[1]["extra"] = 1
    assert table.all_configurations() == _row_by_row(table)


def test_equal_rows_look_up_the_last_of_them() -> None:
    space = {"a": choice(["x", "y"]), "b": ordinal([1, 2])}
    table = _table(space, {"a": ["x", "y", "x"], "b": [1, 2, 1]})
    assert table.index_of({"a": "x", "b": 1}) == 2
    assert table.index_of({"a": "y", "b": 2.0}) == 1  # values compare as config_key does
    with pytest.raises(KeyError, match="not in the table"):
        table.index_of({"a": "y", "b": 1})


def test_a_space_of_constants_only() -> None:
    table = _table({"c": 3}, {"unused": [0, 1]})
    assert table.all_configurations() == [{"c": 3}, {"c": 3}]
    assert table.index_of({"c": 3}) == 1


def test_a_value_outside_its_domain_is_refused_as_before() -> None:
    table = _table({"a": choice(["x", "y"])}, {"a": ["x", "z"]})
    with pytest.raises(ValueError, match="'z'"):
        table.all_configurations()


@settings(max_examples=60, deadline=None)
@given(
    floats=st.lists(
        st.sampled_from([0.0, -0.0, 0.1, 0.30000000000000004, 0.3, 1e-12, 1.0]),
        min_size=1,
        max_size=12,
    ),
    data=st.data(),
)
def test_columns_match_rows_on_random_tables(floats: list[float], data: st.DataObject) -> None:
    n = len(floats)
    ints = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    words = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    space = {
        "f": uniform(-1.0, 1.0),
        "i": ordinal([0, 1, 2, 3, 4, 5]),
        "w": choice(["a", "b", "c"]),
    }
    table = _table(space, {"f": floats, "i": ints, "w": words})
    configs = table.all_configurations()
    _assert_same(configs, _row_by_row(table))
    _assert_lookups(table, configs)
