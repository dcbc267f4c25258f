"""Resumable, chunked generation of a learning-curve table.

The configurations are cut into chunks of `chunk_size`; each chunk (all its
configurations and seeds) is trained by one worker and saved atomically as
`chunk-<index>.npy` in a work folder, next to `state.json`, which records the spec
and the chunk size. A later call with the same spec and chunk size loads the
finished chunks and trains only the missing ones; a different spec discards them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunelab.blackbox.repository.recipes.sklearn_curves import _training
from tunelab.blackbox.repository.recipes.sklearn_curves._spec import TIME_OBJECTIVE, GeneratorSpec
from tunelab.blackbox.tabular import TabularBlackbox

STATE = "state.json"


def generate_tabular(
    spec: GeneratorSpec,
    *,
    work_folder: Path,
    chunk_size: int = 50,
    n_jobs: int = 2,
    progress: bool = True,
    label: str = "",
) -> TabularBlackbox:
    """Train every configuration of `spec` for every seed, resuming from `work_folder`.

    Args:
        spec: What to generate.
        work_folder: Where finished chunks are kept until the table is complete; the
            caller removes it once the table is saved.
        chunk_size: Configurations per chunk (the unit of work and of resumption).
        n_jobs: Worker processes (1: train in this process).
        progress: Show a tqdm progress bar (in configurations).
        label: The progress bar's description.

    Returns:
        The table, objectives of shape `spec.shape`.
    """
    if chunk_size < 1 or n_jobs < 1:
        raise ValueError(f"chunk_size and n_jobs must be >= 1, got {chunk_size} and {n_jobs}")
    configs = spec.sample_configs()
    chunks = [
        (start, configs[start : start + chunk_size]) for start in range(0, len(configs), chunk_size)
    ]
    _prepare(work_folder, spec, chunk_size)
    pending = [
        (index, start, part)
        for index, (start, part) in enumerate(chunks)
        if _load_chunk(work_folder, index, spec, len(part)) is None
    ]
    _run(spec, pending, work_folder, n_jobs=n_jobs, progress=progress, label=label)
    arrays = [
        _load_chunk(work_folder, index, spec, len(part)) for index, (_, part) in enumerate(chunks)
    ]
    missing = [index for index, array in enumerate(arrays) if array is None]
    if missing:
        raise RuntimeError(f"chunks {missing} of {work_folder} were not written")
    return TabularBlackbox(
        hyperparameters=pd.DataFrame(configs, columns=list(spec.configuration_space)),
        objectives=np.concatenate([a for a in arrays if a is not None]),
        objectives_names=spec.objectives_names,
        configuration_space=spec.configuration_space,
        fidelity_name=spec.fidelity_name,
        fidelity_values=spec.fidelity_values,
        time_objective=TIME_OBJECTIVE,
        seeds=list(range(spec.n_seeds)),
    )


def train_chunk(spec: GeneratorSpec, configs: list[dict[str, Any]], path: Path) -> tuple[Path, int]:
    """Train `configs` for every seed, single-threaded, and save them to `path`.

    Saves an array of shape (len(configs), n_seeds, max_fidelity, n_objectives).
    """
    from threadpoolctl import threadpool_limits

    result = np.empty((len(configs), *spec.shape[1:]))
    with threadpool_limits(limits=1):
        for i, config in enumerate(configs):
            for seed in range(spec.n_seeds):
                result[i, seed] = _training.learning_curve(spec, config, seed)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        np.save(handle, result)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path, len(configs)


def _run(
    spec: GeneratorSpec,
    pending: list[tuple[int, int, list[dict[str, Any]]]],
    work_folder: Path,
    *,
    n_jobs: int,
    progress: bool,
    label: str,
) -> None:
    from tqdm.auto import tqdm

    total = spec.n_configs
    done = total - sum(len(part) for _, _, part in pending)
    with tqdm(total=total, initial=done, unit="config", desc=label, disable=not progress) as bar:
        for _, count in _results(spec, pending, work_folder, n_jobs):
            bar.update(count)


def _results(
    spec: GeneratorSpec,
    pending: list[tuple[int, int, list[dict[str, Any]]]],
    work_folder: Path,
    n_jobs: int,
) -> Iterator[tuple[Path, int]]:
    jobs = [(spec, part, _chunk_path(work_folder, index)) for index, _, part in pending]
    if n_jobs == 1 or len(jobs) <= 1:
        for job in jobs:
            yield train_chunk(*job)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=min(n_jobs, len(jobs)), return_as="generator_unordered")
    yield from parallel(delayed(train_chunk)(*job) for job in jobs)


def _prepare(work_folder: Path, spec: GeneratorSpec, chunk_size: int) -> None:
    """Keep the finished chunks of the same generation, discard those of another."""
    state = {"generator": spec.to_json(), "chunk_size": chunk_size}
    state_file = work_folder / STATE
    if state_file.is_file():
        try:
            same = json.loads(state_file.read_text()) == json.loads(json.dumps(state))
        except ValueError:
            same = False
        if same:
            return
    shutil.rmtree(work_folder, ignore_errors=True)
    work_folder.mkdir(parents=True)
    state_file.write_text(json.dumps(state, indent=2))


def _chunk_path(work_folder: Path, index: int) -> Path:
    return work_folder / f"chunk-{index:05d}.npy"


def _load_chunk(work_folder: Path, index: int, spec: GeneratorSpec, size: int) -> np.ndarray | None:
    """The saved chunk, or None if it is missing or does not have the expected shape."""
    path = _chunk_path(work_folder, index)
    if not path.is_file():
        return None
    try:
        array = np.load(path)
    except (OSError, ValueError):
        return None
    return array if array.shape == (size, *spec.shape[1:]) else None
