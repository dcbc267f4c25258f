"""`SageMakerSettings`: everything a `SageMakerBackend` needs to create training jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SageMakerConfigMode = Literal["hyperparameters", "json"]
"""How a training job receives its trial's configuration."""

MAX_KEEP_ALIVE_SECONDS = 3600
"""Longest warm-pool keep-alive period SageMaker accepts."""


@dataclass(frozen=True)
class SageMakerSettings:
    """Settings of the training jobs a `SageMakerBackend` creates, one job per trial.

    Attributes:
        entry_point: The training script, relative to `source_dir` (or a path inside
            it). Run by the image the way SageMaker's framework containers run a
            script (`sagemaker_program`), with the configuration as options.
        role: ARN of the IAM role the jobs run as (S3, CloudWatch Logs, ECR access).
        image_uri: Training image, e.g. a SageMaker PyTorch or scikit-learn image.
        s3_prefix: `s3://bucket/prefix` of this experiment: code, configurations,
            outputs and the trials' checkpoints (`<s3_prefix>/checkpoints/<trial_id>/`)
            go below it. Use one prefix per experiment.
        source_dir: Folder packaged (as `sourcedir.tar.gz`, uploaded once) and
            unpacked next to the entry point in the job; default: the entry point's
            folder. A `requirements.txt` in it is installed by framework images.
        instance_type: SageMaker instance type of every job.
        instance_count: Instances per job; all hosts' logs are read, so report from
            one host only.
        volume_size_gb: Size of each instance's storage volume.
        max_run_seconds: A job is stopped by SageMaker after this long.
        use_spot: Run on managed spot capacity (cheaper, may be interrupted and
            restarted by SageMaker from the checkpoint).
        max_wait_seconds: With spot: longest time a job may wait for capacity plus
            run; default `2 * max_run_seconds`.
        keep_alive_seconds: Warm-pool keep-alive period (0 to 3600): the instances
            of an ended job stay up this long, and the next job with the same
            settings reuses them, skipping most of the start-up delay.
        tags: Tags of every job (cost allocation, ...).
        environment: Extra environment variables of every job.
        pass_config_as: "hyperparameters" (each entry becomes `--name value` on the
            script's command line) or "json" (`--tunelab_config_json <path>` to a
            file the script reads with `tunelab.core.checkpoint.load_config_json`).
        region: AWS region; None uses the default of boto3's configuration.
        price_per_hour: On-demand price of one instance in dollars per hour; None
            looks `instance_type` up in `tunelab.core.backends.sagemaker.cost`.
        job_name_prefix: Start of the job names; default: the entry point's stem.
        poll_interval: Seconds between two polls of job statuses and logs.
        max_attempts: Attempts of every AWS call (botocore's adaptive retry mode
            backs off on throttling).
        quota_retry_delay: Seconds before a job refused with `ResourceLimitExceeded`
            (or still throttled) is created again; doubles at each refusal, up to
            `quota_retry_max_delay`.
        quota_retry_max_delay: Longest wait between two attempts to create a job.
        checkpoint_local_path: Folder in the job that SageMaker syncs with the
            trial's S3 checkpoint prefix; the script finds it in
            `TUNELAB_CHECKPOINT_DIR`.
    """

    entry_point: str
    role: str
    image_uri: str
    s3_prefix: str
    source_dir: str | None = None
    instance_type: str = "ml.m5.large"
    instance_count: int = 1
    volume_size_gb: int = 30
    max_run_seconds: int = 24 * 3600
    use_spot: bool = False
    max_wait_seconds: int | None = None
    keep_alive_seconds: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)
    pass_config_as: SageMakerConfigMode = "hyperparameters"
    region: str | None = None
    price_per_hour: float | None = None
    job_name_prefix: str | None = None
    poll_interval: float = 10.0
    max_attempts: int = 10
    quota_retry_delay: float = 60.0
    quota_retry_max_delay: float = 900.0
    checkpoint_local_path: str = "/opt/ml/checkpoints"

    def __post_init__(self) -> None:
        for name in ("entry_point", "role", "image_uri", "s3_prefix"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(
                    f"SageMakerSettings.{name}={value!r}; a non-empty string is required"
                )
        if not self.role.startswith("arn:"):
            raise ValueError(
                f"SageMakerSettings.role={self.role!r}; expected the ARN of an IAM role "
                "(arn:aws:iam::<account>:role/<name>)"
            )
        bucket = self.s3_prefix.removeprefix("s3://").split("/", 1)[0]
        if not self.s3_prefix.startswith("s3://") or not bucket:
            raise ValueError(
                f"SageMakerSettings.s3_prefix={self.s3_prefix!r}; expected s3://bucket/prefix"
            )
        self._check_numbers()
        if self.pass_config_as not in ("hyperparameters", "json"):
            raise ValueError(
                f"SageMakerSettings.pass_config_as={self.pass_config_as!r}; expected "
                "'hyperparameters' or 'json'"
            )
        for mapping in ("tags", "environment"):
            for key, value in getattr(self, mapping).items():
                if not isinstance(key, str) or not isinstance(value, str):
                    raise TypeError(
                        f"SageMakerSettings.{mapping} entry {key!r}: {value!r}; expected strings"
                    )

    def _check_numbers(self) -> None:
        positive = ("instance_count", "volume_size_gb", "max_run_seconds", "max_attempts")
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SageMakerSettings.{name}={value!r}; expected an int >= 1")
        keep = self.keep_alive_seconds
        if isinstance(keep, bool) or not isinstance(keep, int):
            raise ValueError(f"SageMakerSettings.keep_alive_seconds={keep!r}; expected an int")
        if not 0 <= keep <= MAX_KEEP_ALIVE_SECONDS:
            raise ValueError(
                f"SageMakerSettings.keep_alive_seconds={keep}; expected 0 to "
                f"{MAX_KEEP_ALIVE_SECONDS}"
            )
        wait = self.max_wait_seconds
        if wait is not None and (not self.use_spot or wait < self.max_run_seconds):
            raise ValueError(
                f"SageMakerSettings.max_wait_seconds={wait!r}; only for use_spot=True, "
                f"and at least max_run_seconds={self.max_run_seconds}"
            )
        for name in ("poll_interval", "quota_retry_delay", "quota_retry_max_delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"SageMakerSettings.{name}={getattr(self, name)!r}; expected >= 0")
        if self.price_per_hour is not None and self.price_per_hour < 0:
            raise ValueError(
                f"SageMakerSettings.price_per_hour={self.price_per_hour!r}; expected >= 0"
            )

    @property
    def bucket(self) -> str:
        """Bucket of `s3_prefix`."""
        return self.s3_prefix.removeprefix("s3://").split("/", 1)[0]

    @property
    def key_prefix(self) -> str:
        """Key part of `s3_prefix`, without slashes at either end ("" for a bucket)."""
        parts = self.s3_prefix.removeprefix("s3://").split("/", 1)
        return parts[1].strip("/") if len(parts) > 1 else ""

    def key(self, *parts: str) -> str:
        """The S3 key `<key_prefix>/<parts...>`."""
        return "/".join(p.strip("/") for p in (self.key_prefix, *parts) if p.strip("/"))

    def uri(self, *parts: str) -> str:
        """The S3 URI `s3://<bucket>/<key_prefix>/<parts...>`."""
        return f"s3://{self.bucket}/{self.key(*parts)}"

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
