"""Crash-safe file writes, shared by the results store and the checkpoint helpers.

Kept free of heavy imports: training scripts use it through `tunelab.core.checkpoint`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write `path` through a temporary file in the same folder, then rename it over.

    The data is flushed to disk before the rename, so after a crash `path` holds
    either its previous content or the new one, never a mixture.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
