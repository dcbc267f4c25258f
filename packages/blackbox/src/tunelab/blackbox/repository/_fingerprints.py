"""Content hashes of files, and stamps that tell when a file may have changed since.

Hashing a large table on every load takes longer than the rest of an experiment's
start. A file's stamp (size, modification and change times in nanoseconds, inode)
is taken in microseconds, and it changes whenever the file is written, truncated,
replaced or copied: every write updates the change time, which no user call can set
back. A hash checked against a file is therefore remembered with the file's stamp,
and checked again only when the stamp differs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from tunelab.core.results.io import write_json_atomic


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's content, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_stamp(path: Path) -> list[int]:
    """`[size, mtime_ns, ctime_ns, inode]` of `path` (raises if it does not exist)."""
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; empty when it is missing or unreadable."""
    try:
        content = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}


def write_json_quietly(path: Path, content: dict[str, Any]) -> None:
    """Write a JSON record that only saves work: where it cannot be written (a
    read-only folder, a full disk), the work is simply done again next time."""
    with contextlib.suppress(OSError):
        write_json_atomic(path, content)
