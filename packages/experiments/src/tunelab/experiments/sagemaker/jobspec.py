"""What one training job runs: its group spec and its container command.

The `CreateTrainingJob` request around them is tunelab-core's
(`tunelab.core.backends.sagemaker.request`), as for `SageMakerBackend`.

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

from tunelab.core.backends.sagemaker.request import Checkpoints, s3_channel
from tunelab.core.backends.sagemaker.request import training_job_request as build_request
from tunelab.core.backends.sagemaker.transfer import S3Uri
from tunelab.experiments.sagemaker.grouping import Group
from tunelab.experiments.sagemaker.settings import LaunchSettings

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
        str(settings.upload_interval_seconds),
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
    checkpoints = None
    if settings.use_spot:  # results there survive an interruption
        checkpoints = Checkpoints(uri=str(locations.checkpoints(job)), local_path=CHECKPOINT_DIR)
    return build_request(
        settings,
        name=job,
        output=locations.output,
        entrypoint=entrypoint,
        arguments=arguments,
        channels=[
            s3_channel("code", locations.code.parent),
            s3_channel("spec", locations.spec(job).parent),
        ],
        checkpoints=checkpoints,
    )
