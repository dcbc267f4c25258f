"""The one retry policy of tunelab's AWS calls: what "try again later" means, and when.

AWS answers some calls with "later": throttling (`ThrottlingException`, `SlowDown`,
...), an account quota (`ResourceLimitExceeded`: too many jobs or instances at once)
or a passing fault (an internal error, a dropped connection). `RetryPolicy` says
how often and after which delays such a call is tried again; it is the only retry
layer (botocore's own retries are switched off in `clients`), so `max_attempts`
means what it says. Any other error is final at once.

`RetryingCaller` applies the policy to a blocking call: every S3 call, and every
call of the launcher. `SageMakerBackend`'s SageMaker and CloudWatch Logs calls do not
block the tuner: a refused job creation waits in the backend, pending, for the
policy's next delay, and a refused poll is repeated at the next poll.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "RequestLimitExceeded",
        "RequestThrottled",
        "ProvisionedThroughputExceededException",
    }
)
"""Error codes AWS uses when a caller calls too often."""

QUOTA_CODE = "ResourceLimitExceeded"
"""Error code of `CreateTrainingJob` when an account quota (instances, jobs) is reached."""

TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
"""Error codes of faults on AWS's side that pass by themselves."""

RETRYABLE_CODES = THROTTLING_CODES | TRANSIENT_CODES | {QUOTA_CODE}


class AwsCallError(RuntimeError):
    """An AWS call failed for good (not retryable, or retried to the limit).

    Attributes:
        code: The AWS error code of the last answer (None for a connection error).
    """

    def __init__(self, message: str, *, code: str | None) -> None:
        super().__init__(message)
        self.code = code


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore `ClientError` (or of an `AwsCallError`), else None."""
    if isinstance(error, AwsCallError):
        return error.code
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def error_message(error: BaseException) -> str:
    """The message AWS gave with a `ClientError` (the exception's text otherwise)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message")
        if message:
            return str(message)
    return str(error)


def is_retryable(error: BaseException) -> bool:
    """True for throttling, a reached quota, a passing fault of AWS or a lost connection."""
    return error_code(error) in RETRYABLE_CODES or _is_connection_error(error)


def _is_connection_error(error: BaseException) -> bool:
    try:
        from botocore.exceptions import ConnectionError, HTTPClientError
    except ImportError:  # without botocore, no botocore error is raised
        return False
    return isinstance(error, (ConnectionError, HTTPClientError))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter for AWS answers that mean "later".

    The delay after failed attempt `k` (1-based) is
    `min(max_delay_seconds, base_delay_seconds * 2**(k - 1))`, scaled by a random
    factor in `[1 - jitter, 1]` so that callers refused together do not come back
    together.

    Args:
        max_attempts: Calls made before a blocking call gives up (the first one
            included). A job `SageMakerBackend` could not create is not a blocking
            call: its trial waits, pending, and the creation is tried again at the
            capped delay for as long as tuning runs.
        base_delay_seconds: Delay after the first refusal, before jitter.
        max_delay_seconds: Longest delay.
        jitter: Fraction of each delay drawn at random (0: none, 1: all of it).
    """

    max_attempts: int = 8
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 120.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        attempts = self.max_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"RetryPolicy.max_attempts={attempts!r}; expected an int >= 1")
        for name in ("base_delay_seconds", "max_delay_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"RetryPolicy.{name}={getattr(self, name)!r}; expected >= 0")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"RetryPolicy.jitter={self.jitter!r}; expected 0 to 1")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling: float = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempt - 1))
        return ceiling * rng.uniform(1.0 - self.jitter, 1.0)


class RetryingCaller:
    """Calls a function, retrying what `is_retryable` accepts as `policy` says.

    Args:
        policy: Attempts and delays.
        sleep: Waits the given seconds (replaced in tests).
        rng: Source of the jitter.
        notify: Receives one line per retry (default: none).
    """

    def __init__(
        self,
        *,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.policy = policy
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.notify = notify

    def call(self, what: str, function: Callable[[], T]) -> T:
        """`function()`, retried; `what` names the call in messages.

        Raises:
            AwsCallError: AWS refused for good, or still refused after the last attempt.
        """
        attempts = self.policy.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return function()
            except Exception as error:
                code = error_code(error)
                if code is None and not _is_connection_error(error):
                    raise
                message = f"{what}: {code or type(error).__name__}: {error_message(error)}"
                if not is_retryable(error):
                    raise AwsCallError(message, code=code) from error
                if attempt == attempts:
                    hint = (
                        "lower max_concurrent_jobs or ask AWS for a higher quota"
                        if code == QUOTA_CODE
                        else "raise retry.max_attempts or try later"
                    )
                    raise AwsCallError(
                        f"{message} (gave up after {attempts} attempts; {hint})", code=code
                    ) from error
                wait = self.policy.delay(attempt, self.rng)
                if self.notify is not None:
                    self.notify(f"{message}; attempt {attempt} of {attempts}, retry in {wait:.1f}s")
                self.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")
