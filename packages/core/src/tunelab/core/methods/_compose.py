"""A searcher as a part of a method: built by the scheduler's preset, or passed ready.

A scheduler preset (`fifo`, `asha`, `hyperband`, ...) takes `searcher=`: a `Searcher`
subclass, a `functools.partial` of one with its options set, or a searcher object
already built. `build_searcher` makes the object, handing the class the arguments
every searcher shares (`points_to_evaluate`, `restrict_to`, `seed`, and
`max_resource` for those that model learning curves). `compose` names a scheduler
preset with a searcher and other defaults as a method of its own (`bohb`,
`asha_bore`, `mobster`, ...): nothing is written twice, and the composition's
signature shows the searcher's own options, so that `bohb(space, ...,
top_fraction=0.2)` and `method.scheduler.top_fraction=0.2` work.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Config

S = TypeVar("S", bound=Scheduler)

SearcherFactory = Callable[..., Searcher]
"""A `Searcher` subclass, or a `functools.partial` of one with options set."""
SearcherSpec = Searcher | SearcherFactory
"""What a scheduler preset's `searcher` accepts."""

SHARED_ARGUMENTS = ("config_space", "points_to_evaluate", "restrict_to", "seed", "max_resource")
"""Arguments a preset hands every searcher class that takes them."""


def build_searcher(
    searcher: SearcherSpec,
    config_space: dict[str, Any],
    *,
    seed: int | np.random.Generator | None,
    points_to_evaluate: Sequence[Config] | None,
    restrict_to: Sequence[Config] | None,
    max_resource: float | None = None,
) -> Searcher:
    """`searcher` if it is built already, else `searcher(config_space, ...)` with the
    shared arguments its signature takes.

    Raises:
        ValueError: If `points_to_evaluate` or `restrict_to` would be ignored: given
            with a searcher built already (pass them to it), or to a class that
            takes no such argument.
        TypeError: If the factory does not return a `Searcher`.
    """
    given = {"points_to_evaluate": points_to_evaluate, "restrict_to": restrict_to}
    if isinstance(searcher, Searcher):
        ignored = sorted(name for name, value in given.items() if value is not None)
        if ignored:
            raise ValueError(
                f"{ignored} cannot be applied to a {type(searcher).__name__} built already; "
                "pass them to the searcher, or pass its class as `searcher`"
            )
        return searcher
    if not callable(searcher):
        raise TypeError(
            f"searcher must be a Searcher, a Searcher class or a partial of one; got {searcher!r}"
        )
    accepted = searcher_parameters(searcher)
    for name, value in given.items():
        if value is not None and name not in accepted:
            raise ValueError(f"{_name(searcher)} takes no {name}, so it cannot honour it")
    offered = {**given, "seed": seed, "max_resource": max_resource}
    built = searcher(config_space, **{k: v for k, v in offered.items() if k in accepted})
    if not isinstance(built, Searcher):
        raise TypeError(f"{_name(searcher)} returned {type(built).__name__}, not a Searcher")
    return built


def searcher_parameters(factory: SearcherFactory) -> dict[str, inspect.Parameter]:
    """The keyword parameters of a searcher class (or partial), by name."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError) as error:
        raise TypeError(f"cannot read the arguments of searcher {factory!r}: {error}") from error
    return {
        name: p
        for name, p in parameters.items()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "self"
    }


def top_resource(
    config_space: dict[str, Any], max_resource: float | None, max_resource_attr: str | None
) -> float | None:
    """The maximum resource, given or read from the script's budget constant."""
    if max_resource is not None or max_resource_attr is None:
        return max_resource
    value = config_space.get(max_resource_attr)
    return float(value) if isinstance(value, int | float) else None


def compose(
    base: Callable[..., S],
    *,
    name: str,
    doc: str,
    searcher: SearcherFactory | None = None,
    **defaults: Any,
) -> Callable[..., S]:
    """The method `name`: the scheduler preset `base` with `searcher` and `defaults`.

    The result takes `base`'s arguments (with `defaults` as their defaults) and the
    searcher's own options (e.g. KDE's `top_fraction`), and records `name` as the
    scheduler's `method_name`. `family`, `searcher` and `defaults` stay readable on
    it (the Hydra presets are checked against them).
    """
    base_parameters = inspect.signature(base).parameters
    unknown = sorted(set(defaults) - set(base_parameters))
    if unknown:
        raise TypeError(f"{base.__name__} takes no argument {unknown}")
    own: dict[str, inspect.Parameter] = {}
    if searcher is not None:
        own = {
            n: p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for n, p in searcher_parameters(searcher).items()
            if n not in SHARED_ARGUMENTS and n not in base_parameters
        }
    parameters = [
        p.replace(default=defaults[n]) if n in defaults else p
        for n, p in base_parameters.items()
        if n != "searcher" or searcher is None  # a fixed searcher is not an argument
    ]
    parameters += own.values()

    @functools.wraps(base)
    def build(config_space: dict[str, Any], /, **kwargs: Any) -> S:
        options = {n: kwargs.pop(n) for n in list(kwargs) if n in own}
        arguments = {**defaults, **kwargs}
        if searcher is not None:
            if "searcher" in kwargs:
                raise TypeError(
                    f"{name} always uses {_name(searcher)}; for another searcher use "
                    f"{base.__name__}(..., searcher=...)"
                )
            arguments["searcher"] = functools.partial(searcher, **options) if options else searcher
        scheduler = base(config_space, **arguments)
        scheduler.method_name = name
        return scheduler

    build.__name__ = build.__qualname__ = name
    build.__doc__ = doc
    build.__signature__ = inspect.signature(base).replace(parameters=parameters)  # type: ignore[attr-defined]
    del build.__wrapped__  # inspect must see the new signature, not the base's
    build.family = base  # type: ignore[attr-defined]
    build.searcher = searcher  # type: ignore[attr-defined]
    build.defaults = dict(defaults)  # type: ignore[attr-defined]
    return build


def _name(factory: Any) -> str:
    inner = factory.func if isinstance(factory, functools.partial) else factory
    return getattr(inner, "__name__", repr(inner))
