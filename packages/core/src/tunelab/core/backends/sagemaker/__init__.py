"""`SageMakerBackend`: one SageMaker training job per trial (extra `tunelab-core[aws]`).

Importing this package does not import boto3; creating a backend does.
"""

from tunelab.core.backends.sagemaker._jobs import JobRecord
from tunelab.core.backends.sagemaker.backend import COST_KEY, SageMakerBackend
from tunelab.core.backends.sagemaker.settings import SageMakerSettings

__all__ = ["COST_KEY", "JobRecord", "SageMakerBackend", "SageMakerSettings"]
