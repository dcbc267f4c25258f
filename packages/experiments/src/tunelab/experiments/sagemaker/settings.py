"""The settings of the SageMaker launcher (`hydra/launcher=sagemaker`), checked once.

`LaunchSettings` is `TrainingJobSettings` of tunelab-core (what every training job
gets, shared with `SageMakerBackend`) plus what only the launcher needs: how
experiments are grouped into jobs, how many jobs run at once, and what a job runs.
The Hydra schema (`hydra_plugins.tunelab_sagemaker.config`) is generated from it;
the launcher turns what Hydra composed into a `LaunchSettings`, so that the rest of
the code reads typed, validated values instead of a config node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from tunelab.core.backends.sagemaker.retry import RetryPolicy
from tunelab.core.backends.sagemaker.settings import SettingsError, TrainingJobSettings

ROLE_EXAMPLE = "arn:aws:iam::123456789012:role/SageMakerTunelab"


@dataclass(frozen=True, kw_only=True)
class LaunchSettings(TrainingJobSettings):
    """Where and how the experiments of a sweep run as SageMaker training jobs.

    The fields of `TrainingJobSettings` (`role`, `image_uri` and `s3_prefix` are
    needed for a launch, not for a dry run; `instance_count` > 1 runs the
    experiments on the first instance; `source_dir` defaults to the current folder),
    plus:

    Attributes:
        job_name_prefix: First part of every job name.
        group_size: Most experiments per job; default: all seeds of one method on one
            benchmark in one job.
        single_seed_methods: Methods (their `name`) that get one experiment per job.
        max_concurrent_jobs: Jobs in flight at once; submission waits for a free slot.
        wait: Wait for the jobs and report their statuses, instead of returning once
            they are submitted.
        python: Python interpreter in the image that runs the job's entry.
        setup_command: Shell command run in the job before the entry (for example
            `pip install 'tunelab-experiments[aws]'` when the image lacks it).
        upload_interval_seconds: Seconds between two uploads of running experiments'
            results.
    """

    SETTINGS_NAME: ClassVar[str] = "hydra.launcher"

    job_name_prefix: str | None = "tunelab"
    group_size: int | None = None
    single_seed_methods: tuple[str, ...] = ()
    max_concurrent_jobs: int | None = None
    wait: bool = False
    python: str = "python3"
    setup_command: str | None = None
    upload_interval_seconds: float = 60.0

    def _validate(self) -> None:
        super()._validate()
        for name in ("group_size", "max_concurrent_jobs", "upload_interval_seconds"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise SettingsError(f"hydra.launcher.{name}={value}; expected a positive number")

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
        """Raise `SettingsError` listing what a real launch needs and lacks."""
        missing = self.missing_for_launch()
        if missing:
            raise SettingsError(
                "the SageMaker launcher needs settings that are not set (add them as "
                "overrides, or to a hydra/launcher config):\n  " + "\n  ".join(missing)
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> LaunchSettings:
        """Settings from a plain mapping (the launcher's Hydra node, `_target_` aside).

        Raises:
            SettingsError: For a key that is not a setting, or a value that is not usable.
        """
        known = {f.name for f in fields(cls)}
        given = {k: v for k, v in values.items() if k != "_target_"}
        unknown = sorted(set(given) - known)
        if unknown:
            raise SettingsError(
                f"unknown hydra.launcher setting(s) {unknown}; expected some of {sorted(known)}"
            )
        retry = given.pop("retry", None) or {}
        if not isinstance(retry, RetryPolicy):
            retry = _retry_from_mapping(retry)
        tags = {str(k): str(v) for k, v in (given.pop("tags", None) or {}).items()}
        methods = tuple(str(m) for m in (given.pop("single_seed_methods", None) or ()))
        return cls(**given, retry=retry, tags=tags, single_seed_methods=methods)


def _retry_from_mapping(values: Mapping[str, Any]) -> RetryPolicy:
    known = {f.name for f in fields(RetryPolicy)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SettingsError(
            f"unknown hydra.launcher.retry setting(s) {unknown}; expected some of {sorted(known)}"
        )
    try:
        return RetryPolicy(**values)
    except ValueError as error:
        raise SettingsError(f"hydra.launcher.retry: {error}") from None
