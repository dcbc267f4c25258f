"""Running a sweep's experiments as SageMaker training jobs (`hydra/launcher=sagemaker`).

The parts, each usable and testable alone: `settings` (the launcher's options),
`grouping` (experiments per job), `names` (valid, unique job names), `packaging`
(the project code as a tar.gz), `jobspec` (a job's group spec and its
`CreateTrainingJob` request), `aws` (boto3 clients and retries with back-off),
`submission` (the launch itself), `following` (messages), `entry` (what runs inside a
job), `transfer` and `sync` (S3 copies, `tunelab-sync`). boto3 is imported only when
AWS is called: `pip install 'tunelab-experiments[aws]'`.
"""

from __future__ import annotations

from tunelab.experiments.sagemaker.grouping import Experiment, Group, group_experiments
from tunelab.experiments.sagemaker.names import is_valid_job_name, job_name
from tunelab.experiments.sagemaker.settings import (
    LaunchSettings,
    LaunchSettingsError,
    RetrySettings,
)

__all__ = [
    "Experiment",
    "Group",
    "LaunchSettings",
    "LaunchSettingsError",
    "RetrySettings",
    "group_experiments",
    "is_valid_job_name",
    "job_name",
]
