"""Settings of tunelab's SageMaker training jobs, one definition for both layers.

`TrainingJobSettings` holds what every training job gets (role, image, instances,
limits, spot, warm pool, tags, where in S3, how AWS calls are retried) and checks it
once. `SageMakerSettings` (`SageMakerBackend`, one job per trial) and the launcher's
`LaunchSettings` (tunelab-experiments, one job per group of experiments) extend it
with what only they need, so names, defaults and checks cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from tunelab.core.backends.sagemaker.retry import RetryPolicy
from tunelab.core.backends.sagemaker.transfer import S3Uri

SageMakerConfigMode = Literal["hyperparameters", "json"]
"""How a training job receives its trial's configuration."""

MAX_KEEP_ALIVE_SECONDS = 3600
"""Longest warm-pool keep-alive period SageMaker accepts."""

_S3_PREFIX = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$")


class SettingsError(ValueError):
    """A setting has a value SageMaker (or tunelab) cannot use; the message names it."""


@dataclass(frozen=True, kw_only=True)
class TrainingJobSettings:
    """What every SageMaker training job tunelab creates gets, checked once.

    Durations are in seconds and say so in their names.

    Attributes:
        role: ARN of the IAM role the jobs run as (S3, CloudWatch Logs, ECR access).
        image_uri: Training image of every job.
        s3_prefix: `s3://bucket/prefix` below which code, inputs, outputs and
            checkpoints go.
        instance_type: SageMaker instance type of every job.
        instance_count: Instances per job.
        volume_size_gb: Size of each instance's storage volume.
        max_run_seconds: A job is stopped by SageMaker after this long
            (`MaxRuntimeInSeconds`).
        use_spot: Run on managed spot capacity (cheaper, may be interrupted and
            restarted by SageMaker from the job's checkpoints).
        max_wait_seconds: With spot: longest time a job may wait for capacity plus
            run; default `2 * max_run_seconds`.
        keep_alive_seconds: Warm-pool keep-alive period (0 to 3600; 0: no warm
            pool): the instances of an ended job stay up this long, and the next job
            with the same settings reuses them, skipping most of the start-up delay.
        tags: Tags of every job (cost allocation, ...).
        region: AWS region; None uses boto3's configuration.
        endpoint_url: Endpoint of SageMaker, CloudWatch Logs and S3; None:
            `AWS_ENDPOINT_URL` if set.
        source_dir: Folder packaged as the jobs' code; None: chosen by the layer
            (the entry point's folder, or the current folder for the launcher).
        job_name_prefix: First part of every job name; None: chosen by the layer
            (the entry point's stem, or "tunelab" for the launcher).
        poll_interval_seconds: Seconds between two looks at the jobs' statuses.
        retry: How AWS calls refused with "later" are tried again (`RetryPolicy`).
    """

    SETTINGS_NAME: ClassVar[str] = "TrainingJobSettings"
    """How error messages name the settings (`SageMakerSettings`, `hydra.launcher`)."""

    role: str | None = None
    image_uri: str | None = None
    s3_prefix: str | None = None
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_gb: int = 30
    max_run_seconds: int = 24 * 3600
    use_spot: bool = False
    max_wait_seconds: int | None = None
    keep_alive_seconds: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    endpoint_url: str | None = None
    source_dir: str | None = None
    job_name_prefix: str | None = None
    poll_interval_seconds: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        """Raise `SettingsError` (or TypeError) for the first unusable value."""
        if self.role and not self.role.startswith("arn:"):
            expected = "expected the ARN of an IAM role (arn:aws:iam::<account>:role/<name>)"
            raise self._error("role", self.role, expected)
        if self.s3_prefix and not _S3_PREFIX.match(self.s3_prefix):
            raise self._error("s3_prefix", self.s3_prefix, "expected s3://bucket/prefix")
        for name in ("instance_count", "volume_size_gb", "max_run_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self._error(name, value, "expected an int >= 1")
        keep = self.keep_alive_seconds
        if isinstance(keep, bool) or not isinstance(keep, int):
            raise self._error("keep_alive_seconds", keep, "expected an int")
        if not 0 <= keep <= MAX_KEEP_ALIVE_SECONDS:
            raise self._error("keep_alive_seconds", keep, f"expected 0 to {MAX_KEEP_ALIVE_SECONDS}")
        self._check_spot_wait()
        if self.poll_interval_seconds < 0:
            raise self._error("poll_interval_seconds", self.poll_interval_seconds, "expected >= 0")
        if not isinstance(self.retry, RetryPolicy):
            raise TypeError(f"{self.SETTINGS_NAME}.retry={self.retry!r}; expected a RetryPolicy")
        for key, value in self.tags.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(
                    f"{self.SETTINGS_NAME}.tags entry {key!r}: {value!r}; expected strings"
                )

    def _check_spot_wait(self) -> None:
        wait = self.max_wait_seconds
        if wait is None:
            return
        if not self.use_spot:
            raise self._error("max_wait_seconds", wait, "only for use_spot=True")
        if wait < self.max_run_seconds:
            raise SettingsError(
                f"{self.SETTINGS_NAME}.max_wait_seconds={wait} is less than max_run_seconds="
                f"{self.max_run_seconds}; with spot the wait includes the run, so it is at "
                "least max_run_seconds"
            )

    def _error(self, name: str, value: object, expected: str) -> SettingsError:
        return SettingsError(f"{self.SETTINGS_NAME}.{name}={value!r}; {expected}")

    @property
    def spot_max_wait_seconds(self) -> int:
        """`MaxWaitTimeInSeconds` of a spot job."""
        wait = self.max_wait_seconds
        return wait if wait is not None else 2 * self.max_run_seconds

    @property
    def s3_root(self) -> S3Uri:
        """`s3_prefix` as an `S3Uri`.

        Raises:
            SettingsError: `s3_prefix` is not set.
        """
        if not self.s3_prefix:
            raise self._error("s3_prefix", self.s3_prefix, "expected s3://bucket/prefix")
        return S3Uri.parse(self.s3_prefix)


@dataclass(frozen=True, kw_only=True)
class SageMakerSettings(TrainingJobSettings):
    """Settings of the training jobs a `SageMakerBackend` creates, one job per trial.

    The fields of `TrainingJobSettings`, with `role`, `image_uri` and `s3_prefix`
    required; trials' code, configurations, outputs and checkpoints
    (`<s3_prefix>/checkpoints/<key>/<trial_id>/`) go below `s3_prefix`.

    Attributes:
        entry_point: The training script, relative to `source_dir` (or a path inside
            it). Run by the image the way SageMaker's framework containers run a
            script (`sagemaker_program`), with the configuration as options.
            `source_dir` (default: the entry point's folder) is packaged as
            `sourcedir.tar.gz`, uploaded once and unpacked next to the entry point;
            a `requirements.txt` in it is installed by framework images.
        environment: Extra environment variables of every job.
        pass_config_as: "hyperparameters" (each entry becomes `--name value` on the
            script's command line) or "json" (`--tunelab_config_json <path>` to a
            file the script reads with `tunelab.core.checkpoint.load_config_json`).
        price_per_hour: On-demand price of one instance in dollars per hour; None
            looks `instance_type` up in `tunelab.core.backends.sagemaker.cost`.
        checkpoint_local_path: Folder in the job that SageMaker syncs with the
            trial's S3 checkpoint prefix; the script finds it in
            `TUNELAB_CHECKPOINT_DIR`.
    """

    SETTINGS_NAME: ClassVar[str] = "SageMakerSettings"

    entry_point: str
    role: str
    image_uri: str
    s3_prefix: str
    environment: Mapping[str, str] = field(default_factory=dict)
    pass_config_as: SageMakerConfigMode = "hyperparameters"
    price_per_hour: float | None = None
    checkpoint_local_path: str = "/opt/ml/checkpoints"

    def _validate(self) -> None:
        for name in ("entry_point", "role", "image_uri", "s3_prefix"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise self._error(name, value, "a non-empty string is required")
        super()._validate()
        if self.pass_config_as not in ("hyperparameters", "json"):
            expected = "expected 'hyperparameters' or 'json'"
            raise self._error("pass_config_as", self.pass_config_as, expected)
        if self.price_per_hour is not None and self.price_per_hour < 0:
            raise self._error("price_per_hour", self.price_per_hour, "expected >= 0")
        for key, value in self.environment.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(
                    f"SageMakerSettings.environment entry {key!r}: {value!r}; expected strings"
                )

    def resolve_code(self) -> tuple[Path, str]:
        """The source folder and the entry point's path relative to it (POSIX).

        Raises:
            FileNotFoundError: The entry point or the source folder does not exist.
            ValueError: The entry point is outside the source folder.
        """
        entry = Path(self.entry_point).expanduser()
        source = Path(self.source_dir).expanduser() if self.source_dir else None
        if source is not None and not entry.is_absolute():
            entry = source / entry
        entry = entry.absolute()
        if not entry.is_file():
            raise FileNotFoundError(
                f"SageMakerSettings.entry_point={self.entry_point!r}: {entry} is not a file; "
                "expected the training script (relative to source_dir when one is given)"
            )
        source = (source or entry.parent).absolute()
        if not source.is_dir():
            raise FileNotFoundError(
                f"SageMakerSettings.source_dir={self.source_dir!r} is not a folder"
            )
        if not entry.is_relative_to(source):
            raise ValueError(
                f"SageMakerSettings.entry_point {entry} is not inside source_dir {source}; "
                "the job only receives the source folder"
            )
        return source, entry.relative_to(source).as_posix()
