"""A sweep's progress while it runs, and at its end what completed, what was skipped,
what failed or was lost, and how to re-run it."""

from __future__ import annotations

import atexit
import json
import logging
import os
import shlex
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from tunelab.experiments.progress import (
    OUTCOMES_DIR,
    STARTED_SUFFIX,
    ProgressMonitor,
    planned_jobs,
    read_outcomes,
    started_jobs,
)

__all__ = ["OUTCOMES_DIR", "SweepSummary", "summarize", "unfinished"]

logger = logging.getLogger(__name__)

COMMAND = "tunelab-run"


class SweepSummary(Callback):
    """Progress while a multirun runs, its summary when it ends (whatever the launcher).

    Each job marks its start in `<sweep dir>/outcomes/<num>.started` (`on_job_start`
    runs in the job's process) and writes its outcome to `<num>.json` when it ends. A
    job that started but left no outcome, because its process died, is reported as
    lost. When the launcher gives up on the sweep (joblib does as soon as one of its
    worker processes dies), the summary is printed as the program exits, with the
    jobs that never started. A sweep in which an experiment failed, was lost, was
    busy (run by another process) or did not run ends the program with exit code 1.

    Args:
        progress_interval: Seconds between two looks at the sweep's progress (a line on
            stderr whenever it changed); None prints no progress.
    """

    def __init__(self, *, progress_interval: float | None = 2.0) -> None:
        self.progress_interval = progress_interval
        self._folder: Path | None = None
        self._jobs: list[list[str]] | None = None
        self._sweep_command: list[str] = []
        self._monitor: ProgressMonitor | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Launchers pickle the callbacks to run them in the jobs; the thread stays here.
        return {**self.__dict__, "_monitor": None}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._folder = Path(str(config.hydra.sweep.dir)) / OUTCOMES_DIR
        self._jobs = planned_jobs(config)
        self._sweep_command = sweep_command(config)
        if self.progress_interval is not None:
            total = None if self._jobs is None else len(self._jobs)
            self._monitor = ProgressMonitor(
                self._folder, total=total, interval=float(self.progress_interval)
            )
            self._monitor.start()
        atexit.register(self._report_abort)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        hydra = config.hydra
        if hydra.mode != RunMode.MULTIRUN:
            return
        folder = Path(str(hydra.sweep.dir)) / OUTCOMES_DIR
        marker = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "time": time.time(),
            "output_dir": str(hydra.runtime.output_dir),
            "overrides": [str(o) for o in hydra.overrides.task],
        }
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{hydra.job.num}{STARTED_SUFFIX}").write_text(json.dumps(marker))
        except OSError as error:  # progress is a courtesy; the experiment still runs
            logger.warning(
                "cannot mark the start of job %s in %s: %s", hydra.job.num, folder, error
            )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        atexit.unregister(self._report_abort)
        if self._folder is None:
            self._folder = Path(str(config.hydra.sweep.dir)) / OUTCOMES_DIR
        self._report(aborted=False)
        tally = _Tally.of(self._folder, self._jobs)
        missing = tally.unfinished()
        if missing:
            total = len(tally.numbers)
            kinds = ", ".join(f"{n} {kind}" for kind, n in missing.items())
            print(
                f"{COMMAND}: {sum(missing.values())} of {total} experiments did not complete "
                f"({kinds}); exit code 1",
                file=sys.stderr,
                flush=True,
            )
            sys.exit(1)

    def _report_abort(self) -> None:
        self._report(aborted=True)

    def _report(self, *, aborted: bool) -> None:
        assert self._folder is not None
        # a sweep stopped before any job (bad overrides) is the sweeper's to report
        began = any(self._folder.glob("*.json")) or any(self._folder.glob(f"*{STARTED_SUFFIX}"))
        if self._monitor is not None:
            self._monitor.stop(final_line=began or not aborted)
            self._monitor = None
        if not began and aborted:
            return
        text = summarize(
            self._folder, jobs=self._jobs, sweep_command=self._sweep_command, aborted=aborted
        )
        print(text, flush=True)


def sweep_command(config: DictConfig) -> list[str]:
    """The command line that runs the sweep `config` describes again."""
    hydra_overrides = [str(o) for o in config.hydra.overrides.hydra]
    return [
        COMMAND,
        "-m",
        *(o for o in hydra_overrides if not o.startswith("hydra.mode=")),
        *(str(o) for o in config.hydra.overrides.task),
    ]


@dataclass(frozen=True)
class _Tally:
    """What the records in a sweep's outcomes folder say, by job number."""

    outcomes: dict[int, dict[str, Any]]
    started: dict[int, dict[str, Any]]
    numbers: set[int]
    lost: list[int]
    not_run: list[int]

    @classmethod
    def of(cls, folder: Path, jobs: list[list[str]] | None) -> _Tally:
        outcomes, started = read_outcomes(folder), started_jobs(folder)
        numbers = set(outcomes) | set(started) | set(range(len(jobs or [])))
        return cls(
            outcomes=outcomes,
            started=started,
            numbers=numbers,
            lost=sorted(set(started) - set(outcomes)),
            not_run=sorted(numbers - set(outcomes) - set(started)),
        )

    def with_status(self, status: str) -> list[dict[str, Any]]:
        """The outcomes of that status, in job order."""
        return [o for _, o in sorted(self.outcomes.items()) if o.get("status") == status]

    def unfinished(self) -> dict[str, int]:
        counts = {
            "failed": len(self.with_status("failed")),
            "busy": len(self.with_status("busy")),
            "lost": len(self.lost),
            "not run": len(self.not_run),
        }
        return {kind: n for kind, n in counts.items() if n}


def unfinished(folder: Path, *, jobs: list[list[str]] | None = None) -> dict[str, int]:
    """How many experiments of the sweep did not complete, by kind (`failed`, `busy`
    (run by another process), `lost`, `not run`); kinds with none are left out."""
    return _Tally.of(folder, jobs).unfinished()


def summarize(
    folder: Path,
    *,
    jobs: list[list[str]] | None = None,
    sweep_command: list[str] | None = None,
    aborted: bool = False,
) -> str:
    """The summary text for the jobs recorded in `folder` (`<sweep dir>/outcomes`).

    Args:
        jobs: Every job's overrides, in launch order, when known: jobs with neither an
            outcome nor a start marker are then reported as not run.
        sweep_command: The sweep's command line, offered to finish lost or unrun jobs.
        aborted: Whether the launcher gave up before the sweep's end.
    """
    tally = _Tally.of(folder, jobs)
    started, lost, not_run = tally.started, tally.lost, tally.not_run
    statuses = [o.get("status") for o in tally.outcomes.values()]
    counts = (
        f"{statuses.count('complete')} complete, {statuses.count('skipped')} skipped "
        f"(already complete), {statuses.count('failed')} failed"
    )
    if "busy" in statuses:
        counts += f", {statuses.count('busy')} busy (run by another process)"
    # remote launchers (SageMaker) hand experiments off instead of running them
    for status, label in (("submitted", "submitted as remote jobs"), ("dry_run", "planned")):
        counts += f", {statuses.count(status)} {label}" if status in statuses else ""
    counts += f", {len(lost)} lost" if lost else ""
    counts += f", {len(not_run)} not run" if not_run else ""
    verb = "aborted" if aborted else "finished"
    lines = [f"sweep {verb}: {len(tally.numbers)} experiments: {counts}"]
    failed = tally.with_status("failed")
    lines += [f"  failed: {o['path']}: {' '.join(str(o['error']).split())}" for o in failed]
    lines += [f"  busy: {o['path']}: {o['error']}" for o in tally.with_status("busy")]
    lost_overrides = {
        n: started[n].get("overrides") or (jobs[n] if jobs and n < len(jobs) else []) for n in lost
    }
    # after an abort, a job in a process of its own (submitit) may still be running
    fate = "died, was stopped or still runs" if aborted else "died or was stopped"
    for number in lost:
        marker = started[number]
        lines.append(
            f"  lost: job {number} ({_command_args(lost_overrides[number])}) left no "
            f"outcome: its process (pid {marker.get('pid')} on {marker.get('host')}) {fate}; "
            f"log in {marker.get('output_dir')}"
        )
    if not_run:
        lines.append(f"  not run: jobs {_ranges(not_run)} (the sweep stopped before them)")
    rerun = [o.get("overrides", []) for o in failed]
    rerun += [lost_overrides[n] for n in lost]
    if rerun:
        which = " and ".join(kind for kind, jobs in (("failed", failed), ("lost", lost)) if jobs)
        lines.append(f"re-run the {which} experiments with:")
        lines += [f"  {COMMAND} {_command_args(overrides)}" for overrides in rerun]
    if (lost or not_run) and sweep_command:
        lines.append("or run the whole sweep again (complete experiments are skipped):")
        lines.append(f"  {_command_args(sweep_command)}")
    return "\n".join(lines)


def _command_args(arguments: list[str]) -> str:
    return " ".join(shlex.quote(str(a)) for a in arguments)


def _ranges(numbers: list[int]) -> str:
    """`[0, 1, 2, 5]` -> `0-2, 5`."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
