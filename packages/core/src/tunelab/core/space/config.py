"""Functions on configuration spaces: `dict[str, Domain | constant]`.

Every entry that is not a `Domain` is a constant, copied unchanged into each
configuration. Configurations list their keys in the space's order.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tunelab.core.space._checks import as_python, count_arg, is_number
from tunelab.core.space.domain import Domain

_KEY_DIGITS = 12
"""Significant digits kept by `config_key`, enough to survive a JSON round trip."""


def hyperparameter_names(space: Mapping[str, Any]) -> list[str]:
    """The keys of `space` whose entries are domains, in the space's order."""
    return [name for name, entry in space.items() if isinstance(entry, Domain)]


def config_space_size(space: Mapping[str, Any]) -> int | None:
    """Number of distinct configurations; None if some domain is infinite."""
    total = 1
    for entry in space.values():
        if isinstance(entry, Domain):
            if entry.size is None:
                return None
            total *= entry.size
    return total


def sample_config(space: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Draw each hyperparameter independently from its domain; copy the constants."""
    return {
        name: entry.sample(rng) if isinstance(entry, Domain) else copy.deepcopy(entry)
        for name, entry in space.items()
    }


def midpoint_config(space: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration of every domain's `midpoint()`, constants included."""
    return {
        name: entry.midpoint() if isinstance(entry, Domain) else copy.deepcopy(entry)
        for name, entry in space.items()
    }


def validate_config(space: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Check `config` against `space` and return it cast to the domains' types.

    Every hyperparameter must be present; a constant may be omitted (it is filled in)
    but, if given, must equal the space's value.

    Raises:
        ValueError: a key is unknown or missing, or a value is not valid; the message
            names the key, the value and the domain.
    """
    unknown = [name for name in config if name not in space]
    if unknown:
        raise ValueError(
            f"validate_config: unknown keys {unknown} in {dict(config)!r}; "
            f"the space has keys {list(space)}"
        )
    result: dict[str, Any] = {}
    for name, entry in space.items():
        if not isinstance(entry, Domain):
            if name in config and config[name] != entry:
                raise ValueError(
                    f"validate_config: {name!r} is the constant {entry!r} in the space, "
                    f"got {config[name]!r}"
                )
            result[name] = copy.deepcopy(entry)
        elif name not in config:
            raise ValueError(
                f"validate_config: hyperparameter {name!r} ({entry!r}) is missing "
                f"from {dict(config)!r}"
            )
        else:
            try:
                result[name] = entry.cast(config[name])
            except ValueError as error:
                raise ValueError(f"validate_config: hyperparameter {name!r}: {error}") from None
    return result


def validate_configs(
    space: Mapping[str, Any], configs: Iterable[Mapping[str, Any]], *, where: str | None = None
) -> list[dict[str, Any]]:
    """`validate_config` of each of `configs`, casting each distinct value of a
    hyperparameter once: a table's tens of thousands of rows repeat a few values.

    Raises:
        ValueError: as `validate_config`, for the first invalid configuration; with
            `where`, the message starts "<where>[<position>] is not in the space".
    """
    configs = list(configs)
    by_column = _validate_columns(space, configs)
    if by_column is not None:
        return by_column
    casts: Casts = {name: {} for name in space}
    validated = []
    for position, config in enumerate(configs):
        try:
            validated.append(_validate_cached(space, config, casts))
            continue
        except (KeyError, TypeError, ValueError):
            pass
        try:
            validated.append(validate_config(space, config))  # raises the precise error
        except ValueError as error:
            if where is None:
                raise
            raise ValueError(f"{where}[{position}] is not in the space: {error}") from None
    return validated


def _validate_columns(
    space: Mapping[str, Any], configs: list[Mapping[str, Any]]
) -> list[dict[str, Any]] | None:
    """`validate_configs` of rows that each name exactly the space's domains, one
    column at a time (each distinct value cast once, the rows put together by C
    loops); None when that does not apply and the rows must be checked one by one:
    other keys, unhashable values, or a value the domain refuses."""
    names = hyperparameter_names(space)
    if not names or any(len(config) != len(names) for config in configs):
        return None  # constants given, or keys missing or unknown
    columns = []
    try:
        for name in names:
            column = [config[name] for config in configs]
            typed: list[tuple[Any, ...]] = list(zip(map(type, column), column, strict=True))
            distinct = dict.fromkeys(typed)  # unhashable values raise TypeError
            if any(kind is float and value == 0.0 for kind, value in distinct):
                # -0.0 == 0.0, but a domain may keep the sign: tell them apart by it
                typed = [
                    (*key, math.copysign(1.0, key[1])) if key[0] is float else key for key in typed
                ]
                distinct = dict.fromkeys(typed)
            entry = space[name]
            casts = {key: entry.cast(key[1]) for key in distinct}
            columns.append(list(map(casts.__getitem__, typed)))
    except (KeyError, TypeError, ValueError):
        return None
    constants = {name: entry for name, entry in space.items() if not isinstance(entry, Domain)}
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    if not constants:
        return rows
    return [
        {
            name: copy.deepcopy(entry) if name in constants else row[name]
            for name, entry in space.items()
        }
        for row in rows
    ]


Casts = dict[str, dict[tuple[Any, ...], Any]]
"""Per hyperparameter: (type, value[, sign]) -> the domain's cast of the value."""


def _validate_cached(
    space: Mapping[str, Any], config: Mapping[str, Any], casts: Casts
) -> dict[str, Any]:
    """`validate_config` for a valid configuration; any exception means: ask it."""
    if len(config) > len(space) or any(name not in space for name in config):
        raise KeyError("unknown keys")
    result: dict[str, Any] = {}
    for name, entry in space.items():
        if not isinstance(entry, Domain):
            if name in config and config[name] != entry:
                raise ValueError(name)
            result[name] = copy.deepcopy(entry)
            continue
        value = config[name]
        kind = type(value)
        # -0.0 == 0.0 but a domain may keep the sign: floats are told apart by it
        key = (kind, value, math.copysign(1.0, value)) if kind is float else (kind, value)
        seen = casts[name]
        if key in seen:  # unhashable values raise TypeError: validate_config casts them
            result[name] = seen[key]
        else:
            result[name] = seen[key] = entry.cast(value)
    return result


def impute_config(space: Mapping[str, Any], partial: Mapping[str, Any]) -> dict[str, Any]:
    """Complete a partial configuration (as in `points_to_evaluate`).

    Missing hyperparameters get their domain's `midpoint()`; given values are
    validated as in `validate_config`, which raises for invalid or unknown ones.
    """
    full = dict(partial)
    for name, entry in space.items():
        if isinstance(entry, Domain) and name not in full:
            full[name] = entry.midpoint()
    return validate_config(space, full)


def grid_configs(space: Mapping[str, Any], points_per_dim: int) -> Iterator[dict[str, Any]]:
    """The Cartesian product of each domain's `grid(points_per_dim)`, constants included.

    The order is deterministic: the first hyperparameter varies slowest. Finite
    domains with at most `points_per_dim` members (and categoricals and ordinals
    always) contribute all their values.
    """
    count = count_arg(points_per_dim, where="grid_configs (points_per_dim)", minimum=1)
    names = hyperparameter_names(space)
    axes = [space[name].grid(count) for name in names]
    for combination in itertools.product(*axes):
        chosen = dict(zip(names, combination, strict=True))
        yield {
            name: chosen[name] if name in chosen else copy.deepcopy(entry)
            for name, entry in space.items()
        }


def _key_part(value: Any) -> Any:
    kind = type(value)
    if kind is float or (kind is int and abs(value) <= 2**53):  # the common cases, first
        return float(f"{float(value):.{_KEY_DIGITS}g}")
    if kind is str:
        return value
    v = as_python(value)
    if isinstance(v, bool):
        return ("bool", v)  # keeps True apart from 1
    if is_number(v) and not (isinstance(v, int) and abs(v) > 2**53):
        return float(f"{float(v):.{_KEY_DIGITS}g}")
    if isinstance(v, Mapping):
        return ("dict", tuple(sorted((str(k), _key_part(x)) for k, x in v.items())))
    if isinstance(v, (list, tuple)):
        return ("list", tuple(_key_part(x) for x in v))
    try:
        hash(v)
    except TypeError:
        return ("repr", repr(v))
    return v


def config_key(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable key under which duplicate configurations collide.

    Key order does not matter; numbers compare by value rounded to 12 significant
    digits (so 1, 1.0 and a float that went through JSON or a CSV file agree), while
    bools and strings stay distinct from numbers.
    """
    return tuple(sorted((str(name), _key_part(value)) for name, value in config.items()))


def config_keys(
    configs: Iterable[Mapping[str, Any]], names: Sequence[str] | None = None
) -> list[tuple[Any, ...]]:
    """`config_key` of each of `configs` (of its entries named in `names`, when given),
    working out the key of each distinct value once, for tables of many rows."""
    configs = list(configs)
    by_column = _keys_by_column(configs, names)
    if by_column is not None:
        return by_column
    parts: dict[tuple[type, Any], Any] = {}

    def part(value: Any) -> Any:
        memo = (type(value), value)
        try:
            if memo in parts:
                return parts[memo]
        except TypeError:  # unhashable: no memo
            return _key_part(value)
        parts[memo] = found = _key_part(value)
        return found

    keys = []
    for config in configs:
        chosen = config if names is None else {n: config[n] for n in names if n in config}
        keys.append(tuple(sorted((str(name), part(value)) for name, value in chosen.items())))
    return keys


def _keys_by_column(
    configs: list[Mapping[str, Any]], names: Sequence[str] | None
) -> list[tuple[Any, ...]] | None:
    """`config_keys` of rows that all have the same keys (or all of `names`), one
    column at a time; None when they differ or a value is unhashable."""
    if not configs:
        return []
    if names is None:
        first = configs[0].keys()
        if any(config.keys() != first for config in configs):
            return None
        chosen = list(first)
    else:
        chosen = list(dict.fromkeys(names))
    if not chosen or len({str(name) for name in chosen}) < len(chosen):
        return None  # no columns to zip, or names whose order `sorted` breaks by value
    columns = []
    try:
        for name in sorted(chosen, key=str):
            column = [config[name] for config in configs]
            typed = list(zip(map(type, column), column, strict=True))
            pairs = {key: (str(name), _key_part(key[1])) for key in dict.fromkeys(typed)}
            columns.append(list(map(pairs.__getitem__, typed)))
    except (KeyError, TypeError):
        return None  # a row without one of `names`: that row keys only what it has
    return list(zip(*columns, strict=True))
