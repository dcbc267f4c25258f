"""boto3 clients of tunelab's SageMaker layer, created lazily, without botocore's retries.

`RetryPolicy` is the only retry layer, so botocore makes exactly one attempt per call
(`total_max_attempts=1`). Credentials, the region (unless given) and the endpoint
(unless given: `AWS_ENDPOINT_URL`) come from boto3's usual configuration
(environment, `~/.aws`, instance role).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ClientFactory = Callable[[str], Any]
"""Returns a client for an AWS service name ("sagemaker", "logs" or "s3")."""

CORE_EXTRA = "tunelab-core[aws]"
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}
"""botocore's retry configuration: one attempt, `RetryPolicy` does the rest."""


def import_boto3(*, needed_by: str = "SageMakerBackend", extra: str = CORE_EXTRA) -> Any:
    """boto3, or an ImportError that names the extra to install."""
    try:
        import boto3
    except ImportError as err:
        raise ImportError(
            f"{needed_by} needs boto3, which is not installed; run: pip install '{extra}'"
        ) from err
    return boto3


def client_factory(
    *,
    region: str | None,
    endpoint_url: str | None = None,
    needed_by: str = "SageMakerBackend",
    extra: str = CORE_EXTRA,
) -> ClientFactory:
    """A factory of boto3 clients, one per service, sharing one session.

    Args:
        region: AWS region; None: boto3's configuration.
        endpoint_url: Endpoint of every service; None: `AWS_ENDPOINT_URL` if set.
        needed_by: Who needs boto3, named with `extra` when it is missing.
        extra: The extra that brings boto3.

    Raises:
        ImportError: boto3 is missing (at once, not at the first call).
    """
    boto3 = import_boto3(needed_by=needed_by, extra=extra)
    from botocore.config import Config
    from botocore.exceptions import NoRegionError

    config = Config(retries=dict(NO_RETRIES))
    session = boto3.session.Session(region_name=region)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            try:
                clients[service] = session.client(service, endpoint_url=endpoint_url, config=config)
            except NoRegionError:
                raise ValueError(
                    "no AWS region configured; set SageMakerSettings.region (the launcher: "
                    "hydra.launcher.region), AWS_DEFAULT_REGION or a region in ~/.aws/config"
                ) from None
        return clients[service]

    return client
