"""The `CreateTrainingJob` request of one trial's job."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from tunelab.core.backends.sagemaker import _s3
from tunelab.core.backends.sagemaker._clients import ClientFactory
from tunelab.core.backends.sagemaker.settings import SageMakerSettings
from tunelab.core.checkpoint import (
    CHECKPOINT_DIR_ENV,
    CONFIG_JSON_ARG,
    CONFIG_JSON_ENV,
    TRIAL_ID_ENV,
)
from tunelab.core.trial import Config

logger = logging.getLogger(__name__)

CONFIG_CHANNEL = "tunelab_config"
"""Input channel that carries `config.json` in json mode."""

CONFIG_FILE_IN_JOB = f"/opt/ml/input/data/{CONFIG_CHANNEL}/config.json"
"""Where the job finds its `config.json` in json mode."""

MAX_HYPERPARAMETER_LENGTH = 2500
"""Longest hyperparameter value SageMaker accepts."""

_RESERVED_PREFIX = "sagemaker_"  # keys of the framework containers' script mode


def config_json(config: Config) -> bytes:
    """The trial's configuration as the bytes of `config.json`."""
    return (json.dumps(config, indent=2, default=_json_default) + "\n").encode()


def hyperparameters(
    settings: SageMakerSettings, *, config: Config, program: str, code_uri: str, region: str
) -> dict[str, str]:
    """Script-mode hyperparameters: what to run, and the configuration (or its file).

    Every value is JSON-encoded, as SageMaker's framework containers expect; they
    decode it and pass `--name value` to the script.

    Raises:
        ValueError: A configuration key is reserved, or a value is too long for
            a hyperparameter (use `pass_config_as="json"` then).
    """
    values: dict[str, Any] = {
        "sagemaker_program": program,
        "sagemaker_submit_directory": code_uri,
        "sagemaker_region": region,
    }
    if settings.pass_config_as == "json":
        values[CONFIG_JSON_ARG.lstrip("-")] = CONFIG_FILE_IN_JOB
        return {key: json.dumps(value) for key, value in values.items()}
    for key, value in config.items():
        if key.startswith(_RESERVED_PREFIX) or key == CONFIG_JSON_ARG.lstrip("-"):
            raise ValueError(
                f"config key {key!r} is reserved for SageMaker's script mode; rename it"
            )
        values[key] = value
    encoded = {key: json.dumps(value, default=_json_default) for key, value in values.items()}
    for key, text in encoded.items():
        if len(text) > MAX_HYPERPARAMETER_LENGTH:
            raise ValueError(
                f"config value {key!r} has {len(text)} characters as a hyperparameter; "
                f"SageMaker takes at most {MAX_HYPERPARAMETER_LENGTH}; use "
                "pass_config_as='json'"
            )
    return encoded


def environment(settings: SageMakerSettings, trial_id: int) -> dict[str, str]:
    """The job's environment: the user's plus what tunelab's script helpers read."""
    env = {"PYTHONUNBUFFERED": "1", **settings.environment}
    env[TRIAL_ID_ENV] = str(trial_id)
    env[CHECKPOINT_DIR_ENV] = settings.checkpoint_local_path
    if settings.pass_config_as == "json":
        env[CONFIG_JSON_ENV] = CONFIG_FILE_IN_JOB
    return env


def training_job_request(
    settings: SageMakerSettings,
    *,
    name: str,
    trial_id: int,
    hyperparameters: dict[str, str],
    checkpoint_uri: str,
    config_uri: str | None,
    tags: dict[str, str],
) -> dict[str, Any]:
    """Keyword arguments of `create_training_job` for one job of trial `trial_id`."""
    resources: dict[str, Any] = {
        "InstanceType": settings.instance_type,
        "InstanceCount": settings.instance_count,
        "VolumeSizeInGB": settings.volume_size_gb,
    }
    if settings.keep_alive_seconds:
        resources["KeepAlivePeriodInSeconds"] = settings.keep_alive_seconds
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": settings.max_run_seconds}
    if settings.use_spot:
        stopping["MaxWaitTimeInSeconds"] = settings.max_wait_seconds or 2 * settings.max_run_seconds
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": settings.role,
        "AlgorithmSpecification": {
            "TrainingImage": settings.image_uri,
            "TrainingInputMode": "File",
        },
        "HyperParameters": hyperparameters,
        "Environment": environment(settings, trial_id),
        "OutputDataConfig": {"S3OutputPath": settings.uri("output")},
        "ResourceConfig": resources,
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": settings.use_spot,
        "CheckpointConfig": {
            "S3Uri": checkpoint_uri,
            "LocalPath": settings.checkpoint_local_path,
        },
        "Tags": [{"Key": key, "Value": value} for key, value in {**settings.tags, **tags}.items()],
    }
    if config_uri is not None:
        request["InputDataConfig"] = [
            {
                "ChannelName": CONFIG_CHANNEL,
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": config_uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ]
    return request


class JobRequests:
    """Builds the `CreateTrainingJob` requests of one backend's jobs.

    The code tarball is uploaded on the first request only; in json mode each job's
    `config.json` is uploaded to `<s3_prefix>/configs/<job name>/`.

    Args:
        settings: The backend's settings.
        clients: Client factory ("sagemaker" for the region, "s3" for uploads).
        source: Folder to package.
        program: Entry point, relative to `source`.
        token: The backend's token (S3 folder of the code, a tag of every job).
    """

    def __init__(
        self,
        settings: SageMakerSettings,
        *,
        clients: ClientFactory,
        source: Path,
        program: str,
        token: str,
    ) -> None:
        self.settings = settings
        self._clients = clients
        self._source = source
        self._program = program
        self._token = token
        self._code_uri: str | None = None

    def build(
        self, *, name: str, trial_id: int, config: Config, checkpoint_uri: str
    ) -> dict[str, Any]:
        """Keyword arguments of `create_training_job` for job `name` of trial `trial_id`."""
        settings = self.settings
        meta = getattr(self._clients("sagemaker"), "meta", None)
        region = settings.region or getattr(meta, "region_name", None) or ""
        config_uri = None
        if settings.pass_config_as == "json":
            key = settings.key("configs", name, "config.json")
            _s3.put_bytes(self._clients("s3"), settings.bucket, key, config_json(config))
            config_uri = settings.uri("configs", name) + "/"
        values = hyperparameters(
            settings, config=config, program=self._program, code_uri=self.code_uri(), region=region
        )
        return training_job_request(
            settings,
            name=name,
            trial_id=trial_id,
            hyperparameters=values,
            checkpoint_uri=checkpoint_uri,
            config_uri=config_uri,
            tags={"tunelab-trial-id": str(trial_id), "tunelab-experiment": self._token},
        )

    def code_uri(self) -> str:
        """S3 URI of the code tarball, uploaded on first use."""
        if self._code_uri is None:
            key = self.settings.key("code", self._token, "sourcedir.tar.gz")
            data = _s3.code_tarball(self._source)
            _s3.put_bytes(self._clients("s3"), self.settings.bucket, key, data)
            self._code_uri = f"s3://{self.settings.bucket}/{key}"
            logger.info("uploaded %s (%d bytes) to %s", self._source, len(data), self._code_uri)
        return self._code_uri


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"config value {value!r} of type {type(value).__name__} is not JSON data")
