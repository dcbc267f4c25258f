"""The embedded scikit-learn learning-curve benchmarks: shipped tables and generation."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox.repository import storage
from tunelab.blackbox.repository.recipes.sklearn_curves import (
    BREAST_CANCER_HGB_SMALL,
    DIGITS_MLP_SMALL,
    SHIPPED_ROOT,
    SKLEARN_RECIPES,
    BreastCancerHGBRecipe,
    DigitsMLPRecipe,
    GeneratorSpec,
    SklearnCurvesRecipe,
    _generation,
    _training,
)
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import config_space_from_json, config_space_to_json

RECIPES = [r for r in SKLEARN_RECIPES if isinstance(r, SklearnCurvesRecipe)]
ERRORS = ("val_error", "test_error")
TINY_MLP = DIGITS_MLP_SMALL.resized(n_configs=6, n_seeds=2, max_fidelity=3)
TINY_HGB = BREAST_CANCER_HGB_SMALL.resized(n_configs=6, n_seeds=2, max_fidelity=3)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(storage.HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a shipped table must load without training")

    monkeypatch.setattr(_generation, "generate_tabular", fail)
    monkeypatch.setattr(_training, "learning_curve", fail)


class CountingCurve:
    """Stands in for `learning_curve`: counts calls, optionally interrupts at one."""

    def __init__(self, *, interrupt_at: int | None = None) -> None:
        self.calls = 0
        self.interrupt_at = interrupt_at
        self.real = _training.learning_curve

    def __call__(self, spec: GeneratorSpec, config: dict[str, Any], seed: int) -> np.ndarray:
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return self.real(spec, config, seed)


def _shipped(recipe: SklearnCurvesRecipe) -> TabularBlackbox:
    blackbox = recipe.load()
    assert isinstance(blackbox, TabularBlackbox)
    return blackbox


def _column(blackbox: TabularBlackbox, name: str) -> np.ndarray:
    return blackbox.objectives[..., blackbox.objectives_names.index(name)]


# -- the shipped small tables ---------------------------------------------------------


def test_recipes_are_named_as_advertised() -> None:
    assert [r.name for r in SKLEARN_RECIPES] == ["sklearn-digits-mlp", "sklearn-breast-cancer-hgb"]
    assert all(r.description for r in SKLEARN_RECIPES)
    assert RECIPES[0].tasks() == ["digits"]
    assert RECIPES[1].folder_name(size="full") == "sklearn-breast-cancer-hgb-full"


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
@pytest.mark.usefixtures("no_training")
def test_shipped_table_loads_without_generation(recipe: SklearnCurvesRecipe, home: Path) -> None:
    before = sorted(p.stat().st_mtime_ns for p in SHIPPED_ROOT.rglob("*"))
    blackbox = _shipped(recipe)
    assert blackbox.objectives.shape == recipe.small.shape
    assert blackbox.fidelity_name == recipe.small.fidelity_name
    assert blackbox.fidelity_values is not None
    assert blackbox.fidelity_values.tolist() == list(range(1, recipe.small.max_fidelity + 1))
    assert blackbox.seeds == list(range(recipe.small.n_seeds))
    assert blackbox.time_objective == "elapsed_time"
    assert not home.exists()
    assert sorted(p.stat().st_mtime_ns for p in SHIPPED_ROOT.rglob("*")) == before


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_shipped_values_are_plausible_learning_curves(recipe: SklearnCurvesRecipe) -> None:
    blackbox = _shipped(recipe)
    assert np.all(np.isfinite(blackbox.objectives))
    for name in ERRORS:
        assert np.all((_column(blackbox, name) >= 0) & (_column(blackbox, name) <= 1))
    assert np.all(_column(blackbox, "val_loss") >= 0)
    assert np.all(np.diff(_column(blackbox, "elapsed_time"), axis=2) > 0)
    assert np.all(_column(blackbox, "elapsed_time") > 0)
    errors = _column(blackbox, "val_error")
    assert np.mean(errors[:, :, -1] <= errors[:, :, 0]) > 0.9
    assert np.median(errors[:, :, -1]) < np.median(errors[:, :, 0])
    # a landscape worth searching: good and bad configurations far apart
    final = errors[:, :, -1].mean(axis=1)
    assert final.min() < 0.05 < np.quantile(final, 0.9)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_shipped_table_holds_the_sampled_configurations(recipe: SklearnCurvesRecipe) -> None:
    blackbox = _shipped(recipe)
    sampled = recipe.small.sample_configs()
    assert blackbox.hyperparameters.to_dict("records") == sampled
    assert blackbox.all_configurations() == sampled
    assert [blackbox.index_of(c) for c in sampled[:20]] == list(range(20))
    space = blackbox.configuration_space
    assert space == recipe.small.configuration_space
    assert config_space_from_json(json.loads(json.dumps(config_space_to_json(space)))) == space


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_metadata_records_the_generator_and_machine(recipe: SklearnCurvesRecipe) -> None:
    folder = recipe.folder()
    assert storage.verify(folder) is None
    metadata = storage.read_task_metadata(folder / recipe.small.dataset)
    manifest = storage.read_manifest(folder)
    for info in (metadata, manifest):
        assert info["generator"] == recipe.small.to_json()
        assert {"python", "numpy", "scikit-learn", "processor", "cpu_count"} <= set(
            info["environment"]
        )
    assert manifest["size"] == "small"
    assert manifest["generation_seconds"] > 0


def test_shipped_tables_stay_small() -> None:
    folders = [SHIPPED_ROOT / recipe.name for recipe in RECIPES]
    total = sum(p.stat().st_size for f in folders for p in f.rglob("*") if p.is_file())
    assert total < 4_000_000


def test_corrupted_copy_is_detected(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(RECIPES[0].folder(), copy)
    assert storage.verify(copy) is None
    objectives = copy / "digits" / storage.OBJECTIVES
    data = bytearray(objectives.read_bytes())
    data[len(data) // 2] ^= 0xFF
    objectives.write_bytes(bytes(data))
    assert "checksum" in str(storage.verify(copy))
    objectives.write_bytes(bytes(data[:-10]))
    assert "bytes" in str(storage.verify(copy))
    (copy / "digits" / storage.METADATA).unlink()
    assert "missing" in str(storage.verify(copy))


def test_damaged_shipped_folder_is_reported_not_rebuilt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, home: Path
) -> None:
    from tunelab.blackbox.repository.recipes.sklearn_curves import _recipes

    shutil.copytree(RECIPES[0].folder(), tmp_path / "data" / RECIPES[0].name)
    (tmp_path / "data" / RECIPES[0].name / storage.MANIFEST).unlink()
    monkeypatch.setattr(_recipes, "SHIPPED_ROOT", tmp_path / "data")
    with pytest.raises(RuntimeError, match="--write-shipped"):
        RECIPES[0].load()
    assert not home.exists()


def test_bad_options_are_rejected() -> None:
    recipe = RECIPES[0]
    with pytest.raises(ValueError, match="size must be one of"):
        recipe.load(size="medium")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown options"):
        recipe.load(source="/nowhere")
    with pytest.raises(ValueError, match="read-only"):
        recipe.load(rebuild=True)
    with pytest.raises(ValueError, match="no task"):
        recipe.load("iris")


def test_spec_validation_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"model must be one of \['mlp', 'hgb'\]"):
        GeneratorSpec(model="svm", dataset="digits", configuration_space={}, **_sizes())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_seeds must be an int >= 1"):
        DIGITS_MLP_SMALL.resized(n_configs=3, n_seeds=0, max_fidelity=2)


def _sizes() -> dict[str, int]:
    return {"n_configs": 2, "n_seeds": 1, "max_fidelity": 2}


# -- generating the full variant ------------------------------------------------------


def test_tiny_full_generation_matches_the_shipped_curves(home: Path) -> None:
    recipe = DigitsMLPRecipe(full=TINY_MLP, chunk_size=4, n_jobs=1)
    blackbox = recipe.load(size="full", progress=False)
    assert isinstance(blackbox, TabularBlackbox)
    folder = home / "blackboxes" / "sklearn-digits-mlp-full"
    assert recipe.folder(size="full") == folder
    assert storage.verify(folder) is None
    assert storage.read_manifest(folder)["generator"] == TINY_MLP.to_json()
    assert not (home / "blackboxes" / ".work").exists()
    assert blackbox.objectives.shape == (6, 2, 3, 5)
    # the first epochs of the first configurations are those of the shipped table
    shipped = _shipped(RECIPES[0])
    assert blackbox.all_configurations() == shipped.all_configurations()[:6]
    for name in ("val_error", "test_error", "val_loss"):
        difference = np.abs(_column(blackbox, name) - _column(shipped, name)[:6, :2, :3])
        assert difference.mean() < 0.02, name


def test_interrupted_generation_resumes_from_finished_chunks(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = BreastCancerHGBRecipe(full=TINY_HGB, chunk_size=2, n_jobs=1)
    work = recipe.work_folder("full")
    interrupted = CountingCurve(interrupt_at=2 * 2 * 2 + 1)  # during the third chunk
    monkeypatch.setattr(_training, "learning_curve", interrupted)
    with pytest.raises(KeyboardInterrupt):
        recipe.load(size="full", progress=False)
    assert sorted(p.name for p in work.glob("chunk-*.npy")) == [
        "chunk-00000.npy",
        "chunk-00001.npy",
    ]
    assert storage.verify(recipe.folder(size="full")) is not None

    resumed = CountingCurve()
    monkeypatch.setattr(_training, "learning_curve", resumed)
    blackbox = recipe.load(size="full", progress=True)
    assert resumed.calls == 2 * 2  # only the last chunk's 2 configurations x 2 seeds
    assert isinstance(blackbox, TabularBlackbox)
    assert blackbox.objectives.shape == (6, 2, 3, 4)
    assert storage.verify(recipe.folder(size="full")) is None
    assert not work.exists()

    again = CountingCurve()
    monkeypatch.setattr(_training, "learning_curve", again)
    recipe.load(size="full")
    assert again.calls == 0


def test_another_spec_discards_old_chunks_and_folders(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = TINY_HGB.resized(n_configs=2, n_seeds=1, max_fidelity=2)
    counter = CountingCurve()
    monkeypatch.setattr(_training, "learning_curve", counter)
    BreastCancerHGBRecipe(full=small, chunk_size=1, n_jobs=1).load(size="full", progress=False)
    assert counter.calls == 2
    other = BreastCancerHGBRecipe(full=small.resized(n_configs=3, n_seeds=1, max_fidelity=2))
    blackbox = other.load(size="full", progress=False)
    assert counter.calls == 2 + 3
    assert isinstance(blackbox, TabularBlackbox)
    assert len(blackbox) == 3

    work = home / "work"
    _generation.generate_tabular(small, work_folder=work, chunk_size=1, n_jobs=1, progress=False)
    assert counter.calls == 5 + 2
    _generation.generate_tabular(small, work_folder=work, chunk_size=1, n_jobs=1, progress=False)
    assert counter.calls == 7
    changed = dataclasses.replace(small, sampling_seed=1)
    _generation.generate_tabular(changed, work_folder=work, chunk_size=1, n_jobs=1, progress=False)
    assert counter.calls == 7 + 2


def test_parallel_generation_gives_the_serial_results(tmp_path: Path) -> None:
    spec = TINY_HGB.resized(n_configs=4, n_seeds=1, max_fidelity=2)
    tables = [
        _generation.generate_tabular(
            spec, work_folder=tmp_path / str(jobs), chunk_size=1, n_jobs=jobs, progress=False
        )
        for jobs in (1, 2)
    ]
    without_time = [t.objectives[..., :-1] for t in tables]
    np.testing.assert_array_equal(without_time[0], without_time[1])
