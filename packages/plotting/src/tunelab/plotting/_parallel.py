"""Independent jobs on worker processes, their results in the order of the jobs.

Drawing and saving a figure is Python code holding the GIL (matplotlib), so threads
would not run two at once: each worker process draws whole figures. What every job
reads (the study, the curves frame) reaches each worker once, as the `context` of
`run_jobs`: on Linux the workers are forked and share the parent's memory, elsewhere
it is pickled once per worker.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

C = TypeVar("C")
J = TypeVar("J")
R = TypeVar("R")

_WORK: Callable[[Any, Any], Any] | None = None
_CONTEXT: Any = None


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run_jobs(
    work: Callable[[C, J], R],
    context: C,
    jobs: Sequence[J],
    *,
    processes: int,
    costs: Sequence[float] | None = None,
) -> list[R]:
    """``[work(context, job) for job in jobs]``, on up to `processes` worker processes.

    Args:
        work: A module-level function (it is sent to the workers by name).
        context: What every job reads; given to each worker once.
        jobs: Small descriptions of the jobs (sent to a worker each).
        processes: Worker processes; 1 runs every job here, in order.
        costs: Expected cost of each job: the costly ones start first, so that no long
            job is left running alone at the end. Results keep the order of `jobs`.

    Returns:
        The result of each job, in the order of `jobs`.

    Raises:
        Whatever a job raised (the first failing job in the order of `jobs`); jobs not
        started by then are cancelled.
    """
    if processes < 1:
        raise ValueError(f"processes must be >= 1, got {processes}")
    if processes == 1 or len(jobs) <= 1:
        return [work(context, job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -costs[i]) if costs else range(len(jobs))
    pool = ProcessPoolExecutor(
        max_workers=min(processes, len(jobs)),
        mp_context=_start_method(),
        initializer=_install,
        initargs=(work, context),
    )
    try:
        futures: dict[int, Future[R]] = {i: pool.submit(_run, jobs[i]) for i in order}
        results = [futures[i].result() for i in range(len(jobs))]
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _start_method() -> BaseContext:
    """Fork on Linux (the workers share the parent's data; the parent runs no threads by
    then), the platform's default elsewhere (macOS frameworks do not survive a fork)."""
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _install(work: Callable[[Any, Any], Any], context: Any) -> None:
    global _WORK, _CONTEXT
    _WORK, _CONTEXT = work, context


def _run(job: Any) -> Any:
    assert _WORK is not None, "a worker runs jobs only after _install"
    return _WORK(_CONTEXT, job)
