"""`hydra/launcher=tunelab_joblib`: joblib's launcher, and a dying job is not the end.

With `hydra/launcher=joblib`, one job whose process dies (the OOM killer, a segfault,
`os._exit`) breaks joblib's pool of workers: joblib raises `TerminatedWorkerError`, the
jobs running beside it are stopped and the sweep ends. This launcher then reads the
jobs' records in `<sweep dir>/outcomes/` (`tunelab.experiments.progress`) and goes on.

The other way round, the workers die with the sweep: killed (SIGKILL, the OOM
killer), the sweep's process can stop nothing, and joblib's workers would go on
running their experiments under PID 1. Each worker watches its parent instead and
exits when it is gone (`_watch_sweep`).
"""

# No `from __future__ import annotations`: Hydra loads plugin modules in a way that
# breaks string annotations in dataclasses.

import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobReturn, JobStatus
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

log = logging.getLogger(__name__)

LOST = "lost"
"""The return value of a job whose process died (its status is COMPLETED, so that
Hydra's sweeper goes on; the sweep's summary reports the job as lost)."""

MAX_LOSSES = 2
"""A job whose process died this many times is given up."""

WATCH_INTERVAL = 0.5
"""Seconds between two looks of a worker at its parent, the sweep's process."""


# hydra-joblib-launcher ships no type information (no py.typed): its classes are `Any`.
@dataclass
class TunelabJoblibLauncherConf(JobLibLauncherConf):  # type: ignore[misc]  # untyped base
    _target_: str = "hydra_plugins.tunelab_experiments.resilient_joblib.TunelabJoblibLauncher"


ConfigStore.instance().store(
    group="hydra/launcher",
    name="tunelab_joblib",
    node=TunelabJoblibLauncherConf,
    provider="tunelab",
)


class TunelabJoblibLauncher(JoblibLauncher):  # type: ignore[misc]  # untyped base (no py.typed)
    """Joblib's launcher (same options) that finishes a batch when a worker process dies.

    When the pool breaks, each job of the round either left an outcome (it is done),
    started without leaving one (its process died, or was stopped with the pool: it is
    lost once) or never started (it runs in the next round, in a fresh pool). Jobs lost
    once run again after the others, one at a time, so that a death is surely the
    job's own: a job lost twice is given up and returned as `LOST`.
    """

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from joblib.externals.loky.process_executor import (
            BrokenProcessPool,
            TerminatedWorkerError,
        )

        from tunelab.experiments.progress import OUTCOMES_DIR, read_outcomes, started_jobs

        assert self.config is not None
        folder = Path(str(self.config.hydra.sweep.dir)) / OUTCOMES_DIR
        jobs = {initial_job_idx + i: list(o) for i, o in enumerate(job_overrides)}
        returns: dict[int, JobReturn] = {}
        losses = dict.fromkeys(jobs, 0)
        pending = sorted(jobs)
        suspects: list[int] = []  # lost once: they run again alone, after the others
        while pending or suspects:
            if pending:
                batch, pending = pending, []
            else:
                batch, suspects = suspects[:1], suspects[1:]
            _forget_records(folder, batch)
            try:
                returns.update(zip(batch, self._run_round(jobs, batch), strict=True))
                continue
            except (TerminatedWorkerError, BrokenProcessPool) as error:
                broken = error
            outcomes, started = read_outcomes(folder), started_jobs(folder)
            if not any(n in outcomes or n in started for n in batch):
                raise broken  # no job got going: the pool itself is at fault
            for number in batch:
                if number in outcomes:
                    returns[number] = _finished(jobs[number], outcomes[number].get("status"))
                elif number not in started:
                    pending.append(number)
                else:
                    losses[number] += 1
                    if losses[number] < MAX_LOSSES:
                        suspects.append(number)
                    else:
                        returns[number] = _finished(jobs[number], LOST)
            log.warning(
                "a worker process died (%s): %d of %d jobs have ended; %d not started yet "
                "run in a fresh pool, then %d that died or were stopped, one at a time",
                type(broken).__name__,
                len(returns),
                len(jobs),
                len(pending),
                len(suspects),
            )
        return [returns[number] for number in sorted(jobs)]

    def _run_round(self, jobs: dict[int, list[str]], batch: list[int]) -> list[JobReturn]:
        """Run the jobs numbered `batch` in a pool of joblib workers (a fresh one when
        the last broke), as `hydra_joblib_launcher` does, but with their own numbers."""
        from hydra.core.singleton import Singleton
        from hydra.core.utils import configure_log, filter_overrides, setup_globals
        from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
        from joblib import Parallel, delayed

        assert self.config is not None and self.hydra_context is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        joblib_cfg: dict[str, Any] = dict(self.joblib)
        joblib_cfg["backend"] = "loky"  # threads are incompatible with Hydra
        process_joblib_cfg(joblib_cfg)
        options = ",".join(f"{k}={v}" for k, v in joblib_cfg.items())
        log.info("Joblib.Parallel(%s) is launching %d jobs", options, len(batch))
        for number in batch:
            log.info("\t#%d : %s", number, " ".join(filter_overrides(jobs[number])))
        singleton_state = Singleton.get_state()
        runs = Parallel(**joblib_cfg)(
            delayed(_execute_watched_job)(
                os.getpid(),
                number,
                jobs[number],
                self.hydra_context,
                self.config,
                self.task_function,
                singleton_state,
            )
            for number in batch
        )
        return list(runs)


def _execute_watched_job(sweep_pid: int, *args: Any) -> JobReturn:
    """Hydra's `execute_job(*args)`, in a worker that exits when the sweep's process is
    gone."""
    from hydra_plugins.hydra_joblib_launcher._core import execute_job

    _watch_sweep(sweep_pid)
    result: JobReturn = execute_job(*args)
    return result


_watched: set[int] = set()


def _watch_sweep(sweep_pid: int) -> None:
    """Start (once per process) a daemon thread that ends this worker when its parent,
    the sweep's process `sweep_pid`, is gone: the kernel then gives the worker another
    parent (PID 1 or a subreaper). Trials of a training script die with the worker
    (`LocalBackend` has the kernel kill them); the experiment resumes when the sweep
    runs again, as after any kill. Nothing to do when the job runs in the sweep's own
    process (`n_jobs=1`)."""
    if os.getpid() == sweep_pid or sweep_pid in _watched:
        return
    _watched.add(sweep_pid)
    threading.Thread(
        target=_exit_without, args=(sweep_pid,), name="tunelab-sweep-watch", daemon=True
    ).start()


def _exit_without(sweep_pid: int) -> None:
    while os.getppid() == sweep_pid:
        time.sleep(WATCH_INTERVAL)
    print(
        f"tunelab_joblib: the sweep's process (pid {sweep_pid}) is gone; its worker "
        f"(pid {os.getpid()}) stops, with the experiment it ran",
        file=sys.stderr,
        flush=True,
    )
    os._exit(1)


def _forget_records(folder: Path, numbers: list[int]) -> None:
    """Remove the start markers and outcomes of jobs about to run (from an earlier try,
    or an earlier sweep into the same folder), so that what is found after the round
    is the round's."""
    from tunelab.experiments.progress import STARTED_SUFFIX

    for number in numbers:
        for suffix in (".json", STARTED_SUFFIX):
            (folder / f"{number}{suffix}").unlink(missing_ok=True)


def _finished(overrides: list[str], value: Any) -> JobReturn:
    """A job's return built from its record; the sweeper only reads `return_value`."""
    job = JobReturn(overrides=overrides, status=JobStatus.COMPLETED)
    job.return_value = value
    return job


__all__ = ["LOST", "TunelabJoblibLauncher", "TunelabJoblibLauncherConf"]
