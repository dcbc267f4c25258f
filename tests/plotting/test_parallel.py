"""run_jobs: jobs on worker processes, results in the order of the jobs."""

from __future__ import annotations

import os

import pytest

from tunelab.plotting._parallel import run_jobs, usable_cpus


def square_plus(offset: int, job: int) -> tuple[int, int]:
    if job < 0:
        raise ValueError(f"job {job} fails")
    return job * job + offset, os.getpid()


def test_results_keep_the_order_of_the_jobs_whatever_runs_first() -> None:
    jobs = list(range(12))
    costs = [float(j % 5) for j in jobs]  # started out of order
    results = run_jobs(square_plus, 100, jobs, processes=2, costs=costs)
    assert [value for value, _ in results] == [j * j + 100 for j in jobs]
    assert all(pid != os.getpid() for _, pid in results)  # drawn by workers


def test_one_process_runs_every_job_here() -> None:
    results = run_jobs(square_plus, 1, [3, 1, 2], processes=1)
    assert results == [(10, os.getpid()), (2, os.getpid()), (5, os.getpid())]


def test_a_failing_job_raises_its_error() -> None:
    with pytest.raises(ValueError, match="job -1 fails"):
        run_jobs(square_plus, 0, [1, 2, -1, 3, -2], processes=2)
    with pytest.raises(ValueError, match="processes must be >= 1, got 0"):
        run_jobs(square_plus, 0, [1], processes=0)


def test_usable_cpus_is_at_least_one() -> None:
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)
