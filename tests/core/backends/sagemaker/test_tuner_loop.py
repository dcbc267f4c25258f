"""A Tuner driving SageMakerBackend against a small fake of SageMaker, Logs and S3.

The fake runs every job one epoch per status listing, logs one `[tunelab-metric]`
line per epoch, keeps each checkpoint location's last epoch (as SageMaker syncs
`/opt/ml/checkpoints` to S3) and lets a new job with the same location continue
from it. That is enough to show the backend in the loop: starting, completing,
pausing at rungs and resuming from checkpoints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tunelab.core import StoppingCriterion, Tuner, TunerOptions
from tunelab.core.backends.sagemaker import COST_KEY, SageMakerBackend, SageMakerSettings
from tunelab.core.methods import asha_prom, random_search
from tunelab.core.space import uniform

QUIET = TunerOptions(sleep_time=0.0, progress_interval=None)


@dataclass
class FakeJob:
    name: str
    config: dict[str, Any]
    checkpoint: str
    epoch: int
    status: str = "InProgress"
    epochs_run: int = 0
    lines: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)


class FakeAWS:
    """Answers the SageMaker, CloudWatch Logs and S3 calls the backend makes."""

    def __init__(self) -> None:
        self.jobs: dict[str, FakeJob] = {}
        self.checkpoints: dict[str, int] = {}
        self.objects: dict[str, bytes] = {}
        self.stops: list[str] = []

    def client(self, service: str) -> FakeAWS:
        return self

    # -- SageMaker -----------------------------------------------------------------------

    def create_training_job(self, **request: Any) -> dict[str, Any]:
        config = {
            key: json.loads(value)
            for key, value in request["HyperParameters"].items()
            if not key.startswith("sagemaker_")
        }
        uri = request["CheckpointConfig"]["S3Uri"]
        name = request["TrainingJobName"]
        assert name not in self.jobs, f"job name {name} used twice"
        self.jobs[name] = FakeJob(name, config, uri, epoch=self.checkpoints.get(uri, 0))
        return {"TrainingJobArn": f"arn:{name}"}

    def list_training_jobs(self, **request: Any) -> dict[str, Any]:
        for job in self.jobs.values():
            self._advance(job)
        return {
            "TrainingJobSummaries": [
                {"TrainingJobName": job.name, "TrainingJobStatus": job.status}
                for job in self.jobs.values()
                if request["NameContains"] in job.name
            ]
        }

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:  # noqa: N803
        job = self.jobs[TrainingJobName]
        return {"TrainingJobStatus": job.status, "BillableTimeInSeconds": 60 * job.epochs_run}

    def stop_training_job(self, TrainingJobName: str) -> dict[str, Any]:  # noqa: N803
        self.stops.append(TrainingJobName)
        self.jobs[TrainingJobName].status = "Stopping"
        return {}

    def _advance(self, job: FakeJob) -> None:
        if job.status == "Stopping":
            job.status = "Stopped"
        if job.status != "InProgress":
            return
        job.epoch += 1
        job.epochs_run += 1
        self.checkpoints[job.checkpoint] = job.epoch
        loss = (job.config["x"] - 0.3) ** 2 + 1.0 / job.epoch
        job.lines.append(f'[tunelab-metric]: {{"epoch": {job.epoch}, "loss": {loss}}}')
        if job.epoch >= job.config["epochs"]:
            job.status = "Completed"

    # -- CloudWatch Logs and S3 ----------------------------------------------------------

    def describe_log_streams(self, **request: Any) -> dict[str, Any]:
        job = self.jobs[request["logStreamNamePrefix"].rstrip("/")]
        return {"logStreams": [{"logStreamName": f"{job.name}/algo-1-1"}] if job.lines else []}

    def get_log_events(self, **request: Any) -> dict[str, Any]:
        job = self.jobs[request["logStreamName"].split("/")[0]]
        start = int(request.get("nextToken", "f/0")[2:])
        # one epoch takes a simulated minute after the job's creation
        events = [
            {"timestamp": int(1000 * (job.created + 60 * (start + i + 1))), "message": line}
            for i, line in enumerate(job.lines[start:])
        ]
        return {"events": events, "nextForwardToken": f"f/{len(job.lines)}"}

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> dict[str, Any]:  # noqa: N803
        self.objects[f"{Bucket}/{Key}"] = Body
        return {}


def make_backend(
    make_settings: Callable[..., SageMakerSettings], fake: FakeAWS
) -> SageMakerBackend:
    return SageMakerBackend(make_settings(price_per_hour=3.6), client_factory=fake.client)


def random_search_tuner(backend: SageMakerBackend, path: Path, stop: StoppingCriterion) -> Tuner:
    """Random search over `x`, three epochs per trial, two workers."""
    space = {"x": uniform(0.0, 1.0), "epochs": 3}
    return Tuner(
        backend=backend,
        scheduler=random_search(space, metric="loss", seed=0, resource_attr="epoch"),
        stop_criterion=stop,
        n_workers=2,
        path=path,
        options=QUIET,
    )


def test_random_search_runs_trials_as_jobs(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    fake = FakeAWS()
    backend = make_backend(make_settings, fake)
    tuner = random_search_tuner(
        backend, tmp_path / "exp", StoppingCriterion(max_num_trials_completed=4)
    )
    tuner.run()
    results = tuner.results()
    assert tuner.status.num_trials_completed == 4
    assert len(fake.jobs) == tuner.status.num_trials_started
    for trial_id in range(4):
        rows = results[results["trial_id"] == trial_id]
        assert list(rows["epoch"]) == [1, 2, 3]
        assert backend.trial_cost(trial_id) == 3 * 60 * 3.6 / 3600
    assert COST_KEY in results.columns
    assert sum(key.endswith("sourcedir.tar.gz") for key in fake.objects) == 1
    assert (tmp_path / "exp" / "trials" / "0" / "sagemaker_jobs.json").is_file()


def test_promotion_asha_pauses_and_resumes_jobs_from_their_checkpoints(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    fake = FakeAWS()
    backend = make_backend(make_settings, fake)
    space = {"x": uniform(0.0, 1.0), "epochs": 9}
    scheduler = asha_prom(
        space, metric="loss", resource_attr="epoch", max_resource=9, reduction_factor=3, seed=1
    )
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_completed=1),
        n_workers=3,
        path=tmp_path / "exp",
        options=QUIET,
    )
    tuner.run()
    assert tuner.status.num_trials_completed == 1
    resumed = [job for job in fake.jobs.values() if "-r" in job.name]
    assert any(job.lines for job in resumed), "ASHA promoted no paused trial"
    for job in resumed:
        base, attempt = job.name.rsplit("-r", 1)
        previous = fake.jobs[base if attempt == "1" else f"{base}-r{int(attempt) - 1}"]
        assert previous.status == "Stopped"
        assert job.checkpoint == previous.checkpoint
        if job.lines:  # not stopped at the end of tuning before its first epoch
            first = json.loads(job.lines[0].split(":", 1)[1])
            assert first["epoch"] == previous.epoch + 1  # continued from the checkpoint
    results = tuner.results()
    for _, rows in results.groupby("trial_id"):
        epochs = list(rows["epoch"])
        assert epochs == list(range(1, len(epochs) + 1))  # no epoch trained twice


def test_max_cost_ends_tuning_once_the_trials_cost_that_much(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    backend = make_backend(make_settings, FakeAWS())
    stop = StoppingCriterion(max_cost=0.5, max_num_trials_completed=50)
    tuner = random_search_tuner(backend, tmp_path / "exp", stop)
    tuner.run()
    latest = tuner.results().groupby("trial_id")[COST_KEY].last()
    assert tuner.status.cost == pytest.approx(latest.sum())
    assert 0.5 <= tuner.status.cost < 0.5 + 2 * 0.18  # each trial costs 0.18 $ at most
    assert tuner.status.num_trials_completed < 50
