"""Read ConfigSpace's JSON format (`config_space.json`) without ConfigSpace.

Hyperparameters become tunelab domains (`uniform_float` -> `uniform` / `loguniform`,
`uniform_int` -> `randint` / `lograndint`, `categorical` -> `choice`, `ordinal` ->
`ordinal`, `constant` and one-valued entries -> constants). `normal_*` and `beta_*`
hyperparameters keep their bounds and lose their prior (they become uniform).
Quantisation (`q`) and category weights are ignored.

tunelab spaces are flat, so conditions and forbidden clauses are kept beside the
space: `ParsedConfigSpace.inactive_names` tells which hyperparameters a condition
switches off for a given configuration, and `is_forbidden` whether a forbidden
clause matches it. Condition types EQ, NEQ, LT, GT, IN, AND, OR and forbidden types
EQUALS, IN, AND, RELATION (LESS, EQUALS, GREATER) are understood.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunelab.core.space import (
    choice,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "NEQ": operator.ne,
    "LT": operator.lt,
    "GT": operator.gt,
}
_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "LESS": operator.lt,
    "EQUALS": operator.eq,
    "GREATER": operator.gt,
}
_TRAILING_COMMA = re.compile(r",(\s*[\]}])")


@dataclass(frozen=True)
class Condition:
    """`child` is active iff this holds; a comparison fails when its parent is inactive.

    Attributes:
        kind: "EQ", "NEQ", "LT", "GT", "IN" (compare `parent` with `value`), or
            "AND" / "OR" (combine `parts`).
    """

    kind: str
    parent: str | None = None
    value: Any = None
    parts: tuple[Condition, ...] = ()

    def holds(self, config: Mapping[str, Any], is_active: Callable[[str], bool]) -> bool:
        if self.kind == "AND":
            return all(part.holds(config, is_active) for part in self.parts)
        if self.kind == "OR":
            return any(part.holds(config, is_active) for part in self.parts)
        assert self.parent is not None
        if self.parent not in config or not is_active(self.parent):
            return False
        actual = config[self.parent]
        if self.kind == "IN":
            return bool(actual in self.value)
        return bool(_COMPARE[self.kind](actual, self.value))


@dataclass(frozen=True)
class Forbidden:
    """A forbidden clause: "EQUALS" / "IN" on `name`, "RELATION" between `name` and
    `other`, or "AND" of `parts`. It never matches an absent or inactive value."""

    kind: str
    name: str | None = None
    value: Any = None
    other: str | None = None
    parts: tuple[Forbidden, ...] = ()

    def matches(self, config: Mapping[str, Any], inactive: set[str]) -> bool:
        if self.kind == "AND":
            return all(part.matches(config, inactive) for part in self.parts)
        names = [self.name] if self.other is None else [self.name, self.other]
        if any(n not in config or n in inactive for n in names):
            return False
        actual = config[self.name]  # type: ignore[index]
        if self.kind == "EQUALS":
            return bool(actual == self.value)
        if self.kind == "IN":
            return bool(actual in self.value)
        return bool(_RELATIONS[self.value](actual, config[self.other]))  # type: ignore[index]


@dataclass(frozen=True)
class ParsedConfigSpace:
    """A ConfigSpace JSON document as a tunelab space plus its conditions.

    Attributes:
        space: Name -> domain or constant, in the file's order.
        conditions: Child name -> the condition under which it is active.
        forbiddens: The forbidden clauses.
    """

    space: dict[str, Any]
    conditions: dict[str, Condition] = field(default_factory=dict)
    forbiddens: tuple[Forbidden, ...] = ()

    def inactive_names(self, config: Mapping[str, Any]) -> set[str]:
        """Hyperparameters that the conditions switch off for `config`."""
        if not self.conditions:
            return set()
        state: dict[str, bool] = {}

        def is_active(name: str) -> bool:
            if name not in state:
                condition = self.conditions.get(name)
                state[name] = True  # guards against a cycle
                state[name] = condition is None or condition.holds(config, is_active)
            return state[name]

        return {name for name in self.conditions if not is_active(name)}

    def is_forbidden(self, config: Mapping[str, Any]) -> bool:
        """True if a forbidden clause matches `config` (inactive values excluded)."""
        if not self.forbiddens:
            return False
        inactive = self.inactive_names(config)
        return any(clause.matches(config, inactive) for clause in self.forbiddens)


def read_config_space(path: Path) -> ParsedConfigSpace:
    """Parse a `config_space.json` file (a trailing comma, as in some files, is allowed)."""
    text = Path(path).read_text()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = json.loads(_TRAILING_COMMA.sub(r"\1", text))
    try:
        return parse_config_space(data)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def parse_config_space(data: Mapping[str, Any]) -> ParsedConfigSpace:
    """Parse a ConfigSpace JSON document (already decoded)."""
    if not isinstance(data, Mapping) or "hyperparameters" not in data:
        raise ValueError("expected a ConfigSpace JSON object with a 'hyperparameters' list")
    space = {entry["name"]: hyperparameter_entry(entry) for entry in data["hyperparameters"]}
    conditions = {}
    for entry in data.get("conditions") or []:
        child = entry.get("child")
        if child not in space:
            raise ValueError(f"condition on unknown hyperparameter {child!r}: {entry}")
        conditions[child] = _condition(entry, space)
    forbiddens = tuple(_forbidden(entry, space) for entry in data.get("forbiddens") or [])
    return ParsedConfigSpace(space=space, conditions=conditions, forbiddens=forbiddens)


def hyperparameter_entry(entry: Mapping[str, Any]) -> Any:
    """The tunelab domain (or constant) of one ConfigSpace hyperparameter entry."""
    kind, name = entry.get("type"), entry.get("name")
    if kind == "constant":
        return entry["value"]
    if kind in ("categorical", "ordinal"):
        members = list(entry["choices"] if kind == "categorical" else entry["sequence"])
        if len(members) == 1:
            return members[0]
        return choice(members) if kind == "categorical" else ordinal(members)
    if kind in ("uniform_float", "normal_float", "beta_float"):
        lower, upper = _bounds(entry)
        if lower == upper:
            return float(lower)
        return loguniform(lower, upper) if entry.get("log") else uniform(lower, upper)
    if kind in ("uniform_int", "normal_int", "beta_int"):
        lower, upper = (round(b) for b in _bounds(entry))
        if lower == upper:
            return lower
        return (
            lograndint(lower, upper) if entry.get("log") and lower >= 1 else randint(lower, upper)
        )
    raise ValueError(f"hyperparameter {name!r} has the unsupported type {kind!r}")


def _bounds(entry: Mapping[str, Any]) -> tuple[float, float]:
    if entry.get("lower") is None or entry.get("upper") is None:
        raise ValueError(
            f"hyperparameter {entry.get('name')!r} of type {entry.get('type')!r} has no "
            "lower/upper bounds; only bounded numeric hyperparameters are supported"
        )
    return float(entry["lower"]), float(entry["upper"])


def _condition(entry: Mapping[str, Any], space: Mapping[str, Any]) -> Condition:
    kind = entry.get("type")
    if kind in ("AND", "OR"):
        parts = tuple(_condition(part, space) for part in entry["conditions"])
        return Condition(kind=kind, parts=parts)
    parent = entry.get("parent")
    if parent not in space:
        raise ValueError(f"condition with unknown parent {parent!r}: {dict(entry)}")
    if kind == "IN":
        return Condition(kind=kind, parent=parent, value=tuple(entry["values"]))
    if kind in _COMPARE:
        return Condition(kind=kind, parent=parent, value=entry["value"])
    raise ValueError(f"unsupported condition type {kind!r}: {dict(entry)}")


def _forbidden(entry: Mapping[str, Any], space: Mapping[str, Any]) -> Forbidden:
    kind = entry.get("type")
    if kind == "AND":
        return Forbidden(kind=kind, parts=tuple(_forbidden(c, space) for c in entry["clauses"]))
    if kind == "RELATION":
        left, right, relation = entry.get("left"), entry.get("right"), entry.get("lambda")
        if relation not in _RELATIONS or left not in space or right not in space:
            raise ValueError(f"unsupported forbidden relation: {dict(entry)}")
        return Forbidden(kind=kind, name=left, other=right, value=relation)
    name = entry.get("name")
    if name not in space:
        raise ValueError(f"forbidden clause on unknown hyperparameter {name!r}: {dict(entry)}")
    if kind == "EQUALS":
        return Forbidden(kind=kind, name=name, value=entry["value"])
    if kind == "IN":
        return Forbidden(kind=kind, name=name, value=tuple(entry["values"]))
    raise ValueError(f"unsupported forbidden clause type {kind!r}: {dict(entry)}")
