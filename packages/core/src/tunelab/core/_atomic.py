"""Crash-safe file writes, shared by the results store and the checkpoint helpers.

Kept free of heavy imports: training scripts use it through `tunelab.core.checkpoint`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
_SUFFIX = ".tmp"


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write `path` through a temporary file in the same folder, then rename it over.

    The data is flushed to disk before the rename, so after a crash `path` holds
    either its previous content or the new one, never a mixture.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_SUFFIX)
    try:
        # mkstemp creates the file readable by its owner only; give it the usual mode
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def temporary_target(name: str) -> str | None:
    """The file name a temporary file of `write_atomic` was to replace, else None.

    `write_atomic` names its temporary file `.<target name>.<random>.tmp`, where
    the random part has no dot: `.results.parquet.k2x_9abc.tmp` -> `results.parquet`.
    """
    if not (name.startswith(".") and name.endswith(_SUFFIX)):
        return None
    target, dot, random = name[1 : -len(_SUFFIX)].rpartition(".")
    return target if dot and target and random else None


def stale_temporaries(folder: Path, owned: Callable[[str], bool]) -> Iterator[Path]:
    """Temporary files of `write_atomic` in `folder` whose target name is `owned`.

    Only a writer that alone writes those targets may delete what this yields:
    another process's temporary file is in use until its rename.
    """
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        target = temporary_target(path.name)
        if target is not None and owned(target) and path.is_file():
            yield path
