"""One tuner at a time per experiment folder."""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locking
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


class ExperimentLock:
    """An exclusive lock on an experiment folder, held while a tuner runs in it.

    Two tuners in one folder would overwrite each other's results and delete each
    other's trial folders. The operating system releases the lock when its process
    dies, even by SIGKILL, so a killed run never leaves a stale lock behind.

    Raises:
        RuntimeError: If another process holds the lock.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.release()
            raise RuntimeError(
                f"another tuner is running the experiment in {folder}; wait for it to end "
                "or use another path"
            ) from None

    def release(self) -> None:
        """Give the folder free (closing the file releases the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
