"""Building a benchmark (`benchmark/<name>.yaml`): its backend and its problem.

A benchmark names what methods optimise (one metric or several, see
`tunelab.experiments.objectives`), and may name a constraint metric and a cost
metric; the problem records the known extremes of each (`reference`) and, for
several metrics, the hypervolume's reference point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from tunelab.core.backends.base import Backend
from tunelab.core.space import config_space_from_json
from tunelab.core.trial import Config, Mode
from tunelab.experiments.objectives import (
    Objectives,
    Quantile,
    objectives_problems,
    read_objectives,
)

if TYPE_CHECKING:
    from tunelab.blackbox import Blackbox, TabularBlackbox


class BenchmarkConfigError(ValueError):
    """A benchmark preset or override that cannot be built."""


@dataclass
class Problem:
    """What a benchmark gives an experiment."""

    backend: Backend
    config_space: dict[str, Any]
    objectives: Objectives
    resource_attr: str | None
    max_resource_attr: str | None
    restrict_to: list[Config] | None
    reference: dict[str, dict[str, float]] = field(default_factory=dict)
    """`{metric: {"min": ..., "max": ...}}`: known extremes of each metric the
    benchmark names (its constraint and cost too), recorded for regret plots."""
    hypervolume_reference: dict[str, float] | None = None
    """`{metric: value}`, the hypervolume's reference point of a multi-objective
    benchmark (`reference_point`, else each metric's worst known value); None for a
    single metric, or when a worst value is unknown and the preset gives none."""
    description: dict[str, Any] = field(default_factory=dict)
    """The problem actually run, recorded as `problem` in metadata.json: blackbox,
    surrogate (None: the table itself), whether every method is restricted to the
    table's configurations, how many there are, and derived constraint `bounds`."""

    @property
    def metric(self) -> str | list[str]:
        """What a method's `metric` gets: the metric, or the list of several."""
        return self.objectives.metric

    @property
    def mode(self) -> Mode | list[Mode]:
        """What a method's `mode` gets: the mode, or one per metric."""
        return self.objectives.mode

    @property
    def metrics(self) -> list[str]:
        """The metrics methods optimise (one unless multi-objective)."""
        return list(self.objectives.metrics)


def build_benchmark(benchmark: DictConfig, *, seed: int) -> Problem:
    """The backend and problem of `benchmark`; `seed` drives the simulator's seeds.

    The problem is exactly what the benchmark config says: a surrogate only when it
    names one, and with `restrict_to_table` every method draws from the table's
    configurations (a method that cannot is refused by `check_restrictable`).
    """
    kind = benchmark.get("type")
    if kind == "simulated":
        return _simulated(benchmark, seed=seed)
    if kind == "local":
        return _local(benchmark)
    raise BenchmarkConfigError(
        f"benchmark {benchmark.get('name')!r} has type {kind!r}; expected 'simulated' "
        "(a blackbox run by the simulator) or 'local' (a training script)"
    )


def _simulated(benchmark: DictConfig, *, seed: int) -> Problem:
    from tunelab.blackbox import SimulatorBackend, SurrogateBlackbox, TabularBlackbox, load

    objectives = _objectives(benchmark)
    options = _plain(benchmark.get("load_options") or {})
    try:
        blackbox = load(str(benchmark.blackbox), **options)
    except (FileNotFoundError, ValueError, KeyError) as error:
        raise BenchmarkConfigError(f"benchmark {benchmark.name!r}: {error}") from error
    restrict = bool(benchmark.get("restrict_to_table"))
    surrogate = benchmark.get("surrogate")
    if restrict and surrogate:
        raise BenchmarkConfigError(
            f"benchmark {benchmark.name!r} sets both restrict_to_table=true and "
            f"surrogate={surrogate!r}; choose one: the table's configurations only, or "
            "any configuration answered by the surrogate"
        )
    if surrogate:
        if not isinstance(blackbox, TabularBlackbox):
            raise BenchmarkConfigError(
                f"benchmark {benchmark.name!r}: surrogate={surrogate!r} needs a "
                f"tabular blackbox, {benchmark.blackbox!r} is a {type(blackbox).__name__}"
            )
        blackbox = SurrogateBlackbox(blackbox, model=str(surrogate))
    space = dict(blackbox.configuration_space)
    max_resource_attr = benchmark.get("max_resource_attr")
    fidelities = blackbox.fidelity_values
    if max_resource_attr is not None and fidelities is not None:
        top = float(fidelities[-1])
        space[str(max_resource_attr)] = int(top) if top.is_integer() else top
    restrict_to = None
    if restrict:
        if not isinstance(blackbox, TabularBlackbox):
            raise BenchmarkConfigError(
                f"benchmark {benchmark.name!r}: restrict_to_table needs a tabular blackbox"
            )
        constants = {k: v for k, v in space.items() if k not in blackbox.configuration_space}
        restrict_to = blackbox.all_configurations()  # fresh dicts: completed in place
        for config in restrict_to:
            config.update(constants)
    if objectives.bounds:
        blackbox = _constrained(blackbox, objectives.bounds, where=str(benchmark.name))
    objectives = objectives.with_default_metric(blackbox.objectives_names[0])
    missing = [name for name in objectives.named() if name not in blackbox.objectives_names]
    if missing:
        raise BenchmarkConfigError(
            f"benchmark {benchmark.name!r} names the metric(s) {missing}, which blackbox "
            f"{benchmark.blackbox!r} does not report; it reports {blackbox.objectives_names}"
        )
    backend = SimulatorBackend(
        blackbox,
        max_resource_attr=None if max_resource_attr is None else str(max_resource_attr),
        seed=seed,
        charge_decision_time=bool(benchmark.get("charge_decision_time", False)),
        time_scale=float(benchmark.get("time_scale", 1.0)),
        name=str(benchmark.name),
        cost_attr=objectives.cost,
    )
    reference = _reference(blackbox, objectives.named())
    quantiles = _quantiles(blackbox, objectives, where=str(benchmark.name))
    description: dict[str, Any] = {
        "blackbox": str(benchmark.blackbox),
        "surrogate": str(surrogate) if surrogate else None,
        "restrict_to_table": restrict,
        "num_candidates": None if restrict_to is None else len(restrict_to),
    }
    if objectives.bounds:  # absent otherwise: runs of earlier versions compare equal
        description["bounds"] = {k: dict(v) for k, v in sorted(objectives.bounds.items())}
    return Problem(
        backend=backend,
        config_space=space,
        objectives=objectives,
        resource_attr=blackbox.fidelity_name,
        max_resource_attr=None if max_resource_attr is None else str(max_resource_attr),
        restrict_to=restrict_to,
        reference=reference,
        hypervolume_reference=_hypervolume_reference(objectives, reference, quantiles),
        description=description,
    )


def _objectives(benchmark: DictConfig) -> Objectives:
    found = objectives_problems(benchmark)
    if found:
        raise BenchmarkConfigError("; ".join(found))
    return read_objectives(benchmark)


def _constrained(blackbox: Blackbox, bounds: dict[str, dict[str, Any]], *, where: str) -> Blackbox:
    """`blackbox` reporting the derived constraint metrics of `bounds` too."""
    from tunelab.blackbox import Bound, ConstrainedBlackbox

    try:
        limits = {name: Bound(**spec) for name, spec in bounds.items()}
        return ConstrainedBlackbox(blackbox, limits)
    except (TypeError, ValueError) as error:
        raise BenchmarkConfigError(f"benchmark {where!r}: bounds: {error}") from error


def _reference(blackbox: Blackbox, names: list[str]) -> dict[str, dict[str, float]]:
    """`{name: {"min": ..., "max": ...}}` with the extremes the blackbox knows."""
    reference = {}
    for name in names:
        low, high = blackbox.objective_range(name)
        known = {key: value for key, value in (("min", low), ("max", high)) if value is not None}
        if known:
            reference[name] = known
    return reference


def _quantiles(blackbox: Blackbox, objectives: Objectives, *, where: str) -> dict[str, float]:
    """The reference values given as quantiles of the table's values, by metric."""
    asked = {k: v.q for k, v in objectives.reference_point.items() if isinstance(v, Quantile)}
    if not asked:
        return {}
    table = _table(blackbox)
    values = {}
    for name, q in asked.items():
        if table is None or name not in table.objectives_names:
            raise BenchmarkConfigError(
                f"benchmark {where!r}: reference_point.{name} is a quantile of the table's "
                f"values, but {blackbox!r} has no table holding {name!r}; give a number"
            )
        column = table.objectives[..., table.objectives_names.index(name)]
        values[name] = float(np.nanquantile(column, q))
    return values


def _table(blackbox: Blackbox) -> TabularBlackbox | None:
    """The table behind `blackbox` (itself, a surrogate's, a constrained one's), if any."""
    from tunelab.blackbox import ConstrainedBlackbox, SurrogateBlackbox, TabularBlackbox

    if isinstance(blackbox, ConstrainedBlackbox):
        return _table(blackbox.blackbox)
    if isinstance(blackbox, SurrogateBlackbox):
        return blackbox.table
    return blackbox if isinstance(blackbox, TabularBlackbox) else None


def _hypervolume_reference(
    objectives: Objectives,
    reference: dict[str, dict[str, float]],
    quantiles: dict[str, float] | None = None,
) -> dict[str, float] | None:
    """The preset's `reference_point` (numbers, and the values of its `quantiles`),
    completed by each metric's worst known value (the largest of a minimised metric,
    the smallest of a maximised one); None for a single metric without one, or when a
    metric has neither."""
    if not objectives.multi_objective and not objectives.reference_point:
        return None
    point = {}
    for name, mode in zip(objectives.metrics, objectives.modes, strict=True):
        given = objectives.reference_point.get(name)
        if isinstance(given, Quantile):
            value: float | None = (quantiles or {})[name]
        elif given is not None:
            value = given
        else:
            value = reference.get(name, {}).get("max" if mode == "min" else "min")
        if value is None:
            return None
        point[name] = float(value)
    return point


def _local(benchmark: DictConfig) -> Problem:
    from tunelab.core.backends.local import LocalBackend

    entry_point = Path(str(benchmark.entry_point)).expanduser()
    if not entry_point.is_file():
        raise BenchmarkConfigError(
            f"benchmark {benchmark.name!r}: training script {entry_point} does not exist"
        )
    space = config_space_from_yaml(benchmark.get("config_space"), where=str(benchmark.name))
    objectives = _objectives(benchmark)
    if not objectives.metrics:
        raise BenchmarkConfigError(
            f"benchmark {benchmark.name!r} runs a training script but names no metric; "
            "set metric=<the name the script reports>"
        )
    return Problem(
        description={"entry_point": str(entry_point)},
        backend=LocalBackend(entry_point),
        config_space=space,
        objectives=objectives,
        resource_attr=benchmark.get("resource_attr"),
        max_resource_attr=benchmark.get("max_resource_attr"),
        restrict_to=None,
        hypervolume_reference=_hypervolume_reference(objectives, {}),
    )


def config_space_from_yaml(node: Any, *, where: str) -> dict[str, Any]:
    """A config space written in YAML: domains as `{type: ..., ...}`, others constants.

    Domains use the JSON form of `tunelab.core.space` (e.g. `{type: float, lower: 1e-4,
    upper: 0.1, log: true}`, `{type: int, ...}`, `{type: choice, categories: [...]}`).
    """
    if node is None:
        raise BenchmarkConfigError(f"benchmark {where!r} has no config_space")
    entries = _plain(node)
    normalised = {
        name: entry
        if isinstance(entry, dict) and "type" in entry
        else {"type": "constant", "value": entry}
        for name, entry in entries.items()
    }
    try:
        return config_space_from_json(normalised)
    except (TypeError, ValueError, KeyError) as error:
        raise BenchmarkConfigError(f"benchmark {where!r}: bad config_space: {error}") from error


def _plain(node: Any) -> Any:
    if isinstance(node, DictConfig):
        return OmegaConf.to_container(node, resolve=True)
    return node
