"""Live progress of a sweep: jobs done, running and remaining, as lines on stderr.

Every job leaves two files in `<sweep dir>/outcomes/`: `<num>.started` when it starts
(written by `SweepSummary.on_job_start`, in the job's own process whatever the
launcher) and `<num>.json`, its outcome, when it ends. The parent process counts them,
so progress needs nothing from the launcher but a file system shared with the jobs.

Hydra's private API: `planned_jobs` uses
`hydra._internal.core_plugins.basic_sweeper.BasicSweeper` (its `split_arguments`, and
the class to recognise the basic sweeper and its subclasses) so that the planned jobs
are exactly those Hydra's sweeper will launch; no public helper expands overrides.
Tested with hydra-core 1.3.2 and 1.3.8 (the module is the same source in both);
`packages/experiments/pyproject.toml` allows `>=1.3.2,<1.4` only, and
`tests/experiments/test_hydra_range.py` fails when the installed version leaves that
range.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_loader import ConfigLoader
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.utils import get_class
from omegaconf import DictConfig

OUTCOMES_DIR = "outcomes"
STARTED_SUFFIX = ".started"


def planned_jobs(config: DictConfig) -> list[list[str]] | None:
    """The overrides of every job of the sweep `config` describes, in launch order.

    Mirrors Hydra's basic sweeper (and its subclasses): `hydra.sweeper.params` (a
    study's sweep) first, then the command line's overrides, which replace a parameter
    of the same key. None for another sweeper (which may decide its jobs as it goes)
    or overrides Hydra rejects.
    """
    sweeper = config.hydra.sweeper
    if not _is_basic_sweeper(str(sweeper.get("_target_"))):
        return None
    params = sweeper.get("params") or {}
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += [str(o) for o in config.hydra.overrides.task]
    try:
        parser = OverridesParser.create(config_loader=_running_config_loader())
        parsed = parser.parse_overrides(arguments)
        (jobs,) = BasicSweeper.split_arguments(parsed, max_batch_size=None)
    except HydraException:
        return None
    return jobs


def _is_basic_sweeper(target: str) -> bool:
    try:
        sweeper_class = get_class(target)
    except Exception:  # Hydra reports an unknown sweeper itself, in its own words
        return False
    # by name: Hydra's plugin discovery loads a second copy of its sweeper modules
    basic = f"{BasicSweeper.__module__}.{BasicSweeper.__qualname__}"
    return any(f"{c.__module__}.{c.__qualname__}" == basic for c in sweeper_class.__mro__)


def _running_config_loader() -> ConfigLoader | None:
    """The config loader of the running Hydra, which `glob()` sweeps over groups need."""
    hydra = GlobalHydra.instance().hydra if GlobalHydra.instance().is_initialized() else None
    return None if hydra is None else hydra.config_loader


def read_outcomes(folder: Path) -> dict[int, dict[str, Any]]:
    """Outcomes recorded in `folder`, by job number; unreadable records are left out."""
    outcomes: dict[int, dict[str, Any]] = {}
    for path in folder.glob("*.json"):
        record = _read_json(path)
        if record is not None and path.stem.isdigit():
            outcomes[int(path.stem)] = record
    return outcomes


def started_jobs(folder: Path) -> dict[int, dict[str, Any]]:
    """Start markers in `folder` by job number: pid, host, output folder, overrides."""
    markers: dict[int, dict[str, Any]] = {}
    for path in folder.glob(f"*{STARTED_SUFFIX}"):
        number = path.name.removesuffix(STARTED_SUFFIX)
        if number.isdigit():
            markers[int(number)] = _read_json(path) or {}
    return markers


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):  # vanished, or still being written
        return None
    return record if isinstance(record, dict) else None


@dataclass(frozen=True)
class SweepCounts:
    """Where a sweep stands; `total` is None when the sweeper does not say in advance."""

    complete: int
    skipped: int
    failed: int
    running: int
    total: int | None
    handed_off: int = 0  # submitted as remote jobs, or only planned (dry run)
    busy: int = 0  # run by another process, left alone

    @property
    def done(self) -> int:
        return self.complete + self.skipped + self.failed + self.handed_off + self.busy

    def line(self) -> str:
        """`sweep: N done (C complete, S skipped, F failed), R running, Q remaining of T`."""
        text = (
            f"sweep: {self.done} done ({self.complete} complete, {self.skipped} skipped, "
            f"{self.failed} failed"
            + (f", {self.busy} busy" if self.busy else "")
            + (f", {self.handed_off} handed off" if self.handed_off else "")
            + f"), {self.running} running"
        )
        if self.total is None:
            return text
        remaining = max(self.total - self.done - self.running, 0)
        return f"{text}, {remaining} remaining of {self.total}"


class ProgressMonitor:
    """Prints the sweep's progress line on stderr from a daemon thread of the parent.

    The folder is polled every `interval` seconds and a line printed when the counts
    changed, so a long sweep's log stays short; `stop` prints the last line.

    Args:
        folder: `<sweep dir>/outcomes`.
        total: Jobs in the sweep, None when unknown.
        interval: Seconds between two polls.
    """

    def __init__(self, folder: Path, *, total: int | None, interval: float) -> None:
        self.folder = folder
        self.total = total
        self.interval = interval
        self._outcomes: dict[int, str] = {}
        self._last_line: str | None = None
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="tunelab-sweep-progress")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, final_line: bool = True) -> None:
        """Stop polling; print the final line (even when it did not change) if asked."""
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join()
        if final_line:
            self._print(self.counts())

    def counts(self) -> SweepCounts:
        """The counts now; an outcome is parsed once, when it first appears complete."""
        for path in self.folder.glob("*.json"):
            if path.stem.isdigit() and int(path.stem) not in self._outcomes:
                record = _read_json(path)
                if record is not None:
                    self._outcomes[int(path.stem)] = str(record.get("status"))
        started = set(started_jobs(self.folder))
        statuses = list(self._outcomes.values())
        return SweepCounts(
            complete=statuses.count("complete"),
            skipped=statuses.count("skipped"),
            failed=statuses.count("failed"),
            handed_off=statuses.count("submitted") + statuses.count("dry_run"),
            busy=statuses.count("busy"),
            running=len(started - set(self._outcomes)),
            total=self.total,
        )

    def _watch(self) -> None:
        while not self._halt.wait(self.interval):
            counts = self.counts()
            if counts.line() != self._last_line:
                self._print(counts)

    def _print(self, counts: SweepCounts) -> None:
        self._last_line = counts.line()
        print(self._last_line, file=sys.stderr, flush=True)
