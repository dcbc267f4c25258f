"""Building a benchmark (`benchmark/<name>.yaml`): its backend and its problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from tunelab.core.backends.base import Backend
from tunelab.core.space import config_space_from_json
from tunelab.core.trial import Config, Mode

if TYPE_CHECKING:
    from tunelab.blackbox import Blackbox


class BenchmarkConfigError(ValueError):
    """A benchmark preset or override that cannot be built."""


@dataclass
class Problem:
    """What a benchmark gives an experiment."""

    backend: Backend
    config_space: dict[str, Any]
    metric: str
    mode: Mode
    resource_attr: str | None
    max_resource_attr: str | None
    restrict_to: list[Config] | None
    reference: dict[str, dict[str, float]] = field(default_factory=dict)
    """`{metric: {"min": ..., "max": ...}}`: known extremes, recorded for regret plots."""
    description: dict[str, Any] = field(default_factory=dict)
    """The problem actually run, recorded as `problem` in metadata.json: blackbox,
    surrogate (None: the table itself), whether every method is restricted to the
    table's configurations, and how many there are."""


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
    backend = SimulatorBackend(
        blackbox,
        max_resource_attr=None if max_resource_attr is None else str(max_resource_attr),
        seed=seed,
        charge_decision_time=bool(benchmark.get("charge_decision_time", False)),
        time_scale=float(benchmark.get("time_scale", 1.0)),
        name=str(benchmark.name),
    )
    metric = str(benchmark.get("metric") or blackbox.objectives_names[0])
    return Problem(
        backend=backend,
        config_space=space,
        metric=metric,
        mode=_mode(benchmark),
        resource_attr=blackbox.fidelity_name,
        max_resource_attr=None if max_resource_attr is None else str(max_resource_attr),
        restrict_to=restrict_to,
        reference=_reference(blackbox, metric),
        description={
            "blackbox": str(benchmark.blackbox),
            "surrogate": str(surrogate) if surrogate else None,
            "restrict_to_table": restrict,
            "num_candidates": None if restrict_to is None else len(restrict_to),
        },
    )


def _reference(blackbox: Blackbox, metric: str) -> dict[str, dict[str, float]]:
    if metric not in blackbox.objectives_names:
        return {}  # the sweeper's validation reports the unknown metric
    low, high = blackbox.objective_range(metric)
    known = {key: value for key, value in (("min", low), ("max", high)) if value is not None}
    return {metric: known} if known else {}


def _local(benchmark: DictConfig) -> Problem:
    from tunelab.core.backends.local import LocalBackend

    entry_point = Path(str(benchmark.entry_point)).expanduser()
    if not entry_point.is_file():
        raise BenchmarkConfigError(
            f"benchmark {benchmark.name!r}: training script {entry_point} does not exist"
        )
    space = config_space_from_yaml(benchmark.get("config_space"), where=str(benchmark.name))
    return Problem(
        description={"entry_point": str(entry_point)},
        backend=LocalBackend(entry_point),
        config_space=space,
        metric=str(benchmark.metric),
        mode=_mode(benchmark),
        resource_attr=benchmark.get("resource_attr"),
        max_resource_attr=benchmark.get("max_resource_attr"),
        restrict_to=None,
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


def _mode(benchmark: DictConfig) -> Mode:
    """The benchmark's `mode`, checked: "min" or "max"."""
    mode = benchmark.get("mode", "min")
    if mode == "min" or mode == "max":
        return "min" if mode == "min" else "max"
    raise ValueError(f"benchmark {benchmark.get('name')!r}: mode={mode!r}; expected 'min' or 'max'")
