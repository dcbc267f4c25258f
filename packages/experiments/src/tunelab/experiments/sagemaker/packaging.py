"""The project code a training job needs, as one tar.gz.

The job extracts it, works in it and puts it on `sys.path`, so a project's own
`conf/`, scheduler modules and training scripts are there as they are on the
machine that launched the sweep. Version control, virtual environments, caches and
results stay behind.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

EXCLUDED_ANYWHERE = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".tox",
        ".nox",
        ".ipynb_checkpoints",
        "node_modules",
        ".DS_Store",
    }
)
"""Names of folders and files never packaged, wherever they are."""

EXCLUDED_AT_TOP = frozenset({"results", "outputs", "multirun", "site", "figures", ".tools"})
"""Names left out only directly under the source folder (results and build output)."""

EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".tar.gz")


@dataclass(frozen=True)
class Package:
    """What was packaged: the archive, its number of files and its size in bytes."""

    path: Path
    files: int
    size: int


def package_source(
    source_dir: Path, archive: Path, *, also_exclude: Collection[Path] = ()
) -> Package:
    """Write the files of `source_dir` (relative paths, sorted) into the tar.gz `archive`.

    Args:
        source_dir: The project folder.
        archive: The tar.gz to write.
        also_exclude: Further folders left out (the local results root, say).
    """
    source = source_dir.resolve()
    if not source.is_dir():
        raise NotADirectoryError(f"source folder {source_dir} does not exist; expected a folder")
    skipped = {p.resolve() for p in also_exclude} | {archive.resolve()}
    count = 0
    with tarfile.open(archive, "w:gz") as tar:
        for path in _files(source, skipped):
            tar.add(path, arcname=path.relative_to(source).as_posix(), recursive=False)
            count += 1
    return Package(path=archive, files=count, size=archive.stat().st_size)


def _files(source: Path, skipped: set[Path]) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        top = here == source
        dirs[:] = sorted(d for d in dirs if not _excluded(here / d, top=top, skipped=skipped))
        found += [
            here / f for f in sorted(files) if not _excluded(here / f, top=top, skipped=skipped)
        ]
    return found


def _excluded(path: Path, *, top: bool, skipped: set[Path]) -> bool:
    name = path.name
    if name in EXCLUDED_ANYWHERE or (top and name in EXCLUDED_AT_TOP):
        return True
    if name.endswith(EXCLUDED_SUFFIXES) or (path.is_symlink() and not path.exists()):
        return True
    return path.resolve() in skipped


def extract_source(archive: Path, target: Path) -> None:
    """Unpack a package made by `package_source` into `target` (paths stay inside it)."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        root = target.resolve()
        for member in tar.getmembers():
            destination = (root / member.name).resolve()
            if root not in destination.parents and destination != root:
                raise ValueError(f"{archive}: member {member.name!r} would land outside {root}")
            if not (member.isfile() or member.isdir()):
                raise ValueError(f"{archive}: member {member.name!r} is not a file or folder")
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4 (and 3.10.12)
            tar.extractall(root, filter="data")
        else:
            tar.extractall(root)
