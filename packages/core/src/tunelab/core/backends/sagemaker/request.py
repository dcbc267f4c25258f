"""The `CreateTrainingJob` request: one builder for the backend's and the launcher's jobs.

What comes from `TrainingJobSettings` (role, image, instances, limits, spot, warm
pool, tags) is filled in here the same way for both; the caller adds what its job
runs (hyperparameters or a container command, environment, input channels) and
where its checkpoints go.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tunelab.core.backends.sagemaker.settings import SettingsError, TrainingJobSettings
from tunelab.core.backends.sagemaker.transfer import S3Uri


@dataclass(frozen=True)
class Checkpoints:
    """A job's checkpoint folder, which SageMaker keeps in sync with an S3 prefix.

    Attributes:
        uri: The S3 prefix (as given, e.g. with a trailing "/").
        local_path: The folder in the job.
    """

    uri: str
    local_path: str


def s3_channel(name: str, prefix: S3Uri) -> dict[str, Any]:
    """An input channel: SageMaker copies the objects below `prefix/` to
    `/opt/ml/input/data/<name>/` before the job starts."""
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": f"{prefix}/",
                "S3DataDistributionType": "FullyReplicated",
            }
        },
        "InputMode": "File",
    }


def training_job_request(
    settings: TrainingJobSettings,
    *,
    name: str,
    output: S3Uri,
    hyperparameters: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    entrypoint: Sequence[str] | None = None,
    arguments: Sequence[str] | None = None,
    channels: Sequence[dict[str, Any]] = (),
    checkpoints: Checkpoints | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Keyword arguments of boto3's `create_training_job` for the job `name`.

    Args:
        settings: Role, image, instances, limits, spot, warm pool and tags.
        name: The job's name.
        output: `OutputDataConfig.S3OutputPath`.
        hyperparameters: Script-mode hyperparameters (left out when None).
        environment: The job's environment variables (left out when None).
        entrypoint: `ContainerEntrypoint`, replacing the image's (left out when None).
        arguments: `ContainerArguments` (left out when None).
        channels: Input channels (`s3_channel`).
        checkpoints: Checkpoint folder and prefix (left out when None).
        tags: Tags of this job, added to (and overriding) `settings.tags`.

    Raises:
        SettingsError: `role` or `image_uri` is not set.
    """
    for needed in ("role", "image_uri"):
        if not getattr(settings, needed):
            raise SettingsError(
                f"{settings.SETTINGS_NAME}.{needed} is not set; a training job needs it"
            )
    algorithm: dict[str, Any] = {
        "TrainingImage": settings.image_uri,
        "TrainingInputMode": "File",
    }
    if entrypoint is not None:
        algorithm["ContainerEntrypoint"] = list(entrypoint)
    if arguments is not None:
        algorithm["ContainerArguments"] = list(arguments)
    resources: dict[str, Any] = {
        "InstanceType": settings.instance_type,
        "InstanceCount": settings.instance_count,
        "VolumeSizeInGB": settings.volume_size_gb,
    }
    if settings.keep_alive_seconds:
        resources["KeepAlivePeriodInSeconds"] = settings.keep_alive_seconds
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": settings.max_run_seconds}
    if settings.use_spot:
        stopping["MaxWaitTimeInSeconds"] = settings.spot_max_wait_seconds
    all_tags = {**settings.tags, **(tags or {})}
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": settings.role,
        "AlgorithmSpecification": algorithm,
        "OutputDataConfig": {"S3OutputPath": str(output)},
        "ResourceConfig": resources,
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": settings.use_spot,
        "Tags": [{"Key": key, "Value": value} for key, value in sorted(all_tags.items())],
    }
    if hyperparameters is not None:
        request["HyperParameters"] = dict(hyperparameters)
    if environment is not None:
        request["Environment"] = dict(environment)
    if channels:
        request["InputDataConfig"] = list(channels)
    if checkpoints is not None:
        request["CheckpointConfig"] = {
            "S3Uri": checkpoints.uri,
            "LocalPath": checkpoints.local_path,
        }
    return request
