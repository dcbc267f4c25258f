"""`Recipe`: how a named blackbox is obtained (built into a folder, or opened live)."""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository import storage

logger = logging.getLogger(__name__)


class Recipe(ABC):
    """A named blackbox family and how to obtain its blackboxes.

    Live recipes (closed-form functions, surrogate models evaluated on the fly)
    implement `load`; recipes of tabulated data derive from `StoredRecipe`.

    Attributes:
        name: The name users pass to `tunelab.blackbox.load`.
        description: One line for listings and the docs.
        source_env: For data the user provides: the environment variable naming its
            location (the `source=` option overrides it); None when none is needed.
    """

    name: str = ""
    description: str = ""
    source_env: str | None = None

    @abstractmethod
    def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Blackbox:
        """The blackbox of `task` (None when the family has a single task)."""

    def tasks(self, **options: Any) -> list[str]:
        """Names of the tasks (datasets, instances) on offer, where known."""
        return []

    def pick_task(self, task: str | None, tasks: list[str]) -> str:
        """Check `task` against `tasks`; None picks the only task."""
        if task is None:
            if len(tasks) == 1:
                return tasks[0]
            raise ValueError(
                f"blackbox {self.name!r} has {len(tasks)} tasks; choose one with "
                f"'{self.name}/<task>', e.g. one of {tasks[:10]}"
            )
        if task not in tasks:
            raise ValueError(f"blackbox {self.name!r} has no task {task!r}; tasks: {tasks}")
        return task


class StoredRecipe(Recipe):
    """A recipe that builds tabular tasks once into the repository and loads them.

    The folder is `$TUNELAB_HOME/blackboxes/<folder_name>/`; it is verified on every
    load (files unchanged since they were last found intact are not hashed again) and
    rebuilt when corrupt, incomplete or stale (`stale`).
    """

    def tasks(self, **options: Any) -> list[str]:
        folder = self.folder(**options)
        if storage.verify(folder, remember=storage.in_repository(folder)) is None:
            return _task_folders(folder)
        return []

    def folder_name(self, **options: Any) -> str:
        """Folder under the repository root; include options that change the data."""
        return self.name

    def folder(self, **options: Any) -> Path:
        return storage.blackboxes_root() / self.folder_name(**options)

    @abstractmethod
    def build(self, folder: Path, **options: Any) -> dict[str, Any]:
        """Write every task into sub-folders of `folder` (with `storage.save_tabular`).

        Returns:
            JSON-serialisable information recorded in the manifest (sources, the
            generator's spec, library versions, ...).
        """

    def stale(self, folder: Path, **options: Any) -> str | None:
        """Why the intact `folder` is not what `build` would now make from `options`
        (e.g. its source files have changed), None when it is. The default: never."""
        return None

    def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Blackbox:
        folder = self.ensure_built(rebuild=rebuild, **options)
        return storage.load_task(folder, self.pick_task(task, _task_folders(folder)))

    def ensure_built(self, *, rebuild: bool = False, **options: Any) -> Path:
        """The verified folder of this blackbox, built (again) when needed."""
        folder = self.folder(**options)
        remember = storage.in_repository(folder)
        problem = (
            "a rebuild was asked for" if rebuild else storage.verify(folder, remember=remember)
        )
        if problem is None:
            problem = self.stale(folder, **options)
        if problem is None:
            return folder
        if folder.exists():
            logger.warning("rebuilding blackbox %r in %s: %s", self.name, folder, problem)
        with storage.building(folder) as temporary:
            info = self.build(temporary, **options)
            storage.write_manifest(temporary, {"name": self.name, **info}, remember=remember)
        return folder


def _task_folders(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if (p / storage.METADATA).is_file())


def source_path(value: str | os.PathLike[str] | None, *, env: str, what: str, recipe: str) -> Path:
    """A user-given data location: the argument, else the environment variable."""
    raw = value if value is not None else os.environ.get(env)
    if raw is None:
        raise FileNotFoundError(
            f"blackbox {recipe!r} needs {what}: pass source=<path> to load() or set ${env}"
        )
    path = Path(raw).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{what} for blackbox {recipe!r} not found at {path}")
    return path
