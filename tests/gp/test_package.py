"""The package surface: lazy exports, and the direction of the dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tunelab.gp

PACKAGES = Path(__file__).resolve().parents[2] / "packages"


def test_lazy_exports_resolve() -> None:
    for name in tunelab.gp.__all__:
        assert getattr(tunelab.gp, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = tunelab.gp.no_such_name


@pytest.mark.parametrize("package", ["core", "experiments", "blackbox"])
def test_no_other_package_imports_tunelab_gp(package: str) -> None:
    pattern = re.compile(r"^\s*(from|import)\s+tunelab\.gp\b", re.MULTILINE)
    offenders = [
        str(path)
        for path in (PACKAGES / package / "src").rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert offenders == []
