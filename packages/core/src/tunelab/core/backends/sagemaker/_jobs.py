"""Book-keeping of the training jobs of each trial, and what their ends mean."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from tunelab.core.backends.sagemaker._logs import JobLogReader
from tunelab.core.backends.sagemaker.cost import job_cost
from tunelab.core.backends.sagemaker.training_jobs import TERMINAL_STATUSES
from tunelab.core.trial import Config, TrialStatus


class RunState(enum.Enum):
    PENDING = "pending"  # a job is to be created (new, resumed, or refused for a quota)
    RUNNING = "running"  # its latest job runs; the end is not reported yet
    PAUSED = "paused"
    STOPPED = "stopped"
    ENDED = "ended"  # its job ended by itself and the end was reported


@dataclass(frozen=True)
class JobRecord:
    """One training job of a trial, as the backend last saw it.

    Attributes:
        trial_id: The trial.
        job_name: The SageMaker training job.
        status: Its `TrainingJobStatus` (InProgress, Stopping, Completed, Failed, Stopped).
        billable_seconds: `BillableTimeInSeconds` once the job has ended, else None.
        cost: Dollars billed (billable seconds × instances × price), None while
            running or when the price is unknown.
    """

    trial_id: int
    job_name: str
    status: str
    billable_seconds: float | None
    cost: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "job_name": self.job_name,
            "status": self.status,
            "billable_seconds": self.billable_seconds,
            "cost": self.cost,
        }


@dataclass
class Job:
    """A training job created for a trial."""

    name: str
    created: float  # time.time() when it was created
    reader: JobLogReader
    status: str = "InProgress"
    stop_requested: bool = False
    stop_sent: bool = False
    settled: bool = False  # ended, and its billing was read
    billable_seconds: float | None = None
    cost: float | None = None
    failure_reason: str | None = None
    secondary_status: str | None = None

    @property
    def has_ended(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass
class TrialRun:
    """A trial's state on the backend and its jobs, oldest first."""

    trial_id: int
    config: Config
    state: RunState
    jobs: list[Job] = field(default_factory=list)
    first_attempt: int = 0  # 1 for a trial resumed in a new tuner process
    retry_at: float = 0.0  # time.monotonic() before which no job is created
    refusals: int = 0  # consecutive creations refused with "later" (quota, throttling)

    @property
    def job(self) -> Job | None:
        return self.jobs[-1] if self.jobs else None

    @property
    def all_jobs_ended(self) -> bool:
        """True when no job of the trial is still running or stopping."""
        return all(job.has_ended for job in self.jobs)

    def cost_so_far(self, job: Job, timestamp: float, instance_count: int, price: float) -> float:
        """Dollars spent on the trial up to `timestamp` (seconds, `time.time()` scale)
        during `job`: the billed cost of its other jobs plus `job`'s time since it
        was created (an estimate: SageMaker bills from the start of training)."""
        earlier = sum(other.cost or 0.0 for other in self.jobs if other is not job)
        running = job_cost(timestamp - job.created, instance_count=instance_count, price=price)
        return earlier + (running or 0.0)

    def records(self) -> list[JobRecord]:
        return [
            JobRecord(self.trial_id, job.name, job.status, job.billable_seconds, job.cost)
            for job in self.jobs
        ]


def end_of_job(job: Job) -> tuple[TrialStatus, str | None]:
    """The trial's status, and the error for a failure, after `job` ended by itself.

    A job stopped by anything but this backend (the console, the maximum runtime) is
    a failure: the trial did not finish its work.
    """
    if job.status == "Completed":
        return TrialStatus.COMPLETED, None
    if job.status == "Failed":
        reason = job.failure_reason or "no reason given"
        return TrialStatus.FAILED, f"training job {job.name} failed: {reason}"
    detail = f" ({job.secondary_status})" if job.secondary_status else ""
    return TrialStatus.FAILED, f"training job {job.name} was stopped outside tunelab{detail}"
