"""Leave-one-task-out: the other tasks' evaluations for a transfer-learning method.

A benchmark names its target task in its blackbox (`blackbox: <family>/<task>`). A
method whose preset, or whose searcher class, takes `transfer_evaluations` gets the
evaluations of the family's other tasks, never the target's; other methods run as
they always did. The benchmark's optional `transfer` node says which:

```yaml
transfer:
  tasks: others          # or a list of task names (the target is refused)
  max_configs: null      # rows per table (a seeded subset), or the sample size of a
                         # task answered by a model (null: all rows / 256 samples)
  metric: null           # objective(s) to pass on (null: the benchmark's metrics)
  seed: 0                # seed of the subset / sample: the same for every experiment
```

metadata.json records what was passed (`transfer`: target, tasks, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from tunelab.core.transfer import TaskEvaluations
from tunelab.experiments.methods import takes_role

TRANSFER_ARGUMENT = "transfer_evaluations"
"""The parameter through which a method receives earlier tasks' evaluations."""
TRANSFER_KEYS = ("tasks", "max_configs", "metric", "seed")
OTHERS = "others"


class TransferConfigError(ValueError):
    """A benchmark's `transfer` node, or its target, that gives no transfer evaluations."""


@dataclass(frozen=True)
class TransferSpec:
    """What a benchmark's `transfer` node asks for (defaults filled in)."""

    family: str
    target: str
    tasks: list[str] | None
    max_configs: int | None
    metric: list[str] | None
    seed: int

    def describe(self, used: list[str], metric: list[str]) -> dict[str, Any]:
        """The record written to metadata.json (`transfer`)."""
        return {
            "blackbox": self.family,
            "target": self.target,
            "tasks": used,
            "max_configs": self.max_configs,
            "metric": metric,
            "seed": self.seed,
        }


def takes_transfer(method: DictConfig) -> bool:
    """Whether the method's preset or searcher takes `transfer_evaluations` (unset)."""
    return takes_role(method, TRANSFER_ARGUMENT)


def read_transfer(benchmark: DictConfig) -> TransferSpec:
    """The benchmark's transfer settings, checked (no data is read).

    Raises:
        TransferConfigError: naming the offending value and what was expected.
    """
    name = benchmark.get("name")
    if benchmark.get("type") != "simulated":
        raise TransferConfigError(
            f"benchmark {name!r} is of type {benchmark.get('type')!r}: transfer "
            "evaluations come from the other tasks of a simulated (blackbox) benchmark"
        )
    family, _, target = str(benchmark.get("blackbox", "")).partition("/")
    if not target:
        raise TransferConfigError(
            f"benchmark {name!r}: its blackbox {family!r} names no target task "
            "(expected '<blackbox>/<task>'), so there are no other tasks to transfer from"
        )
    node = benchmark.get("transfer")
    given: dict[str, Any] = {}
    if node is not None:
        plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
        if not isinstance(plain, dict):
            raise TransferConfigError(
                f"benchmark {name!r}: transfer must be a mapping with keys "
                f"{list(TRANSFER_KEYS)}, got {plain!r}"
            )
        given = {str(k): v for k, v in plain.items()}
    unknown = sorted(set(given) - set(TRANSFER_KEYS))
    if unknown:
        raise TransferConfigError(
            f"benchmark {name!r}: transfer has unknown keys {unknown}; "
            f"expected {list(TRANSFER_KEYS)}"
        )
    return TransferSpec(
        family=family,
        target=target,
        tasks=_tasks(given.get("tasks", OTHERS), target, where=str(name)),
        max_configs=_max_configs(given.get("max_configs"), where=str(name)),
        metric=_metric(given.get("metric"), where=str(name)),
        seed=_seed(given.get("seed", 0), where=str(name)),
    )


def _tasks(value: Any, target: str, *, where: str) -> list[str] | None:
    if value is None or value == OTHERS:
        return None
    if isinstance(value, ListConfig):
        value = list(value)
    if not isinstance(value, list) or not value:
        raise TransferConfigError(
            f"benchmark {where!r}: transfer.tasks must be {OTHERS!r} or a non-empty list of "
            f"task names, got {value!r}"
        )
    tasks = [str(task) for task in value]
    if target in tasks:
        raise TransferConfigError(
            f"benchmark {where!r}: transfer.tasks {tasks} contains the target task "
            f"{target!r}; a method never sees the target's evaluations"
        )
    return tasks


def _max_configs(value: Any, *, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TransferConfigError(
            f"benchmark {where!r}: transfer.max_configs must be a positive integer or null, "
            f"got {value!r}"
        )
    return value


def _metric(value: Any, *, where: str) -> list[str] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise TransferConfigError(
            f"benchmark {where!r}: transfer.metric must be an objective name, a list of "
            f"them, or null, got {value!r}"
        )
    return list(names)


def _seed(value: Any, *, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TransferConfigError(
            f"benchmark {where!r}: transfer.seed must be a non-negative integer, got {value!r}"
        )
    return value


def transfer_problem(method: DictConfig, benchmark: DictConfig) -> str | None:
    """Why `method` cannot get transfer evaluations on `benchmark` (None when it can,
    or when it takes none). Reads only the list of tasks, not their data."""
    if not takes_transfer(method):
        return None
    try:
        spec = read_transfer(benchmark)
        tasks = _family_tasks(spec, benchmark)
    except TransferConfigError as error:
        return f"method {method.get('name')!r} learns from other tasks, but {error}"
    except (FileNotFoundError, ValueError, TypeError):
        return None  # the benchmark's own checks report data that cannot be read
    return _tasks_problem(method, benchmark, spec, tasks)


def _tasks_problem(
    method: DictConfig, benchmark: DictConfig, spec: TransferSpec, tasks: list[str]
) -> str | None:
    name = benchmark.get("name")
    if spec.target not in tasks:
        return (
            f"benchmark {name!r}: blackbox {spec.family!r} has no task {spec.target!r}; "
            f"tasks: {tasks}"
        )
    others = [task for task in tasks if task != spec.target]
    if not others:
        return (
            f"method {method.get('name')!r} learns from other tasks, but benchmark {name!r} "
            f"has none besides its target {spec.target!r} (blackbox {spec.family!r}); run it "
            "on a benchmark of several tasks, or run a method without transfer"
        )
    unknown = [task for task in spec.tasks or [] if task not in others]
    if unknown:
        return f"benchmark {name!r}: transfer.tasks names unknown tasks {unknown}; tasks: {others}"
    return None


def _family_tasks(spec: TransferSpec, benchmark: DictConfig) -> list[str]:
    from tunelab.blackbox.repository import all_recipes

    recipes = all_recipes()
    if spec.family not in recipes:
        raise TransferConfigError(f"unknown blackbox {spec.family!r}")
    return recipes[spec.family].tasks(**_load_options(benchmark))


def _load_options(benchmark: DictConfig) -> dict[str, Any]:
    node = benchmark.get("load_options") or {}
    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    if not isinstance(plain, dict):
        raise TransferConfigError(f"load_options must be a mapping, got {plain!r}")
    return {str(k): v for k, v in plain.items()}


def build_transfer(
    method: DictConfig, benchmark: DictConfig, metrics: list[str]
) -> tuple[dict[str, TaskEvaluations], dict[str, Any]]:
    """The other tasks' evaluations for `method`, and the record for metadata.json.

    Args:
        method: A method that takes `transfer_evaluations` (see `takes_transfer`).
        benchmark: The benchmark whose blackbox names the target task.
        metrics: The objectives passed on when `transfer.metric` is null.

    Raises:
        TransferConfigError: before any trial, when there is nothing to transfer.
    """
    from tunelab.blackbox import load_tasks

    spec = read_transfer(benchmark)
    family = load_tasks(spec.family, **_load_options(benchmark))
    problem = _tasks_problem(method, benchmark, spec, family.tasks)
    if problem is not None:
        raise TransferConfigError(problem)
    metric = spec.metric if spec.metric is not None else metrics
    evaluations = family.transfer_evaluations(
        exclude=spec.target,
        tasks=spec.tasks,
        metric=metric,
        max_configs=spec.max_configs,
        seed=spec.seed,
    )
    return evaluations, spec.describe(sorted(evaluations), metric)
