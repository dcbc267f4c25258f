"""Finite sets given by their members: `Categorical` (choice) and `Ordinal` (ordinal)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from tunelab.core.space._checks import as_python, is_number
from tunelab.core.space._finite import FiniteDomain
from tunelab.core.space.domain import Domain, Value

OrdinalKind = Literal["auto", "equal", "nn", "nn-log"]
"""How an `Ordinal` samples and encodes: see `tunelab.core.space.ordinal`."""

_CATEGORY_TYPES = (str, int, float, bool)
# Most doubles `Ordinal._walk_to_step` walks from where exact arithmetic puts a step.
_STEP_WALK = 24


def check_categories(categories: Any, *, where: str) -> tuple[Value, ...]:
    """Validate a list of categories: non-empty, plain scalars, pairwise distinct."""
    if isinstance(categories, (str, bytes)) or not isinstance(categories, Sequence):
        raise TypeError(
            f"{where}: categories must be a list, got {categories!r} ({type(categories).__name__})"
        )
    members = tuple(as_python(c) for c in categories)
    if not members:
        raise ValueError(f"{where}: categories must not be empty")
    for c in members:
        if not isinstance(c, _CATEGORY_TYPES):
            raise TypeError(
                f"{where}: each category must be a str, int, float or bool, "
                f"got {c!r} ({type(c).__name__})"
            )
        if isinstance(c, float) and not math.isfinite(c):
            raise ValueError(f"{where}: categories must be finite, got {c!r}")
    for i, c in enumerate(members):
        if any(c == d for d in members[:i]):
            raise ValueError(
                f"{where}: duplicate category {c!r} in {list(members)!r}; "
                "categories must be distinct (note 1 == 1.0 == True)"
            )
    return members


class Categorical(FiniteDomain):
    """An unordered finite set; every category equally likely.

    Encoding: one-hot, `encoded_dim == len(categories)`, also for two categories, so
    that every categorical block of an encoded vector is a one-hot group. `decode`
    takes the argmax (the first category on ties). Build it with `choice`.
    """

    def __init__(self, *, categories: Sequence[Value]) -> None:
        self._members = check_categories(categories, where="choice")

    @property
    def categories(self) -> list[Value]:
        """The categories, in the order given."""
        return list(self._members)

    @property
    def encoded_dim(self) -> int:
        return len(self._members)

    def midpoint(self) -> Value:
        """The first category."""
        return self._members[0]

    def encode(self, value: Any) -> np.ndarray:
        one_hot = np.zeros(len(self._members))
        one_hot[self._members.index(self.cast(value))] = 1.0
        return one_hot

    def decode(self, x: ArrayLike) -> Value:
        return self._decode_unit(self._unit_point(x).tolist())

    def _decode_unit(self, u: list[float]) -> Value:
        return self._members[u.index(max(u))]  # the first largest entry, as np.argmax

    def to_json(self) -> dict[str, Any]:
        return {"type": "choice", "categories": list(self._members)}

    def _key(self) -> tuple[Any, ...]:
        return tuple((type(c).__name__, c) for c in self._members)

    def __repr__(self) -> str:
        return f"choice({list(self._members)!r})"


def _resolve_kind(kind: Any, members: tuple[Value, ...], *, where: str) -> OrdinalKind:
    if kind not in get_args(OrdinalKind):
        raise ValueError(f"{where}: kind must be one of {get_args(OrdinalKind)}, got {kind!r}")
    numeric = all(is_number(c) for c in members)
    increasing = numeric and all(a < b for a, b in pairwise(members))  # type: ignore[operator]
    if kind == "auto":
        return "nn" if increasing else "equal"
    if kind in ("nn", "nn-log") and not increasing:
        raise ValueError(
            f"{where}: kind={kind!r} needs strictly increasing numbers, got {list(members)!r}"
        )
    if kind == "nn-log" and members[0] <= 0:  # type: ignore[operator]
        raise ValueError(f"{where}: kind='nn-log' needs positive values, got {list(members)!r}")
    checked: OrdinalKind = kind  # one of get_args(OrdinalKind), checked above
    return checked


class Ordinal(FiniteDomain):
    """An ordered finite set; nearby members get nearby encodings (one dimension).

    `kind` selects sampling and encoding:

    - "equal": every position equally likely; position `i` of `k` is encoded as
      `(i + 0.5) / k`, the centre of its cell.
    - "nn": strictly increasing numbers; a member is encoded by its place in
      `[min, max]` rescaled to `[0, 1]`, `decode` returns the nearest member, and
      sampling draws uniformly from `[min, max]` and rounds to the nearest member
      (so members next to wide gaps are more likely).
    - "nn-log": as "nn", in log scale (positive values).
    - "auto" (constructor only): "nn" for strictly increasing numbers, else "equal".

    Build it with `ordinal` or `logordinal`.
    """

    def __init__(self, *, categories: Sequence[Value], kind: OrdinalKind = "auto") -> None:
        where = "logordinal" if kind == "nn-log" else "ordinal"
        self._members = check_categories(categories, where=where)
        self._kind = _resolve_kind(kind, self._members, where=where)
        if self._kind != "equal":
            scaled = np.array(self._members, dtype=float)
            self._points = np.log(scaled) if self._kind == "nn-log" else scaled
            self._point_list: list[float] = self._points.tolist()  # for bisect

    @property
    def categories(self) -> list[Value]:
        """The members, in order."""
        return list(self._members)

    @property
    def kind(self) -> OrdinalKind:
        """The resolved kind: "equal", "nn" or "nn-log" (never "auto")."""
        return self._kind

    @property
    def log(self) -> bool:
        return self._kind == "nn-log"

    def sample(self, rng: np.random.Generator) -> Value:
        if self._kind == "equal":
            return super().sample(rng)
        # `random()` draws what `uniform()` draws (one double in [0, 1)), for less
        return self._decode_unit([rng.random()])

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Value]:
        # one `sample` after another, as `Domain` draws: the "nn" kinds go through decode
        return Domain.sample_many(self, rng, n)

    def encode(self, value: Any) -> np.ndarray:
        index = self._members.index(self.cast(value))
        k = len(self._members)
        if self._kind == "equal":
            return np.array([(index + 0.5) / k])
        if k == 1:
            return np.array([0.5])
        span = self._points[-1] - self._points[0]
        return np.array([(self._points[index] - self._points[0]) / span])

    def decode(self, x: ArrayLike) -> Value:
        return self._decode_unit(self._unit_point(x).tolist())

    def _decode_unit(self, unit: list[float]) -> Value:
        return self._members[self._unit_position(unit[0])]

    def _unit_position(self, u: float) -> int:
        """The position of the member `_decode_unit([u])` gives."""
        k = len(self._members)
        if self._kind == "equal":
            return min(max(math.ceil(u * k) - 1, 0), k - 1)
        points = self._point_list
        t = points[0] + u * (points[-1] - points[0])
        # the nearest point (the lower one of two equally near): one of t's neighbours
        right = min(bisect.bisect_left(points, t), k - 1)
        left = max(right - 1, 0)
        return right if abs(points[right] - t) < abs(points[left] - t) else left

    def _decode_steps(self) -> np.ndarray:
        """Where `_decode_unit` steps from one member to the next, for decoding many
        points at once: `_decode_unit([u])` is the member at position
        `np.searchsorted(steps, u, side="right")` for every `u` in `[0, 1]`.

        `_decode_unit` never goes down as `u` grows (each of its steps is monotone), so
        entry `i` of the steps is the least `u` in `[0, 1]` decoded past position `i`
        (inf if none): one value, however it is searched for. The search starts where
        exact arithmetic puts the step (the midpoint of two neighbouring points;
        `(i + 1) / k` for "equal"), which rounding moves by a few doubles: from there
        it walks a double at a time (`_walk_to_step`), and the steps further away
        than `_STEP_WALK` doubles are searched for together (`_search_steps`). Work it
        out once.

        Returns:
            Float array of shape `(k - 1,)`, non-decreasing.
        """
        k = len(self._members)
        if self._kind == "equal":
            exact = np.arange(1, k) / k
        else:
            points = self._points
            with np.errstate(over="ignore", invalid="ignore"):
                middles = points[:-1] + (points[1:] - points[:-1]) / 2
                exact = (middles - points[0]) / (points[-1] - points[0])
        starts = np.clip(np.where(np.isfinite(exact), exact, 0.5), 0.0, 1.0)
        steps = np.array(
            [self._walk_to_step(i, u) for i, u in enumerate(starts.tolist())], dtype=float
        )
        far = np.isnan(steps)
        if far.any():
            steps[far] = self._search_steps(np.flatnonzero(far), starts[far])
        return steps

    def _walk_to_step(self, below: int, start: float) -> float:
        """The least `u` in `[0, 1]` decoded past position `below` (inf if none), walked
        to a double at a time from `start`; nan if it is further than `_STEP_WALK`
        doubles away (or `u = 0` is decoded past `below`)."""
        position = self._unit_position
        u = start
        if position(u) > below:  # the step is at most u: walk down while still past
            for _ in range(_STEP_WALK):
                lower = math.nextafter(u, 0.0)
                if lower == u:  # u = 0 decoded past `below`: left to `_search_steps`
                    return math.nan
                if position(lower) <= below:
                    return u
                u = lower
            return math.nan
        for _ in range(_STEP_WALK):  # the step is above u: walk up until past
            if u >= 1.0:
                return math.inf
            u = math.nextafter(u, 1.0)
            if position(u) > below:
                return u
        return math.nan

    def _search_steps(self, below: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """The least `u` in `[0, 1]` decoded past each of the positions `below` (inf if
        none), searched for on the bit patterns of the doubles (ordered as the
        non-negative doubles they stand for): a bracket around `starts` is widened
        until it holds the step, then halved down to it. `u = 0` counts as decoded to
        at most `below`, as position 0 is."""
        one = int(np.float64(1.0).view(np.int64))
        start = starts.view(np.int64)
        # where even u = 1 decodes to at most `below`, the step is inf: `high` stays at 1
        finite = self._unit_positions(np.ones(len(below))) > below
        # invariant once bracketed: `low` decodes to at most `below`, `high` past it
        reach = np.full_like(start, 16)
        low = np.maximum(start - reach, 0)
        high = np.where(finite, np.minimum(start + reach, one), one)
        while True:
            positions = self._unit_positions(np.concatenate([low, high]).view(np.float64))
            low_holds = (positions[: len(below)] <= below) | (low == 0)
            high_holds = (positions[len(below) :] > below) | ~finite
            if low_holds.all() and high_holds.all():
                break
            # widened 16-fold, up to all of [0, 1] (where both bounds hold)
            wider = np.where(reach >= one >> 4, one, reach * 16)
            reach = np.where(low_holds & high_holds, reach, wider)
            low, high = (
                np.where(low_holds, low, np.maximum(start - reach, 0)),
                np.where(high_holds, high, np.minimum(start + reach, one)),
            )
        while np.any(high - low > 1):
            middle = low + (high - low) // 2
            past = self._unit_positions(middle.view(np.float64)) > below
            high = np.where(past, middle, high)
            low = np.where(past, low, middle)
        steps: np.ndarray = high.view(np.float64).copy()
        steps[~finite] = np.inf
        return steps

    def _unit_positions(self, units: np.ndarray) -> np.ndarray:
        """`_decode_unit` element by element (positions), by the same floating-point steps."""
        k = len(self._members)
        if self._kind == "equal":
            cells: np.ndarray = np.clip(np.ceil(units * k).astype(np.intp) - 1, 0, k - 1)
            return cells
        points = self._points
        t = points[0] + units * (points[-1] - points[0])
        right = np.minimum(np.searchsorted(points, t, side="left"), k - 1)
        left = np.maximum(right - 1, 0)
        nearest: np.ndarray = np.where(
            np.abs(points[right] - t) < np.abs(points[left] - t), right, left
        )
        return nearest

    def to_json(self) -> dict[str, Any]:
        return {"type": "ordinal", "categories": list(self._members), "kind": self._kind}

    def _key(self) -> tuple[Any, ...]:
        return (self._kind, *((type(c).__name__, c) for c in self._members))

    def __repr__(self) -> str:
        if self._kind == "nn-log":
            return f"logordinal({list(self._members)!r})"
        return f"ordinal({list(self._members)!r}, kind={self._kind!r})"
