"""What the converters share: the `source=` option, source fingerprints, progress bars."""

from __future__ import annotations

import hashlib
import os
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from tunelab.blackbox.repository.recipe import StoredRecipe, source_path
from tunelab.blackbox.repository.storage import file_sha256

T = TypeVar("T")


class ConverterRecipe(StoredRecipe):
    """A stored recipe converting raw files the user provides, found at `source=<path>`.

    `build` accepts the single option `source` (default: `$source_env`) and hands the
    existing path to `convert`.

    Attributes:
        source_env: The environment variable naming the files' location.
        source_what: What the location must hold, for error messages.
    """

    source_env: str
    source_what: str

    def build(
        self, folder: Path, *, source: str | os.PathLike[str] | None = None, **options: Any
    ) -> dict[str, Any]:
        """Convert the files at `source` (else `$source_env`) into tasks under `folder`.

        Raises:
            TypeError: Some option other than `source` was given.
            FileNotFoundError: Neither `source` nor `$source_env` is set, or the path
                is missing.
        """
        if options:
            raise TypeError(
                f"blackbox {self.name!r} got unknown options {sorted(options)}; "
                "it accepts only source=<path>"
            )
        path = source_path(source, env=self.source_env, what=self.source_what, recipe=self.name)
        return self.convert(path, folder)

    @abstractmethod
    def convert(self, source: Path, folder: Path) -> dict[str, Any]:
        """Write every task converted from the existing path `source` into `folder`.

        Returns:
            The build information, as `StoredRecipe.build`.
        """


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
