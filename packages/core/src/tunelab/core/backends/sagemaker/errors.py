"""What AWS answered: error codes of botocore's `ClientError`, read without botocore.

Shared by `SageMakerBackend` and the SageMaker launcher of tunelab-experiments, so
that both retry the same answers.
"""

from __future__ import annotations

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


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore `ClientError`, or None for any other exception."""
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


def is_client_error(error: BaseException) -> bool:
    """True for botocore's `ClientError` (an error answer from AWS)."""
    return error_code(error) is not None


def is_throttling(error: BaseException) -> bool:
    """True for an answer that asks the caller to call less often."""
    return error_code(error) in THROTTLING_CODES
