"""`fcnet`: the FCNet tabular benchmarks, converted from their published HDF5 files.

Klein, A. and Hutter, F. "Tabular Benchmarks for Joint Architecture and Hyperparameter
Optimization." arXiv:1905.04970, 2019. Data: `fcnet_tabular_benchmarks.tar.gz`
(github.com/automl/nas_benchmarks), which holds `fcnet_<dataset>_data.hdf5` for the four
regression datasets below.

Raw layout of one file: a group per configuration of the full grid (62,208), named by
`json.dumps(config, sort_keys=True)` of its 9 hyperparameters, holding the datasets
`train_loss`, `valid_loss`, `train_mse`, `valid_mse` (4 seeds x 100 epochs), and
`runtime`, `final_test_error`, `n_params` (one value per seed).
"""

from __future__ import annotations

import json
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
from tunelab.core.space import Domain, choice, finrange, logfinrange, logordinal

SOURCE_ENV = "TUNELAB_FCNET_SOURCE"
DATASETS = (
    "naval_propulsion",
    "parkinsons_telemonitoring",
    "protein_structure",
    "slice_localization",
)
CONFIGURATION_SPACE: dict[str, Domain] = {
    "activation_fn_1": choice(["tanh", "relu"]),
    "activation_fn_2": choice(["tanh", "relu"]),
    "batch_size": logfinrange(8, 64, 4, cast_int=True),
    "dropout_1": finrange(0.0, 0.6, 3),
    "dropout_2": finrange(0.0, 0.6, 3),
    "init_lr": logordinal([0.0005, 0.001, 0.005, 0.01, 0.05, 0.1]),
    "lr_schedule": choice(["cosine", "const"]),
    "n_units_1": logfinrange(16, 512, 6, cast_int=True),
    "n_units_2": logfinrange(16, 512, 6, cast_int=True),
}
OBJECTIVES = ("valid_loss", "train_loss", "final_test_error", "n_params", "elapsed_time")
CURVES = ("valid_loss", "train_loss")
PER_SEED = ("final_test_error", "n_params", "runtime")
_WHAT = "the folder holding the fcnet_<dataset>_data.hdf5 files (fcnet_tabular_benchmarks)"


class FCNetRecipe(ConverterRecipe):
    """FCNet: 2-layer MLPs on 4 regression datasets, 62,208 configs x 4 seeds x 100 epochs.

    Tasks are the datasets whose file is in the source folder. Objectives per epoch:
    `valid_loss` and `train_loss` (mean squared error on standardised targets),
    `final_test_error` and `n_params` (measured once after training, repeated at every
    epoch) and `elapsed_time`: the published total `runtime` spread linearly over the
    epochs (`runtime * epoch / 100`), as the benchmark's own code does, since per-epoch
    times were not recorded.
    """

    name = "fcnet"
    description = "FCNet tabular benchmarks (Klein & Hutter 2019), from the published HDF5 files"
    source_env = SOURCE_ENV
    source_what = _WHAT

    def convert(self, source: Path, folder: Path) -> dict[str, Any]:
        files = fcnet_files(source)
        h5py = _import_h5py()
        sources = []
        for dataset, path in files.items():
            record = file_record(path)
            with h5py.File(path, "r") as data:
                blackbox = convert_fcnet_file(data, where=str(path))
            save_tabular(blackbox, folder / dataset, extra_metadata={"source": record})
            sources.append(record)
            del blackbox
        return {
            "sources": sources,
            "missing_datasets": [d for d in DATASETS if d not in files],
            "conversion": {
                "fidelity": "epoch k is entry k - 1 of the curves' second axis",
                "valid_loss": "HDF5 dataset valid_loss",
                "train_loss": "HDF5 dataset train_loss",
                "final_test_error": "per-seed value after training, repeated at every epoch",
                "n_params": "per-seed value, repeated at every epoch",
                "elapsed_time": "runtime * epoch / 100: the total runtime spread linearly",
                "seeds": "the 4 repetitions in file order, labelled 0..3",
                "rows": "configurations sorted by their HDF5 group name",
            },
        }


def fcnet_files(source: Path) -> dict[str, Path]:
    """`fcnet_<dataset>_data.hdf5` files in `source` (or its `fcnet_tabular_benchmarks/`)."""
    if not source.is_dir():
        raise FileNotFoundError(f"fcnet source {source} is not a folder; expected {_WHAT}")
    for root in (source, source / "fcnet_tabular_benchmarks"):
        found = {d: root / f"fcnet_{d}_data.hdf5" for d in DATASETS}
        present = {d: path for d, path in found.items() if path.is_file()}
        if present:
            return present
    expected = ", ".join(f"fcnet_{d}_data.hdf5" for d in DATASETS)
    raise FileNotFoundError(f"no FCNet file in {source}: expected some of {expected}")


def convert_fcnet_file(data: Any, *, where: str) -> TabularBlackbox:
    """The blackbox of one opened FCNet HDF5 file (an `h5py.File`)."""
    keys = sorted(data.keys())
    if not keys:
        raise ValueError(f"{where} holds no configuration group")
    hyperparameters = _hyperparameters(keys, where=where)
    n_seeds, n_epochs = _curve_shape(data[keys[0]], where=f"{where}[{keys[0]!r}]")
    curves = {name: np.empty((len(keys), n_seeds, n_epochs)) for name in CURVES}
    per_seed = {name: np.empty((len(keys), n_seeds)) for name in PER_SEED}
    for i, key in enumerate(progress(keys, desc=f"reading {Path(where).name}", total=len(keys))):
        group = data[key]
        for name, array in curves.items():
            array[i] = _read(group, name, (n_seeds, n_epochs), where=f"{where}[{key!r}]")
        for name, values in per_seed.items():
            values[i] = _read(group, name, (n_seeds,), where=f"{where}[{key!r}]")
    epochs = np.arange(1, n_epochs + 1, dtype=float)
    objectives = np.empty((len(keys), n_seeds, n_epochs, len(OBJECTIVES)))
    objectives[..., 0] = curves["valid_loss"]
    objectives[..., 1] = curves["train_loss"]
    objectives[..., 2] = per_seed["final_test_error"][:, :, None]
    objectives[..., 3] = per_seed["n_params"][:, :, None]
    objectives[..., 4] = per_seed["runtime"][:, :, None] * (epochs / n_epochs)
    return TabularBlackbox(
        hyperparameters=hyperparameters,
        objectives=objectives,
        objectives_names=OBJECTIVES,
        configuration_space=dict(CONFIGURATION_SPACE),
        fidelity_name="epoch",
        fidelity_values=epochs,
        time_objective="elapsed_time",
    )


def _curve_shape(group: Any, *, where: str) -> tuple[int, int]:
    if "valid_loss" not in group:
        raise ValueError(f"{where} has no dataset 'valid_loss'; it has {sorted(group.keys())}")
    shape = tuple(group["valid_loss"].shape)
    if len(shape) != 2:
        raise ValueError(f"{where}/valid_loss has shape {shape}, expected (n_seeds, n_epochs)")
    return int(shape[0]), int(shape[1])


def _read(group: Any, name: str, shape: tuple[int, ...], *, where: str) -> np.ndarray:
    if name not in group:
        raise ValueError(f"{where} has no dataset {name!r}; it has {sorted(group.keys())}")
    values = np.asarray(group[name][()], dtype=float)
    if values.shape == () and len(shape) == 1:
        values = np.full(shape, float(values))
    if values.shape != shape:
        raise ValueError(f"{where}/{name} has shape {values.shape}, expected {shape}")
    return values


def _hyperparameters(keys: list[str], *, where: str) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in CONFIGURATION_SPACE}
    for key in keys:
        config = json.loads(key)
        if not isinstance(config, dict) or set(config) != set(CONFIGURATION_SPACE):
            raise ValueError(
                f"{where}: group {key!r} is not a JSON configuration of the FCNet "
                f"hyperparameters {sorted(CONFIGURATION_SPACE)}"
            )
        for name, domain in CONFIGURATION_SPACE.items():
            try:
                columns[name].append(domain.cast(config[name]))
            except ValueError as error:
                raise ValueError(f"{where}: group {key!r}: {error}") from None
    table: pd.DataFrame = pd.DataFrame(columns)
    return table


def _import_h5py() -> Any:
    try:
        import h5py
    except ImportError as error:
        raise ImportError(
            "reading the FCNet HDF5 files needs h5py: pip install 'tunelab-blackbox[fcnet]'"
        ) from error
    return h5py
