"""The `lcbench` recipe on a small JSON file in LCBench's published layout."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipes.converters import LCBenchRecipe
from tunelab.blackbox.repository.recipes.converters.lcbench import (
    CONFIGURATION_SPACE,
    SOURCE_ENV,
)

from .conftest import load_table

N_EPOCHS = 5
N_ENTRIES = N_EPOCHS + 2  # one entry before training, one final evaluation after it
DATASETS = {"Fashion-MNIST": 189908, "credit-g": 31}
IDS = ["10", "0", "2"]  # stored out of order; rows follow the numeric id
CONSTANTS = {
    "imputation_strategy": "mean",
    "learning_rate_scheduler": "cosine_annealing",
    "loss": "cross_entropy_weighted",
    "network": "shapedmlpnet",
    "normalization_strategy": "standardize",
    "optimizer": "sgd",
    "cosine_annealing_T_max": 50,
    "cosine_annealing_eta_min": 1e-08,
    "activation": "relu",
    "mlp_shape": "funnel",
}
GLITCH = ("credit-g", "2")  # its logged time steps back once


def tuned(n: int) -> dict[str, Any]:
    """The tuned hyperparameters of configuration `n` (0..10), inside LCBench's ranges."""
    return {
        "batch_size": 16 + 10 * n,
        "learning_rate": 0.001 * (n + 1),
        "momentum": 0.2 + 0.05 * n,
        "weight_decay": 0.001 * (n + 1),
        "num_layers": 1 + n % 5,
        "max_units": 64 + 20 * n,
        "max_dropout": 0.05 * n,
    }


def log_value(dataset: int, n: int, tag: int, entry: int) -> float:
    """Logged value of tag number `tag` at log entry `entry`: distinct per index."""
    return 10.0 * dataset + n + 0.1 * tag + 0.01 * entry


def log_time(dataset: int, n: int, entry: int) -> float:
    return 3.0 + dataset + (10.0 + n) * entry


TAGS = [
    "Train/val_accuracy",
    "Train/val_balanced_accuracy",
    "Train/val_cross_entropy",
    "Train/test_result",
    "Train/test_balanced_accuracy",
    "Train/test_cross_entropy",
    "Train/loss",
    "Train/train_accuracy",
]


def run(dataset: str, config_id: str) -> dict[str, Any]:
    d, n = list(DATASETS).index(dataset), int(config_id)
    log: dict[str, Any] = {
        tag: [log_value(d, n, t, e) for e in range(N_ENTRIES)] for t, tag in enumerate(TAGS)
    }
    log["time"] = [log_time(d, n, e) for e in range(N_ENTRIES)]
    if (dataset, config_id) == GLITCH:
        log["time"][3] = log["time"][2] - 1.0
    log["epoch"] = list(range(N_ENTRIES))
    return {
        "config": {**tuned(n), **CONSTANTS},
        "log": log,
        "results": {
            "model_parameters": 1000 + n,
            "final_val_accuracy": log["Train/val_accuracy"][-1],
            "OpenML_task_id": DATASETS[dataset],
            "test_split": 0.33,
            "budget": 50,
            "seed": 1,
            "instances": 1000.0,
            "classes": 2.0,
            "features": 20.0,
        },
    }


def lcbench_data() -> dict[str, Any]:
    return {dataset: {i: run(dataset, i) for i in IDS} for dataset in DATASETS}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "lcbench" / "data_2k.json"
    path.parent.mkdir()
    path.write_text(json.dumps(lcbench_data()))
    return path


def test_tasks_shapes_and_space(home: Path, source: Path) -> None:
    recipe = LCBenchRecipe()
    blackbox = load_table(recipe, "credit-g", source=source)
    assert recipe.tasks() == ["Fashion-MNIST", "credit-g"]
    assert blackbox.objectives.shape == (3, 1, N_EPOCHS, 7)
    assert blackbox.objectives_names == [
        "val_accuracy",
        "val_balanced_accuracy",
        "val_cross_entropy",
        "test_accuracy",
        "test_balanced_accuracy",
        "test_cross_entropy",
        "time",
    ]
    assert blackbox.configuration_space == {**CONFIGURATION_SPACE, **CONSTANTS}
    assert blackbox.fidelity_name == "epoch"
    np.testing.assert_array_equal(blackbox.fidelity_values, np.arange(1, N_EPOCHS + 1))
    assert blackbox.time_objective == "time"
    assert blackbox.seeds == [0]
    assert blackbox.all_configurations() == [{**tuned(n), **CONSTANTS} for n in (0, 2, 10)]


def test_values_at_known_config_and_epoch(home: Path, source: Path) -> None:
    recipe = LCBenchRecipe()
    for d, dataset in enumerate(DATASETS):
        blackbox = load_table(recipe, dataset, source=source)
        for n in (0, 2, 10):
            for epoch in (1, 3, N_EPOCHS):
                values = blackbox.evaluate(tuned(n), fidelity=epoch)
                assert values["val_accuracy"] == pytest.approx(log_value(d, n, 0, epoch))
                assert values["val_cross_entropy"] == pytest.approx(log_value(d, n, 2, epoch))
                assert values["test_accuracy"] == pytest.approx(log_value(d, n, 3, epoch))
                assert values["test_cross_entropy"] == pytest.approx(log_value(d, n, 5, epoch))
                if (dataset, str(n)) != GLITCH:
                    assert values["time"] == pytest.approx((10.0 + n) * epoch)


def test_time_is_cumulative_and_glitches_are_counted(home: Path, source: Path) -> None:
    recipe = LCBenchRecipe()
    blackbox = load_table(recipe, "credit-g", source=source)
    time = blackbox.objectives[..., -1]
    assert np.all(np.diff(time, axis=-1) >= 0)
    glitched = blackbox.evaluate_curve(tuned(2))["time"]
    np.testing.assert_allclose(glitched, [12.0, 24.0, 24.0, 48.0, 60.0])
    adjusted = storage.read_manifest(recipe.folder())["conversion"]["time_curves_adjusted"]
    assert adjusted == {"Fashion-MNIST": 0, "credit-g": 1}


def test_manifest_and_dataset_facts(home: Path, source: Path) -> None:
    recipe = LCBenchRecipe()
    load_table(recipe, "Fashion-MNIST", source=source)
    assert storage.verify(recipe.folder()) is None
    [record] = storage.read_manifest(recipe.folder())["sources"]
    assert record == {
        "file": "data_2k.json",
        "size": source.stat().st_size,
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
    }
    metadata = storage.read_task_metadata(recipe.folder() / "Fashion-MNIST")
    assert metadata["OpenML_task_id"] == 189908
    assert metadata["classes"] == 2.0


@pytest.mark.parametrize("name", ["data_2k_lw.zip", "data_2k.zip"])
def test_zip_archive_in_a_folder(home: Path, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    with zipfile.ZipFile(folder / name, "w") as archive:
        archive.writestr(name.replace(".zip", ".json"), json.dumps(lcbench_data()))
    blackbox = load_table(LCBenchRecipe(), "credit-g", source=folder)
    assert blackbox.evaluate(tuned(0), fidelity=2)["val_accuracy"] == pytest.approx(10.02)


def test_source_from_the_environment(
    home: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE_ENV, str(source.parent))
    assert len(load_table(LCBenchRecipe(), "credit-g")) == 3


def test_missing_source_names_the_environment_variable(home: Path) -> None:
    with pytest.raises(FileNotFoundError, match=SOURCE_ENV):
        load_table(LCBenchRecipe(), "credit-g")


def test_out_of_range_hyperparameter(home: Path, tmp_path: Path) -> None:
    data = lcbench_data()
    data["credit-g"]["2"]["config"]["batch_size"] = 4096
    path = tmp_path / "data_2k.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="configuration 2"):
        load_table(LCBenchRecipe(), "credit-g", source=path)
    assert not (home / "blackboxes" / "lcbench").exists()


def test_curves_of_different_lengths(home: Path, tmp_path: Path) -> None:
    data = lcbench_data()
    data["credit-g"]["0"]["log"]["Train/val_accuracy"].pop()
    path = tmp_path / "data_2k.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="different lengths"):
        load_table(LCBenchRecipe(), "credit-g", source=path)
