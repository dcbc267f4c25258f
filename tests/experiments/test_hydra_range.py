"""The installed hydra-core lies in the range tunelab-experiments declares.

`hydra_plugins.tunelab_experiments.sweeper` and `tunelab.experiments.progress` build on
Hydra's private `BasicSweeper`, tested with the versions their docstrings name; the
pyproject bounds hydra-core to those, and this test fails when a resolver moves out.
"""

from __future__ import annotations

import inspect
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

PYPROJECT = Path(__file__).resolve().parents[2] / "packages" / "experiments" / "pyproject.toml"
UPPER_BOUNDS = {"<", "<=", "==", "~=", "==="}


def declared_hydra_requirement() -> Requirement:
    """The `hydra-core` entry of tunelab-experiments' `dependencies`."""
    with PYPROJECT.open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    found = [Requirement(line) for line in dependencies if Requirement(line).name == "hydra-core"]
    assert len(found) == 1, f"{PYPROJECT}: expected one hydra-core dependency, got {found}"
    return found[0]


def test_installed_hydra_core_is_in_the_declared_range() -> None:
    requirement = declared_hydra_requirement()
    assert any(spec.operator in UPPER_BOUNDS for spec in requirement.specifier), (
        f"{PYPROJECT} declares {requirement} without an upper bound; the private "
        "BasicSweeper import is only tested within hydra-core 1.3"
    )
    installed = Version(version("hydra-core"))
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"hydra-core {installed} is installed, outside {requirement} declared in {PYPROJECT}; "
        "check the private BasicSweeper use (sweeper.py, progress.py) before moving the range"
    )


def test_the_private_basic_sweeper_has_what_tunelab_uses() -> None:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.plugins.sweeper import Sweeper

    assert issubclass(BasicSweeper, Sweeper)
    parameters = list(inspect.signature(BasicSweeper.split_arguments).parameters)
    assert parameters == ["overrides", "max_batch_size"]
    assert callable(BasicSweeper.validate_batch_is_legal)
