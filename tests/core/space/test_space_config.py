"""Tests of the configuration-space functions and of `SpaceEncoder`."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tunelab.core.space import (
    Float,
    SpaceEncoder,
    choice,
    config_key,
    config_keys,
    config_space_size,
    finrange,
    grid_configs,
    hyperparameter_names,
    impute_config,
    logfinrange,
    logordinal,
    lograndint,
    loguniform,
    midpoint_config,
    ordinal,
    randint,
    sample_config,
    uniform,
    validate_config,
)


@pytest.fixture
def space() -> dict[str, Any]:
    return {
        "lr": loguniform(1e-4, 1e-1),
        "epochs": 10,
        "layers": randint(1, 4),
        "act": choice(["relu", "tanh", "gelu"]),
        "size": ordinal(["s", "m", "l"]),
        "tags": ["a", "b"],
    }


def test_hyperparameter_names_and_size(space: dict[str, Any]) -> None:
    assert hyperparameter_names(space) == ["lr", "layers", "act", "size"]
    assert config_space_size(space) is None
    finite = {"a": randint(1, 4), "b": choice(["x", "y", "z"]), "c": logfinrange(1, 8, 4), "d": 3}
    assert config_space_size(finite) == 4 * 3 * 4
    assert config_space_size({"only": "constants"}) == 1


def test_sample_config_copies_constants(space: dict[str, Any]) -> None:
    config = sample_config(space, np.random.default_rng(0))
    assert list(config) == list(space)
    assert config["epochs"] == 10
    assert config["tags"] == ["a", "b"]
    assert config["tags"] is not space["tags"]
    assert validate_config(space, config) == config
    assert config == sample_config(space, np.random.default_rng(0))


def test_midpoint_config(space: dict[str, Any]) -> None:
    config = midpoint_config(space)
    assert config["lr"] == pytest.approx(10**-2.5)
    assert (config["layers"], config["act"], config["size"]) == (2, "relu", "m")
    assert config["epochs"] == 10


def test_validate_config_casts_and_fills_constants(space: dict[str, Any]) -> None:
    config = validate_config(space, {"lr": "0.01", "layers": 2.0, "act": "tanh", "size": "l"})
    assert config == {
        "lr": 0.01,
        "epochs": 10,
        "layers": 2,
        "act": "tanh",
        "size": "l",
        "tags": ["a", "b"],
    }
    assert type(config["layers"]) is int
    assert list(config) == list(space)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"lr": 0.5, "layers": 2, "act": "relu", "size": "s"},
            r"validate_config: hyperparameter 'lr': 0\.5 is not a valid value of "
            r"loguniform\(0\.0001, 0\.1\)",
        ),
        (
            {"lr": 0.01, "layers": 9, "act": "relu", "size": "s"},
            r"hyperparameter 'layers': 9 is not a valid value of randint\(1, 4\)",
        ),
        (
            {"lr": 0.01, "layers": 2, "size": "s"},
            r"validate_config: hyperparameter 'act' \(choice\(\['relu', 'tanh', 'gelu'\]\)\) "
            r"is missing",
        ),
        (
            {"lr": 0.01, "layers": 2, "act": "relu", "size": "s", "extra": 1},
            r"validate_config: unknown keys \['extra'\]",
        ),
        (
            {"lr": 0.01, "layers": 2, "act": "relu", "size": "s", "epochs": 11},
            r"validate_config: 'epochs' is the constant 10 in the space, got 11",
        ),
    ],
)
def test_validate_config_errors(
    space: dict[str, Any], config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        validate_config(space, config)


def test_impute_config_fills_midpoints(space: dict[str, Any]) -> None:
    config = impute_config(space, {"act": "gelu", "layers": "4"})
    assert config == midpoint_config(space) | {"act": "gelu", "layers": 4}
    with pytest.raises(ValueError, match=r"hyperparameter 'act': 'sigmoid' is not a valid"):
        impute_config(space, {"act": "sigmoid"})
    with pytest.raises(ValueError, match=r"unknown keys \['typo'\]"):
        impute_config(space, {"typo": 1})


def test_config_key_detects_duplicates() -> None:
    a = {"x": 1, "y": 0.1 + 0.2, "z": "s", "b": True}
    b = {"b": True, "z": "s", "y": 0.3, "x": 1.0}
    assert config_key(a) == config_key(b)
    assert hash(config_key(a)) == hash(config_key(b))
    assert config_key(json.loads(json.dumps(a))) == config_key(a)
    assert config_key(a) != config_key(a | {"x": 2})
    assert config_key({"b": True}) != config_key({"b": 1})
    assert config_key({"s": "1"}) != config_key({"s": 1})
    assert config_key({"y": 0.3}) != config_key({"y": 0.3000001})
    assert config_key({"c": [1, {"k": 2.0}]}) == config_key({"c": [1.0, {"k": 2}]})
    assert config_key({"x": np.float64(0.5), "n": np.int64(3)}) == config_key({"x": 0.5, "n": 3})


def test_grid_configs_is_the_cartesian_product_in_order() -> None:
    space = {"a": randint(0, 10), "b": choice(["x", "y"]), "c": 7, "d": uniform(0, 1)}
    configs = list(grid_configs(space, 2))
    assert len(configs) == 2 * 2 * 2
    assert configs[0] == {"a": 0, "b": "x", "c": 7, "d": 0.0}
    assert configs[1] == {"a": 0, "b": "x", "c": 7, "d": 1.0}
    assert configs[-1] == {"a": 10, "b": "y", "c": 7, "d": 1.0}
    assert all(list(c) == list(space) for c in configs)
    assert len({config_key(c) for c in configs}) == len(configs)
    assert configs == list(grid_configs(space, 2))


def test_grid_configs_covers_small_finite_domains_fully() -> None:
    space = {"a": randint(1, 3), "b": finrange(0, 1, 11), "c": ordinal([1, 2])}
    configs = list(grid_configs(space, 3))
    assert len(configs) == 3 * 3 * 2
    assert {c["b"] for c in configs} == {0.0, 0.5, 1.0}
    assert list(grid_configs({"only": 1}, 3)) == [{"only": 1}]
    with pytest.raises(ValueError, match=r"points_per_dim.*must be >= 1, got 0"):
        list(grid_configs(space, 0))


def test_space_encoder_layout(space: dict[str, Any]) -> None:
    encoder = SpaceEncoder(space)
    assert encoder.names == ["lr", "layers", "act", "size"]
    assert encoder.dim == 1 + 1 + 3 + 1
    assert encoder.slices == {
        "lr": slice(0, 1),
        "layers": slice(1, 2),
        "act": slice(2, 5),
        "size": slice(5, 6),
    }
    assert encoder.categorical_mask.tolist() == [False, False, True, True, True, False]
    with pytest.raises(ValueError, match="read-only"):
        encoder.categorical_mask[0] = True


def test_space_encoder_round_trip(space: dict[str, Any]) -> None:
    encoder = SpaceEncoder(space)
    config = {"lr": 1e-3, "epochs": 10, "layers": 3, "act": "gelu", "size": "s", "tags": ["a"]}
    x = encoder.encode(config)
    assert x.shape == (6,)
    assert x[2:5].tolist() == [0.0, 0.0, 1.0]
    assert x[0] == pytest.approx(1 / 3)
    decoded = encoder.decode(x)
    assert decoded["lr"] == pytest.approx(1e-3)
    assert decoded | {"lr": 1e-3} == config | {"tags": ["a", "b"]}
    matrix = encoder.encode_many([config, midpoint_config(space)])
    assert matrix.shape == (2, 6)
    assert encoder.decode_many(matrix)[1] == midpoint_config(space)
    assert encoder.encode_many([]).shape == (0, 6)


def test_space_encoder_errors(space: dict[str, Any]) -> None:
    encoder = SpaceEncoder(space)
    with pytest.raises(ValueError, match=r"hyperparameter 'lr' \(loguniform.*\) is missing"):
        encoder.encode({"layers": 2, "act": "relu", "size": "s"})
    with pytest.raises(ValueError, match=r"hyperparameter 'act': 'x' is not a valid value"):
        encoder.encode({"lr": 0.01, "layers": 2, "act": "x", "size": "s"})
    with pytest.raises(ValueError, match=r"expected an array of shape \(6,\), got shape \(5,\)"):
        encoder.decode(np.zeros(5))
    with pytest.raises(ValueError, match=r"expected an array of shape \(n, 6\), got shape \(6,\)"):
        encoder.decode_many(np.zeros(6))


def test_space_encoder_decodes_any_point() -> None:
    space = {"n": lograndint(1, 512), "o": logordinal([1, 3, 10]), "c": choice([True, False])}
    encoder = SpaceEncoder(space)
    for x in np.random.default_rng(5).uniform(-1, 2, size=(50, encoder.dim)):
        config = encoder.decode(x)
        assert validate_config(space, config) == config


def test_empty_space_encoder() -> None:
    encoder = SpaceEncoder({"c": 1})
    assert encoder.dim == 0
    assert encoder.encode({"c": 1}).shape == (0,)
    assert encoder.decode(np.zeros(0)) == {"c": 1}


def test_space_encoder_decode_errors_and_other_domains() -> None:
    space = {"x": uniform(0, 1), "c": choice(["a", "b"]), "n": randint(1, 3)}
    encoder = SpaceEncoder(space)
    with pytest.raises(ValueError, match=r"choice\(\['a', 'b'\]\)\.decode: x must not contain NaN"):
        encoder.decode([0.5, 0.1, float("nan"), 0.5])

    class Unclipped(Float):
        def decode(self, x: Any) -> float:  # no clipping: sees the raw point
            return float(np.asarray(x, dtype=float)[0])

    custom = SpaceEncoder({"u": Unclipped(lower=0.0, upper=1.0), "k": 3})
    assert custom.decode([1.5]) == {"u": 1.5, "k": 3}


def test_config_keys_are_config_key_of_each() -> None:
    configs: list[dict[str, Any]] = [
        {"a": 1, "b": "x", "c": True},
        {"a": 1.0, "b": "x", "c": 1},
        {"a": -0.0, "b": [1, 2], "c": None},
        {"b": "y", "a": np.float32(0.1)},
        {"a": float("nan"), "b": {"k": 1}},
    ]
    for got, config in zip(config_keys(configs), configs, strict=True):
        assert repr(got) == repr(config_key(config))
    for got, config in zip(config_keys(configs, ["a", "c"]), configs, strict=True):
        assert repr(got) == repr(config_key({n: config[n] for n in ("a", "c") if n in config}))


def test_table_sized_validation_and_keys_match_row_by_row() -> None:
    """`validate_configs` and `config_keys` work column by column on table-like rows;
    the result must be what validating and keying each row alone gives, value types
    included, also with constants, numpy scalars, bools and signed zeros."""
    from tunelab.core.space.config import validate_configs

    rng = np.random.default_rng(3)
    space: dict[str, Any] = {
        "c": choice(["x", "y", 1]),
        "o": logordinal([1e-4, 1e-3, 1e-2]),
        "n": randint(0, 5),
        "u": uniform(-1, 1),
    }
    values = {
        "c": ["x", "y", 1, np.int64(1)],
        "o": [1e-4, 1e-3, 1e-2, np.float64(1e-3)],
        "n": [0, 1, np.int64(3), 5.0],
        "u": [0.5, -0.25, np.float32(0.5), 0.0, -0.0],
    }
    rows = [{k: v[int(rng.integers(len(v)))] for k, v in values.items()} for _ in range(300)]

    def typed(configs: list[dict[str, Any]]) -> list[list[tuple[str, type, Any]]]:
        return [[(k, type(v), repr(v)) for k, v in c.items()] for c in configs]

    no_zeros = [r for r in rows if r["u"] != 0.0]
    for chosen in (rows, no_zeros):
        for full in (space, {**space, "k": [3]}):
            expected = [validate_config(full, r) for r in chosen]
            assert typed(validate_configs(full, chosen)) == typed(expected)
        assert config_keys(chosen) == [config_key(r) for r in chosen]  # -0.0 == 0.0
        if chosen is no_zeros:
            assert [repr(k) for k in config_keys(chosen)] == [repr(config_key(r)) for r in chosen]
        picked = ("u", "c")
        assert config_keys(chosen, picked) == [
            config_key({n: r[n] for n in picked}) for r in chosen
        ]
    with pytest.raises(ValueError, match=r"rows\[1\] is not in the space"):
        validate_configs(space, [rows[0], {**rows[1], "n": 7}], where="rows")
