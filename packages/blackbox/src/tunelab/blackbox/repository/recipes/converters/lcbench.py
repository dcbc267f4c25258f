"""`lcbench`: LCBench learning curves, converted from the published JSON file.

Zimmer, L., Lindauer, M. and Hutter, F. "Auto-PyTorch Tabular: Multi-Fidelity
MetaLearning for Efficient and Robust AutoDL." IEEE TPAMI 2021. Data:
github.com/automl/LCBench, `data_2k.json` or its lightweight twin `data_2k_lw.json`
(same layout without gradient statistics), or their zip archives.

Raw layout: `{dataset: {config_id: {"config": {...}, "log": {tag: [values]},
"results": {...}}}}` with 2,000 configurations ("0".."1999") per OpenML dataset; the
`log` curves have one entry before training, one per epoch (50) and one final
evaluation after training (52 in all). Tags read: `Train/val_accuracy`,
`Train/val_balanced_accuracy`, `Train/val_cross_entropy`, `Train/test_result` (test
accuracy), `Train/test_balanced_accuracy`, `Train/test_cross_entropy` and `time`
(seconds since the run started).
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunelab.blackbox.repository.recipes.converters._sources import (
    ConverterRecipe,
    file_record,
    progress,
)
from tunelab.blackbox.repository.storage import save_tabular
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import Domain, lograndint, loguniform, randint, uniform

SOURCE_ENV = "TUNELAB_LCBENCH_SOURCE"
FILE_NAMES = ("data_2k_lw.json", "data_2k.json", "data_2k_lw.zip", "data_2k.zip")
CONFIGURATION_SPACE: dict[str, Domain] = {
    "batch_size": lograndint(16, 512),
    "learning_rate": loguniform(1e-4, 1e-1),
    "momentum": uniform(0.1, 0.99),
    "weight_decay": uniform(1e-5, 1e-1),
    "num_layers": randint(1, 5),
    "max_units": lograndint(64, 1024),
    "max_dropout": uniform(0.0, 1.0),
}
TAGS = {
    "val_accuracy": "Train/val_accuracy",
    "val_balanced_accuracy": "Train/val_balanced_accuracy",
    "val_cross_entropy": "Train/val_cross_entropy",
    "test_accuracy": "Train/test_result",
    "test_balanced_accuracy": "Train/test_balanced_accuracy",
    "test_cross_entropy": "Train/test_cross_entropy",
    "time": "time",
}
DATASET_FACTS = ("OpenML_task_id", "instances", "classes", "features")
_WHAT = f"LCBench's data file ({' or '.join(FILE_NAMES)}) or its folder"


class LCBenchRecipe(ConverterRecipe):
    """LCBench: 2,000 MLP configurations x 35 OpenML datasets x 50 epochs, one seed.

    Tasks are the datasets. Fidelity `epoch` 1..50 is the curves' entries 1..50; the
    entry before training and the final one after it are dropped. Objectives, in the
    published units: accuracies in percent, balanced accuracies in [0, 1], cross
    entropies, and `time`, the cumulative seconds since training started (the logged
    time minus the time logged before training, made non-decreasing).
    Hyperparameters that are the same for all configurations of a dataset (optimizer,
    network shape, ...) are kept as constants of its configuration space.
    """

    name = "lcbench"
    description = "LCBench learning curves (Zimmer et al. 2021), from data_2k(_lw).json"
    source_env = SOURCE_ENV
    source_what = _WHAT

    def convert(self, source: Path, folder: Path) -> dict[str, Any]:
        path = lcbench_file(source)
        record = file_record(path)
        data = _read_json(path)
        if not isinstance(data, dict) or not data:
            raise ValueError(f"{path} is not LCBench data: expected {{dataset: {{id: run}}}}")
        adjusted = {}
        for dataset in progress(sorted(data), desc="converting LCBench", total=len(data)):
            runs = data.pop(dataset)
            blackbox, facts, adjusted[dataset] = convert_dataset(
                runs, where=f"{path.name}:{dataset}"
            )
            save_tabular(blackbox, folder / dataset, extra_metadata={"source": record, **facts})
        return {
            "sources": [record],
            "conversion": {
                "fidelity": "epoch k = log entry k (entry 0 is before training; the last, "
                "a final evaluation after training, is dropped)",
                "objectives": TAGS,
                "time": "log time minus log time before training, then a running maximum",
                "time_curves_adjusted": adjusted,
                "rows": "configurations sorted by their numeric id",
                "units": "as published: accuracies in percent, balanced accuracies in [0, 1]",
            },
        }


def lcbench_file(source: Path) -> Path:
    """The LCBench file `source` names, or the first of `FILE_NAMES` in folder `source`."""
    if source.is_file():
        return source
    for name in FILE_NAMES:
        if (source / name).is_file():
            return source / name
    raise FileNotFoundError(f"no LCBench file in {source}: expected one of {list(FILE_NAMES)}")


def _read_json(path: Path) -> Any:
    if path.suffix != ".zip":
        with path.open("rb") as handle:
            return json.load(handle)
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist() if m.endswith(".json")]
        if len(members) != 1:
            raise ValueError(f"{path} must hold exactly one .json file, holds {members}")
        with archive.open(members[0]) as handle:
            return json.load(handle)


def convert_dataset(
    runs: dict[str, Any], *, where: str
) -> tuple[TabularBlackbox, dict[str, Any], int]:
    """One dataset's blackbox, its facts (OpenML id, sizes) and the time curves adjusted."""
    ids = sorted(runs, key=int)
    records = [runs[i] for i in ids]
    curves = {name: _curves(records, tag, ids, where=where) for name, tag in TAGS.items()}
    lengths = {name: values.shape[1] for name, values in curves.items()}
    n_entries = lengths["time"]
    if set(lengths.values()) != {n_entries} or n_entries < 3:
        raise ValueError(
            f"{where}: the curves must share a length of at least 3 entries, got {lengths}"
        )
    raw_time = curves["time"][:, 1:-1] - curves["time"][:, :1]
    time = np.maximum.accumulate(np.maximum(raw_time, 0.0), axis=1)
    adjusted = int(np.sum(np.any(time != raw_time, axis=1)))
    objectives = np.stack(
        [time if name == "time" else values[:, 1:-1] for name, values in curves.items()], axis=-1
    )
    space, hyperparameters = _space_and_table(records, ids, where=where)
    results = records[0].get("results", {})
    facts = {key: results[key] for key in DATASET_FACTS if key in results}
    blackbox = TabularBlackbox(
        hyperparameters=hyperparameters,
        objectives=objectives[:, None],
        objectives_names=list(TAGS),
        configuration_space=space,
        fidelity_name="epoch",
        fidelity_values=np.arange(1, n_entries - 1),
        time_objective="time",
    )
    return blackbox, facts, adjusted


def _curves(records: list[Any], tag: str, ids: list[str], *, where: str) -> np.ndarray:
    """The `tag` curves of all configurations, shape (n_configs, n_entries)."""
    rows = []
    for config_id, record in zip(ids, records, strict=True):
        log = record.get("log", {})
        if tag not in log:
            raise ValueError(f"{where}: configuration {config_id} has no {tag!r} log")
        rows.append(log[tag])
    lengths = {len(row) for row in rows}
    if len(lengths) != 1:
        raise ValueError(f"{where}: the {tag!r} curves have different lengths {sorted(lengths)}")
    return np.asarray(rows, dtype=float)


def _space_and_table(
    records: list[Any], ids: list[str], *, where: str
) -> tuple[dict[str, Any], pd.DataFrame]:
    configs = [record["config"] for record in records]
    columns: dict[str, list[Any]] = {name: [] for name in CONFIGURATION_SPACE}
    for config_id, config in zip(ids, configs, strict=True):
        for name, domain in CONFIGURATION_SPACE.items():
            if name not in config:
                raise ValueError(f"{where}: configuration {config_id} lacks {name!r}")
            try:
                columns[name].append(domain.cast(config[name]))
            except ValueError as error:
                raise ValueError(f"{where}: configuration {config_id}: {error}") from None
    constants = {
        key: value
        for key, value in configs[0].items()
        if key not in CONFIGURATION_SPACE
        and _is_plain(value)
        and all(c.get(key) == value for c in configs)
    }
    return {**CONFIGURATION_SPACE, **constants}, pd.DataFrame(columns)


def _is_plain(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int, bool))
