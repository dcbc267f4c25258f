"""Whether a method optimises what a benchmark asks: every metric of a
multi-objective benchmark, and the constraint or cost metric the method requires.

A method runs on a benchmark with several metrics when its scheduler takes them all
and, if it hands them to a searcher, that searcher uses them all. A single-objective
method (ASHA; FIFO with a GP searcher, as bayesian_optimization) is refused before any trial,
naming the method and the metrics: it would optimise the first metric alone and be
compared as if it had tried for all of them. `objectives_problem` tells from the
preset without building it (for the sweep's check of every job);
`check_objectives` looks at the built scheduler.
"""

from __future__ import annotations

import inspect
from typing import Any

from hydra.utils import get_class
from omegaconf import DictConfig

from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.experiments.methods import (
    ROLE_ARGUMENTS,
    MethodConfigError,
    _inspect,
    _safe_searcher_parameters,
)


def role_problem(method: DictConfig, benchmark: DictConfig) -> str | None:
    """Why `method` cannot run on `benchmark` for want of a constraint or cost metric
    that it requires (None when it can)."""
    try:
        _, parameters, _, configured = _inspect(method)
    except MethodConfigError:
        return None
    searcher = _safe_searcher_parameters(method) if method.get("searcher") is not None else {}
    for argument, key in zip(ROLE_ARGUMENTS, ("constraint", "cost"), strict=True):
        needed = [
            p
            for p in (parameters.get(argument), searcher.get(argument))
            if p is not None and p.default is inspect.Parameter.empty
        ]
        if needed and argument not in configured and benchmark.get(key) is None:
            return (
                f"method {method.get('name')!r} needs a {key} metric ({argument}) but "
                f"benchmark {benchmark.get('name')!r} names none; set "
                f"benchmark.{key}=<a reported metric>, or run it on a benchmark with one"
            )
    scheduler = method.get("scheduler") or {}
    if scheduler.get("kind") == "cost_promotion" and benchmark.get("cost") is None:
        # promotions weigh each trial's cumulative cost, which every result must carry
        return (
            f"method {method.get('name')!r} promotes by cost (kind=cost_promotion) but "
            f"benchmark {benchmark.get('name')!r} names no cost metric; set "
            "benchmark.cost=<the metric holding a trial's cumulative cost, e.g. its "
            "training time>, or run it on a benchmark with one (e.g. lcbench-table-cost)"
        )
    return None


def objectives_problem(method: DictConfig, metrics: list[str]) -> str | None:
    """Why `method` cannot optimise the several `metrics` of a benchmark, as far as its
    preset tells without building it (None when it can, or cannot tell).

    Refused: a preset whose scheduler class optimises one metric (`one_metric`, as
    ASHA's), and one whose scheduler hands every metric to a searcher that learns from
    one (`searcher_optimises_one_metric`). `check_objectives` checks the built
    scheduler too.
    """
    if len(metrics) < 2:
        return None
    try:
        factory, parameters, _, _ = _inspect(method)
    except MethodConfigError:
        return None
    made = inspect.signature(factory).return_annotation
    if not isinstance(made, type):
        return None  # a plain function: build_scheduler checks what it makes
    one_metric = getattr(made, "one_metric", None)  # SearcherScheduler's class flag
    if one_metric is True:
        return _single_objective(method, metrics, f"{made.__name__} optimises one metric")
    searcher = _searcher_class(method, parameters)
    if one_metric is False and searcher is not None and searcher_optimises_one_metric(searcher):
        return _single_objective(
            method, metrics, f"its searcher {searcher.__name__} learns from one metric"
        )
    return None


def searcher_optimises_one_metric(searcher: type[Searcher]) -> bool:
    """Whether a searcher class learns from results (it overrides `observe`) on its
    first metric only.

    A searcher that learns nothing (random, grid) serves any number of metrics. One
    that learns is taken to model `metric` alone unless its class says otherwise with
    `one_metric = False`, the flag `SearcherScheduler` subclasses carry for the same
    question (NSGA-II and MOREA rank by all the metrics).
    """
    learns = searcher.observe is not Searcher.observe
    return learns and searcher.one_metric


def _searcher_class(method: DictConfig, parameters: Any) -> type[Searcher] | None:
    """The method's searcher class: its `searcher` node's, else the preset's default."""
    node = method.get("searcher")
    found: Any
    if node is not None:
        try:
            found = get_class(str(node.get("_target_")))
        except Exception:  # reported by check_method
            return None
    else:
        parameter = parameters.get("searcher")
        found = None if parameter is None else parameter.default
    return found if isinstance(found, type) and issubclass(found, Searcher) else None


def _single_objective(method: DictConfig, metrics: list[str], why: str) -> str:
    return (
        f"method {method.get('name')!r} is single-objective ({why}) but the benchmark "
        f"optimises the metrics {metrics}; run a multi-objective method (random_search, "
        "moasha, nsga2, morea, linear_scalarized, ...), or pick one metric "
        "(benchmark.metric=<name> benchmark.mode=<min|max>)"
    )


def check_objectives(method: DictConfig, scheduler: Scheduler, metrics: list[str]) -> None:
    """Refuse a built scheduler that does not optimise every one of `metrics`.

    Raises:
        MethodConfigError: If the scheduler optimises other metrics, or hands them all
            to a searcher that learns from one (`searcher_optimises_one_metric`).
    """
    if scheduler.metric_names() != metrics:
        raise MethodConfigError(
            _single_objective(method, metrics, f"it optimises {scheduler.metric_names()}")
        )
    searcher = scheduler.searcher
    # a searcher told every metric (not, say, a weighted sum of them) must use them all
    if (
        searcher is not None
        and list(searcher.metrics) == metrics
        and searcher_optimises_one_metric(type(searcher))
    ):
        raise MethodConfigError(
            _single_objective(
                method, metrics, f"its searcher {type(searcher).__name__} learns from one metric"
            )
        )
