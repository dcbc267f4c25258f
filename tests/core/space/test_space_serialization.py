"""Tests of the JSON form of domains and configuration spaces."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tunelab.core.space import (
    Domain,
    choice,
    config_space_from_json,
    config_space_to_json,
    domain_from_json,
    finrange,
    logfinrange,
    logordinal,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)


def _every_kind() -> dict[str, Any]:
    return {
        "lr": loguniform(1e-5, 0.1),
        "dropout": uniform(0, 0.9),
        "layers": randint(1, 8),
        "units": lograndint(16, 1024),
        "act": choice(["relu", "tanh"]),
        "mixed": choice(["auto", 1, 0.5, False]),
        "size": ordinal(["s", "m", "l"]),
        "depth": ordinal([2, 4, 8]),
        "wd": logordinal([1e-5, 1e-3, 1e-1]),
        "momentum": finrange(0.5, 0.9, 5),
        "batch": logfinrange(8, 256, 6, cast_int=True),
        "epochs": 20,
        "name": "run",
        "scale": 0.5,
        "flag": True,
        "nothing": None,
        "schedule": [1, 2, {"warmup": 3}],
    }


def test_space_round_trip_through_json_text() -> None:
    space = _every_kind()
    text = json.dumps(config_space_to_json(space), allow_nan=False)
    restored = config_space_from_json(json.loads(text))
    assert restored == space
    assert list(restored) == list(space)
    assert all(type(restored[k]) is type(v) for k, v in space.items())


def test_json_form_is_tagged() -> None:
    data = config_space_to_json({"lr": loguniform(1e-4, 0.1), "epochs": 3})
    assert data == {
        "lr": {"type": "float", "lower": 0.0001, "upper": 0.1, "log": True},
        "epochs": {"type": "constant", "value": 3},
    }


@pytest.mark.parametrize("domain", [d for d in _every_kind().values() if isinstance(d, Domain)])
def test_each_domain_round_trips(domain: Domain) -> None:
    data = domain.to_json()
    assert isinstance(data["type"], str)
    assert domain_from_json(json.loads(json.dumps(data))) == domain


@pytest.mark.parametrize(
    ("constant", "type_name"),
    [((1, 2), "tuple"), ({1: "a"}, "dict"), (object(), "object"), (float("nan"), "float")],
)
def test_non_json_constants_are_refused(constant: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"constant 'c' = .* \({type_name}\) is not JSON"):
        config_space_to_json({"c": constant})


def test_non_str_keys_are_refused() -> None:
    with pytest.raises(TypeError, match=r"keys must be str, got 3 \(int\)"):
        config_space_to_json({3: uniform(0, 1)})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lower": 0, "upper": 1}, r"expected a dict whose 'type' is one of"),
        ({"type": "normal", "mean": 0}, r"got \{'type': 'normal'"),
        ({"type": "float", "lower": 0}, r"missing \['upper'\]"),
        ({"type": "int", "lower": 0, "upper": 3, "step": 1}, r"unknown \['step'\]"),
        ({"type": "float", "lower": 0, "upper": 1, "log": "yes"}, r"'log' must be a bool"),
        ({"type": "float", "lower": 1, "upper": 0}, r"uniform: lower must be < upper"),
    ],
)
def test_domain_from_json_errors(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        domain_from_json(data)


def test_config_space_from_json_names_the_bad_entry() -> None:
    with pytest.raises(ValueError, match=r"entry 'lr': domain_from_json: .*missing \['upper'\]"):
        config_space_from_json({"lr": {"type": "float", "lower": 0.1}})
    with pytest.raises(ValueError, match=r"entry 'x': domain_from_json"):
        config_space_from_json({"x": 3})
    with pytest.raises(ValueError, match=r"constant 'c' must have exactly the fields"):
        config_space_from_json({"c": {"type": "constant", "value": 1, "extra": 2}})
