"""boto3 clients of the SageMaker backend, created lazily (error codes: `errors`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tunelab.core.backends.sagemaker.errors import (
    QUOTA_CODE,
    THROTTLING_CODES,
    error_code,
    error_message,
    is_client_error,
    is_throttling,
)

__all__ = [
    "QUOTA_CODE",
    "THROTTLING_CODES",
    "ClientFactory",
    "default_client_factory",
    "error_code",
    "error_message",
    "import_boto3",
    "is_client_error",
    "is_throttling",
]

ClientFactory = Callable[[str], Any]
"""Returns a client for an AWS service name ("sagemaker", "logs" or "s3")."""

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
