"""Objectives of stored blackboxes as memory-mapped arrays, cached by content hash.

Reading a large `objectives.parquet` takes seconds (learning curves of every
NAS-Bench-201 cell: nine million rows); the same values in a `.npy` file map into
memory in microseconds, and an experiment touches only the rows of the
configurations it runs. Entries live in `$TUNELAB_HOME/blackboxes/.cache/objectives/`:

    <sha256 of the Parquet file>.npy     the array, float64, C order
    <sha256 of the Parquet file>.json    its size, shape and SHA-256, and its stamp

An entry is named after the content it was made from, so it can never be stale: a
table with other values has another name. An entry whose file does not match its
record (interrupted, truncated, altered) is made again, never used; the file is
hashed again only when its stamp (see `_fingerprints`) has changed. The folder may
be deleted at any time: entries are remade on the next load.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from tunelab.blackbox.repository._fingerprints import (
    file_sha256,
    file_stamp,
    read_json,
    write_json_quietly,
)
from tunelab.core._atomic import write_atomic

logger = logging.getLogger(__name__)


def cached_array(
    folder: Path, key: str, shape: tuple[int, ...], make: Callable[[], np.ndarray]
) -> np.ndarray:
    """The float64 array of `shape` cached under `key` in `folder`, read-only.

    Args:
        folder: The cache folder (created when needed).
        key: The SHA-256 of the content the array is made from.
        shape: The array's shape; an entry of another shape is made again.
        make: Computes the array when the entry is missing or damaged.

    Returns:
        A read-only memory map of the entry, or, when the entry cannot be written
        (a read-only or full disk), the array `make` returned.
    """
    array_path, record_path = folder / f"{key}.npy", folder / f"{key}.json"
    found = _open(array_path, record_path, shape)
    if found is not None:
        return found
    values = np.ascontiguousarray(make(), dtype=np.float64).reshape(shape)
    try:
        _write(values, array_path, record_path)
    except OSError as error:
        logger.warning(
            "cannot cache the array %s in %s (%s); using it uncached", key, folder, error
        )
        return values
    mapped = _open(array_path, record_path, shape)
    return values if mapped is None else mapped


def _open(array_path: Path, record_path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    """The entry as a read-only memory map, None when it is missing or damaged."""
    record = read_json(record_path)
    try:
        stamp = file_stamp(array_path)
    except OSError:
        return None
    if record.get("shape") != list(shape) or record.get("size") != stamp[0]:
        return None
    if record.get("stamp") != stamp:
        if file_sha256(array_path) != record.get("sha256"):
            logger.warning(
                "the cached array %s does not match its checksum; remaking it", array_path
            )
            return None
        write_json_quietly(record_path, {**record, "stamp": stamp})
    try:
        array = np.load(array_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if array.shape != shape or array.dtype != np.float64:
        return None
    return np.asarray(array)


def _write(values: np.ndarray, array_path: Path, record_path: Path) -> None:
    """Write the entry: the array atomically (with its hash taken on the way), then
    its record."""
    hashing: list[_HashingWriter] = []

    def write(raw: IO[bytes]) -> None:
        hashing.append(_HashingWriter(raw))
        np.save(hashing[0], values, allow_pickle=False)

    write_atomic(array_path, write)
    stamp = file_stamp(array_path)
    record = {"shape": list(values.shape), "size": stamp[0], "sha256": hashing[0].hexdigest()}
    write_json_quietly(record_path, {**record, "stamp": stamp})


class _HashingWriter:
    """A binary file wrapper that hashes what is written through it."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        written: int = self._raw.write(data)
        return written

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
