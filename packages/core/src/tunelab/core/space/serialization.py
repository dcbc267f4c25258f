"""Domains and configuration spaces to and from JSON-serialisable dicts.

A space becomes `{name: entry}` in the space's order, where an entry is the domain's
`to_json()` dict, or `{"type": "constant", "value": value}` for a constant.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

from tunelab.core.space.categorical import Categorical, Ordinal
from tunelab.core.space.domain import Domain
from tunelab.core.space.finrange import FiniteRange
from tunelab.core.space.numeric import Float, Integer

_CONSTANT = "constant"

# type tag -> (constructor, required fields, optional fields)
_SCHEMAS: dict[str, tuple[Callable[..., Domain], tuple[str, ...], tuple[str, ...]]] = {
    "float": (Float, ("lower", "upper"), ("log",)),
    "int": (Integer, ("lower", "upper"), ("log",)),
    "choice": (Categorical, ("categories",), ()),
    "ordinal": (Ordinal, ("categories",), ("kind",)),
    "finrange": (FiniteRange, ("lower", "upper", "size"), ("log", "cast_int")),
}
_FLAGS = ("log", "cast_int")


def domain_from_json(data: Mapping[str, Any]) -> Domain:
    """Rebuild the domain whose `to_json()` gave `data`.

    Raises:
        ValueError: `data` lacks a known "type" tag, misses a field or has an unknown one.
    """
    tag = data.get("type") if isinstance(data, Mapping) else None
    if tag not in _SCHEMAS:
        raise ValueError(
            f"domain_from_json: expected a dict whose 'type' is one of {sorted(_SCHEMAS)}, "
            f"got {data!r}"
        )
    build, required, optional = _SCHEMAS[tag]
    fields = {key: value for key, value in data.items() if key != "type"}
    missing = [key for key in required if key not in fields]
    unknown = [key for key in fields if key not in required + optional]
    if missing or unknown:
        raise ValueError(
            f"domain_from_json: a {tag!r} domain needs fields {list(required)} and accepts "
            f"{list(optional)}; got {data!r} (missing {missing}, unknown {unknown})"
        )
    for flag in _FLAGS:
        if flag in fields and not isinstance(fields[flag], bool):
            raise ValueError(f"domain_from_json: {flag!r} must be a bool, got {data!r}")
    return build(**fields)


def _is_json_value(value: Any) -> bool:
    """True if `value` survives `json.dumps` / `json.loads` unchanged."""
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v) for k, v in value.items())
    return False


def config_space_to_json(space: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-serialisable dict describing `space`; see `config_space_from_json`.

    Raises:
        TypeError: a key is not a str, or a constant is not made of JSON types (None,
            bool, int, finite float, str, and lists and str-keyed dicts of these).
    """
    result: dict[str, Any] = {}
    for name, entry in space.items():
        if not isinstance(name, str):
            raise TypeError(
                f"config_space_to_json: keys must be str, got {name!r} ({type(name).__name__})"
            )
        if isinstance(entry, Domain):
            result[name] = entry.to_json()
        elif _is_json_value(entry):
            result[name] = {"type": _CONSTANT, "value": copy.deepcopy(entry)}
        else:
            raise TypeError(
                f"config_space_to_json: constant {name!r} = {entry!r} "
                f"({type(entry).__name__}) is not JSON-serialisable; expected None, bool, "
                "int, finite float, str, or lists / str-keyed dicts of these"
            )
    return result


def config_space_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """Rebuild the space `config_space_to_json` described (equal to the original).

    Raises:
        ValueError: an entry is malformed; the message names its key.
    """
    space: dict[str, Any] = {}
    for name, entry in data.items():
        if isinstance(entry, Mapping) and entry.get("type") == _CONSTANT:
            if set(entry) != {"type", "value"}:
                raise ValueError(
                    f"config_space_from_json: constant {name!r} must have exactly the "
                    f"fields 'type' and 'value', got {entry!r}"
                )
            space[name] = copy.deepcopy(entry["value"])
            continue
        try:
            space[name] = domain_from_json(entry)
        except (TypeError, ValueError) as error:
            raise ValueError(f"config_space_from_json: entry {name!r}: {error}") from error
    return space
