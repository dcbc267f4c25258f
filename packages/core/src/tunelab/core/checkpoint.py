"""Helpers for training scripts: the trial's checkpoint folder and its configuration.

A backend tells a trial where to keep its checkpoint through the environment
variable `TUNELAB_CHECKPOINT_DIR`; `LocalBackend` also passes it as
`--st_checkpoint_dir <folder>` to scripts written for Syne Tune, which read it from
their command line (`checkpoint_arg`). A script that checkpoints lets a paused
trial continue where it stopped instead of starting over:

    start = resume_epoch() + 1
    for epoch in range(start, epochs + 1):
        ...  # train one epoch
        save_checkpoint({"model": model_state}, epoch=epoch)
        report(epoch=epoch, loss=loss)

Save before reporting: the scheduler may pause the trial as soon as it sees a result.

Checkpoints are pickles. Unpickling runs code named in the file, so only load
checkpoints that your own trials wrote.

Outside tunelab (no `TUNELAB_CHECKPOINT_DIR` and no `checkpoint_dir` argument),
saving does nothing and loading finds nothing, so the same script also runs alone.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunelab.core._atomic import write_atomic

CHECKPOINT_DIR_ENV = "TUNELAB_CHECKPOINT_DIR"
"""Environment variable holding the trial's checkpoint folder."""

CONFIG_JSON_ENV = "TUNELAB_CONFIG_JSON"
"""Environment variable holding the path of the trial's `config.json`."""

TRIAL_ID_ENV = "TUNELAB_TRIAL_ID"
"""Environment variable holding the trial id."""

CONFIG_JSON_ARG = "--tunelab_config_json"
"""Command-line option with which the backend passes `config.json` in json mode."""

SYNE_TUNE_CHECKPOINT_ARG = "--st_checkpoint_dir"
"""Command-line option from which Syne Tune scripts read their checkpoint folder."""

_SYNE_TUNE_CHECKPOINTING = re.compile(r"st_checkpoint_dir|add_checkpointing_to_argparse", re.I)

DEFAULT_CHECKPOINT_FILE = "checkpoint.pkl"
"""File name of the checkpoint inside the checkpoint folder."""

EPOCH_KEY = "epoch"
"""Key under which `save_checkpoint` stores the epoch."""


def checkpoint_dir() -> Path | None:
    """The trial's checkpoint folder, or None when not run by a tunelab backend."""
    value = os.environ.get(CHECKPOINT_DIR_ENV)
    return Path(value) if value else None


def save_checkpoint(
    state: dict[str, Any],
    *,
    epoch: int,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    filename: str = DEFAULT_CHECKPOINT_FILE,
) -> Path | None:
    """Atomically write `state` plus `epoch` to the checkpoint file, replacing the old one.

    A trial killed while saving leaves the previous checkpoint intact: the state is
    written to a temporary file that then replaces the checkpoint in one step.

    Args:
        state: Anything picklable, under string keys other than `"epoch"`.
        epoch: The last completed epoch (or other resource level), at least 0.
        checkpoint_dir: Folder to write to; None means `TUNELAB_CHECKPOINT_DIR`.
        filename: Name of the checkpoint file inside the folder.

    Returns:
        The path written, or None when there is no checkpoint folder.
    """
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"save_checkpoint: epoch={epoch!r}; expected an int >= 0")
    if not isinstance(state, dict):
        raise TypeError(f"save_checkpoint: state is a {type(state).__name__}; expected a dict")
    if state.get(EPOCH_KEY, epoch) != epoch:
        raise ValueError(
            f"save_checkpoint: state[{EPOCH_KEY!r}]={state[EPOCH_KEY]!r} differs from "
            f"epoch={epoch!r}; leave the key out, save_checkpoint adds it"
        )
    folder = _resolve(checkpoint_dir)
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    payload = pickle.dumps({**state, EPOCH_KEY: epoch}, protocol=pickle.HIGHEST_PROTOCOL)
    write_atomic(target, lambda file: file.write(payload))
    return target


def load_checkpoint(
    checkpoint_dir: str | os.PathLike[str] | None = None,
    *,
    filename: str = DEFAULT_CHECKPOINT_FILE,
) -> dict[str, Any] | None:
    """The state last saved by `save_checkpoint`, with its `"epoch"`, or None if none.

    Only load checkpoints you wrote yourself: unpickling can run arbitrary code.
    """
    folder = _resolve(checkpoint_dir)
    if folder is None or not (folder / filename).is_file():
        return None
    with open(folder / filename, "rb") as file:
        state = pickle.load(file)
    if not isinstance(state, dict) or EPOCH_KEY not in state:
        raise ValueError(
            f"{folder / filename} holds no checkpoint written by save_checkpoint "
            f"(expected a dict with key {EPOCH_KEY!r})"
        )
    return state


def resume_epoch(
    checkpoint_dir: str | os.PathLike[str] | None = None,
    *,
    filename: str = DEFAULT_CHECKPOINT_FILE,
) -> int:
    """Epoch of the last checkpoint, or 0 when there is none.

    Loop with `for epoch in range(resume_epoch() + 1, epochs + 1)`.
    """
    state = load_checkpoint(checkpoint_dir, filename=filename)
    return 0 if state is None else int(state[EPOCH_KEY])


def load_config_json(args: Sequence[str] | None = None) -> dict[str, Any]:
    """The trial's configuration from the `config.json` the backend wrote.

    The path comes from `--tunelab_config_json PATH` (or `=PATH`) in `args` (default
    `sys.argv[1:]`), else from `TUNELAB_CONFIG_JSON`, which the local backends set in
    both of their modes. Values keep their JSON types, lists and dicts included.
    """
    argv = list(sys.argv[1:] if args is None else args)
    path: str | None = None
    for index, arg in enumerate(argv):
        if arg == CONFIG_JSON_ARG and index + 1 < len(argv):
            path = argv[index + 1]
        elif arg.startswith(CONFIG_JSON_ARG + "="):
            path = arg.split("=", 1)[1]
    path = path or os.environ.get(CONFIG_JSON_ENV)
    if not path:
        raise RuntimeError(
            f"no configuration file: neither {CONFIG_JSON_ARG} on the command line "
            f"nor the environment variable {CONFIG_JSON_ENV} is set"
        )
    with open(path, encoding="utf-8") as file:
        config = json.load(file)
    if not isinstance(config, dict):
        raise ValueError(f"{path} holds a {type(config).__name__}; expected a JSON object")
    return config


def detect_checkpoint_arg(script: str | os.PathLike[str]) -> str | None:
    """`SYNE_TUNE_CHECKPOINT_ARG` if the Python script `script` reads it, else None.

    A script reads it when its source mentions `st_checkpoint_dir` (in any case, as
    in Syne Tune's constant `ST_CHECKPOINT_DIR`) or Syne Tune's
    `add_checkpointing_to_argparse`, which adds the option. Other files (executables)
    are not read: give `LocalBackend(checkpoint_arg=...)` for them.
    """
    path = Path(script)
    if path.suffix != ".py":
        return None
    source = path.read_text(encoding="utf-8", errors="replace")
    return SYNE_TUNE_CHECKPOINT_ARG if _SYNE_TUNE_CHECKPOINTING.search(source) else None


def _resolve(folder: str | os.PathLike[str] | None) -> Path | None:
    return Path(folder) if folder is not None else checkpoint_dir()
