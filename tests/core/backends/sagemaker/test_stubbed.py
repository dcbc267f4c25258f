"""SageMakerBackend with a stubbed SageMaker client: statuses, quotas, throttling, pausing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tunelab.core.backends.sagemaker import (
    COST_KEY,
    RetryPolicy,
    SageMakerBackend,
    SageMakerSettings,
)
from tunelab.core.backends.sagemaker.training_jobs import LOG_GROUP
from tunelab.core.trial import Trial, TrialStatus

REGION = "us-east-1"

boto3 = pytest.importorskip("boto3")
Stubber = pytest.importorskip("botocore.stub").Stubber

pytestmark = pytest.mark.usefixtures("aws")


@dataclass
class Stubbed:
    """A backend whose SageMaker client is stubbed (S3 and logs are moto's)."""

    backend: SageMakerBackend
    stubber: Any  # botocore.stub.Stubber
    created: list[dict[str, Any]]

    def name(self, trial_id: int, index: int = -1) -> str:
        return self.backend.jobs(trial_id)[index].job_name

    def statuses(self, **jobs: str) -> None:
        """Queue one ListTrainingJobs answer: job name -> status."""
        summaries = [
            {
                "TrainingJobName": name,
                "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:1:training-job/{name}",
                "CreationTime": 0,
                "TrainingJobStatus": status,
            }
            for name, status in jobs.items()
        ]
        self.stubber.add_response("list_training_jobs", {"TrainingJobSummaries": summaries})

    def described(self, name: str, status: str, **extra: Any) -> None:
        """Queue one DescribeTrainingJob answer."""
        response = {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:1:training-job/{name}",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/model.tar.gz"},
            "TrainingJobStatus": status,
            "SecondaryStatus": extra.pop("SecondaryStatus", status),
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": 0,
            **extra,
        }
        self.stubber.add_response(
            "describe_training_job", response, expected_params={"TrainingJobName": name}
        )

    def created_ok(self) -> None:
        self.stubber.add_response("create_training_job", {"TrainingJobArn": "arn:job"})

    def refused(self, code: str) -> None:
        self.stubber.add_client_error("create_training_job", service_error_code=code)

    def stop_expected(self, name: str) -> None:
        self.stubber.add_response(
            "stop_training_job", {}, expected_params={"TrainingJobName": name}
        )


@pytest.fixture
def make_stubbed(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> Iterator[Callable[..., Stubbed]]:
    stubbers: list[Any] = []

    def make(**overrides: Any) -> Stubbed:
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        created: list[dict[str, Any]] = []
        sagemaker.meta.events.register(
            "provide-client-params.sagemaker.CreateTrainingJob",
            lambda params, **_: created.append(dict(params)),
        )
        stubber = Stubber(sagemaker)
        stubber.activate()
        stubbers.append(stubber)

        def factory(service: str) -> Any:
            return (
                sagemaker if service == "sagemaker" else boto3.client(service, region_name=REGION)
            )

        backend = SageMakerBackend(make_settings(**overrides), client_factory=factory)
        backend.set_path(tmp_path / "experiment")
        return Stubbed(backend, stubber, created)

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def log(job: str, *lines: str) -> None:
    logs = boto3.client("logs", region_name=REGION)
    if not logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]:
        logs.create_log_group(logGroupName=LOG_GROUP)
    stream = f"{job}/algo-1-1"
    if not logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=stream)[
        "logStreams"
    ]:
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
    logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)


def test_in_progress_then_completed_with_its_billed_cost(
    make_stubbed: Callable[..., Stubbed],
) -> None:
    s = make_stubbed(price_per_hour=1.8)
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.statuses(**{name: "InProgress"})
    assert s.backend.fetch_new_results() == []  # nothing logged yet
    log(name, '[tunelab-metric]: {"epoch": 1, "loss": 0.4}')
    s.statuses(**{name: "Completed"})
    s.described(name, "Completed", BillableTimeInSeconds=120)
    (update,) = s.backend.fetch_new_results()
    assert update.status is TrialStatus.COMPLETED
    assert update.error is None
    assert [r["loss"] for r in update.results] == [0.4]
    assert s.backend.busy_trial_ids() == []
    (record,) = s.backend.jobs(0)
    assert (record.status, record.billable_seconds) == ("Completed", 120.0)
    assert record.cost == pytest.approx(120 * 1.8 / 3600)
    assert s.backend.trial_cost(0) == pytest.approx(0.06)
    assert s.backend.fetch_new_results() == []  # ended jobs are not listed again


def test_failed_job_fails_the_trial_with_the_failure_reason(
    make_stubbed: Callable[..., Stubbed],
) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.statuses(**{name: "Failed"})
    s.described(name, "Failed", FailureReason="AlgorithmError: CUDA out of memory")
    (update,) = s.backend.fetch_new_results()
    assert update.status is TrialStatus.FAILED
    assert update.error == f"training job {name} failed: AlgorithmError: CUDA out of memory"
    assert s.backend.trial_cost(0) is None  # no billable time reported


def test_job_stopped_by_someone_else_fails_the_trial(make_stubbed: Callable[..., Stubbed]) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.statuses(**{name: "Stopped"})
    s.described(name, "Stopped", SecondaryStatus="MaxRuntimeExceeded")
    (update,) = s.backend.fetch_new_results()
    assert update.status is TrialStatus.FAILED
    assert update.error == f"training job {name} was stopped outside tunelab (MaxRuntimeExceeded)"


@pytest.mark.parametrize("code", ["ResourceLimitExceeded", "ThrottlingException"])
def test_refused_creation_delays_the_start_instead_of_failing(
    make_stubbed: Callable[..., Stubbed], code: str
) -> None:
    s = make_stubbed()
    s.refused(code)
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    assert s.backend.jobs(0) == []
    assert s.backend.busy_trial_ids() == [0]  # waiting still occupies a worker
    s.refused(code)
    assert s.backend.fetch_new_results() == []
    s.created_ok()
    assert s.backend.fetch_new_results() == []
    assert len(s.backend.jobs(0)) == 1
    names = [request["TrainingJobName"] for request in s.created]
    assert len(names) == 3
    assert len(set(names)) == 1  # a refused name was never used: it is tried again


def test_quota_back_off_doubles_and_waits(make_stubbed: Callable[..., Stubbed]) -> None:
    s = make_stubbed(
        retry=RetryPolicy(base_delay_seconds=100.0, max_delay_seconds=150.0, jitter=0.0)
    )
    s.refused("ResourceLimitExceeded")
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    # Within the back-off no request is made (the stubber would reject one).
    assert s.backend.fetch_new_results() == []
    (run,) = s.backend._runs.values()
    assert run.retry_at - time.monotonic() == pytest.approx(100.0, abs=5.0)
    run.retry_at = 0.0
    s.refused("ResourceLimitExceeded")
    s.backend.fetch_new_results()
    assert run.retry_at - time.monotonic() == pytest.approx(150.0, abs=5.0)  # capped


def test_other_creation_errors_name_the_job_and_the_cause(
    make_stubbed: Callable[..., Stubbed],
) -> None:
    s = make_stubbed()
    s.stubber.add_client_error(
        "create_training_job",
        service_error_code="ValidationException",
        service_message="Could not assume role",
    )
    with pytest.raises(RuntimeError, match=r"trial 0: ValidationException: Could not assume role"):
        s.backend.start_trial(Trial(0, {"lr": 0.1}))


def test_throttled_polls_are_retried_at_the_next_poll(make_stubbed: Callable[..., Stubbed]) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.stubber.add_client_error("list_training_jobs", service_error_code="ThrottlingException")
    assert s.backend.fetch_new_results() == []
    s.statuses(**{name: "Completed"})
    s.stubber.add_client_error("describe_training_job", service_error_code="ThrottlingException")
    assert s.backend.fetch_new_results() == []  # the end waits for the description
    s.described(name, "Completed", BillableTimeInSeconds=10)
    log(name, '[tunelab-metric]: {"epoch": 1}')
    (update,) = s.backend.fetch_new_results()
    assert update.status is TrialStatus.COMPLETED


def test_stop_trial_stops_the_job(make_stubbed: Callable[..., Stubbed]) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.stop_expected(name)
    s.backend.stop_trial(0)
    assert s.backend.busy_trial_ids() == []
    s.statuses(**{name: "Stopped"})
    s.described(name, "Stopped", BillableTimeInSeconds=30)
    assert s.backend.fetch_new_results() == []  # no update for a trial the tuner stopped
    assert s.backend.jobs(0)[0].billable_seconds == 30.0
    s.backend.stop_trial(0)  # stopping again does nothing


def test_stop_of_a_job_that_just_ended_is_fine(make_stubbed: Callable[..., Stubbed]) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    s.stubber.add_client_error(
        "stop_training_job",
        service_error_code="ValidationException",
        service_message="The job status is Completed",
    )
    s.backend.stop_trial(0)
    assert s.backend.busy_trial_ids() == []


def test_pause_then_resume_creates_a_job_with_the_same_checkpoint(
    make_stubbed: Callable[..., Stubbed],
) -> None:
    s = make_stubbed(price_per_hour=3.6)
    s.created_ok()
    s.backend.start_trial(Trial(4, {"lr": 0.1, "epochs": 9}))
    first = s.name(4)
    s.stop_expected(first)
    s.backend.pause_trial(4)
    assert s.backend.busy_trial_ids() == []
    s.backend.resume_trial(Trial(4, {"lr": 0.1, "epochs": 27}))
    assert len(s.backend.jobs(4)) == 1  # waits: the first job still uploads its checkpoint
    assert s.backend.busy_trial_ids() == [4]
    s.statuses(**{first: "Stopping"})
    assert s.backend.fetch_new_results() == []
    s.statuses(**{first: "Stopped"})
    s.described(first, "Stopped", BillableTimeInSeconds=100)
    s.created_ok()
    assert s.backend.fetch_new_results() == []
    second = s.name(4)
    assert second == first + "-r1"
    requests = {request["TrainingJobName"]: request for request in s.created}
    assert requests[second]["CheckpointConfig"] == requests[first]["CheckpointConfig"]
    assert requests[second]["CheckpointConfig"]["S3Uri"].endswith(
        f"/checkpoints/{s.backend.token}/4/"
    )
    assert requests[second]["HyperParameters"]["epochs"] == "27"
    log(second, '[tunelab-metric]: {"epoch": 4}')
    s.statuses(**{second: "InProgress"})
    (update,) = s.backend.fetch_new_results()
    # The running cost includes the first job's bill (100 s at 3.6 $/h).
    assert 0.1 <= update.results[0][COST_KEY] < 0.11
    s.statuses(**{second: "Completed"})
    s.described(second, "Completed", BillableTimeInSeconds=50)
    (update,) = s.backend.fetch_new_results()
    assert update.status is TrialStatus.COMPLETED
    assert s.backend.trial_cost(4) == pytest.approx(0.15)


def test_resume_needs_a_paused_trial(make_stubbed: Callable[..., Stubbed]) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    with pytest.raises(ValueError, match="trial 0 is running; only a paused or ended trial"):
        s.backend.resume_trial(Trial(0, {"lr": 0.1}))
    with pytest.raises(ValueError, match="trial 0 was started before"):
        s.backend.start_trial(Trial(0, {"lr": 0.1}))
    with pytest.raises(ValueError, match="trial 9 was never started"):
        s.backend.pause_trial(9)


def test_with_warm_pools_a_halted_trial_is_busy_until_its_job_ended(
    make_stubbed: Callable[..., Stubbed],
) -> None:
    s = make_stubbed(keep_alive_seconds=600)
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.stop_expected(name)
    s.backend.pause_trial(0)
    # The worker stays taken, so the next job can reuse the instance once it is free.
    assert s.backend.busy_trial_ids() == [0]
    s.statuses(**{name: "Stopping"})
    s.backend.fetch_new_results()
    assert s.backend.busy_trial_ids() == [0]
    s.statuses(**{name: "Stopped"})
    s.described(name, "Stopped", BillableTimeInSeconds=5)
    s.backend.fetch_new_results()
    assert s.backend.busy_trial_ids() == []


def test_an_ended_job_is_described_again_if_the_description_lags(
    make_stubbed: Callable[..., Stubbed],
) -> None:
    s = make_stubbed()
    s.created_ok()
    s.backend.start_trial(Trial(0, {"lr": 0.1}))
    name = s.name(0)
    s.statuses(**{name: "Completed"})
    s.described(name, "InProgress")
    assert s.backend.fetch_new_results() == []
    s.statuses(**{name: "Completed"})
    s.described(name, "Completed", BillableTimeInSeconds=5)
    log(name, '[tunelab-metric]: {"epoch": 1}')
    (update,) = s.backend.fetch_new_results()
    assert update.status is TrialStatus.COMPLETED


class ThrottledLogs:
    """CloudWatch Logs with one stream of two pages; the second page is throttled once."""

    def __init__(self) -> None:
        self.throttle = True

    def describe_log_streams(self, **request: Any) -> dict[str, Any]:
        return {"logStreams": [{"logStreamName": "job/algo-1-1"}]}

    def get_log_events(self, **request: Any) -> dict[str, Any]:
        page = {None: 0, "f/1": 1, "f/2": 2}[request.get("nextToken")]
        if page == 1 and self.throttle:
            self.throttle = False
            error = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
            raise pytest.importorskip("botocore.exceptions").ClientError(error, "GetLogEvents")
        lines = ['[tunelab-metric]: {"epoch": 1}', '[tunelab-metric]: {"epoch": 2}'][page:]
        events = [{"timestamp": 1000 * (page + 1), "message": line} for line in lines[:1]]
        return {"events": events, "nextForwardToken": f"f/{page + len(events)}"}


def test_a_log_read_throttled_part_way_keeps_what_it_read_and_continues_there() -> None:
    from tunelab.core.backends.sagemaker._logs import JobLogReader

    reader, logs = JobLogReader("job"), ThrottledLogs()
    first = reader.read(logs)
    assert [r.metrics for r in first] == [{"epoch": 1}]
    assert not reader.caught_up
    second = reader.read(logs)
    assert [r.metrics for r in second] == [{"epoch": 2}]
    assert reader.caught_up
    assert reader.read(logs) == []
