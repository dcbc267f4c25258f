"""tunelab's SageMaker layer (extra `tunelab-core[aws]`).

`SageMakerBackend` runs one training job per trial. The parts it shares with the
SageMaker launcher of tunelab-experiments (one job per group of experiments) live
here too, each once: `settings` (`TrainingJobSettings`, checked once), `request`
(the `CreateTrainingJob` request), `retry` (the one `RetryPolicy`), `clients`
(boto3 clients), `transfer` (S3), `naming` (job names) and `training_jobs`
(creating jobs under a concurrency cap and waiting for them).

Importing this package does not import boto3; creating a client does.
"""

from tunelab.core.backends.sagemaker._jobs import JobRecord
from tunelab.core.backends.sagemaker.backend import SageMakerBackend
from tunelab.core.backends.sagemaker.retry import RetryPolicy
from tunelab.core.backends.sagemaker.settings import (
    SageMakerSettings,
    SettingsError,
    TrainingJobSettings,
)
from tunelab.core.status import COST_KEY

__all__ = [
    "COST_KEY",
    "JobRecord",
    "RetryPolicy",
    "SageMakerBackend",
    "SageMakerSettings",
    "SettingsError",
    "TrainingJobSettings",
]
