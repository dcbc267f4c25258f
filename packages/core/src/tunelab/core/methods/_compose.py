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

`scheduler_preset` makes the scheduler presets themselves from the scheduler
classes: a preset's arguments are its class's (one parameter list per scheduler,
the class's) plus the searcher and the shared arguments it builds the searcher with.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.core.trial import Config

S = TypeVar("S", bound=Scheduler)
Seed = int | np.random.Generator | None

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


def scheduler_preset(
    scheduler: Callable[..., S],
    *,
    name: str,
    doc: str,
    searcher: SearcherFactory | None = None,
    fixed: dict[str, Any] | None = None,
    from_searcher: dict[str, Callable[[Searcher], Any]] | None = None,
    seed_scheduler: bool = True,
    **defaults: Any,
) -> Callable[..., S]:
    """The preset `name`: `scheduler(searcher, **arguments)` with a searcher it builds.

    The preset takes `config_space` and the keyword arguments of the scheduler class
    (with `defaults` as their defaults), less those `fixed` (always passed as given)
    and those `from_searcher` computes from the built searcher; and `searcher`
    (default `RandomSearcher`; a given `searcher` is always used, and its own options
    are arguments instead), `seed`, `points_to_evaluate` and `restrict_to`, with
    which it builds the searcher (`build_searcher`; `max_resource` for learning-curve
    models is the class's `max_resource`, or the constant of `max_resource_attr`).
    A class that takes a `seed` of its own gets an independent stream of `seed`
    (`seed_scheduler=False`: none, the searcher gets `seed` itself); one that takes
    `restrict_to` gets it too. A class that takes `config_space` itself (PBT) is
    called with it and its own arguments, with its default searcher.
    """
    from tunelab.core.methods._seeds import spawn_seeds
    from tunelab.core.searchers.random import RandomSearcher

    fixed = dict(fixed or {})
    from_searcher = dict(from_searcher or {})
    own = inspect.signature(scheduler).parameters
    builds_searcher = "config_space" not in own
    hidden = {"self", "config_space", "searcher", *fixed, *from_searcher}
    if builds_searcher:
        hidden |= {"seed", "restrict_to"}
    unknown = sorted((set(fixed) | set(from_searcher) | set(defaults)) - set(own))
    if unknown:
        raise TypeError(f"{_name(scheduler)} takes no argument {unknown}")
    keyword = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, default=defaults.get(n, p.default))
        for n, p in own.items()
        if n not in hidden and p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    searcher_options = _own_options(searcher, {p.name for p in keyword})
    if builds_searcher:
        shared: list[tuple[str, Any, Any]] = [
            ("seed", None, Seed),
            ("points_to_evaluate", None, Sequence[Config] | None),
            ("restrict_to", None, Sequence[Config] | None),
        ]
        if searcher is None:
            shared.insert(0, ("searcher", RandomSearcher, SearcherSpec))
        keyword += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for n, d, a in shared
        ]
        keyword += searcher_options.values()
    space = inspect.Parameter(
        "config_space", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=dict[str, Any]
    )
    signature = inspect.Signature([space, *keyword], return_annotation=scheduler)

    def build(*args: Any, **kwargs: Any) -> S:
        arguments = signature.bind(*args, **kwargs)
        arguments.apply_defaults()
        given = dict(arguments.arguments)
        config_space = given.pop("config_space")
        if not builds_searcher:
            made = scheduler(config_space, **given, **fixed)
        else:
            options = {n: given.pop(n) for n in searcher_options}
            spec = given.pop("searcher") if searcher is None else _with(searcher, options)
            seed = given.pop("seed")
            points, restrict_to = given.pop("points_to_evaluate"), given.pop("restrict_to")
            searcher_seed = seed
            if "seed" in own and seed_scheduler:
                searcher_seed, given["seed"] = spawn_seeds(seed, 2)
            if "restrict_to" in own:
                given["restrict_to"] = restrict_to
            top = None
            if "max_resource" in own:
                top = top_resource(
                    config_space, given.get("max_resource"), given.get("max_resource_attr")
                )
            built = build_searcher(
                spec,
                config_space,
                seed=searcher_seed,
                points_to_evaluate=points,
                restrict_to=restrict_to,
                max_resource=top,
            )
            given.update({n: compute(built) for n, compute in from_searcher.items()})
            made = scheduler(built, **given, **fixed)
        made.method_name = name
        return made

    _name_preset(build, name, doc, signature, _caller_module(), searcher, defaults)
    build.scheduler = scheduler  # type: ignore[attr-defined]
    return build


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
    own = _own_options(searcher, set(base_parameters))
    parameters = [
        p.replace(default=defaults[n]) if n in defaults else p
        for n, p in base_parameters.items()
        if n != "searcher" or searcher is None  # a fixed searcher is not an argument
    ]
    parameters += own.values()
    signature = inspect.signature(base).replace(parameters=parameters)

    @functools.wraps(base)
    def build(*args: Any, **given: Any) -> S:
        if searcher is not None and "searcher" in given:
            raise TypeError(
                f"{name} always uses {_name(searcher)}; for another searcher use "
                f"{base.__name__}(..., searcher=...)"
            )
        kwargs = dict(signature.bind(*args, **given).arguments)
        config_space = kwargs.pop("config_space")
        options = {n: kwargs.pop(n) for n in list(kwargs) if n in own}
        arguments = {**defaults, **kwargs}
        if searcher is not None:
            arguments["searcher"] = _with(searcher, options)
        scheduler = base(config_space, **arguments)
        scheduler.method_name = name
        return scheduler

    _name_preset(build, name, doc, signature, _caller_module(), searcher, defaults)
    del build.__wrapped__  # inspect must see the new signature, not the base's
    build.family = base  # type: ignore[attr-defined]
    return build


def _name_preset(
    build: Callable[..., Any],
    name: str,
    doc: str,
    signature: inspect.Signature,
    module: str,
    searcher: SearcherFactory | None,
    defaults: dict[str, Any],
) -> None:
    """Give a preset made by `compose` / `scheduler_preset` its name, module, doc and
    signature, and keep its searcher and defaults readable on it."""
    build.__name__ = build.__qualname__ = name
    build.__module__ = module
    build.__doc__ = doc
    build.__signature__ = signature  # type: ignore[attr-defined]
    build.searcher = searcher  # type: ignore[attr-defined]
    build.defaults = dict(defaults)  # type: ignore[attr-defined]


def _caller_module() -> str:
    """The module that called `compose` / `scheduler_preset`, where the preset gets its
    name: recorded as the preset's `__module__`, so that pickle finds it there (as
    `collections.namedtuple` does for the classes it makes)."""
    frame = sys._getframe(2)
    return str(frame.f_globals.get("__name__", __name__))


def _own_options(searcher: SearcherFactory | None, taken: set[str]) -> dict[str, inspect.Parameter]:
    """The options of `searcher` a method with it fixed takes as its own arguments: all
    but the shared ones and those of the same name as the scheduler's."""
    if searcher is None:
        return {}
    return {
        n: p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for n, p in searcher_parameters(searcher).items()
        if n not in SHARED_ARGUMENTS and n not in taken
    }


def _with(searcher: SearcherFactory, options: dict[str, Any]) -> SearcherFactory:
    return functools.partial(searcher, **options) if options else searcher


def _name(factory: Any) -> str:
    inner = factory.func if isinstance(factory, functools.partial) else factory
    return getattr(inner, "__name__", repr(inner))


def bind_base(
    base: Callable[..., Scheduler], config_space: dict[str, Any], *, where: str, **given: Any
) -> functools.partial[Scheduler]:
    """`base` (a preset, or a `functools.partial` of one) bound to `config_space` and to
    those of `given` it takes, for presets that wrap a whole method (`linear_scalarized`,
    `bounding_box`). None values are left out: they would replace a value bound in a
    partial `base`. `points_to_evaluate` and `restrict_to` change what runs, so a base
    that cannot take them is refused when they are given; the other arguments (seed,
    resource, budget) are mechanics a base without them has no use for.

    Raises:
        TypeError: the signature of `base` cannot be read.
        ValueError: `base` takes no `points_to_evaluate` / `restrict_to` given.
    """
    try:
        accepted = inspect.signature(base).parameters
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: cannot read the arguments of base {base!r}") from error
    required = ("points_to_evaluate", "restrict_to")
    refused = [n for n in required if given.get(n) is not None and n not in accepted]
    if refused:
        raise ValueError(
            f"{where}: base {_name(base)} takes no {refused}, so it cannot honour them"
        )
    passed = {n: v for n, v in given.items() if v is not None and n in accepted}
    return functools.partial(base, config_space, **passed)
