from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from tunelab.blackbox import list_blackboxes, load
from tunelab.blackbox.repository import StoredRecipe, register_recipe, storage
from tunelab.blackbox.tabular import TabularBlackbox

from .conftest import make_table


class CountingRecipe(StoredRecipe):
    name = "test-counting"
    description = "two tasks of the synthetic table, counting its builds"

    def __init__(self) -> None:
        self.builds = 0

    def build(self, folder: Path, **options: Any) -> dict[str, Any]:
        self.builds += 1
        for task, n in (("small", 8), ("large", 20)):
            storage.save_tabular(make_table(n_configs=n), folder / task, extra_metadata={"n": n})
        return {"source": "synthetic", "builds": self.builds}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def recipe() -> CountingRecipe:
    return register_recipe(CountingRecipe())  # type: ignore[return-value]


def test_build_once_then_load_from_the_folder(home: Path, recipe: CountingRecipe) -> None:
    small = cast(TabularBlackbox, load("test-counting/small"))
    assert len(small) == 8 and recipe.builds == 1
    large = cast(TabularBlackbox, load("test-counting/large"))
    assert len(large) == 20 and recipe.builds == 1
    reference = make_table(n_configs=20)
    np.testing.assert_array_equal(large.objectives, reference.objectives)
    assert large.all_configurations() == reference.all_configurations()
    assert large.fidelity_values is not None and list(large.fidelity_values) == list(range(1, 11))
    manifest = json.loads((home / "blackboxes" / "test-counting" / "manifest.json").read_text())
    assert manifest["source"] == "synthetic"
    assert "large/objectives.parquet" in manifest["files"]
    assert recipe.tasks() == ["large", "small"]


@pytest.mark.parametrize("damage", ["truncate", "delete", "no-manifest"])
def test_a_corrupt_folder_is_detected_and_rebuilt(
    home: Path, recipe: CountingRecipe, damage: str
) -> None:
    load("test-counting/small")
    folder = home / "blackboxes" / "test-counting"
    target = folder / "small" / "objectives.parquet"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "delete":
        target.unlink()
    else:
        (folder / "manifest.json").unlink()
    assert storage.verify(folder) is not None
    assert len(cast(TabularBlackbox, load("test-counting/small"))) == 8
    assert recipe.builds == 2
    assert storage.verify(folder) is None


def test_a_failed_build_leaves_no_folder(home: Path) -> None:
    class Broken(StoredRecipe):
        name = "test-broken"

        def build(self, folder: Path, **options: Any) -> dict[str, Any]:
            storage.save_tabular(make_table(n_configs=3), folder / "t")
            raise RuntimeError("source file is damaged")

    register_recipe(Broken())
    with pytest.raises(RuntimeError, match="damaged"):
        load("test-broken")
    assert not (home / "blackboxes" / "test-broken").exists()
    assert not list((home / "blackboxes").glob(".test-broken*"))


def test_names_and_tasks_are_checked(home: Path, recipe: CountingRecipe) -> None:
    with pytest.raises(ValueError, match="unknown blackbox 'nope'"):
        load("nope")
    with pytest.raises(ValueError, match="has 2 tasks; choose one"):
        load("test-counting")
    with pytest.raises(ValueError, match="has no task 'medium'"):
        load("test-counting/medium")


def test_analytic_blackboxes_are_listed_and_loadable() -> None:
    assert {"branin", "hartmann3", "hartmann6"} <= set(list_blackboxes())
    blackbox = load("rosenbrock", dimension=3, max_fidelity=5)
    assert len(blackbox.configuration_space) == 3
    assert blackbox.fidelity_values is not None and len(blackbox.fidelity_values) == 5
