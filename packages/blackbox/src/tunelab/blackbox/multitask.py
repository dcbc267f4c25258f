"""`MultiTaskBlackbox`: the tasks of one benchmark, and their evaluations for transfer.

A benchmark family (lcbench's OpenML tasks, NAS-Bench-201's datasets, ...) is one
blackbox per task. Transfer-learning methods tuning one task (the target) learn
from the evaluations of the others, so "every task but the target" is one call:

```python
from tunelab.blackbox import load_tasks

lcbench = load_tasks("yahpo-lcbench-tables")
target = lcbench.task("189906")
earlier = lcbench.transfer_evaluations(exclude="189906", metric="val_accuracy")
```

A tabular task gives its table (optionally a seeded random subset of its rows). A
task answered by a model (a YAHPO surrogate, an analytic function) has no table: it
gives the evaluations of a fixed random sample of configurations, drawn with a
seeded generator and cached (in memory, and on disk when the family knows what its
model was built from), so that every experiment of a study sees the same sample.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import config_space_to_json, hyperparameter_names, sample_config
from tunelab.core.transfer import TaskEvaluations
from tunelab.core.trial import Config

DEFAULT_SAMPLE_SIZE = 256
"""Configurations evaluated per task of a blackbox without a table, unless asked."""


class MultiTaskBlackbox:
    """The tasks of one benchmark, loaded on demand.

    Args:
        name: The family's name (e.g. "yahpo-lcbench-tables").
        tasks: Every task's name.
        load_task: Builds the blackbox of one task (called once per task).
        cache_folder: Where sampled evaluations are cached as arrays; None keeps them
            in memory only.
        cache_identity: What the tasks' models were built from (e.g. the stamp of a
            model file), part of the disk cache's key so that a changed model never
            reads an old entry; None disables the disk cache.
    """

    def __init__(
        self,
        *,
        name: str,
        tasks: Sequence[str],
        load_task: Callable[[str], Blackbox],
        cache_folder: Path | None = None,
        cache_identity: str | None = None,
    ) -> None:
        if not tasks:
            raise ValueError(f"multi-task blackbox {name!r} has no tasks")
        if len(set(tasks)) != len(tasks):
            raise ValueError(f"multi-task blackbox {name!r}: task names repeat in {list(tasks)}")
        self.name = name
        self._tasks = [str(task) for task in tasks]
        self._load_task = load_task
        self._cache_folder = cache_folder if cache_identity is not None else None
        self._cache_identity = cache_identity
        self._loaded: dict[str, Blackbox] = {}
        self._evaluations: dict[tuple[str, int | None, int], TaskEvaluations] = {}

    @property
    def tasks(self) -> list[str]:
        """The tasks' names."""
        return list(self._tasks)

    def task(self, name: str) -> Blackbox:
        """The blackbox of task `name`."""
        self._check_task(name)
        if name not in self._loaded:
            self._loaded[name] = self._load_task(name)
        return self._loaded[name]

    def other_tasks(self, exclude: str | Sequence[str] | None) -> list[str]:
        """Every task but those in `exclude` (a task name or several; each must exist)."""
        excluded = [exclude] if isinstance(exclude, str) else list(exclude or [])
        for task in excluded:
            self._check_task(task)
        return [task for task in self._tasks if task not in excluded]

    def task_evaluations(
        self,
        task: str,
        *,
        metric: str | Sequence[str] | None = None,
        max_configs: int | None = None,
        seed: int = 0,
    ) -> TaskEvaluations:
        """The evaluations of one task.

        Args:
            task: The task's name.
            metric: The objective(s) to keep (None: every objective).
            max_configs: A tabular task keeps at most this many of its rows (a seeded
                random subset, in table order; None: all); a task without a table is
                evaluated at this many sampled configurations (None:
                `DEFAULT_SAMPLE_SIZE`).
            seed: Seed of the subset or sample: the same seed gives the same rows.
        """
        if max_configs is not None and (isinstance(max_configs, bool) or max_configs < 1):
            raise ValueError(f"max_configs must be a positive integer or None, got {max_configs!r}")
        key = (task, max_configs, int(seed))
        if key not in self._evaluations:
            blackbox = self.task(task)
            if isinstance(blackbox, TabularBlackbox):
                found = _table_evaluations(blackbox, max_configs, seed)
            else:
                size = DEFAULT_SAMPLE_SIZE if max_configs is None else max_configs
                found = self._sampled_evaluations(task, blackbox, size, seed)
            self._evaluations[key] = found
        return _select(self._evaluations[key], metric, where=f"{self.name}/{task}")

    def transfer_evaluations(
        self,
        *,
        exclude: str | Sequence[str] | None = None,
        tasks: Sequence[str] | None = None,
        metric: str | Sequence[str] | None = None,
        max_configs: int | None = None,
        seed: int = 0,
    ) -> dict[str, TaskEvaluations]:
        """The evaluations of several tasks (a `TransferEvaluations`), by task name.

        Args:
            exclude: The target task (or several), never included.
            tasks: The tasks to include (None: every task not excluded); naming an
                excluded task is an error, not a silent drop.
            metric, max_configs, seed: As in `task_evaluations`.
        """
        others = self.other_tasks(exclude)
        chosen = others if tasks is None else [str(task) for task in tasks]
        for task in chosen:
            self._check_task(task)
            if task not in others:
                raise ValueError(
                    f"multi-task blackbox {self.name!r}: task {task!r} is excluded "
                    f"(exclude={exclude!r}), so its evaluations cannot be transferred"
                )
        if not chosen:
            raise ValueError(
                f"multi-task blackbox {self.name!r} has no task besides {exclude!r}; "
                f"its tasks: {self._tasks}"
            )
        return {
            task: self.task_evaluations(task, metric=metric, max_configs=max_configs, seed=seed)
            for task in chosen
        }

    def __repr__(self) -> str:
        return f"MultiTaskBlackbox({self.name!r}, {len(self._tasks)} tasks)"

    def _check_task(self, name: str) -> None:
        if name not in self._tasks:
            raise ValueError(
                f"multi-task blackbox {self.name!r} has no task {name!r}; tasks: {self._tasks}"
            )

    def _sampled_evaluations(
        self, task: str, blackbox: Blackbox, size: int, seed: int
    ) -> TaskEvaluations:
        space = blackbox.configuration_space
        rng = np.random.default_rng(seed)
        configs = [sample_config(space, rng) for _ in range(size)]
        fidelities = blackbox.fidelity_values
        n_fidelities = 1 if fidelities is None else len(fidelities)
        shape = (size, len(blackbox.seeds), n_fidelities, len(blackbox.objectives_names))

        def make() -> np.ndarray:
            return _evaluate_all(blackbox, configs, shape)

        if self._cache_folder is None:
            values = make()
        else:
            from tunelab.blackbox.repository.array_cache import cached_array

            key = self._cache_key(task, blackbox, size, seed)
            values = np.array(cached_array(self._cache_folder, key, shape, make))
        names = hyperparameter_names(space)
        return TaskEvaluations(
            config_space=dict(space),
            configs=pd.DataFrame([{n: c[n] for n in names} for c in configs], columns=names),
            objectives_names=blackbox.objectives_names,
            objectives=values,
            fidelities=fidelities,
        )

    def _cache_key(self, task: str, blackbox: Blackbox, size: int, seed: int) -> str:
        fidelities = blackbox.fidelity_values
        description = {
            "family": self.name,
            "identity": self._cache_identity,
            "task": task,
            "size": size,
            "seed": seed,
            "space": config_space_to_json(blackbox.configuration_space),
            "objectives": blackbox.objectives_names,
            "seeds": blackbox.seeds,
            "fidelities": None if fidelities is None else [float(f) for f in fidelities],
        }
        text = json.dumps(description, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _evaluate_all(blackbox: Blackbox, configs: list[Config], shape: tuple[int, ...]) -> np.ndarray:
    """Every objective of `configs` at every seed and fidelity, of `shape`."""
    from tunelab.blackbox.repository.recipes.yahpo import YahpoBlackbox

    values = np.empty(shape)
    names = blackbox.objectives_names
    for s, seed in enumerate(blackbox.seeds):
        if isinstance(blackbox, YahpoBlackbox):  # one batched model call per seed
            curves = blackbox.evaluate_curves(configs, seed=seed)
            for k, name in enumerate(names):
                values[:, s, :, k] = curves[name]
            continue
        for i, config in enumerate(configs):
            curve = blackbox.evaluate_curve(config, seed=seed)
            for k, name in enumerate(names):
                values[i, s, :, k] = curve[name]
    return values


def _table_evaluations(
    blackbox: TabularBlackbox, max_configs: int | None, seed: int
) -> TaskEvaluations:
    rows = np.arange(len(blackbox))
    if max_configs is not None and max_configs < len(rows):
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(rows, size=max_configs, replace=False))
    space = blackbox.configuration_space
    names = hyperparameter_names(space)
    fidelities = blackbox.fidelity_values
    return TaskEvaluations(
        config_space=dict(space),
        configs=blackbox.hyperparameters.iloc[rows][names].reset_index(drop=True),
        objectives_names=blackbox.objectives_names,
        objectives=np.array(blackbox.objectives[rows]),
        fidelities=None if fidelities is None or len(fidelities) == 1 else fidelities,
    )


def _select(
    evaluations: TaskEvaluations, metric: str | Sequence[str] | None, *, where: str
) -> TaskEvaluations:
    """`evaluations` with only the objectives named in `metric` (None: all)."""
    if metric is None:
        return evaluations
    wanted = [metric] if isinstance(metric, str) else list(metric)
    missing = [name for name in wanted if name not in evaluations.objectives_names]
    if missing or not wanted:
        raise ValueError(
            f"{where}: no objective {missing or wanted!r}; expected some of "
            f"{evaluations.objectives_names}"
        )
    columns = [evaluations.objectives_names.index(name) for name in wanted]
    return TaskEvaluations(
        config_space=evaluations.config_space,
        configs=evaluations.configs,
        objectives_names=wanted,
        objectives=evaluations.objectives[..., columns],
        fidelities=evaluations.fidelities,
    )
