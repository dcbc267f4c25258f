"""Building a method's scheduler from its preset (`method/<name>.yaml`).

A method names a scheduler preset (`scheduler._target_`, e.g.
`tunelab.core.methods.asha`) and, optionally, a searcher (`searcher`, composed from
`searcher/<name>.yaml`): the searcher's class is handed to the preset as its
`searcher` argument, with the options the method sets. `searcher=<name>` on the
command line puts another searcher into any method whose preset takes one
(`fold_searcher`); the experiment is then named `<method>+<searcher>`.

A benchmark's constraint and cost metrics reach a method whose preset, or whose
searcher class, takes `constraint_attr` / `cost_attr` (`ROLE_ARGUMENTS`); others run
without them (the constraint still decides which results count as best, in the
analysis). A multi-objective benchmark's metrics reach only methods that optimise
them all (`tunelab.experiments.method_objectives`).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, cast

from hydra.utils import get_class, get_method, instantiate
from omegaconf import DictConfig, OmegaConf

from tunelab.core.scheduler import Scheduler

# What the application passes to every scheduler factory that accepts it.
STANDARD_ARGUMENTS = (
    "config_space",
    "metric",
    "mode",
    "seed",
    "resource_attr",
    "max_resource_attr",
    "restrict_to",
)


ROLE_ARGUMENTS = ("constraint_attr", "cost_attr")
"""Metric names of a benchmark's constraint and cost, given to a method only where its
preset or its searcher class names the parameter (never through **kwargs)."""

REQUESTED_ARGUMENTS = ("transfer_evaluations", "hypervolume_reference")
"""Data given to a method only where its preset or its searcher class names the
parameter: other tasks' evaluations (`tunelab.experiments.transfer`), and the
benchmark's hypervolume reference point (metric name -> value; e.g. for EHVI)."""

SEARCHER_ARGUMENTS = ("config_space", "points_to_evaluate", "restrict_to", "seed", "max_resource")
"""What a scheduler preset hands its searcher; a method does not set them."""
DEFAULT_SEARCHER = "random"
"""The searcher of a method that names none (every preset's default)."""


class MethodConfigError(ValueError):
    """A method preset or override that cannot build a scheduler."""


def fold_searcher(cfg: DictConfig) -> DictConfig:
    """`cfg` with the command line's `searcher=<name>` put into its method.

    The method's own searcher (or the default one) is replaced, and the method is
    renamed `<method>+<searcher>`, so that its results never mix with the method's
    own. Without a top-level `searcher`, or with the method's own, `cfg` is returned.
    """
    chosen = cfg.get("searcher")
    if chosen is None:
        return cfg
    method = cfg.method
    own = method.get("searcher")
    own_name = DEFAULT_SEARCHER if own is None else own.get("name")
    folded = cast(DictConfig, OmegaConf.create(OmegaConf.to_container(cfg, resolve=False)))
    del folded["searcher"]
    if chosen.get("name") != own_name:
        folded.method.searcher = chosen
        folded.method.name = f"{method.name}+{chosen.get('name')}"
    OmegaConf.set_struct(folded, True)
    return folded


def check_method(method: DictConfig) -> None:
    """Raise `MethodConfigError` if the preset cannot build a scheduler (no building)."""
    _inspect(method)


def _inspect(method: DictConfig) -> tuple[Any, Any, bool, set[str]]:
    """The factory, its parameters, whether it takes **kwargs, the configured keys
    (`searcher` among them when the method names one)."""
    node = method.get("scheduler")
    if node is None or "_target_" not in node:
        raise MethodConfigError(
            f"method {method.get('name')!r} has no scheduler._target_; a preset names the "
            "class or factory that builds its scheduler"
        )
    target = str(node["_target_"])
    try:
        factory = get_method(target)
    except Exception as error:
        raise MethodConfigError(f"method {method.get('name')!r}: cannot import {target}") from error
    parameters = inspect.signature(factory).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    configured = {str(k) for k in node if not str(k).startswith("_")}
    unknown = sorted(configured - set(parameters)) if not takes_any else []
    if unknown:
        raise MethodConfigError(
            f"method {method.get('name')!r}: {target} takes no argument {unknown}; "
            f"it takes {[p for p in parameters if p not in STANDARD_ARGUMENTS]}"
        )
    if method.get("searcher") is not None:
        if not (takes_any or "searcher" in parameters):
            raise MethodConfigError(
                f"method {method.get('name')!r}: {target} takes no searcher, so "
                f"searcher {method.searcher.get('name')!r} cannot run under it"
            )
        _searcher_parameters(method)
        configured.add("searcher")
    return factory, parameters, takes_any, configured


def _searcher_parameters(method: DictConfig) -> dict[str, Any]:
    """The parameters of the method's searcher class; its options are checked."""
    node = method.searcher
    target = node.get("_target_")
    if target is None:
        raise MethodConfigError(
            f"method {method.get('name')!r}: its searcher has no _target_ (the class)"
        )
    try:
        parameters = dict(inspect.signature(get_class(str(target))).parameters)
    except Exception as error:
        raise MethodConfigError(
            f"method {method.get('name')!r}: cannot import searcher {target}"
        ) from error
    options = {str(k) for k in node if not str(k).startswith("_") and k != "name"}
    unknown = sorted(options - set(parameters))
    shared = sorted(options & set(SEARCHER_ARGUMENTS))
    if unknown or shared:
        own = [p for p in parameters if p not in SEARCHER_ARGUMENTS]
        raise MethodConfigError(
            f"method {method.get('name')!r}: searcher {target} "
            + (f"takes no argument {unknown}" if unknown else f"gets {shared} from the run")
            + f"; its options are {own}"
        )
    return parameters


def accepts(method: DictConfig, argument: str) -> bool:
    """Whether the method's scheduler factory takes `argument`."""
    try:
        _, parameters, takes_any, _ = _inspect(method)
    except MethodConfigError:
        return False
    return takes_any or argument in parameters


def restriction_problem(method: DictConfig, benchmark: DictConfig) -> str | None:
    """Why `method` cannot run on `benchmark`'s table (None when it can).

    A benchmark with `restrict_to_table` is the same problem for every method only if
    each draws from the table's configurations: a method whose factory takes no
    `restrict_to` is refused, never moved to another problem behind the user's back.
    """
    if not benchmark.get("restrict_to_table") or accepts(method, "restrict_to"):
        if method.get("searcher") is None or "restrict_to" in _safe_searcher_parameters(method):
            return None
        return (
            f"method {method.get('name')!r} cannot be restricted to the configurations of "
            f"benchmark {benchmark.get('name')!r}: its searcher {method.searcher.get('_target_')} "
            "takes no restrict_to argument. Give it one, or run the benchmark on a "
            "surrogate for every method (benchmark.restrict_to_table=false "
            "benchmark.surrogate=knn)"
        )
    node = method.get("scheduler") or {}
    return (
        f"method {method.get('name')!r} cannot be restricted to the configurations of "
        f"benchmark {benchmark.get('name')!r}: {node.get('_target_')} takes no "
        "restrict_to argument. Give it one (pass it to the searcher), or run the "
        "benchmark on a surrogate for every method (benchmark.restrict_to_table=false "
        "benchmark.surrogate=knn)"
    )


def _safe_searcher_parameters(method: DictConfig) -> dict[str, Any]:
    try:
        return _searcher_parameters(method)
    except MethodConfigError:
        return {}


def needs_resource(method: DictConfig) -> bool:
    """Whether the method is multi-fidelity: its factory requires a `resource_attr`
    (a parameter without default) that its preset does not set."""
    try:
        _, parameters, _, configured = _inspect(method)
    except MethodConfigError:
        return False
    parameter = parameters.get("resource_attr")
    required = parameter is not None and parameter.default is inspect.Parameter.empty
    return required and "resource_attr" not in configured


def fidelity_problem(method: DictConfig, benchmark: DictConfig) -> str | None:
    """Why `method` cannot run on `benchmark`, which has a single fidelity (None when it can).

    A multi-fidelity method (ASHA, Hyperband, ...) compares trials at levels of a
    resource (epochs) that such a benchmark does not report.
    """
    if not needs_resource(method):
        return None
    node = method.get("scheduler") or {}
    return (
        f"method {method.get('name')!r} is multi-fidelity ({node.get('_target_')} needs a "
        f"resource_attr) but benchmark {benchmark.get('name')!r} has a single fidelity (one "
        "value per configuration, no resource to stop or promote trials at); run a "
        "single-fidelity method (random_search, bayesian_optimization, ...) on it, or the "
        "method on a benchmark with learning curves"
    )


def takes_role(method: DictConfig, argument: str) -> bool:
    """Whether the method's preset, or its searcher class, names `argument` (one of
    `ROLE_ARGUMENTS`) without the method setting it."""
    try:
        _, parameters, _, configured = _inspect(method)
    except MethodConfigError:
        return False
    if argument in parameters and argument not in configured:
        return True
    searcher = method.get("searcher")
    return (
        searcher is not None
        and argument in _safe_searcher_parameters(method)
        and argument not in searcher
    )


def build_scheduler(method: DictConfig, provided: dict[str, Any]) -> Scheduler:
    """Instantiate `method.scheduler` with the standard arguments it accepts.

    Args:
        method: The method node (`name`, `scheduler` with `_target_` and arguments).
        provided: Values of `STANDARD_ARGUMENTS` from the benchmark and the run, and
            of `ROLE_ARGUMENTS` (None: the benchmark has no such metric) and of
            `REQUESTED_ARGUMENTS` (None or absent: not given).

    Raises:
        MethodConfigError: If the preset cannot be built (with several metrics: a
            scheduler that refuses them). `method_objectives` tells whether a built
            scheduler optimises them all.
    """
    several = not isinstance(provided.get("metric"), str | None)
    _, parameters, takes_any, configured = _inspect(method)
    if provided.get("restrict_to") is not None and not (takes_any or "restrict_to" in parameters):
        raise MethodConfigError(
            f"method {method.get('name')!r}: {method['scheduler']['_target_']} takes no "
            "restrict_to argument, so it cannot be restricted to the benchmark's "
            "configurations; give it one, or run the benchmark on a surrogate"
        )
    extra = {
        name: value
        for name, value in provided.items()
        if name in STANDARD_ARGUMENTS
        and (name in parameters or takes_any)
        and name not in configured
        and value is not None
    }
    roles = {name: provided.get(name) for name in (*ROLE_ARGUMENTS, *REQUESTED_ARGUMENTS)}
    extra.update(
        {
            n: v
            for n, v in roles.items()
            if v is not None and n in parameters and n not in configured
        }
    )
    node = method["scheduler"]
    # The provided values go to the factory directly, not through Hydra: merging a
    # table's thousands of configurations into a config node takes seconds.
    factory = instantiate(
        OmegaConf.to_container(node, resolve=True), _convert_="all", _partial_=True
    )
    if method.get("searcher") is not None:
        searcher = OmegaConf.to_container(method.searcher, resolve=True)
        assert isinstance(searcher, dict)
        searcher.pop("name", None)
        takes = _safe_searcher_parameters(method)
        given = {
            n: v for n, v in roles.items() if v is not None and n in takes and n not in searcher
        }
        searcher.update({n: v for n, v in given.items() if n in ROLE_ARGUMENTS})
        built = instantiate(searcher, _convert_="all", _partial_=True)
        # data (other tasks' evaluations) bypasses Hydra, which would turn it into dicts
        data = {n: v for n, v in given.items() if n in REQUESTED_ARGUMENTS}
        extra["searcher"] = functools.partial(built, **data) if data else built
    try:
        scheduler = factory(**extra)
    except ValueError as error:
        if not several:
            raise
        raise MethodConfigError(
            f"method {method.get('name')!r} cannot optimise the metrics "
            f"{list(provided['metric'])} of the benchmark: {error}"
        ) from error
    if not isinstance(scheduler, Scheduler):
        raise MethodConfigError(
            f"method {method.get('name')!r}: {node['_target_']} returned "
            f"{type(scheduler).__name__}, not a tunelab Scheduler"
        )
    scheduler.method_name = str(method.get("name"))
    return scheduler
