"""Shared fixtures of the converter tests: a temporary TUNELAB_HOME, typed loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tunelab.blackbox import TabularBlackbox
from tunelab.blackbox.repository import StoredRecipe
from tunelab.blackbox.repository.recipes.converters import CONVERTER_RECIPES


def load_table(recipe: StoredRecipe, task: str, **options: Any) -> TabularBlackbox:
    """`recipe.load`, checked to give a `TabularBlackbox`."""
    blackbox = recipe.load(task, **options)
    assert isinstance(blackbox, TabularBlackbox)
    return blackbox


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository, and no data source from the environment."""
    monkeypatch.setenv("TUNELAB_HOME", str(tmp_path / "home"))
    for recipe in CONVERTER_RECIPES:
        if recipe.source_env is not None:
            monkeypatch.delenv(recipe.source_env, raising=False)
    return tmp_path / "home"
