"""What a trial's job runs: SageMaker script mode, with the trial's configuration.

The source folder is uploaded once as `sourcedir.tar.gz`; every job names it and the
entry point in script-mode hyperparameters and gets the configuration as further
hyperparameters (or, in json mode, as a `config.json` input channel).
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
from pathlib import Path
from typing import Any

from tunelab.core.backends.sagemaker.clients import ClientFactory
from tunelab.core.backends.sagemaker.request import (
    Checkpoints,
    s3_channel,
    training_job_request,
)
from tunelab.core.backends.sagemaker.settings import SageMakerSettings
from tunelab.core.backends.sagemaker.transfer import S3Objects
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

SKIPPED_NAMES = frozenset({"__pycache__", ".git", ".venv", ".mypy_cache", ".pytest_cache"})
"""Folders never packaged with the training code."""

_RESERVED_PREFIX = "sagemaker_"  # keys of the framework containers' script mode


def code_tarball(source: Path) -> bytes:
    """`source`'s files as a gzipped tar (paths relative to `source`).

    Caches (`__pycache__`, `.git`, virtual environments, `*.pyc`) are left out.
    """

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        if any(part in SKIPPED_NAMES for part in parts) or info.name.endswith(".pyc"):
            return None
        return info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(source.iterdir()):
            tar.add(path, arcname=path.name, filter=keep)
    return buffer.getvalue()


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


class JobRequests:
    """Builds the `CreateTrainingJob` requests of one backend's jobs.

    The code tarball is uploaded on the first request only; in json mode each job's
    `config.json` is uploaded to `<s3_prefix>/configs/<job name>/`.

    Args:
        settings: The backend's settings.
        clients: Client factory ("sagemaker" for the region).
        s3: Where the code and configurations go.
        source: Folder to package.
        program: Entry point, relative to `source`.
        token: The backend's token (S3 folder of the code, a tag of every job).
    """

    def __init__(
        self,
        settings: SageMakerSettings,
        *,
        clients: ClientFactory,
        s3: S3Objects,
        source: Path,
        program: str,
        token: str,
    ) -> None:
        self.settings = settings
        self._clients = clients
        self._s3 = s3
        self._source = source
        self._program = program
        self._token = token
        self._code_uri: str | None = None

    def build(
        self, *, name: str, trial_id: int, config: Config, checkpoint_uri: str
    ) -> dict[str, Any]:
        """Keyword arguments of `create_training_job` for job `name` of trial `trial_id`."""
        settings, root = self.settings, self.settings.s3_root
        meta = getattr(self._clients("sagemaker"), "meta", None)
        region = settings.region or getattr(meta, "region_name", None) or ""
        channels = []
        if settings.pass_config_as == "json":
            folder = root.join("configs", name)
            self._s3.put(folder.join("config.json"), config_json(config))
            channels.append(s3_channel(CONFIG_CHANNEL, folder))
        values = hyperparameters(
            settings, config=config, program=self._program, code_uri=self.code_uri(), region=region
        )
        return training_job_request(
            settings,
            name=name,
            output=root.join("output"),
            hyperparameters=values,
            environment=environment(settings, trial_id),
            channels=channels,
            checkpoints=Checkpoints(uri=checkpoint_uri, local_path=settings.checkpoint_local_path),
            tags={"tunelab-trial-id": str(trial_id), "tunelab-experiment": self._token},
        )

    def code_uri(self) -> str:
        """S3 URI of the code tarball, uploaded on first use."""
        if self._code_uri is None:
            uri = self.settings.s3_root.join("code", self._token, "sourcedir.tar.gz")
            data = code_tarball(self._source)
            self._s3.put(uri, data)
            self._code_uri = str(uri)
            logger.info("uploaded %s (%d bytes) to %s", self._source, len(data), uri)
        return self._code_uri


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"config value {value!r} of type {type(value).__name__} is not JSON data")
