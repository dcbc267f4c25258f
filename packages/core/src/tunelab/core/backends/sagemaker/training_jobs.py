"""Creating a batch of training jobs under a concurrency cap, and waiting for them.

What the SageMaker launcher of tunelab-experiments does with its jobs; every call
is retried by a `RetryingCaller` (throttling, `ResourceLimitExceeded`, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tunelab.core.backends.sagemaker.retry import RetryingCaller

TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})
"""`TrainingJobStatus` values of a job that has ended."""

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
"""Log group of every SageMaker training job; a job's streams are `<job name>/<host>`."""


class TrainingJobs:
    """Creates training jobs (at most `max_concurrent` in flight) and follows them.

    Args:
        sagemaker: A boto3 SageMaker client.
        caller: Retries of each call.
        max_concurrent: Jobs created here and not yet ended, at most; None: no limit.
        poll_interval_seconds: Seconds between two looks at running jobs.
        sleep: Waits the given seconds (replaced in tests).
    """

    def __init__(
        self,
        *,
        sagemaker: Any,
        caller: RetryingCaller,
        max_concurrent: int | None = None,
        poll_interval_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sagemaker = sagemaker
        self.caller = caller
        self.max_concurrent = max_concurrent
        self.poll_interval_seconds = poll_interval_seconds
        self.sleep = sleep
        self._in_flight: list[str] = []

    def create(self, request: dict[str, Any]) -> None:
        """Create the job `request` describes, once a slot is free."""
        name = str(request["TrainingJobName"])
        while self.max_concurrent is not None and len(self._in_flight) >= self.max_concurrent:
            ended = {n for n in self._in_flight if self.status(n) in TERMINAL_STATUSES}
            self._in_flight = [n for n in self._in_flight if n not in ended]
            if len(self._in_flight) >= self.max_concurrent:
                self.sleep(self.poll_interval_seconds)
        self.caller.call(
            f"create_training_job {name}", lambda: self.sagemaker.create_training_job(**request)
        )
        self._in_flight.append(name)

    def describe(self, name: str) -> dict[str, Any]:
        """`describe_training_job` of `name`, retried."""
        response: dict[str, Any] = self.caller.call(
            f"describe_training_job {name}",
            lambda: self.sagemaker.describe_training_job(TrainingJobName=name),
        )
        return response

    def status(self, name: str) -> str:
        """The job's `TrainingJobStatus`."""
        return str(self.describe(name)["TrainingJobStatus"])

    def wait(
        self, names: list[str], *, on_change: Callable[[str, dict[str, Any]], None]
    ) -> dict[str, dict[str, Any]]:
        """Poll `names` until all have ended; `on_change` sees each new status.

        Returns:
            The last description of each job, by name.
        """
        last: dict[str, dict[str, Any]] = {}
        seen: dict[str, tuple[str, str]] = {}
        running = list(names)
        while running:
            for name in running:
                description = self.describe(name)
                last[name] = description
                state = (
                    str(description.get("TrainingJobStatus")),
                    str(description.get("SecondaryStatus", "")),
                )
                if seen.get(name) != state:
                    seen[name] = state
                    on_change(name, description)
            running = [n for n in running if seen[n][0] not in TERMINAL_STATUSES]
            if running:
                self.sleep(self.poll_interval_seconds)
        return last
