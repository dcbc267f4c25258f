"""Loading from the repository without redoing work: files found intact are not hashed
again until they change, objectives come from the array cache, and a final-fidelity
table whose source file changed is converted again."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox.repository import StoredRecipe, storage
from tunelab.blackbox.repository.recipes.tables import TABLES_ENV, FinalTableRecipe
from tunelab.blackbox.tabular import TabularBlackbox

from .conftest import make_table


class TwoTasks(StoredRecipe):
    name = "test-cache-two-tasks"

    def __init__(self) -> None:
        self.builds = 0

    def build(self, folder: Path, **options: Any) -> dict[str, Any]:
        self.builds += 1
        for task, n in (("small", 8), ("large", 20)):
            storage.save_tabular(make_table(n_configs=n), folder / task)
        return {}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(storage.HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files `storage.verify` hashes."""
    names: list[str] = []
    original = storage.file_sha256

    def counting(path: Path) -> str:
        names.append(f"{path.parent.name}/{path.name}")
        return original(path)

    monkeypatch.setattr(storage, "file_sha256", counting)
    return names


def test_intact_files_are_not_hashed_again(home: Path, hashed: list[str]) -> None:
    recipe = TwoTasks()
    recipe.load("small")
    folder = recipe.folder()
    built = len(hashed)  # the manifest's hashes, taken once while building
    assert built == 6
    recipe.load("large")
    assert storage.verify(folder, remember=True) is None
    assert len(hashed) == built
    assert storage.VERIFIED not in str(storage.read_manifest(folder)["files"])


def test_a_changed_file_is_hashed_and_refused(home: Path, hashed: list[str]) -> None:
    recipe = TwoTasks()
    recipe.load("small")
    folder = recipe.folder()
    target = folder / "small" / storage.OBJECTIVES
    status = target.stat()
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))  # same size, and the modification time put back
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    hashed.clear()
    assert "checksum" in str(storage.verify(folder, remember=True))
    assert hashed == ["small/objectives.parquet"]
    recipe.load("small")
    assert recipe.builds == 2


def test_the_record_is_only_a_shortcut(home: Path, hashed: list[str]) -> None:
    recipe = TwoTasks()
    recipe.load("small")
    folder = recipe.folder()
    (folder / storage.VERIFIED).write_text("{broken")
    hashed.clear()
    assert storage.verify(folder, remember=True) is None
    assert len(hashed) == 6  # everything checked again, then recorded again
    assert storage.verify(folder, remember=True) is None
    assert len(hashed) == 6


def test_folders_outside_the_repository_get_no_record(home: Path, tmp_path: Path) -> None:
    class Shipped(TwoTasks):
        name = "test-cache-shipped"

        def folder(self, **options: Any) -> Path:
            return tmp_path / "package-data" / self.name

    recipe = Shipped()
    recipe.load("small")
    assert not storage.in_repository(recipe.folder())
    assert recipe.tasks() == ["large", "small"]
    assert not (recipe.folder() / storage.VERIFIED).exists()
    assert storage.in_repository(TwoTasks().folder())


def test_objectives_come_memory_mapped_from_the_cache(home: Path) -> None:
    recipe = TwoTasks()
    first = cast(TabularBlackbox, recipe.load("large"))
    again = cast(TabularBlackbox, recipe.load("large"))
    reference = make_table(n_configs=20)
    np.testing.assert_array_equal(again.objectives, reference.objectives)
    assert not again.objectives.flags.writeable
    digest = storage.read_manifest(recipe.folder())["files"]["large/objectives.parquet"]["sha256"]
    assert (storage.array_cache_folder() / f"{digest}.npy").is_file()
    config = reference.all_configurations()[3]
    assert again.evaluate(config, fidelity=4, seed=1) == first.evaluate(config, fidelity=4, seed=1)


class _Final(FinalTableRecipe):
    name = "test-cache-final"
    files: ClassVar[dict[str, str]] = {"tiny": "tiny.parquet", "other": "other.parquet"}
    hyperparameters = ("act", "width")
    metrics = ("error",)
    time_column = "time"


def _write_source(folder: Path, error: float, name: str = "tiny.parquet") -> None:
    folder.mkdir(exist_ok=True)
    rows = [("a", 1, 0, error, 10.0), ("b", 2, 0, 0.5, 20.0)]
    pd.DataFrame(rows, columns=["act", "width", "seed", "error", "time"]).to_parquet(folder / name)


def _error_of_a(blackbox: Any) -> float:
    return float(blackbox.evaluate({"act": "a", "width": 1})["error"])


def test_a_changed_source_table_is_converted_again(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TABLES_ENV, raising=False)
    source = tmp_path / "tables"
    _write_source(source, 0.1)
    _write_source(source, 0.9, "other.parquet")
    recipe = _Final()
    assert _error_of_a(recipe.load("tiny", source=source)) == 0.1
    assert recipe.stale(recipe.folder(), source=source) is None
    _write_source(source, 0.2)  # a new version of the file
    assert "tiny.parquet" in str(recipe.stale(recipe.folder(), source=source))
    assert _error_of_a(recipe.load("tiny", source=source)) == 0.2
    monkeypatch.setenv(TABLES_ENV, str(source))
    _write_source(source, 0.3)
    assert _error_of_a(recipe.load("tiny")) == 0.3  # the folder named by the variable


def test_without_its_source_the_conversion_is_used(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TABLES_ENV, raising=False)
    source = tmp_path / "tables"
    _write_source(source, 0.1)
    _write_source(source, 0.9, "other.parquet")
    recipe = _Final()
    recipe.load("tiny", source=source)
    (source / "tiny.parquet").unlink()
    assert _error_of_a(recipe.load("tiny")) == 0.1  # no source given
    assert _error_of_a(recipe.load("tiny", source=source)) == 0.1  # the file is gone
