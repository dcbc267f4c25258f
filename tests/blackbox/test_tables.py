"""Final-fidelity long-format tables: `load_final_table`, space inference, the presets."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox import TabularBlackbox
from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipes.tables import (
    TABLE_RECIPES,
    TABLES_ENV,
    FCNetFinalRecipe,
    FinalTableRecipe,
    HPOBenchFinalRecipe,
    NASBench201FinalRecipe,
    infer_configuration_space,
    load_final_table,
)
from tunelab.core.space import (
    Categorical,
    Float,
    Integer,
    Ordinal,
    choice,
    config_space_to_json,
    uniform,
)

SHARED_DATA = Path(
    os.environ.get("TUNELAB_SHARED_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
TABLES = SHARED_DATA / "tabular"
needs_tables = pytest.mark.skipif(
    not (TABLES / "hpolib_naval_propulsion.parquet").is_file(),
    reason=f"the shared final-fidelity tables are not at {TABLES} (set TUNELAB_SHARED_DATA)",
)


def _write_table(path: Path) -> pd.DataFrame:
    """4 configurations x seeds {0, 1, 2}; config "b" lacks seed 1, "c" has only seed 2."""
    rows = [
        ("a", 1, 0.1, 0, 0.5, 10.0),
        ("a", 1, 0.1, 1, 0.4, 11.0),
        ("a", 1, 0.1, 2, 0.3, 12.0),
        ("b", 2, 0.01, 0, 0.9, 20.0),
        ("b", 2, 0.01, 2, 0.7, 22.0),
        ("c", 4, 0.001, 2, 0.2, 32.0),
        ("a", 8, 0.0001, 0, 0.6, 40.0),
        ("a", 8, 0.0001, 1, 0.65, 41.0),
        ("a", 8, 0.0001, 2, 0.62, 42.0),
    ]
    frame: pd.DataFrame = pd.DataFrame(
        rows, columns=["act", "width", "lr", "seed", "error", "time"]
    )
    frame.to_parquet(path)
    return frame


def _small(tmp_path: Path, **kwargs: object) -> TabularBlackbox:
    path = tmp_path / "small.parquet"
    _write_table(path)
    options: dict[str, Any] = {"metrics": ["error"], "time_column": "time", **kwargs}
    return load_final_table(path, hyperparameters=["act", "width", "lr"], **options)


# -- load_final_table on a small table ------------------------------------------------


def test_shapes_seeds_and_order(tmp_path: Path) -> None:
    blackbox = _small(tmp_path)
    assert blackbox.objectives.shape == (4, 3, 1, 2)
    assert blackbox.objectives_names == ["error", "time"]
    assert blackbox.time_objective == "time"
    assert blackbox.seeds == [0, 1, 2]
    assert blackbox.fidelity_values is None
    assert blackbox.fidelity_name is None
    assert blackbox.hyperparameters.to_dict("list") == {
        "act": ["a", "b", "c", "a"],
        "width": [1, 2, 4, 8],
        "lr": [0.1, 0.01, 0.001, 0.0001],
    }


def test_evaluate_known_rows(tmp_path: Path) -> None:
    blackbox = _small(tmp_path)
    config = {"act": "a", "width": 8, "lr": 0.0001}
    assert blackbox.evaluate(config, seed=1) == {"error": 0.65, "time": 41.0}
    assert blackbox.evaluate(config) == {"error": 0.6, "time": 40.0}
    many = blackbox.evaluate_many([config, {"act": "a", "width": 1, "lr": 0.1}], seed=2)
    np.testing.assert_array_equal(many["error"], [0.62, 0.3])
    with pytest.raises(ValueError, match="seed 7"):
        blackbox.evaluate(config, seed=7)
    with pytest.raises(KeyError, match="not in the table"):
        blackbox.evaluate({"act": "c", "width": 8, "lr": 0.0001})


def test_missing_seeds_cycle_through_available_ones(tmp_path: Path) -> None:
    blackbox = _small(tmp_path)
    errors = blackbox.objectives[:, :, 0, 0]
    # "b" has seeds 0 and 2: its missing seed 1 reuses seed 0
    np.testing.assert_array_equal(errors[1], [0.9, 0.9, 0.7])
    # "c" has only seed 2: every seed is that one
    np.testing.assert_array_equal(errors[2], [0.2, 0.2, 0.2])
    assert not np.isnan(blackbox.objectives).any()


def test_cycling_with_several_missing_seeds(tmp_path: Path) -> None:
    # available seeds 1 and 3 of 0..4: missing 0, 2, 4 take 1, 3, 1 in turn
    frame = pd.DataFrame(
        {
            "x": ["p"] * 5 + ["q"] * 2,
            "seed": [0, 1, 2, 3, 4, 1, 3],
            "y": [0.0, 1.0, 2.0, 3.0, 4.0, 10.0, 30.0],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    blackbox = load_final_table(
        tmp_path / "t.parquet", hyperparameters=["x"], metrics=["y"], time_column=None
    )
    np.testing.assert_array_equal(blackbox.objectives[1, :, 0, 0], [10, 10, 30, 30, 10])
    assert blackbox.time_objective is None


def test_inferred_space(tmp_path: Path) -> None:
    space = _small(tmp_path).configuration_space
    assert space["act"] == choice(["a", "b", "c"])
    assert isinstance(space["width"], Ordinal)
    assert space["width"].kind == "nn-log"  # 1, 2, 4, 8: even steps in log scale
    assert space["width"].categories == [1, 2, 4, 8]
    assert space["lr"].kind == "nn-log"
    assert space["lr"].categories == [0.0001, 0.001, 0.01, 0.1]


def test_inference_rules() -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "depth": [1, 2, 3, 1, 2, 3] * 10,
            "dropout": [0.0, 0.3, 0.6] * 20,
            "flag": [True, False] * 30,
            "only": [5] * 60,
            "lr": 10 ** rng.uniform(-5, -1, 60),
            "momentum": rng.uniform(0.1, 0.9, 60),
            "units": np.arange(1, 61) ** 2,
            "two": [1, 1000] * 30,
        }
    )
    space = infer_configuration_space(table, list(table.columns))
    assert space["depth"].kind == "nn" and space["depth"].categories == [1, 2, 3]
    assert space["dropout"].kind == "nn"
    assert space["flag"] == choice([False, True])
    assert space["only"] == 5
    assert isinstance(space["lr"], Float) and space["lr"].log
    assert space["lr"].lower == table["lr"].min()
    assert isinstance(space["momentum"], Float) and not space["momentum"].log
    assert isinstance(space["units"], Integer) and space["units"].log
    assert space["two"].kind == "nn-log"
    json.dumps(config_space_to_json(space))


def test_given_space_is_used(tmp_path: Path) -> None:
    space = {"act": choice(["a", "b", "c"]), "width": uniform(1, 8), "lr": uniform(0, 1)}
    assert _small(tmp_path, configuration_space=space).configuration_space == space


def test_bad_tables(tmp_path: Path) -> None:
    path = tmp_path / "small.parquet"
    frame = _write_table(path)
    with pytest.raises(ValueError, match=r"lacks the columns \['loss'\]"):
        load_final_table(path, hyperparameters=["act"], metrics=["loss"], time_column=None)
    with pytest.raises(FileNotFoundError):
        load_final_table(
            tmp_path / "none.parquet", hyperparameters=["act"], metrics=["error"], time_column=None
        )
    pd.concat([frame, frame.iloc[:1]]).to_parquet(path)
    with pytest.raises(ValueError, match="1 rows repeat"):
        load_final_table(
            path, hyperparameters=["act", "width", "lr"], metrics=["error"], time_column="time"
        )


# -- presets built into a temporary TUNELAB_HOME ----------------------------------------


class _SmallRecipe(FinalTableRecipe):
    name = "small-final"
    files: ClassVar[dict[str, str]] = {"tiny": "small.parquet"}
    hyperparameters = ("act", "width", "lr")
    metrics = ("error",)
    time_column = "time"


def test_recipe_builds_then_loads_from_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(storage.HOME_ENV, str(tmp_path / "home"))
    source = tmp_path / "source"
    source.mkdir()
    _write_table(source / "small.parquet")
    recipe = _SmallRecipe()
    assert recipe.tasks() == ["tiny"]
    built = cast(TabularBlackbox, recipe.load("tiny", source=source))
    folder = recipe.folder()
    assert storage.verify(folder) is None
    manifest = storage.read_manifest(folder)
    digest = hashlib.sha256((source / "small.parquet").read_bytes()).hexdigest()
    assert manifest["sources"]["tiny"]["file"] == "small.parquet"
    assert manifest["sources"]["tiny"]["sha256"] == digest
    assert storage.read_task_metadata(folder / "tiny")["source_sha256"] == digest
    (source / "small.parquet").unlink()  # a later load reads the store only
    again = cast(TabularBlackbox, recipe.load())
    np.testing.assert_array_equal(again.objectives, built.objectives)
    assert again.configuration_space == built.configuration_space
    assert again.seeds == [0, 1, 2]


def test_recipe_source_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(storage.HOME_ENV, str(tmp_path / "home"))
    monkeypatch.delenv(TABLES_ENV, raising=False)
    recipe = _SmallRecipe()
    with pytest.raises(FileNotFoundError, match=TABLES_ENV):
        recipe.load("tiny")
    with pytest.raises(FileNotFoundError, match=r"needs small\.parquet"):
        recipe.load("tiny", source=tmp_path)
    with pytest.raises(TypeError, match="unknown options"):
        recipe.load("tiny", source=tmp_path, colour="red")


def test_presets() -> None:
    names = {recipe.name: recipe for recipe in TABLE_RECIPES}
    assert sorted(names) == ["fcnet-final", "hpobench-final", "nasbench201-final"]
    assert names["fcnet-final"].tasks() == ["naval_propulsion", "protein_structure"]
    assert names["nasbench201-final"].tasks() == ["cifar10", "cifar100"]
    assert names["hpobench-final"].tasks() == ["australian", "credit_g", "kc1", "segment"]


# -- the real files ----------------------------------------------------------------------


@needs_tables
def test_fcnet_file_loads_fast() -> None:
    recipe = FCNetFinalRecipe()
    start = time.perf_counter()
    blackbox = load_final_table(
        TABLES / "hpolib_protein_structure.parquet",
        hyperparameters=list(recipe.hyperparameters),
        metrics=list(recipe.metrics),
        time_column="train_time",
        configuration_space=recipe.configuration_space,
    )
    assert time.perf_counter() - start < 5.0
    assert blackbox.objectives.shape == (62208, 4, 1, 3)
    assert blackbox.objectives_names == ["val_loss", "train_time", "model_size"]
    assert blackbox.seeds == [0, 1, 2, 3]
    row = pd.read_parquet(TABLES / "hpolib_protein_structure.parquet").iloc[5]
    config = {name: row[name] for name in recipe.hyperparameters}
    values = blackbox.evaluate(config, seed=int(row["seed"]))
    assert values["val_loss"] == pytest.approx(float(row["val_loss"]), rel=1e-7)
    assert values["train_time"] == pytest.approx(float(row["train_time"]), rel=1e-7)


@needs_tables
def test_fcnet_inferred_space_matches_grid() -> None:
    blackbox = load_final_table(
        TABLES / "hpolib_naval_propulsion.parquet",
        hyperparameters=list(FCNetFinalRecipe.hyperparameters),
        metrics=["val_loss"],
        time_column="train_time",
    )
    space = blackbox.configuration_space
    assert isinstance(space["activation_fn_1"], Categorical)
    assert space["batch_size"].categories == [8, 16, 32, 64]
    assert space["init_lr"].kind == "nn-log"
    assert space["dropout_1"].categories == [0.0, 0.3, 0.6]
    assert space["dropout_1"].kind == "nn"


@needs_tables
def test_nasbench201_fills_third_seed() -> None:
    blackbox = load_final_table(
        TABLES / "nasbench201_cifar10.parquet",
        hyperparameters=list(NASBench201FinalRecipe.hyperparameters),
        metrics=list(NASBench201FinalRecipe.metrics),
        time_column="train_time",
        configuration_space=NASBench201FinalRecipe.configuration_space,
    )
    assert blackbox.objectives.shape == (15625, 3, 1, 4)
    frame = pd.read_parquet(TABLES / "nasbench201_cifar10.parquet")
    counts = frame.groupby([f"Op{i}" for i in range(6)], sort=False).size().to_numpy()
    two_seeds = counts == 2  # those have seeds 0 and 1: seed 2 repeats seed 0
    values = blackbox.objectives[:, :, 0, 0]
    np.testing.assert_array_equal(values[two_seeds, 2], values[two_seeds, 0])
    assert not np.isnan(blackbox.objectives).any()


@needs_tables
def test_preset_build_and_reload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(storage.HOME_ENV, str(tmp_path))
    monkeypatch.setenv(TABLES_ENV, str(TABLES))
    recipe = HPOBenchFinalRecipe()
    blackbox = cast(TabularBlackbox, recipe.load("kc1"))
    assert blackbox.objectives.shape == (30000, 5, 1, 4)
    manifest = storage.read_manifest(recipe.folder())
    assert set(manifest["sources"]) == {"australian", "credit_g", "kc1", "segment"}
    assert manifest["sources"]["kc1"]["file"] == "hpobench_kc1.parquet"
    assert len(manifest["sources"]["kc1"]["sha256"]) == 64
    monkeypatch.delenv(TABLES_ENV)
    again = cast(TabularBlackbox, recipe.load("kc1"))
    np.testing.assert_array_equal(again.objectives, blackbox.objectives)
    assert again.configuration_space == blackbox.configuration_space
    config = again.all_configurations()[123]
    assert again.evaluate(config, seed=4) == blackbox.evaluate(config, seed=4)
