"""`nasbench201`: NAS-Bench-201 cells with 200-epoch learning curves, from NATS-Bench files.

Dong, X. and Yang, Y. "NAS-Bench-201: Extending the Scope of Reproducible Neural
Architecture Search." ICLR 2020; Dong, X. et al. "NATS-Bench: Benchmarking NAS Algorithms
for Architecture Topology and Size." IEEE TPAMI 2021. The topology search space of
NATS-Bench (`NATS-tss-v1_0-3ffb9`) is NAS-Bench-201; see `_nats` for the raw formats.

Splits follow NATS-Bench's own protocol for search (its `simulate_train_eval`): the
`cifar10` task uses the runs trained on CIFAR-10's training split (NATS-Bench dataset
`cifar10-valid`), validated on `x-valid` and tested on `ori-test`; `cifar100` and
`ImageNet16-120` are validated on `x-valid` and tested on `x-test`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunelab.blackbox.repository.recipes.converters._nats import WHAT, NatsTopology, cell_operations
from tunelab.blackbox.repository.recipes.converters._sources import (
    ConverterRecipe,
    file_record,
    files_record,
    progress,
)
from tunelab.blackbox.repository.storage import save_tabular
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import choice

SOURCE_ENV = "TUNELAB_NASBENCH201_SOURCE"
SCHEDULE = "200"
OPERATIONS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = ("Op0", "Op1", "Op2", "Op3", "Op4", "Op5")
CONFIGURATION_SPACE = {edge: choice(OPERATIONS) for edge in EDGES}
OBJECTIVES = (
    "valid_error",
    "train_error",
    "test_error",
    "elapsed_time",
    "latency",
    "flops",
    "params",
)


@dataclass(frozen=True)
class Split:
    """Where a task's numbers come from in NATS-Bench: dataset key and evaluation sets."""

    dataset: str
    valid: str
    test: str


TASKS = {
    "cifar10": Split("cifar10-valid", "x-valid", "ori-test"),
    "cifar100": Split("cifar100", "x-valid", "x-test"),
    "ImageNet16-120": Split("ImageNet16-120", "x-valid", "x-test"),
}


@dataclass
class _Run:
    """One training run: curves (valid/train/test error, epoch time) and its costs."""

    curves: np.ndarray  # (4, n_epochs)
    costs: np.ndarray  # (3,): latency, flops, params
    eval_time_missing: bool


class NASBench201Recipe(ConverterRecipe):
    """NAS-Bench-201: 15,625 cells x 3 image datasets x up to 3 seeds x 200 epochs.

    A cell has 6 edges `Op0`..`Op5` (from-node -> to-node: 0->1, 0->2, 1->2, 0->3,
    1->3, 2->3, the order of NAS-Bench-201's architecture strings), each one of
    `OPERATIONS`. Objectives per epoch: `valid_error`, `train_error`, `test_error`
    (1 - top-1 accuracy), `elapsed_time` (cumulative training time plus validation time
    of each epoch, seconds), and `latency` (s), `flops` (M), `params` (MB), constant over
    epochs. Cells trained with fewer seeds than others have their missing seeds filled
    by cycling through their own available runs (seed slot j takes available run
    j mod n_available); the build information counts these.
    """

    name = "nasbench201"
    description = "NAS-Bench-201 / NATS-Bench topology space, 200-epoch curves, from its files"
    source_env = SOURCE_ENV
    source_what = WHAT

    def convert(self, source: Path, folder: Path) -> dict[str, Any]:
        topology = NatsTopology(source)
        files = topology.files()
        record = file_record(files[0]) if len(files) == 1 else files_record(topology.path, files)
        operations, runs = _collect(topology)
        del topology
        tasks = {}
        hyperparameters = pd.DataFrame(operations, columns=list(EDGES))
        for task, task_runs in runs.items():
            blackbox, seeds, filled, eval_missing = _task_blackbox(hyperparameters, task_runs)
            tasks[task] = {
                "nats_dataset": TASKS[task].dataset,
                "nats_seeds": seeds,
                "filled_seed_slots": filled,
                "runs_without_eval_time": eval_missing,
            }
            save_tabular(blackbox, folder / task, extra_metadata={"source": record, **tasks[task]})
            del blackbox
        return {
            "sources": [record],
            "tasks": tasks,
            "conversion": {
                "schedule": f"the {SCHEDULE}-epoch training runs (hp={SCHEDULE!r})",
                "splits": {t: vars(s) for t, s in TASKS.items()},
                "errors": "1 - accuracy / 100 (the files hold top-1 accuracy in percent)",
                "elapsed_time": "cumulative sum of train_times[e] + eval_times['<valid>@e'] "
                "(eval time taken as 0 for runs without eval times)",
                "costs": "latency = mean of the run's latency list; flops, params as stored",
                "missing_seeds": "seed slot j of a cell takes its available run j mod n",
                "seeds": "the seeds found for the task, sorted, labelled 0..n-1",
            },
        }


def _collect(topology: NatsTopology) -> tuple[list[list[str]], dict[str, list[dict[int, _Run]]]]:
    """Every cell's operations and, per task, its runs by seed."""
    operations: list[list[str]] = []
    runs: dict[str, list[dict[int, _Run]]] = {task: [] for task in TASKS}
    n_epochs: int | None = None
    cells = zip(topology.arch_strings, topology.results(SCHEDULE), strict=True)
    for index, (arch_str, state) in enumerate(
        progress(cells, desc="reading NAS-Bench-201 cells", total=len(topology))
    ):
        where = f"cell {index} ({arch_str})"
        if not isinstance(state, dict) or not {"dataset_seed", "all_results"} <= set(state):
            raise ValueError(f"{where}: expected NATS-Bench ArchResults, got {type(state)}")
        if state.get("arch_str", arch_str) != arch_str:
            raise ValueError(f"{where}: its results are for {state['arch_str']!r}")
        operations.append(_checked_operations(arch_str))
        for task, split in TASKS.items():
            seeds = state["dataset_seed"].get(split.dataset) or []
            if not seeds:
                raise ValueError(f"{where} has no run on {split.dataset!r}")
            by_seed = {}
            for seed in seeds:
                run = state["all_results"].get((split.dataset, seed))
                if run is None:
                    raise ValueError(f"{where} lists seed {seed} on {split.dataset!r} but no run")
                n_epochs = int(run["epochs"]) if n_epochs is None else n_epochs
                if int(run["epochs"]) != n_epochs:
                    raise ValueError(f"{where}: a run has {run['epochs']} epochs, not {n_epochs}")
                by_seed[int(seed)] = _read_run(run, split, n_epochs, where=f"{where} seed {seed}")
            runs[task].append(by_seed)
    return operations, runs


def _checked_operations(arch_str: str) -> list[str]:
    operations = cell_operations(arch_str)
    unknown = [op for op in operations if op not in OPERATIONS]
    if unknown:
        raise ValueError(f"architecture {arch_str!r} uses unknown operations {unknown}")
    return operations


def _read_run(run: dict[str, Any], split: Split, n_epochs: int, *, where: str) -> _Run:
    epochs, valid_keys = list(range(n_epochs)), _eval_keys(split.valid, n_epochs)
    accuracy = run["eval_acc1es"]
    valid = _series(accuracy, valid_keys, where, "eval_acc1es")
    test = _series(accuracy, _eval_keys(split.test, n_epochs), where, "eval_acc1es")
    train = _series(run["train_acc1es"], epochs, where, "train_acc1es")
    train_time = _series(run["train_times"] or {}, epochs, where, "train_times")
    eval_times = run.get("eval_times") or {}
    eval_time_missing = not all(key in eval_times for key in valid_keys)
    eval_time = 0.0 if eval_time_missing else _series(eval_times, valid_keys, where, "eval_times")
    curves = np.stack(
        [1 - valid / 100, 1 - train / 100, 1 - test / 100, train_time + eval_time]
    ).astype(np.float32)
    latency = run.get("latency") or []
    costs = np.array(
        [np.mean(latency) if len(latency) else np.nan, run["flop"], run["params"]], dtype=float
    )
    return _Run(curves=curves, costs=costs, eval_time_missing=eval_time_missing)


@functools.cache
def _eval_keys(subset: str, n_epochs: int) -> list[str]:
    """The keys of `subset`'s evaluations after each epoch: `<subset>@<0-based epoch>`."""
    return [f"{subset}@{e}" for e in range(n_epochs)]


def _series(values: dict[Any, Any], keys: list[Any], where: str, field: str) -> np.ndarray:
    try:
        return np.array([values[key] for key in keys], dtype=float)
    except KeyError:
        missing = [key for key in keys if key not in values]
        raise ValueError(
            f"{where}: {field} lacks {missing[:3]} ({len(missing)} keys missing)"
        ) from None


def _task_blackbox(
    hyperparameters: pd.DataFrame, runs: list[dict[int, _Run]]
) -> tuple[TabularBlackbox, list[int], int, int]:
    """The task's blackbox, its seeds, the seed slots filled and runs lacking eval times."""
    seeds = sorted({seed for by_seed in runs for seed in by_seed})
    n_epochs = next(iter(runs[0].values())).curves.shape[1]
    objectives = np.empty((len(runs), len(seeds), n_epochs, len(OBJECTIVES)))
    filled = eval_missing = 0
    for i, by_seed in enumerate(runs):
        available = sorted(by_seed)
        eval_missing += sum(run.eval_time_missing for run in by_seed.values())
        for j, seed in enumerate(seeds):
            if seed in by_seed:
                run = by_seed[seed]
            else:
                run, filled = by_seed[available[j % len(available)]], filled + 1
            objectives[i, j, :, :3] = run.curves[:3].T
            objectives[i, j, :, 3] = np.cumsum(run.curves[3], dtype=float)
            objectives[i, j, :, 4:] = run.costs
    blackbox = TabularBlackbox(
        hyperparameters=hyperparameters,
        objectives=objectives,
        objectives_names=OBJECTIVES,
        configuration_space=dict(CONFIGURATION_SPACE),
        fidelity_name="epoch",
        fidelity_values=np.arange(1, n_epochs + 1),
        time_objective="elapsed_time",
    )
    return blackbox, seeds, filled, eval_missing
