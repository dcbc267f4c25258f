"""Checks of a job's configuration that need no data: run for every job of a sweep
before the first one starts, so that a typo fails in a second, not an hour in.

`settings_problems` (the top-level values, and the names that become the results
folder) also runs before a single experiment touches its folder.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from hydra.utils import get_class
from omegaconf import DictConfig, ListConfig, OmegaConf

from tunelab.core.status import COST_KEY
from tunelab.experiments.callbacks import callbacks_problem
from tunelab.experiments.method_objectives import objectives_problem, role_problem
from tunelab.experiments.methods import (
    MethodConfigError,
    check_method,
    fidelity_problem,
    fold_searcher,
    restriction_problem,
)
from tunelab.experiments.objectives import objectives_problems, read_objectives
from tunelab.experiments.transfer import transfer_problem

BENCHMARK_TYPES = ("simulated", "local")

DRY_RUN_LAUNCHERS = ("hydra_plugins.tunelab_sagemaker.launcher.SageMakerLauncher",)
"""Launchers that plan a sweep without running it when the job sets `dry_run=true`."""

_PATH_PART = re.compile(r"\w[\w.,+=@-]*")
_MAX_PATH_PART = 255  # bytes: the longest file name of common file systems


def problems(cfg: DictConfig) -> list[str]:
    """What is wrong with the job `cfg` (empty when nothing is)."""
    cfg = fold_searcher(cfg)
    found = settings_problems(cfg)
    objectives = objectives_problems(cfg.benchmark)
    try:
        check_method(cfg.method)
    except MethodConfigError as error:
        found.append(str(error))
    else:
        single = _single_fidelity(cfg.benchmark)
        metrics = [] if objectives else list(read_objectives(cfg.benchmark).metrics)
        for problem in (
            restriction_problem(cfg.method, cfg.benchmark),
            fidelity_problem(cfg.method, cfg.benchmark) if single else None,
            objectives_problem(cfg.method, metrics),
            role_problem(cfg.method, cfg.benchmark),
            transfer_problem(cfg.method, cfg.benchmark),
        ):
            if problem is not None:
                found.append(problem)
    found += objectives + _benchmark_problems(cfg.benchmark)
    callbacks = callbacks_problem(cfg)
    if callbacks is not None:
        found.append(callbacks)
    return found


def settings_problems(cfg: DictConfig) -> list[str]:
    """What is wrong with the job's top-level values and the names of its folder.

    `seed`, `master_seed`, `n_workers`, `max_wallclock_time`, `max_cost` and
    `progress_interval` must be numbers in range; `study`, `benchmark.name`,
    `method.name` (and so the results folder
    `${study}/${benchmark.name}/${method.name}/${seed}`) single safe path parts;
    `max_cost` needs the benchmark's cost metric; `dry_run=true` needs a launcher that
    plans without running.
    """
    benchmark = cfg.get("benchmark") or {}
    method = cfg.get("method") or {}
    found = [
        _integer("seed", cfg.get("seed"), minimum=0),
        _integer("master_seed", cfg.get("master_seed"), minimum=0),
        _integer(*_effective(cfg, "n_workers"), minimum=1),
        _positive(*_effective(cfg, "max_wallclock_time")),
        _positive("progress_interval", cfg.get("progress_interval"), nullable=True),
        _cost_problem(cfg),
        _path_part("study", cfg.get("study")),
        _path_part("benchmark.name", benchmark.get("name")),
        _path_part("method.name", method.get("name")),
        _dry_run_problem(cfg),
    ]
    return [problem for problem in found if problem is not None]


def _effective(cfg: DictConfig, key: str) -> tuple[str, Any]:
    """The key that decides the setting, and its value: `key`, else the benchmark's."""
    value = cfg.get(key)
    if value is not None:
        return key, value
    return f"benchmark.{key}", (cfg.get("benchmark") or {}).get(key)


def _cost_problem(cfg: DictConfig) -> str | None:
    """Whether `max_cost` (or `benchmark.max_cost`) is a limit the run can apply.

    The tuner sums each trial's latest `worker_cost`: the simulator reports it from
    the benchmark's `cost` metric; a training script must report it itself, as the
    cost metric of its benchmark (`cost: worker_cost`).
    """
    key, value = _effective(cfg, "max_cost")
    if value is None:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value <= 0:
        return (
            f"{key}={value!r}: expected a number > 0 (in the unit of the benchmark's cost "
            "metric) or null"
        )
    benchmark = cfg.get("benchmark") or {}
    cost = benchmark.get("cost")
    if cost is None:
        return (
            f"{key}={value!r} limits the total cost of the trials, but benchmark "
            f"{benchmark.get('name')!r} names no cost metric; set benchmark.cost=<the "
            "metric holding a trial's cumulative cost, e.g. its training time>"
        )
    if benchmark.get("type") == "local" and cost != COST_KEY:
        return (
            f"{key}={value!r}: the tuner counts the cost of a training script's trials "
            f"from the {COST_KEY!r} it reports (cumulative, per trial), but benchmark "
            f"{benchmark.get('name')!r} names cost={cost!r}; report {COST_KEY!r} from the "
            f"script and set benchmark.cost={COST_KEY}"
        )
    return None


def _integer(key: str, value: Any, *, minimum: int) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return None
    return f"{key}={value!r}: expected an integer >= {minimum}"


def _positive(key: str, value: Any, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and math.isfinite(value) and value > 0:
        return None
    return f"{key}={value!r}: expected a number of seconds > 0" + (" or null" if nullable else "")


def _path_part(key: str, value: Any) -> str | None:
    """Whether `value` names one folder inside its parent, and nothing else."""
    text = None if isinstance(value, (DictConfig, ListConfig, dict, list)) else value
    if text is not None and not isinstance(text, bool):
        text = str(text)
        if _PATH_PART.fullmatch(text) and len(text.encode()) <= _MAX_PATH_PART:
            return None
    return (
        f"{key}={value!r} cannot name a folder of the results: expected one path part of "
        "letters, digits and '_ . , + = @ -', starting with a letter, digit or '_'"
    )


def _dry_run_problem(cfg: DictConfig) -> str | None:
    dry_run = cfg.get("dry_run")
    if not dry_run:
        return None
    launcher = OmegaConf.select(cfg, "hydra.launcher._target_", default=None)
    if launcher is not None and _plans_dry_runs(str(launcher)):
        return None
    choice = OmegaConf.select(cfg, "hydra.runtime.choices", default=None) or {}
    where = (
        "a single run"
        if launcher is None
        else f"hydra/launcher={choice.get('hydra/launcher') or launcher}"
    )
    return (
        f"dry_run={str(dry_run).lower()}: only hydra/launcher=sagemaker plans a sweep "
        f"without running it; with {where} the experiments would run. Drop +dry_run=true"
    )


def _plans_dry_runs(target: str) -> bool:
    try:
        names = [f"{c.__module__}.{c.__qualname__}" for c in get_class(target).__mro__]
    except Exception:  # Hydra reports an unknown launcher itself, in its own words
        names = [target]
    # by name: Hydra's plugin discovery may load a second copy of a plugin's modules
    return any(name in DRY_RUN_LAUNCHERS for name in names)


def _single_fidelity(benchmark: DictConfig) -> bool:
    """Whether the benchmark is known, without its data, to have a single fidelity.

    A local benchmark names its resource (`resource_attr`); a simulated one reads it
    from its blackbox, unless the preset declares `multi_fidelity: false` (one value
    per configuration, as the `*-final` tables).
    """
    if benchmark.get("type") == "local":
        return benchmark.get("resource_attr") is None
    return benchmark.get("multi_fidelity") is False


def _benchmark_problems(benchmark: DictConfig) -> list[str]:
    name = benchmark.get("name")
    kind = benchmark.get("type")
    if kind not in BENCHMARK_TYPES:
        return [f"benchmark {name!r}: type {kind!r}; expected one of {list(BENCHMARK_TYPES)}"]
    if kind == "local":
        entry_point = Path(str(benchmark.get("entry_point"))).expanduser()
        if not entry_point.is_file():
            return [f"benchmark {name!r}: training script {entry_point} does not exist"]
        return []
    if benchmark.get("restrict_to_table") and benchmark.get("surrogate"):
        return [
            f"benchmark {name!r} sets both restrict_to_table=true and surrogate="
            f"{benchmark.get('surrogate')!r}; choose one"
        ]
    from tunelab.blackbox.repository import all_recipes

    base = str(benchmark.get("blackbox", "")).partition("/")[0]
    recipes = all_recipes()
    if base not in recipes:
        return [f"benchmark {name!r}: unknown blackbox {base!r}; known: {sorted(recipes)}"]
    env = recipes[base].source_env
    if env is None:
        return []
    source = (benchmark.get("load_options") or {}).get("source")
    if source is None:
        return [
            f"benchmark {name!r} needs its data: set ${env} or benchmark.load_options.source=<path>"
        ]
    if not Path(str(source)).expanduser().exists():
        return [f"benchmark {name!r}: data path {source} does not exist"]
    return []
