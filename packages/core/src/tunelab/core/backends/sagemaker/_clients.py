"""boto3 clients of the SageMaker backend, created lazily, and AWS error codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ClientFactory = Callable[[str], Any]
"""Returns a client for an AWS service name ("sagemaker", "logs" or "s3")."""

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "RequestLimitExceeded",
    }
)
"""Error codes AWS uses when a caller calls too often."""

QUOTA_CODE = "ResourceLimitExceeded"
"""Error code of `CreateTrainingJob` when an account quota (instances, jobs) is reached."""

AWS_EXTRA_HINT = "pip install 'tunelab-core[aws]'"


def import_boto3() -> Any:
    """boto3, or an ImportError that names the extra to install."""
    try:
        import boto3
    except ImportError as err:
        raise ImportError(
            f"SageMakerBackend needs boto3, which is not installed; run: {AWS_EXTRA_HINT}"
        ) from err
    return boto3


def default_client_factory(*, region: str | None, max_attempts: int) -> ClientFactory:
    """A factory of boto3 clients with adaptive retries (exponential back-off on throttling).

    Credentials, the region (unless `region` is given) and `AWS_ENDPOINT_URL` come from
    boto3's usual configuration (environment, `~/.aws`, instance role).
    """
    boto3 = import_boto3()
    from botocore.config import Config
    from botocore.exceptions import NoRegionError

    config = Config(retries={"mode": "adaptive", "total_max_attempts": max_attempts})
    session = boto3.session.Session(region_name=region)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            try:
                clients[service] = session.client(service, config=config)
            except NoRegionError:
                raise ValueError(
                    "no AWS region configured; set SageMakerSettings.region, "
                    "AWS_DEFAULT_REGION or a region in ~/.aws/config"
                ) from None
        return clients[service]

    return client


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
    return error_code(error) in THROTTLING_CODES
