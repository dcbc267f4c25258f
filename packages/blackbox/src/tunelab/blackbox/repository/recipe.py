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
    """A named blackbox family and the recipe that produces it.

    Stored recipes (the default) build a folder of tabular tasks once, under
    `$TUNELAB_HOME/blackboxes/<folder_name>/`, and load tasks from it afterwards.
    Live recipes (e.g. surrogate models evaluated on the fly) override `load`.

    Attributes:
        name: The name users pass to `tunelab.blackbox.load`.
        description: One line for `list_blackboxes` output and the docs.
    """

    name: str = ""
    description: str = ""

    def tasks(self, **options: Any) -> list[str]:
        """Names of the tasks (datasets, instances) this blackbox offers."""
        folder = self.folder(**options)
        if storage.verify(folder) is None:
            return sorted(p.name for p in folder.iterdir() if (p / storage.METADATA).is_file())
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

    def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Blackbox:
        """The blackbox of `task` (may be None when there is only one task)."""
        folder = self.ensure_built(rebuild=rebuild, **options)
        tasks = sorted(p.name for p in folder.iterdir() if (p / storage.METADATA).is_file())
        return storage.load_tabular(folder / self.pick_task(task, tasks))

    def ensure_built(self, *, rebuild: bool = False, **options: Any) -> Path:
        """The verified folder of this blackbox, built (again) when needed."""
        folder = self.folder(**options)
        problem = "a rebuild was asked for" if rebuild else storage.verify(folder)
        if problem is None:
            return folder
        if folder.exists():
            logger.warning("rebuilding blackbox %r in %s: %s", self.name, folder, problem)
        with storage.building(folder) as temporary:
            info = self.build(temporary, **options)
            storage.write_manifest(temporary, {"name": self.name, **info})
        return folder

    def pick_task(self, task: str | None, tasks: list[str]) -> str:
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
