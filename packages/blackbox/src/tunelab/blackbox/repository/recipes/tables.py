"""Final-fidelity tables in long format: one Parquet row per (configuration, seed).

`load_final_table` turns such a file into a single-fidelity `TabularBlackbox`; the
recipes `fcnet-final`, `nasbench201-final` and `hpobench-final` convert the files of a
user-given folder (`source=` or `$TUNELAB_TABLES_DIR`) into the repository once:

    hpolib_{protein_structure,naval_propulsion}.parquet  FCNet (Klein & Hutter, 2019)
    nasbench201_{cifar10,cifar100}.parquet               NAS-Bench-201 (Dong & Yang, 2020)
    hpobench_{australian,credit_g,kc1,segment}.parquet   HPOBench MLP (Eggensperger+ 2021)

Configurations with fewer seeds than the table has are completed by cycling their own
seeds: a configuration evaluated with seeds 0 and 2 of 0, 1, 2 reuses seed 0's values
for seed 1 (the missing seeds, in order, take the available ones, in order, cyclically).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipe import StoredRecipe, source_path
from tunelab.blackbox.repository.recipes.converters.fcnet import (
    CONFIGURATION_SPACE as FCNET_SPACE,
)
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import (
    choice,
    logordinal,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)

TABLES_ENV = "TUNELAB_TABLES_DIR"
MAX_ORDINAL_VALUES = 32
"""Numeric columns with at most this many distinct values are inferred as ordinals."""
_LOG_SPAN = 100.0


def load_final_table(
    path: str | os.PathLike[str],
    *,
    hyperparameters: Sequence[str],
    metrics: Sequence[str],
    time_column: str | None,
    seed_column: str = "seed",
    configuration_space: dict[str, Any] | None = None,
) -> TabularBlackbox:
    """A single-fidelity `TabularBlackbox` from a long-format Parquet table.

    Args:
        path: Parquet file with one row per (configuration, seed).
        hyperparameters: Columns that identify a configuration.
        metrics: Columns that become the objectives, in this order.
        time_column: Column with the training time in seconds (the `time_objective`);
            appended to the objectives when it is not among `metrics`.
        seed_column: Column of the seed (repetition) labels, integers.
        configuration_space: The space; None infers it (see `infer_configuration_space`).

    Returns:
        A blackbox whose configurations are the distinct hyperparameter rows in order
        of first appearance, with objectives of shape (n_configs, n_seeds, 1,
        n_objectives) and seeds the sorted distinct seed labels.
    """
    objectives = [*metrics, *([time_column] if time_column and time_column not in metrics else [])]
    columns = [*hyperparameters, seed_column, *objectives]
    _check_columns(Path(path), columns)
    frame = pd.read_parquet(path, columns=columns)
    if frame.empty:
        raise ValueError(f"table {path} has no rows")
    codes = frame.groupby(list(hyperparameters), sort=False, dropna=False).ngroup().to_numpy()
    n_configs = int(codes.max()) + 1
    seeds, seed_codes = np.unique(frame[seed_column].to_numpy(), return_inverse=True)
    slots = codes * len(seeds) + seed_codes
    if len(np.unique(slots)) != len(slots):
        raise ValueError(
            f"{path}: {len(slots) - len(np.unique(slots))} rows repeat a (configuration, "
            f"{seed_column}) pair; expected one row per configuration and seed"
        )
    values = np.full((n_configs, len(seeds), len(objectives)), np.nan)
    values[codes, seed_codes] = frame[objectives].to_numpy(dtype=float)
    present = np.zeros((n_configs, len(seeds)), dtype=bool)
    present[codes, seed_codes] = True
    _cycle_missing_seeds(values, present)
    first_rows = np.unique(codes, return_index=True)[1]
    table = frame.iloc[first_rows][list(hyperparameters)].reset_index(drop=True)
    space = configuration_space
    if space is None:
        space = infer_configuration_space(table, hyperparameters)
    return TabularBlackbox(
        hyperparameters=table,
        objectives=values[:, :, None, :],
        objectives_names=objectives,
        configuration_space=space,
        time_objective=time_column,
        seeds=[int(seed) for seed in seeds],
    )


def _check_columns(path: Path, columns: Sequence[str]) -> None:
    import pyarrow.parquet as pq  # only needed to read a table's schema

    if not path.is_file():
        raise FileNotFoundError(f"table {path} not found")
    available = pq.read_schema(path).names
    missing = [column for column in columns if column not in available]
    if missing:
        raise ValueError(f"{path} lacks the columns {missing}; its columns are {available}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"hyperparameter, seed and metric columns overlap: {list(columns)}")


def _cycle_missing_seeds(values: np.ndarray, present: np.ndarray) -> None:
    """Fill each configuration's missing seeds with its available ones, cyclically.

    Args:
        values: (n_configs, n_seeds, n_objectives), filled in place.
        present: (n_configs, n_seeds), True where a row exists (at least one per config).
    """
    n_available = present.sum(axis=1)
    if np.all(n_available == present.shape[1]):
        return
    # per configuration: its available seed slots first, then its missing ones
    order = np.argsort(~present, axis=1, kind="stable")
    position = np.arange(present.shape[1])[None, :]
    missing = position >= n_available[:, None]
    source_position = (position - n_available[:, None]) % n_available[:, None]
    source = np.take_along_axis(order, source_position, axis=1)
    rows, targets = np.nonzero(missing)
    values[rows, order[rows, targets]] = values[rows, source[rows, targets]]


def infer_configuration_space(
    table: pd.DataFrame, hyperparameters: Sequence[str]
) -> dict[str, Any]:
    """A configuration space that fits the values of `table`'s columns.

    Strings and booleans become `choice` of the sorted values; numeric columns with at
    most `MAX_ORDINAL_VALUES` distinct values become `ordinal` of the sorted values, or
    `logordinal` when the values are positive and more evenly spaced in log scale than
    in linear scale (two values: when they span two decades); other numeric columns
    become `uniform` / `randint` over their range, in log scale (`loguniform`,
    `lograndint`) when positive and spanning at least two decades. A column with a
    single value becomes a constant.
    """
    return {name: _infer_entry(table[name]) for name in hyperparameters}


def _infer_entry(column: pd.Series) -> Any:
    values = column.dropna().unique()
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if not numeric:
        members = sorted(v.item() if hasattr(v, "item") else v for v in values)
        return members[0] if len(members) == 1 else choice(members)
    integral = pd.api.types.is_integer_dtype(column)
    ordered = np.sort(values.astype(int if integral else float))
    members = [v.item() for v in ordered]
    if len(members) == 1:
        return members[0]
    positive = bool(ordered[0] > 0)
    if len(members) <= MAX_ORDINAL_VALUES:
        return logordinal(members) if positive and _log_spaced(ordered) else ordinal(members)
    log = positive and ordered[-1] / ordered[0] >= _LOG_SPAN
    lower, upper = members[0], members[-1]
    if integral:
        return lograndint(lower, upper) if log else randint(lower, upper)
    return loguniform(lower, upper) if log else uniform(lower, upper)


def _log_spaced(ordered: np.ndarray) -> bool:
    if len(ordered) < 3:
        return bool(ordered[-1] / ordered[0] >= _LOG_SPAN)
    linear, logarithmic = np.diff(ordered.astype(float)), np.diff(np.log(ordered))
    return bool(_variation(logarithmic) < _variation(linear))


def _variation(steps: np.ndarray) -> float:
    return float(np.std(steps) / np.mean(steps))


# -- recipes ---------------------------------------------------------------------------


class FinalTableRecipe(StoredRecipe):
    """A stored blackbox converted from final-fidelity long-format Parquet tables.

    Subclasses set `files` (task -> file name), the columns and, optionally, the
    configuration space (None: inferred). `build` takes `source=` (the folder of the
    files; default `$TUNELAB_TABLES_DIR`).
    """

    source_env = TABLES_ENV

    files: ClassVar[dict[str, str]] = {}
    hyperparameters: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[tuple[str, ...]] = ()
    time_column: ClassVar[str | None] = "train_time"
    configuration_space: ClassVar[dict[str, Any] | None] = None

    def tasks(self, **options: Any) -> list[str]:
        return sorted(self.files)

    def stale(
        self, folder: Path, *, source: str | os.PathLike[str] | None = None, **options: Any
    ) -> str | None:
        """Which source file, in the folder given now, differs from the one converted.

        The files are small (final fidelity only), so they are hashed on each load.
        Without a source folder, or without the file in it, the stored conversion is
        used as it is.
        """
        given = source if source is not None else os.environ.get(TABLES_ENV)
        if given is None:
            return None
        root = Path(given).expanduser()
        for entry in storage.read_manifest(folder).get("sources", {}).values():
            path = root / entry["file"]
            if not path.is_file():
                continue
            if path.stat().st_size != entry["size"] or storage.file_sha256(path) != entry["sha256"]:
                return f"{path} is not the file it was converted from (its content changed)"
        return None

    def build(
        self, folder: Path, *, source: str | os.PathLike[str] | None = None, **options: Any
    ) -> dict[str, Any]:
        if options:
            raise TypeError(
                f"blackbox {self.name!r} got unknown options {sorted(options)}; "
                "it accepts only source=<path>"
            )
        root = source_path(
            source,
            env=TABLES_ENV,
            what="the folder of final-fidelity Parquet tables",
            recipe=self.name,
        )
        sources = {}
        for task, file_name in sorted(self.files.items()):
            path = root / file_name
            if not path.is_file():
                raise FileNotFoundError(
                    f"blackbox {self.name!r} needs {file_name} in {root} (for task {task!r})"
                )
            digest = storage.file_sha256(path)
            blackbox = load_final_table(
                path,
                hyperparameters=list(self.hyperparameters),
                metrics=list(self.metrics),
                time_column=self.time_column,
                configuration_space=self.configuration_space,
            )
            storage.save_tabular(
                blackbox,
                folder / task,
                extra_metadata={"source_file": file_name, "source_sha256": digest},
            )
            sources[task] = {"file": file_name, "size": path.stat().st_size, "sha256": digest}
        return {"format": "long-format Parquet, final fidelity", "sources": sources}


class FCNetFinalRecipe(FinalTableRecipe):
    """FCNet (HPOLib) MLPs on two UCI regression tasks, final epoch, 4 seeds.

    Klein & Hutter (2019). Tabular Benchmarks for Joint Architecture and
    Hyperparameter Optimization. arXiv:1905.04970.
    """

    name = "fcnet-final"
    description = "FCNet tabular benchmark, final fidelity (62,208 configs x 4 seeds)"
    files: ClassVar[dict[str, str]] = {
        task: f"hpolib_{task}.parquet" for task in ("protein_structure", "naval_propulsion")
    }
    hyperparameters = (
        "activation_fn_1",
        "activation_fn_2",
        "batch_size",
        "dropout_1",
        "dropout_2",
        "init_lr",
        "lr_schedule",
        "n_units_1",
        "n_units_2",
    )
    metrics = ("val_loss", "train_time", "model_size")
    configuration_space: ClassVar[dict[str, Any] | None] = FCNET_SPACE


_NB201_OPS = ["avg_pool_3x3", "none", "nor_conv_1x1", "nor_conv_3x3", "skip_connect"]


class NASBench201FinalRecipe(FinalTableRecipe):
    """NAS-Bench-201 cells (6 edges, 5 operations), final epoch, 1-3 seeds.

    `val_acc` is in percent. Dong & Yang (2020). NAS-Bench-201: Extending the Scope
    of Reproducible Neural Architecture Search. ICLR.
    """

    name = "nasbench201-final"
    description = "NAS-Bench-201, final fidelity (15,625 cells x 3 seeds)"
    files: ClassVar[dict[str, str]] = {
        task: f"nasbench201_{task}.parquet" for task in ("cifar10", "cifar100")
    }
    hyperparameters = tuple(f"Op{i}" for i in range(6))
    metrics = ("val_acc", "train_time", "latency", "model_size")
    configuration_space: ClassVar[dict[str, Any] | None] = {
        f"Op{i}": choice(_NB201_OPS) for i in range(6)
    }


class HPOBenchFinalRecipe(FinalTableRecipe):
    """HPOBench MLP on four OpenML tasks, final budget, 5 seeds (space inferred: a
    `logordinal` grid for alpha, batch_size, learning_rate_init and width, `ordinal`
    depth).

    Eggensperger et al. (2021). HPOBench: A Collection of Reproducible Multi-Fidelity
    Benchmark Problems for HPO. NeurIPS Datasets and Benchmarks.
    """

    name = "hpobench-final"
    description = "HPOBench MLP tabular benchmark, final fidelity (30,000 configs x 5 seeds)"
    files: ClassVar[dict[str, str]] = {
        task: f"hpobench_{task}.parquet" for task in ("australian", "credit_g", "kc1", "segment")
    }
    hyperparameters = ("alpha", "batch_size", "depth", "learning_rate_init", "width")
    metrics = ("val_acc", "train_time", "val_precision", "val_f1")


TABLE_RECIPES: list[StoredRecipe] = [
    FCNetFinalRecipe(),
    NASBench201FinalRecipe(),
    HPOBenchFinalRecipe(),
]
"""The final-fidelity table presets, for registration."""
