"""boto3 clients, and SageMaker calls retried with back-off when AWS says "later".

Throttling (`ThrottlingException`, `TooManyRequestsException`, ...) and quota errors
(`ResourceLimitExceeded`: too many jobs or instances at once) are retried with
exponential back-off and jitter; any other error is raised at once, and so is the
last one, with what was tried. botocore's own retries are switched off for
SageMaker so that `max_attempts` means what it says.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tunelab.core.backends.sagemaker.errors import QUOTA_CODE, THROTTLING_CODES, error_code
from tunelab.experiments.sagemaker.settings import RetrySettings

T = TypeVar("T")

EXTRA = "tunelab-experiments[aws]"
LIMIT_CODES = frozenset({QUOTA_CODE})


class AwsCallError(RuntimeError):
    """An AWS call failed for good (not retryable, or retried to the limit)."""


def client(service: str, *, region: str | None, endpoint_url: str | None) -> Any:
    """A boto3 client; `endpoint_url` None honours `AWS_ENDPOINT_URL` (as boto3 does).

    Raises:
        ImportError: When boto3 is missing, naming the extra that brings it.
    """
    try:
        import boto3
        from botocore.config import Config
    except ImportError as error:
        raise ImportError(
            f"running experiments on SageMaker needs boto3: pip install '{EXTRA}'"
        ) from error
    config = Config(retries={"total_max_attempts": 1}) if service == "sagemaker" else None
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, config=config)


class RetryingCaller:
    """Calls a function, retrying throttling and quota errors with back-off and jitter.

    Args:
        policy: Attempts and delays.
        sleep: Waits the given seconds (replaced in tests).
        rng: Source of the jitter.
        notify: Receives one line per retry (default: none).
    """

    def __init__(
        self,
        *,
        policy: RetrySettings,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.policy = policy
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.notify = notify

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.policy.max_delay_s, self.policy.base_delay_s * 2 ** (attempt - 1))
        return ceiling * self.rng.uniform(0.5, 1.0)

    def call(self, what: str, function: Callable[[], T]) -> T:
        """`function()`, retried; `what` names the call in messages."""
        attempts = self.policy.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return function()
            except Exception as error:
                code = error_code(error)
                if code is None:
                    raise
                message = f"{what}: {code}: {_message(error)}"
                if code not in THROTTLING_CODES | LIMIT_CODES:
                    raise AwsCallError(message) from error
                if attempt == attempts:
                    hint = (
                        "lower hydra.launcher.max_concurrent_jobs or ask AWS for a higher quota"
                        if code in LIMIT_CODES
                        else "raise hydra.launcher.retry.max_attempts or try later"
                    )
                    raise AwsCallError(
                        f"{message} (gave up after {attempts} attempts; {hint})"
                    ) from error
                wait = self.delay(attempt)
                if self.notify is not None:
                    self.notify(f"{message}; attempt {attempt} of {attempts}, retry in {wait:.1f}s")
                self.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")


def _message(error: BaseException) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Message") or error)


TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


class TrainingJobs:
    """Creates training jobs (at most `max_concurrent` in flight) and follows them.

    Args:
        sagemaker: A boto3 SageMaker client.
        caller: Retries of each call.
        max_concurrent: Jobs created here and not yet ended, at most; None: no limit.
        poll_interval_s: Seconds between two looks at running jobs.
        sleep: Waits the given seconds (replaced in tests).
    """

    def __init__(
        self,
        *,
        sagemaker: Any,
        caller: RetryingCaller,
        max_concurrent: int | None = None,
        poll_interval_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sagemaker = sagemaker
        self.caller = caller
        self.max_concurrent = max_concurrent
        self.poll_interval_s = poll_interval_s
        self.sleep = sleep
        self._in_flight: list[str] = []

    def create(self, request: dict[str, Any]) -> None:
        """Create the job `request` describes, once a slot is free."""
        name = str(request["TrainingJobName"])
        while self.max_concurrent is not None and len(self._in_flight) >= self.max_concurrent:
            ended = {n for n in self._in_flight if self.status(n) in TERMINAL_STATUSES}
            self._in_flight = [n for n in self._in_flight if n not in ended]
            if len(self._in_flight) >= self.max_concurrent:
                self.sleep(self.poll_interval_s)
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
                self.sleep(self.poll_interval_s)
        return last
