"""The built wheels, installed into fresh virtual environments (see wheel_check.py).

Slow: the five wheels are built once per session and each environment is made on
first use, about a minute in all with a warm uv cache.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load_wheel_check() -> ModuleType:
    path = Path(__file__).with_name("wheel_check.py")
    spec = importlib.util.spec_from_file_location("tunelab_wheel_check", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


wheel_check = _load_wheel_check()

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    built: dict[str, Path] = wheel_check.build_wheels(tmp_path_factory.mktemp("wheels"))
    return built


@pytest.fixture(scope="module")
def environments(tmp_path_factory: pytest.TempPathFactory, wheels: dict[str, Path]) -> Any:
    return wheel_check.Environments(tmp_path_factory.mktemp("venvs"), wheels)


def _assert_none(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", wheel_check.PACKAGES)
def test_wheel_ships_every_tracked_file(wheels: dict[str, Path], package: str) -> None:
    problems, _notes = wheel_check.check_contents(package, wheels[package])
    _assert_none(problems)


@pytest.mark.parametrize("name", list(wheel_check.ENVIRONMENTS))
def test_every_module_imports_from_the_installed_wheels(
    wheels: dict[str, Path], environments: Any, name: str
) -> None:
    python = environments.python(name)
    packages = environments.packages(name)
    _assert_none(wheel_check.check_origin(python, packages, wheels))
    names = [module for package in packages for module in wheel_check.modules(wheels[package])]
    _assert_none(wheel_check.check_imports(python, names))


def test_readme_example_runs_with_the_wheels(environments: Any, tmp_path: Path) -> None:
    python = environments.python("all")
    _assert_none(wheel_check.check_readme_example(python, tmp_path))


def test_console_scripts_run_with_the_wheels(environments: Any, tmp_path: Path) -> None:
    python = environments.python("all")
    _assert_none(wheel_check.check_commands(python, tmp_path))
