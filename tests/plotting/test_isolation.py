"""tunelab-plotting reads the results format only: it imports no other tunelab package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tunelab.plotting

SOURCE = Path(tunelab.plotting.__file__).parent


def test_no_source_file_imports_another_tunelab_package() -> None:
    offending = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offending += [
                f"{path.name}: {name}"
                for name in names
                if name.startswith("tunelab") and not name.startswith("tunelab.plotting")
            ]
    assert offending == []


def test_importing_every_module_loads_no_other_tunelab_package() -> None:
    modules = sorted(
        "tunelab.plotting." + ".".join(p.relative_to(SOURCE).with_suffix("").parts)
        for p in SOURCE.rglob("*.py")
        if p.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('tunelab.')"
        " and not m.startswith('tunelab.plotting')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
