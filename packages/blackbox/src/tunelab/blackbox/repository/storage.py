"""Blackbox folders on disk: Parquet tables, JSON metadata and a manifest.

A stored blackbox is a folder `<root>/<name>/` holding one sub-folder per task
(`hyperparameters.parquet`, `objectives.parquet`, `metadata.json`) and, written last,
`manifest.json` with the size and SHA-256 of every file. A folder whose manifest is
missing or does not match its files (an interrupted build, a truncated copy) is
*corrupt*: it is never used, and the repository rebuilds it.

Folders are built under a temporary name next to their final place and renamed into
place when complete, so a reader never sees a half-written blackbox.

The repository's folders remember which files were found intact (`VERIFIED`, a file
beside the manifest), so that a large table is hashed once, not on every load; a
file is hashed again as soon as its stamp changes (see `_fingerprints`). Their
objectives are read through the array cache (`array_cache`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from tunelab.blackbox.repository._fingerprints import file_sha256 as file_sha256
from tunelab.blackbox.repository._fingerprints import file_stamp, read_json, write_json_quietly
from tunelab.blackbox.repository.array_cache import cached_array
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.results.io import write_json_atomic, write_parquet_atomic
from tunelab.core.space import config_space_from_json, config_space_to_json

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
HYPERPARAMETERS = "hyperparameters.parquet"
OBJECTIVES = "objectives.parquet"
METADATA = "metadata.json"
VERIFIED = ".verified.json"
"""In a folder of the repository: the stamps of its files when they last matched the
manifest (not listed in the manifest itself)."""
HOME_ENV = "TUNELAB_HOME"


def tunelab_home() -> Path:
    """`$TUNELAB_HOME`, by default `~/.cache/tunelab`."""
    return Path(os.environ.get(HOME_ENV, "~/.cache/tunelab")).expanduser()


def blackboxes_root() -> Path:
    """Where built blackboxes live: `$TUNELAB_HOME/blackboxes`."""
    return tunelab_home() / "blackboxes"


def in_repository(folder: Path) -> bool:
    """Whether `folder` lies in the repository (which may keep records in it), as
    opposed to, say, tables shipped inside a package."""
    return blackboxes_root().resolve() in folder.resolve().parents


def array_cache_folder() -> Path:
    """Where the objectives of stored blackboxes are cached as arrays (see `array_cache`)."""
    return blackboxes_root() / ".cache" / "objectives"


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


def load_tabular(folder: Path, *, objectives_sha256: str | None = None) -> TabularBlackbox:
    """Read a task folder written by `save_tabular`.

    Args:
        folder: The task folder.
        objectives_sha256: The SHA-256 of its objectives.parquet, taken from a verified
            manifest: the objectives then come from the array cache (memory-mapped,
            read-only), made from the Parquet file on the first load. None reads the
            Parquet file.
    """
    metadata = json.loads((folder / METADATA).read_text())
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{folder} has blackbox format {metadata.get('format_version')!r}; this "
            f"version of tunelab-blackbox reads format {FORMAT_VERSION}: rebuild it"
        )
    shape = tuple(metadata["shape"])

    def read_objectives() -> np.ndarray:
        return _read_objectives(folder / OBJECTIVES).reshape(shape)

    if objectives_sha256 is None:
        objectives = read_objectives()
    else:
        objectives = cached_array(array_cache_folder(), objectives_sha256, shape, read_objectives)
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


def _read_objectives(path: Path) -> np.ndarray:
    """The objectives table, shape (n_rows, n_objectives), float64; read column by column
    with pyarrow, which takes half the time of going through a DataFrame."""
    table = pq.read_table(path)
    values = np.empty((table.num_rows, table.num_columns))
    for k, column in enumerate(table.columns):
        values[:, k] = column.to_numpy()
    return values


def load_task(folder: Path, task: str) -> TabularBlackbox:
    """Task `task` of the verified blackbox folder `folder`, its objectives cached."""
    recorded = read_manifest(folder)["files"].get(f"{task}/{OBJECTIVES}") or {}
    return load_tabular(folder / task, objectives_sha256=recorded.get("sha256"))


def read_task_metadata(folder: Path) -> dict[str, Any]:
    """The metadata.json of a task folder."""
    return dict(json.loads((folder / METADATA).read_text()))


def write_manifest(folder: Path, info: dict[str, Any], *, remember: bool = False) -> None:
    """Seal a fully written blackbox folder: sizes and hashes of all its files.

    With `remember`, the files count as verified (see `verify`).
    """
    files, verified = {}, {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in (MANIFEST, VERIFIED):
            name, digest = str(path.relative_to(folder)), file_sha256(path)
            files[name] = {"size": path.stat().st_size, "sha256": digest}
            verified[name] = [*file_stamp(path), digest]
    write_json_atomic(folder / MANIFEST, {**info, "files": files})
    if remember:
        write_json_quietly(folder / VERIFIED, verified)


def verify(folder: Path, *, remember: bool = False) -> str | None:
    """None when `folder` is a complete blackbox folder, else what is wrong with it.

    Every file listed in the manifest must have its size and SHA-256. With
    `remember` (folders of the repository, which it may write to), files whose stamp
    is the one recorded when they last matched are not hashed again, and the stamps
    of the files found intact are recorded.
    """
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        return f"{MANIFEST} is missing (the build did not finish)"
    try:
        manifest = json.loads(manifest_file.read_text())
        files = manifest["files"]
    except (OSError, ValueError, KeyError) as error:
        return f"{MANIFEST} is unreadable ({error})"
    known = read_json(folder / VERIFIED) if remember else {}
    verified = {}
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        stamp = [*file_stamp(path), expected["sha256"]]
        if stamp[0] != expected["size"]:
            return f"{name} has {stamp[0]} bytes, expected {expected['size']}"
        if known.get(name) != stamp and file_sha256(path) != expected["sha256"]:
            return f"{name} does not match its checksum"
        verified[name] = stamp
    if remember and verified != known:
        write_json_quietly(folder / VERIFIED, verified)
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
