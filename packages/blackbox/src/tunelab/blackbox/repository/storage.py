"""Blackbox folders on disk: Parquet tables, JSON metadata and a manifest.

A stored blackbox is a folder `<root>/<name>/` holding one sub-folder per task
(`hyperparameters.parquet`, `objectives.parquet`, `metadata.json`) and, written last,
`manifest.json` with the size and SHA-256 of every file. A folder whose manifest is
missing or does not match its files (an interrupted build, a truncated copy) is
*corrupt*: it is never used, and the repository rebuilds it.

Folders are built under a temporary name next to their final place and renamed into
place when complete, so a reader never sees a half-written blackbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.results.io import write_json_atomic, write_parquet_atomic
from tunelab.core.space import config_space_from_json, config_space_to_json

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
HYPERPARAMETERS = "hyperparameters.parquet"
OBJECTIVES = "objectives.parquet"
METADATA = "metadata.json"
HOME_ENV = "TUNELAB_HOME"


def tunelab_home() -> Path:
    """`$TUNELAB_HOME`, by default `~/.cache/tunelab`."""
    return Path(os.environ.get(HOME_ENV, "~/.cache/tunelab")).expanduser()


def blackboxes_root() -> Path:
    """Where built blackboxes live: `$TUNELAB_HOME/blackboxes`."""
    return tunelab_home() / "blackboxes"


def save_tabular(
    blackbox: TabularBlackbox,
    folder: Path,
    *,
    extra_metadata: dict[str, Any] | None = None,
    single_precision: bool = False,
) -> None:
    """Write `blackbox` into `folder` (a task folder) as Parquet + JSON.

    Args:
        blackbox: The table to write.
        folder: The task folder (created).
        extra_metadata: More keys for the task's metadata.json.
        single_precision: Store the objectives as float32, compressed for size (a
            third of the default), for tables shipped inside a package. Only lossless:
            every value must be a float32 (e.g. the output of a float32 model);
            reading gives back the same float64 values.
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(folder / HYPERPARAMETERS, blackbox.hyperparameters)
    shape = blackbox.objectives.shape
    flat = blackbox.objectives.reshape(-1, shape[-1])
    frame = pd.DataFrame(flat, columns=blackbox.objectives_names)
    if single_precision:
        _write_single_precision(folder / OBJECTIVES, frame)
    else:
        write_parquet_atomic(folder / OBJECTIVES, frame)
    fidelities = blackbox.fidelity_values
    metadata = {
        "format_version": FORMAT_VERSION,
        "configuration_space": config_space_to_json(blackbox.configuration_space),
        "objectives_names": blackbox.objectives_names,
        "shape": list(shape),
        "fidelity_name": blackbox.fidelity_name,
        "fidelity_values": None if fidelities is None else fidelities.tolist(),
        "time_objective": blackbox.time_objective,
        "seeds": blackbox.seeds,
        **(extra_metadata or {}),
    }
    write_json_atomic(folder / METADATA, metadata)


def _write_single_precision(path: Path, frame: pd.DataFrame) -> None:
    single = frame.astype(np.float32)
    exact = np.array_equal(
        single.to_numpy(dtype=float), frame.to_numpy(dtype=float), equal_nan=True
    )
    if not exact:
        raise ValueError(
            f"cannot store {path} in single precision without changing values: the "
            "objectives are not all float32 numbers; store them in double precision"
        )
    # byte-stream split puts the bytes of equal significance together: zstd then
    # compresses smooth curves about twice as well
    write_parquet_atomic(
        path, single, compression="zstd", use_dictionary=False, use_byte_stream_split=True
    )


def load_tabular(folder: Path) -> TabularBlackbox:
    """Read a task folder written by `save_tabular`."""
    metadata = json.loads((folder / METADATA).read_text())
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{folder} has blackbox format {metadata.get('format_version')!r}; this "
            f"version of tunelab-blackbox reads format {FORMAT_VERSION}: rebuild it"
        )
    shape = tuple(metadata["shape"])
    objectives = pd.read_parquet(folder / OBJECTIVES).to_numpy(dtype=float).reshape(shape)
    return TabularBlackbox(
        hyperparameters=pd.read_parquet(folder / HYPERPARAMETERS),
        objectives=objectives,
        objectives_names=metadata["objectives_names"],
        configuration_space=config_space_from_json(metadata["configuration_space"]),
        fidelity_name=metadata["fidelity_name"],
        fidelity_values=None
        if metadata["fidelity_values"] is None
        else np.asarray(metadata["fidelity_values"], dtype=float),
        time_objective=metadata["time_objective"],
        seeds=metadata["seeds"],
    )


def read_task_metadata(folder: Path) -> dict[str, Any]:
    """The metadata.json of a task folder."""
    return dict(json.loads((folder / METADATA).read_text()))


def write_manifest(folder: Path, info: dict[str, Any]) -> None:
    """Seal a fully written blackbox folder: sizes and hashes of all its files."""
    files = {
        str(path.relative_to(folder)): {"size": path.stat().st_size, "sha256": file_sha256(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }
    write_json_atomic(folder / MANIFEST, {**info, "files": files})


def verify(folder: Path) -> str | None:
    """None when `folder` is a complete blackbox folder, else what is wrong with it."""
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        return f"{MANIFEST} is missing (the build did not finish)"
    try:
        manifest = json.loads(manifest_file.read_text())
        files = manifest["files"]
    except (OSError, ValueError, KeyError) as error:
        return f"{MANIFEST} is unreadable ({error})"
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != expected["size"]:
            return f"{name} has {path.stat().st_size} bytes, expected {expected['size']}"
        if file_sha256(path) != expected["sha256"]:
            return f"{name} does not match its checksum"
    return None


def read_manifest(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / MANIFEST).read_text()))


@contextlib.contextmanager
def building(folder: Path) -> Iterator[Path]:
    """Build a blackbox folder in a temporary sibling, then move it into place.

    Yields the temporary folder; on success it replaces `folder` (an old or corrupt
    version is removed first); on failure it is deleted and `folder` is untouched.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f".{folder.name}.building-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    if folder.exists():
        retired = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        folder.rename(retired)
        shutil.rmtree(retired, ignore_errors=True)
    temporary.rename(folder)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's content, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
