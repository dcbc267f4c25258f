"""The `fcnet` recipe on small HDF5 files in the published FCNet layout."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipes.converters import FCNetRecipe
from tunelab.blackbox.repository.recipes.converters.fcnet import CONFIGURATION_SPACE, SOURCE_ENV

from .conftest import load_table

h5py = pytest.importorskip("h5py")

N_SEEDS, N_EPOCHS = 4, 100
CONFIGS = [
    {
        "activation_fn_1": "relu",
        "activation_fn_2": "tanh",
        "batch_size": 32,
        "dropout_1": 0.3,
        "dropout_2": 0.0,
        "init_lr": 0.005,
        "lr_schedule": "cosine",
        "n_units_1": 512,
        "n_units_2": 16,
    },
    {
        "activation_fn_1": "tanh",
        "activation_fn_2": "tanh",
        "batch_size": 8,
        "dropout_1": 0.6,
        "dropout_2": 0.3,
        "init_lr": 0.0005,
        "lr_schedule": "const",
        "n_units_1": 64,
        "n_units_2": 128,
    },
    {
        "activation_fn_1": "relu",
        "activation_fn_2": "relu",
        "batch_size": 64,
        "dropout_1": 0.0,
        "dropout_2": 0.6,
        "init_lr": 0.1,
        "lr_schedule": "cosine",
        "n_units_1": 16,
        "n_units_2": 256,
    },
]


def valid_loss(dataset: int, config: int, seed: int, epoch: int) -> float:
    """The fixture's valid_loss at a 1-based epoch: distinct for every index."""
    return 1.0 + dataset + 0.1 * config + 0.01 * seed + 1.0 / epoch


def runtime(dataset: int, config: int, seed: int) -> float:
    return 100.0 * (1 + dataset) + 10.0 * config + seed


def write_fcnet_file(path: Path, dataset: int, configs: list[dict[str, Any]]) -> None:
    """An HDF5 file as published: a group per config, named by its sorted JSON."""
    epochs = np.arange(1, N_EPOCHS + 1)
    with h5py.File(path, "w") as data:
        for c, config in enumerate(configs):
            group = data.create_group(json.dumps(config, sort_keys=True))
            curve = np.array(
                [[valid_loss(dataset, c, s, int(e)) for e in epochs] for s in range(N_SEEDS)]
            )
            group.create_dataset("valid_loss", data=curve.astype(np.float32))
            group.create_dataset("valid_mse", data=curve.astype(np.float32))
            group.create_dataset("train_loss", data=(curve / 2).astype(np.float32))
            group.create_dataset("train_mse", data=(curve / 2).astype(np.float32))
            times = [runtime(dataset, c, s) for s in range(N_SEEDS)]
            group.create_dataset("runtime", data=np.array(times, dtype=np.float32))
            group.create_dataset("final_test_error", data=np.full(N_SEEDS, 0.5 + c, np.float32))
            group.create_dataset("n_params", data=np.full(N_SEEDS, 1000.0 * (c + 1)))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "fcnet_tabular_benchmarks"
    folder.mkdir()
    write_fcnet_file(folder / "fcnet_protein_structure_data.hdf5", 0, CONFIGS)
    write_fcnet_file(folder / "fcnet_naval_propulsion_data.hdf5", 1, CONFIGS[::-1])
    return folder


def test_converts_each_file_into_a_task(home: Path, source: Path) -> None:
    recipe = FCNetRecipe()
    blackbox = load_table(recipe, "protein_structure", source=source)
    assert recipe.tasks() == ["naval_propulsion", "protein_structure"]
    assert blackbox.objectives.shape == (3, N_SEEDS, N_EPOCHS, 5)
    assert blackbox.objectives_names == [
        "valid_loss",
        "train_loss",
        "final_test_error",
        "n_params",
        "elapsed_time",
    ]
    assert blackbox.configuration_space == CONFIGURATION_SPACE
    assert blackbox.fidelity_name == "epoch"
    np.testing.assert_array_equal(blackbox.fidelity_values, np.arange(1, 101))
    assert blackbox.time_objective == "elapsed_time"
    assert blackbox.seeds == [0, 1, 2, 3]
    assert {json.dumps(c, sort_keys=True) for c in blackbox.all_configurations()} == {
        json.dumps(c, sort_keys=True) for c in CONFIGS
    }


def test_values_at_known_config_seed_and_epoch(home: Path, source: Path) -> None:
    recipe = FCNetRecipe()
    protein = load_table(recipe, "protein_structure", source=source)
    naval = load_table(recipe, "naval_propulsion")
    for dataset, blackbox in ((0, protein), (1, naval)):
        order = CONFIGS if dataset == 0 else CONFIGS[::-1]
        for c, config in enumerate(order):
            values = blackbox.evaluate(config, fidelity=37, seed=2)
            assert values["valid_loss"] == pytest.approx(valid_loss(dataset, c, 2, 37), rel=1e-6)
            assert values["train_loss"] == pytest.approx(valid_loss(dataset, c, 2, 37) / 2, 1e-6)
            assert values["final_test_error"] == pytest.approx(0.5 + c)
            assert values["n_params"] == 1000.0 * (c + 1)
            assert values["elapsed_time"] == pytest.approx(runtime(dataset, c, 2) * 0.37)
            last = blackbox.evaluate(config, seed=3)
            assert last["elapsed_time"] == pytest.approx(runtime(dataset, c, 3))


def test_elapsed_time_grows_linearly_to_the_runtime(home: Path, source: Path) -> None:
    blackbox = load_table(FCNetRecipe(), "naval_propulsion", source=source)
    elapsed = blackbox.objectives[..., blackbox.objectives_names.index("elapsed_time")]
    assert np.all(np.diff(elapsed, axis=-1) > 0)
    np.testing.assert_allclose(elapsed[..., 0] * 100, elapsed[..., -1], rtol=1e-6)


def test_manifest_verifies_and_records_the_sources(home: Path, source: Path) -> None:
    recipe = FCNetRecipe()
    load_table(recipe, "protein_structure", source=source)
    folder = recipe.folder()
    assert folder == home / "blackboxes" / "fcnet"
    assert storage.verify(folder) is None
    manifest = storage.read_manifest(folder)
    files = {record["file"]: record for record in manifest["sources"]}
    path = source / "fcnet_naval_propulsion_data.hdf5"
    assert files[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert files[path.name]["size"] == path.stat().st_size
    assert manifest["missing_datasets"] == ["parkinsons_telemonitoring", "slice_localization"]
    assert "linearly" in manifest["conversion"]["elapsed_time"]
    metadata = storage.read_task_metadata(folder / "protein_structure")
    assert metadata["source"]["file"] == "fcnet_protein_structure_data.hdf5"


def test_source_from_the_environment_and_parent_folder(
    home: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE_ENV, str(source.parent))
    assert load_table(FCNetRecipe(), "protein_structure").objectives.shape[0] == 3


def test_missing_source_names_the_environment_variable(home: Path) -> None:
    with pytest.raises(FileNotFoundError, match=SOURCE_ENV):
        load_table(FCNetRecipe(), "protein_structure")
    assert not (home / "blackboxes" / "fcnet").exists()


def test_folder_without_fcnet_files(home: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"fcnet_protein_structure_data\.hdf5"):
        load_table(FCNetRecipe(), "protein_structure", source=tmp_path / "empty")


def test_bad_group_name_fails_the_build(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    with h5py.File(folder / "fcnet_protein_structure_data.hdf5", "w") as data:
        data.create_group(json.dumps({"n_units_1": 16}))
    with pytest.raises(ValueError, match="FCNet hyperparameters"):
        load_table(FCNetRecipe(), "protein_structure", source=folder)
    assert not (home / "blackboxes" / "fcnet").exists()


def test_unknown_option_is_refused(home: Path, source: Path) -> None:
    with pytest.raises(TypeError, match="size"):
        load_table(FCNetRecipe(), "protein_structure", source=source, size="large")
