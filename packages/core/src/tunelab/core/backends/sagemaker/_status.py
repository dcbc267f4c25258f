"""Calls about existing jobs: statuses in batches, billing of ended jobs, stops."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from typing import Any

from tunelab.core.backends.sagemaker._jobs import Job
from tunelab.core.backends.sagemaker.cost import job_cost
from tunelab.core.backends.sagemaker.retry import error_code, is_retryable

logger = logging.getLogger(__name__)

CLOCK_MARGIN = 300.0
"""Seconds subtracted from the last listing's time, against clock skew and lag."""

_PAGE_SIZE = 100  # most summaries ListTrainingJobs returns per call


class StatusPoller:
    """Lists the statuses of one backend's jobs with few calls.

    All job names contain the backend's token, so one paginated `ListTrainingJobs`
    (`NameContains=token`) answers for every job at once; only jobs modified since
    the previous listing (minus a margin) are returned. Jobs missing from a listing
    keep the status they had.
    """

    def __init__(self, token: str) -> None:
        self._token = token
        self._since = time.time() - CLOCK_MARGIN

    def statuses(self, sagemaker: Any) -> dict[str, str] | None:
        """Job name -> `TrainingJobStatus` of recently modified jobs; None if AWS said "later"."""
        started = time.time()
        request: dict[str, Any] = {
            "NameContains": self._token,
            "LastModifiedTimeAfter": datetime.datetime.fromtimestamp(
                self._since, tz=datetime.timezone.utc
            ),
            "MaxResults": _PAGE_SIZE,
        }
        found: dict[str, str] = {}
        while True:
            try:
                page = sagemaker.list_training_jobs(**request)
            except Exception as error:
                if is_retryable(error):
                    logger.info("ListTrainingJobs refused (%s); read at the next poll", error)
                    return None
                raise
            for summary in page.get("TrainingJobSummaries", []):
                found[summary["TrainingJobName"]] = summary["TrainingJobStatus"]
            token = page.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
        self._since = started - CLOCK_MARGIN
        return found


def settle(sagemaker: Any, job: Job, *, instance_count: int, price: float | None) -> bool:
    """Read an ended job's failure reason and billable time; False if AWS said "later".

    Sets the job's `billable_seconds` and `cost` (None when the price is unknown).
    """
    try:
        info = sagemaker.describe_training_job(TrainingJobName=job.name)
    except Exception as error:
        if is_retryable(error):
            logger.info("DescribeTrainingJob %s refused (%s); at the next poll", job.name, error)
            return False
        raise
    job.status = info.get("TrainingJobStatus", job.status)
    if not job.has_ended:  # the listing was ahead of the description: ask again later
        return False
    job.failure_reason = info.get("FailureReason")
    job.secondary_status = info.get("SecondaryStatus")
    billable = info.get("BillableTimeInSeconds")
    if billable is not None:
        job.billable_seconds = float(billable)
        job.cost = job_cost(job.billable_seconds, instance_count=instance_count, price=price)
    job.settled = True
    return True


def send_stops(sagemaker: Any, jobs: Iterable[Job]) -> None:
    """Send `StopTrainingJob` for the jobs whose stop was requested and not yet sent.

    A request refused with "later" is sent again at the next call; a job that ended before it
    could be stopped (`ValidationException`) needs no stop.
    """
    for job in jobs:
        if not job.stop_requested or job.stop_sent or job.has_ended:
            continue
        try:
            sagemaker.stop_training_job(TrainingJobName=job.name)
        except Exception as error:
            if is_retryable(error):
                logger.info("StopTrainingJob %s refused (%s); sent again later", job.name, error)
                continue
            if error_code(error) != "ValidationException":
                raise
        job.stop_sent = True
