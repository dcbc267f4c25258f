"""What the converters share: the `source=` option, source fingerprints, progress bars."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from tunelab.blackbox.repository.recipe import source_path
from tunelab.blackbox.repository.storage import file_sha256

T = TypeVar("T")


def user_source(
    source: str | os.PathLike[str] | None,
    options: dict[str, Any],
    *,
    env: str,
    what: str,
    recipe: str,
) -> Path:
    """`source` (else `$env`) as an existing path; `options` must be empty.

    Raises:
        TypeError: Some option other than `source` was given.
        FileNotFoundError: Neither `source` nor `$env` is set, or the path is missing.
    """
    if options:
        raise TypeError(
            f"blackbox {recipe!r} got unknown options {sorted(options)}; "
            "it accepts only source=<path>"
        )
    return source_path(source, env=env, what=what, recipe=recipe)


def file_record(path: Path) -> dict[str, Any]:
    """Name, size in bytes and SHA-256 of a source file, for the build information."""
    return {"file": path.name, "size": path.stat().st_size, "sha256": file_sha256(path)}


def files_record(root: Path, paths: Sequence[Path]) -> dict[str, Any]:
    """Fingerprint of many source files under `root` (too many to list one by one).

    `sha256` hashes the lines `<relative path> <sha256 of the file>` in path order, so
    it changes whenever any file's name or content does.
    """
    digest = hashlib.sha256()
    size = 0
    for path in progress(sorted(paths), desc=f"hashing {root.name}", total=len(paths)):
        digest.update(f"{path.relative_to(root).as_posix()} {file_sha256(path)}\n".encode())
        size += path.stat().st_size
    return {
        "directory": root.name,
        "n_files": len(paths),
        "size": size,
        "sha256": digest.hexdigest(),
    }


def progress(items: Iterable[T], *, desc: str, total: int | None = None) -> Iterator[T]:
    """`items` with a tqdm progress bar on an interactive terminal (silent otherwise)."""
    yield from tqdm(items, desc=desc, total=total, disable=None, leave=False)
