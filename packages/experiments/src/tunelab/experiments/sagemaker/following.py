"""What a person reads after the jobs are submitted: how to follow them, their
statuses while waiting, and for a failed job why and the command that re-runs it."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from tunelab.core.backends.sagemaker.training_jobs import LOG_GROUP
from tunelab.core.backends.sagemaker.transfer import S3Uri
from tunelab.experiments.sagemaker.grouping import Group

COMMAND = "tunelab-run"


def console_url(region: str, job: str) -> str:
    """The training job's page in the AWS console."""
    return f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/jobs/{job}"


def follow_instructions(
    *, jobs: Sequence[str], region: str | None, results: S3Uri, study: str
) -> list[str]:
    """Lines telling how to follow the submitted `jobs` and fetch their results."""
    first = jobs[0]
    lines = [
        f"follow the {len(jobs)} job(s) with, for example:",
        f"  aws sagemaker describe-training-job --training-job-name {first}",
        f"  aws logs tail {LOG_GROUP} --log-stream-name-prefix {first} --follow",
    ]
    if region:
        lines.append(f"  {console_url(region, first)}")
    study_uri = results.join(study)
    lines += [
        "results appear, experiment by experiment, under:",
        f"  {study_uri}/",
        "plot them from there, or copy what plotting needs to a local folder:",
        f"  tunelab-plot {study_uri}",
        f"  tunelab-sync {study_uri} results/{study}",
    ]
    return lines


def status_line(job: str, description: dict[str, Any]) -> str:
    """`job: InProgress (Training)`, with the reason of a failure."""
    status = description.get("TrainingJobStatus")
    secondary = description.get("SecondaryStatus")
    line = f"{job}: {status}" + (f" ({secondary})" if secondary and secondary != status else "")
    reason = description.get("FailureReason")
    return f"{line}: {reason}" if reason else line


def rerun_command(group: Group, *, hydra_overrides: Sequence[str]) -> str:
    """The command that launches `group`'s experiments again, as one job."""
    arguments = [COMMAND, "-m", *hydra_overrides, *group.rerun_overrides()]
    return " ".join(shlex.quote(str(a)) for a in arguments)


def failure_report(
    failed: Sequence[tuple[str, Group, dict[str, Any]]], *, hydra_overrides: Sequence[str]
) -> list[str]:
    """Lines on each failed job (name, group, description): why, and its re-run command."""
    lines: list[str] = []
    for job, group, description in failed:
        status = description.get("TrainingJobStatus")
        reason = description.get("FailureReason") or "see the job's log"
        lines += [
            f"job {job} ({group.label}) ended {status}: {reason}",
            f"  log: aws logs tail {LOG_GROUP} --log-stream-name-prefix {job}",
            "  re-run just this group (its complete experiments are skipped) with:",
            f"  {rerun_command(group, hydra_overrides=hydra_overrides)}",
        ]
    return lines
