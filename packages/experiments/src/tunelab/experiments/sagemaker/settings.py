"""The settings of the SageMaker launcher (`hydra/launcher=sagemaker`), checked once.

The Hydra schema (`hydra_plugins.tunelab_sagemaker.config`) mirrors these fields; the
launcher turns what Hydra composed into a `LaunchSettings`, so that the rest of the
code reads typed, validated values instead of a config node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

ROLE_EXAMPLE = "arn:aws:iam::123456789012:role/SageMakerTunelab"
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$")
MAX_KEEP_ALIVE_S = 3600


class LaunchSettingsError(ValueError):
    """A launcher setting has a value SageMaker (or tunelab) cannot use."""


@dataclass(frozen=True)
class RetrySettings:
    """Exponential back-off with jitter for throttling and quota errors.

    The delay before attempt `k + 1` is `min(max_delay_s, base_delay_s * 2**(k - 1))`,
    scaled by a random factor in [0.5, 1].

    Args:
        max_attempts: Calls made before giving up (the first one included).
        base_delay_s: Delay after the first failed attempt, before jitter.
        max_delay_s: Upper bound of a delay.
    """

    max_attempts: int = 8
    base_delay_s: float = 2.0
    max_delay_s: float = 120.0


@dataclass(frozen=True)
class LaunchSettings:
    """Where and how the experiments of a sweep run as SageMaker training jobs.

    Args:
        role: ARN of the IAM role the training jobs assume (needed to launch).
        image_uri: Container image with Python and tunelab-experiments (needed to launch).
        instance_type: SageMaker instance type of every job.
        instance_count: Instances per job (the experiments run on the first).
        volume_size_gb: Size of each instance's EBS volume.
        max_runtime_s: A job is stopped after this many seconds of running.
        use_spot: Managed spot training: cheaper, but a job may be interrupted (it then
            resumes from its checkpoints: finished experiments are not run again).
        max_wait_s: With spot, the most a job may take, waiting included; default
            twice `max_runtime_s`.
        keep_alive_period_s: Warm pool: instances stay up this long after a job, for
            the next job of the same configuration (billed while kept).
        tags: Tags of every job.
        s3_prefix: `s3://bucket/prefix` under which code, specs and results go
            (needed to launch).
        region: AWS region; default: the usual AWS configuration.
        endpoint_url: Endpoint of SageMaker and S3; default: `AWS_ENDPOINT_URL`.
        group_size: Most experiments per job; default: all seeds of one method on one
            benchmark in one job.
        single_seed_methods: Methods (their `name`) that get one experiment per job.
        max_concurrent_jobs: Jobs in flight at once; submission waits for a free slot.
        retry: Back-off for throttling and `ResourceLimitExceeded`.
        wait: Wait for the jobs and report their statuses, instead of returning once
            they are submitted.
        poll_interval_s: Seconds between two looks at the jobs' statuses.
        source_dir: Project folder packaged for the jobs; default: the current folder.
        job_name_prefix: First part of every job name.
        python: Python interpreter in the image that runs the job's entry.
        setup_command: Shell command run in the job before the entry (for example
            `pip install 'tunelab-experiments[aws]'` when the image lacks it).
        upload_interval_s: Seconds between two uploads of running experiments' results.
    """

    role: str | None = None
    image_uri: str | None = None
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_gb: int = 30
    max_runtime_s: int = 86400
    use_spot: bool = False
    max_wait_s: int | None = None
    keep_alive_period_s: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    s3_prefix: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    group_size: int | None = None
    single_seed_methods: tuple[str, ...] = ()
    max_concurrent_jobs: int | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
    wait: bool = False
    poll_interval_s: float = 30.0
    source_dir: str | None = None
    job_name_prefix: str = "tunelab"
    python: str = "python3"
    setup_command: str | None = None
    upload_interval_s: float = 60.0

    def __post_init__(self) -> None:
        positive = {
            "instance_count": self.instance_count,
            "volume_size_gb": self.volume_size_gb,
            "max_runtime_s": self.max_runtime_s,
            "group_size": self.group_size,
            "max_concurrent_jobs": self.max_concurrent_jobs,
            "retry.max_attempts": self.retry.max_attempts,
            "poll_interval_s": self.poll_interval_s,
            "upload_interval_s": self.upload_interval_s,
        }
        for name, value in positive.items():
            if value is not None and value <= 0:
                raise LaunchSettingsError(
                    f"hydra.launcher.{name}={value}; expected a positive number"
                )
        if self.s3_prefix is not None and not _S3_URI.match(self.s3_prefix):
            raise LaunchSettingsError(
                f"hydra.launcher.s3_prefix={self.s3_prefix!r}; expected s3://bucket/prefix"
            )
        keep = self.keep_alive_period_s
        if keep is not None and not 0 <= keep <= MAX_KEEP_ALIVE_S:
            raise LaunchSettingsError(
                f"hydra.launcher.keep_alive_period_s={keep}; expected 0 to {MAX_KEEP_ALIVE_S}"
            )
        if self.use_spot and self.max_wait_s is not None and self.max_wait_s < self.max_runtime_s:
            raise LaunchSettingsError(
                f"hydra.launcher.max_wait_s={self.max_wait_s} is less than max_runtime_s="
                f"{self.max_runtime_s}; with spot the wait includes the run"
            )

    @property
    def spot_max_wait_s(self) -> int:
        """`MaxWaitTimeInSeconds` of a spot job."""
        return self.max_wait_s if self.max_wait_s is not None else 2 * self.max_runtime_s

    def missing_for_launch(self) -> list[str]:
        """The settings a real launch needs that are not set, each with what is expected."""
        missing = []
        if not self.role:
            missing.append(
                f"hydra.launcher.role: the ARN of an IAM role SageMaker can assume "
                f"(e.g. {ROLE_EXAMPLE})"
            )
        if not self.image_uri:
            missing.append(
                "hydra.launcher.image_uri: a container image with Python >= 3.10 and "
                "tunelab-experiments[aws] (or a setup_command that installs it)"
            )
        if not self.s3_prefix:
            missing.append("hydra.launcher.s3_prefix: s3://bucket/prefix for code and results")
        return missing

    def require_launchable(self) -> None:
        """Raise `LaunchSettingsError` listing what a real launch needs and lacks."""
        missing = self.missing_for_launch()
        if missing:
            raise LaunchSettingsError(
                "the SageMaker launcher needs settings that are not set (add them as "
                "overrides, or to a hydra/launcher config):\n  " + "\n  ".join(missing)
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> LaunchSettings:
        """Settings from a plain mapping (the launcher's Hydra node, `_target_` aside).

        Raises:
            LaunchSettingsError: For a key that is not a setting.
        """
        known = {f.name for f in fields(cls)}
        given = {k: v for k, v in values.items() if k != "_target_"}
        unknown = sorted(set(given) - known)
        if unknown:
            raise LaunchSettingsError(
                f"unknown hydra.launcher setting(s) {unknown}; expected some of {sorted(known)}"
            )
        retry = given.pop("retry", None) or {}
        if not isinstance(retry, RetrySettings):
            retry = _retry_from_mapping(retry)
        tags = {str(k): str(v) for k, v in (given.pop("tags", None) or {}).items()}
        methods = tuple(str(m) for m in (given.pop("single_seed_methods", None) or ()))
        return cls(**given, retry=retry, tags=tags, single_seed_methods=methods)


def _retry_from_mapping(values: Mapping[str, Any]) -> RetrySettings:
    known = {f.name for f in fields(RetrySettings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise LaunchSettingsError(
            f"unknown hydra.launcher.retry setting(s) {unknown}; expected some of {sorted(known)}"
        )
    return RetrySettings(**values)
