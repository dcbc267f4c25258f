"""Running a sweep's experiments as SageMaker training jobs (`hydra/launcher=sagemaker`).

What is particular to experiments lives here: `settings` (the launcher's options on
top of tunelab-core's `TrainingJobSettings`), `grouping` (experiments per job),
`packaging` (the project code as a tar.gz), `jobspec` (a job's group spec and
container command), `submission` (the launch itself), `following` (messages),
`entry` (what runs inside a job) and `sync` (`tunelab-sync`). The AWS side (request
building, retries, S3, job names) is tunelab-core's
`tunelab.core.backends.sagemaker`, shared with `SageMakerBackend`. boto3 is imported
only when AWS is called: `pip install 'tunelab-experiments[aws]'`.
"""

from __future__ import annotations

from tunelab.experiments.sagemaker.grouping import Group, PlannedExperiment, group_experiments
from tunelab.experiments.sagemaker.settings import LaunchSettings

__all__ = ["Group", "LaunchSettings", "PlannedExperiment", "group_experiments"]
