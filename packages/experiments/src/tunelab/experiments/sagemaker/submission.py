"""Launch a sweep's experiments as SageMaker training jobs (or show the plan).

Group the experiments, package the project code, upload it and one group spec per
job, create the jobs, then either return (printing how to follow them) or wait and
report each experiment's outcome as the jobs wrote it to S3.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunelab.core.backends.sagemaker.clients import ClientFactory, client_factory
from tunelab.core.backends.sagemaker.naming import sweep_job_name, sweep_stamp
from tunelab.core.backends.sagemaker.retry import RetryingCaller, error_code
from tunelab.core.backends.sagemaker.training_jobs import TrainingJobs
from tunelab.core.backends.sagemaker.transfer import S3Objects, S3Uri
from tunelab.experiments.sagemaker.following import (
    failure_report,
    follow_instructions,
    rerun_command,
    status_line,
)
from tunelab.experiments.sagemaker.grouping import Group, PlannedExperiment, group_experiments
from tunelab.experiments.sagemaker.jobspec import SweepLocations, group_spec, training_job_request
from tunelab.experiments.sagemaker.packaging import package_source
from tunelab.experiments.sagemaker.settings import LaunchSettings

AWS_EXTRA = "tunelab-experiments[aws]"
PLACEHOLDER_PREFIX = S3Uri(bucket="BUCKET", key="PREFIX")

SUBMITTED = "submitted"
PLANNED = "dry_run"


@dataclass
class SweepLaunch:
    """The jobs of one sweep and, by experiment number, how each experiment stands.

    `outcomes[number]` is a record like the app's (`status`, `path`, `method`,
    `benchmark`, `seed`, `error`, `overrides`) plus `job_name`; its status is
    `dry_run`, `submitted`, or (after waiting) `complete`, `skipped` or `failed`.
    """

    stamp: str
    locations: SweepLocations
    jobs: dict[str, Group]
    outcomes: dict[int, dict[str, Any]] = field(default_factory=dict)


def launch_sweep(
    settings: LaunchSettings,
    experiments: Sequence[PlannedExperiment],
    *,
    hydra_overrides: Sequence[str] = (),
    dry_run: bool = False,
    out: Callable[[str], None] = print,
    clients: ClientFactory | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stamp: str | None = None,
) -> SweepLaunch:
    """Launch `experiments` as training jobs, or with `dry_run` only print the plan.

    Args:
        settings: The launcher's settings.
        experiments: The sweep's experiments, in order.
        hydra_overrides: The sweep's Hydra overrides (`hydra/launcher=sagemaker`, ...),
            repeated in the commands that re-run a group.
        dry_run: Print what would be launched; upload and create nothing.
        out: Receives each line for the user.
        clients: Makes a boto3 client for a service name (default: tunelab-core's
            `client_factory` for the settings' region and endpoint).
        sleep: Waits the given seconds (replaced in tests).
        stamp: The sweep's stamp (default: a new one).
    """
    if not experiments:
        raise ValueError("no experiments to launch")
    groups = group_experiments(
        experiments,
        group_size=settings.group_size,
        single_seed_methods=settings.single_seed_methods,
    )
    stamp = stamp or sweep_stamp()
    study = experiments[0].study
    root = settings.s3_root if settings.s3_prefix else PLACEHOLDER_PREFIX
    prefix = settings.job_name_prefix or ""
    names = [sweep_job_name(prefix=prefix, study=study, stamp=stamp, index=g.index) for g in groups]
    launch = SweepLaunch(
        stamp=stamp,
        locations=SweepLocations(root=root, stamp=stamp),
        jobs=dict(zip(names, groups, strict=True)),
    )
    if dry_run:
        for line in plan_lines(settings, launch):
            out(line)
        _record(launch, PLANNED)
        return launch
    settings.require_launchable()
    make_client = clients or client_factory(
        region=settings.region,
        endpoint_url=settings.endpoint_url,
        needed_by="the SageMaker launcher",
        extra=AWS_EXTRA,
    )
    caller = RetryingCaller(policy=settings.retry, sleep=sleep, notify=out)
    s3 = S3Objects(make_client("s3"), caller=caller)
    sagemaker = make_client("sagemaker")
    _upload_code(settings, launch, s3=s3, out=out)
    jobs = TrainingJobs(
        sagemaker=sagemaker,
        caller=caller,
        max_concurrent=settings.max_concurrent_jobs,
        poll_interval_seconds=settings.poll_interval_seconds,
        sleep=sleep,
    )
    for name, group in launch.jobs.items():
        command = rerun_command(group, hydra_overrides=hydra_overrides)
        document = group_spec(group, job=name, locations=launch.locations, rerun_command=command)
        spec = json.dumps(document, indent=1)
        s3.put(launch.locations.spec(name), spec.encode())
        jobs.create(training_job_request(settings, job=name, locations=launch.locations))
        out(f"submitted {name}: {group.label}")
    _record(launch, SUBMITTED)
    if not settings.wait:
        region = settings.region or getattr(getattr(sagemaker, "meta", None), "region_name", None)
        for line in follow_instructions(
            jobs=list(launch.jobs), region=region, results=launch.locations.results, study=study
        ):
            out(line)
        return launch
    ended = jobs.wait(list(launch.jobs), on_change=lambda n, d: out(status_line(n, d)))
    _collect_outcomes(launch, s3=s3, ended=ended)
    failed = [
        (name, launch.jobs[name], ended[name])
        for name in launch.jobs
        if ended[name].get("TrainingJobStatus") != "Completed"
    ]
    for line in failure_report(failed, hydra_overrides=hydra_overrides):
        out(line)
    return launch


def plan_lines(settings: LaunchSettings, launch: SweepLaunch) -> list[str]:
    """The dry run's plan: jobs, their experiments, instances, image and S3 locations."""
    count = sum(len(g.experiments) for g in launch.jobs.values())
    spot = ", spot" if settings.use_spot else ""
    lines = [
        "dry run: nothing is uploaded and no job is created",
        f"{count} experiments in {len(launch.jobs)} training job(s) on "
        f"{settings.instance_count} x {settings.instance_type}{spot}",
        f"  image: {settings.image_uri or '(not set)'}",
        f"  role: {settings.role or '(not set)'}",
        f"  code: {Path(settings.source_dir or '.').resolve()} -> {launch.locations.code}",
        f"  results: {launch.locations.results}/",
    ]
    for name, group in launch.jobs.items():
        lines.append(f"job {name}: {group.label}")
        lines.append(f"  spec: {launch.locations.spec(name)}")
        lines += [f"  - {' '.join(e.overrides)}" for e in group.experiments]
    missing = settings.missing_for_launch()
    if missing:
        lines.append("a real launch also needs:")
        lines += [f"  {m}" for m in missing]
    return lines


def _upload_code(
    settings: LaunchSettings,
    launch: SweepLaunch,
    *,
    s3: S3Objects,
    out: Callable[[str], None],
) -> None:
    source = Path(settings.source_dir or ".")
    first = next(iter(launch.jobs.values())).experiments[0]
    results_root = Path(str(first.config.get("results_root", "results"))).expanduser()
    with tempfile.TemporaryDirectory(prefix="tunelab-code-") as folder:
        package = package_source(
            source, Path(folder) / "source.tar.gz", also_exclude=[results_root]
        )
        uri = launch.locations.code
        s3.upload(package.path, uri)
    out(f"uploaded {package.files} files of {source.resolve()} ({package.size} bytes) to {uri}")


def _record(launch: SweepLaunch, status: str) -> None:
    for name, group in launch.jobs.items():
        for experiment in group.experiments:
            launch.outcomes[experiment.number] = {
                "status": status,
                "path": f"{launch.locations.results.join(experiment.relative_path)}",
                "method": experiment.method,
                "benchmark": experiment.benchmark,
                "seed": experiment.seed,
                "error": None,
                "overrides": list(experiment.overrides),
                "job_name": name,
            }


def _collect_outcomes(
    launch: SweepLaunch, *, s3: S3Objects, ended: dict[str, dict[str, Any]]
) -> None:
    """Each experiment's outcome as its job wrote it; a job that died left none."""
    for name, group in launch.jobs.items():
        for experiment in group.experiments:
            record = launch.outcomes[experiment.number]
            uri = launch.locations.outcomes.join(f"{experiment.number}.json")
            try:
                written = json.loads(s3.get(uri))
            except Exception as error:
                if error_code(error) not in ("NoSuchKey", "404"):
                    raise
                status = ended[name].get("TrainingJobStatus")
                reason = ended[name].get("FailureReason") or "no reason given"
                record.update(
                    status="failed", error=f"training job {name} ended {status}: {reason}"
                )
                continue
            record.update(status=written.get("status"), error=written.get("error"))
