"""What one training job runs (its group spec) and the `CreateTrainingJob` request.

S3 layout under `s3_prefix` (one sweep is one `stamp`):

```
code/<stamp>/source.tar.gz            the project code, once per sweep
specs/<stamp>/<job>/group.json        a job's experiments: overrides and resolved configs
outcomes/<stamp>/<number>.json        how each experiment ended (written by the job)
results/<study>/<benchmark>/<method>/<seed>/   the results folders (ARCHITECTURE §6)
checkpoints/<job>/                    a spot job's local results, kept across interruptions
output/                               SageMaker's own output (model.tar.gz, empty)
```

The container runs `python -m tunelab.experiments.sagemaker.entry --spec ... --code ...`
(`ContainerEntrypoint` and `ContainerArguments`), reading the two input channels
`code` and `spec` that SageMaker copies to `/opt/ml/input/data/<channel>/`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from tunelab.experiments.sagemaker.grouping import Group
from tunelab.experiments.sagemaker.settings import LaunchSettings
from tunelab.experiments.sagemaker.transfer import S3Uri

ENTRY_MODULE = "tunelab.experiments.sagemaker.entry"
SPEC_FILE = "group.json"
CODE_FILE = "source.tar.gz"
INPUT_DIR = "/opt/ml/input/data"
CHECKPOINT_DIR = "/opt/ml/checkpoints"
SPEC_VERSION = 1


@dataclass(frozen=True)
class SweepLocations:
    """The S3 locations of one sweep (see the module's layout)."""

    root: S3Uri
    stamp: str

    @property
    def code(self) -> S3Uri:
        return self.root.join("code", self.stamp, CODE_FILE)

    def spec(self, job: str) -> S3Uri:
        return self.root.join("specs", self.stamp, job, SPEC_FILE)

    @property
    def outcomes(self) -> S3Uri:
        return self.root.join("outcomes", self.stamp)

    @property
    def results(self) -> S3Uri:
        return self.root.join("results")

    def checkpoints(self, job: str) -> S3Uri:
        return self.root.join("checkpoints", job)

    @property
    def output(self) -> S3Uri:
        return self.root.join("output")


def group_spec(
    group: Group, *, job: str, locations: SweepLocations, rerun_command: str = ""
) -> dict[str, Any]:
    """The JSON document a job reads: its experiments, where results go, and the
    command that launches the group again (printed by a job whose experiments failed)."""
    return {
        "version": SPEC_VERSION,
        "job_name": job,
        "study": group.experiments[0].study,
        "results_uri": str(locations.results),
        "outcomes_uri": str(locations.outcomes),
        "rerun_overrides": group.rerun_overrides(),
        "rerun_command": rerun_command,
        "experiments": [
            {"number": e.number, "overrides": list(e.overrides), "config": dict(e.config)}
            for e in group.experiments
        ],
    }


def container_command(settings: LaunchSettings, *, spot: bool) -> tuple[list[str], list[str]]:
    """`ContainerEntrypoint` and `ContainerArguments` of a job."""
    arguments = [
        "--spec",
        f"{INPUT_DIR}/spec/{SPEC_FILE}",
        "--code",
        f"{INPUT_DIR}/code/{CODE_FILE}",
        "--upload-interval",
        str(settings.upload_interval_s),
    ]
    if spot:  # results there survive an interruption: SageMaker restores the folder
        arguments += ["--results-dir", f"{CHECKPOINT_DIR}/results"]
    entry = [settings.python, "-u", "-m", ENTRY_MODULE]
    if not settings.setup_command:
        return entry, arguments
    script = f'{settings.setup_command} && exec {shlex.join(entry)} "$@"'
    return ["/bin/sh", "-c", script, "tunelab-entry"], arguments


def training_job_request(
    settings: LaunchSettings, *, job: str, locations: SweepLocations
) -> dict[str, Any]:
    """The keyword arguments of boto3's `create_training_job` for `job`."""
    entrypoint, arguments = container_command(settings, spot=settings.use_spot)
    resources: dict[str, Any] = {
        "InstanceType": settings.instance_type,
        "InstanceCount": settings.instance_count,
        "VolumeSizeInGB": settings.volume_size_gb,
    }
    if settings.keep_alive_period_s is not None:
        resources["KeepAlivePeriodInSeconds"] = settings.keep_alive_period_s
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": settings.max_runtime_s}
    request: dict[str, Any] = {
        "TrainingJobName": job,
        "RoleArn": settings.role,
        "AlgorithmSpecification": {
            "TrainingImage": settings.image_uri,
            "TrainingInputMode": "File",
            "ContainerEntrypoint": entrypoint,
            "ContainerArguments": arguments,
        },
        "InputDataConfig": [
            _channel("code", _folder(locations.code)),
            _channel("spec", _folder(locations.spec(job))),
        ],
        "OutputDataConfig": {"S3OutputPath": str(locations.output)},
        "ResourceConfig": resources,
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": settings.use_spot,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(settings.tags.items())],
    }
    if settings.use_spot:
        stopping["MaxWaitTimeInSeconds"] = settings.spot_max_wait_s
        request["CheckpointConfig"] = {
            "S3Uri": str(locations.checkpoints(job)),
            "LocalPath": CHECKPOINT_DIR,
        }
    return request


def _folder(uri: S3Uri) -> S3Uri:
    """The prefix holding exactly one file (a channel copies a whole prefix)."""
    return S3Uri(bucket=uri.bucket, key=uri.key.rpartition("/")[0])


def _channel(name: str, prefix: S3Uri) -> dict[str, Any]:
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
