"""The one retry policy: back-off of blocking calls, what is retried, the concurrency
limit and waiting of `TrainingJobs`, with botocore's Stubber (moto does not throttle,
run out of quota or leave a job in progress)."""

from __future__ import annotations

import random
from typing import Any, cast

import pytest

from tunelab.core.backends.sagemaker.clients import client_factory
from tunelab.core.backends.sagemaker.retry import (
    AwsCallError,
    RetryingCaller,
    RetryPolicy,
    error_code,
    is_retryable,
)
from tunelab.core.backends.sagemaker.training_jobs import TrainingJobs

Stubber = pytest.importorskip("botocore.stub").Stubber


@pytest.fixture
def sagemaker(aws: None) -> Any:
    return client_factory(region="us-east-1")("sagemaker")


def request(name: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerTunelab",
        "AlgorithmSpecification": {"TrainingImage": "image", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/output"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }


CREATED = {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}


def described(name: str, status: str, secondary: str, reason: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "TrainingJobStatus": status,
        "SecondaryStatus": secondary,
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        "CreationTime": "2026-11-28T09:00:00Z",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/output/model.tar.gz"},
    }
    if reason:
        response["FailureReason"] = reason
    return response


def caller(
    sleeps: list[float], notes: list[str] | None = None, attempts: int = 4
) -> RetryingCaller:
    policy = RetryPolicy(max_attempts=attempts, base_delay_seconds=1.0, max_delay_seconds=3.0)
    return RetryingCaller(
        policy=policy,
        sleep=sleeps.append,
        rng=random.Random(0),
        notify=(notes if notes is not None else []).append,
    )


def test_throttling_then_success_is_retried_with_growing_delays(sagemaker: Any) -> None:
    sleeps: list[float] = []
    notes: list[str] = []
    jobs = TrainingJobs(sagemaker=sagemaker, caller=caller(sleeps, notes))
    with Stubber(sagemaker) as stub:
        stub.add_client_error("create_training_job", "ThrottlingException", "Rate exceeded", 400)
        stub.add_client_error("create_training_job", "TooManyRequestsException", "slow down", 400)
        stub.add_client_error("create_training_job", "ThrottlingException", "Rate exceeded", 400)
        stub.add_response("create_training_job", CREATED, request("job-a"))
        jobs.create(request("job-a"))
        stub.assert_no_pending_responses()
    assert len(sleeps) == 3
    # exponential back-off capped at max_delay_seconds, each delay jittered into [0.5, 1] x
    for delay, ceiling in zip(sleeps, (1.0, 2.0, 3.0), strict=True):
        assert 0.5 * ceiling <= delay <= ceiling
    assert "create_training_job job-a: ThrottlingException: Rate exceeded" in notes[0]
    assert "attempt 1 of 4" in notes[0]


def test_resource_limit_exceeded_is_retried(sagemaker: Any) -> None:
    sleeps: list[float] = []
    jobs = TrainingJobs(sagemaker=sagemaker, caller=caller(sleeps))
    with Stubber(sagemaker) as stub:
        stub.add_client_error("create_training_job", "ResourceLimitExceeded", "quota", 400)
        stub.add_response("create_training_job", CREATED, request("job-b"))
        jobs.create(request("job-b"))
    assert len(sleeps) == 1


def test_exhausted_retries_and_other_errors_raise_clear_errors(sagemaker: Any) -> None:
    sleeps: list[float] = []
    jobs = TrainingJobs(sagemaker=sagemaker, caller=caller(sleeps, attempts=3))
    with Stubber(sagemaker) as stub:
        for _ in range(3):
            stub.add_client_error("create_training_job", "ResourceLimitExceeded", "quota", 400)
        with pytest.raises(AwsCallError) as raised:
            jobs.create(request("job-c"))
        stub.add_client_error("create_training_job", "ValidationException", "bad role", 400)
        with pytest.raises(AwsCallError, match=r"job-d: ValidationException: bad role$"):
            jobs.create(request("job-d"))
    message = str(raised.value)
    assert "create_training_job job-c: ResourceLimitExceeded: quota" in message
    assert "gave up after 3 attempts" in message and "max_concurrent_jobs" in message
    assert len(sleeps) == 2  # no sleep after the last attempt, none for a validation error


def test_a_full_slot_waits_for_a_job_to_end(sagemaker: Any) -> None:
    sleeps: list[float] = []
    jobs = TrainingJobs(
        sagemaker=sagemaker, caller=caller([]), max_concurrent=1, sleep=sleeps.append
    )
    jobs.poll_interval_seconds = 5.0
    with Stubber(sagemaker) as stub:
        stub.add_response("create_training_job", CREATED, request("job-1"))
        stub.add_response("describe_training_job", described("job-1", "InProgress", "Training"))
        stub.add_response("describe_training_job", described("job-1", "Completed", "Completed"))
        stub.add_response("create_training_job", CREATED, request("job-2"))
        jobs.create(request("job-1"))
        jobs.create(request("job-2"))
        stub.assert_no_pending_responses()
    assert sleeps == [5.0]


def test_wait_reports_each_status_change_until_all_ended(sagemaker: Any) -> None:
    sleeps: list[float] = []
    jobs = TrainingJobs(
        sagemaker=sagemaker, caller=caller([]), poll_interval_seconds=7.0, sleep=sleeps.append
    )
    changes: list[tuple[str, str]] = []
    with Stubber(sagemaker) as stub:
        for name, status, secondary in [
            ("ok", "InProgress", "Starting"),
            ("bad", "InProgress", "Starting"),
            ("ok", "InProgress", "Training"),
            ("bad", "Failed", "Failed"),
            ("ok", "InProgress", "Training"),
            ("ok", "Completed", "Completed"),
        ]:
            reason = "AlgorithmError: exit code 1" if status == "Failed" else None
            stub.add_response(
                "describe_training_job",
                described(name, status, secondary, reason),
                {"TrainingJobName": name},
            )
        ended = jobs.wait(
            ["ok", "bad"],
            on_change=lambda n, d: changes.append(
                (n, f"{d['TrainingJobStatus']}/{d['SecondaryStatus']}")
            ),
        )
        stub.assert_no_pending_responses()
    assert changes == [
        ("ok", "InProgress/Starting"),
        ("bad", "InProgress/Starting"),
        ("ok", "InProgress/Training"),
        ("bad", "Failed/Failed"),
        ("ok", "Completed/Completed"),
    ]
    assert ended["bad"]["FailureReason"] == "AlgorithmError: exit code 1"
    assert sleeps == [7.0, 7.0, 7.0]  # between the four rounds of polling


def test_what_is_retried() -> None:
    botocore = pytest.importorskip("botocore.exceptions")

    def answer(code: str) -> Exception:
        error = botocore.ClientError({"Error": {"Code": code, "Message": "m"}}, "CreateTrainingJob")
        return cast(Exception, error)

    retried = ["ResourceLimitExceeded", "ThrottlingException", "SlowDown", "InternalFailure"]
    assert all(is_retryable(answer(code)) for code in retried)
    assert not is_retryable(answer("ValidationException"))
    assert is_retryable(botocore.EndpointConnectionError(endpoint_url="http://x"))
    assert not is_retryable(ValueError("not from AWS"))


def test_a_lost_connection_is_retried_and_named_when_it_stays_lost() -> None:
    botocore = pytest.importorskip("botocore.exceptions")
    sleeps: list[float] = []

    def down() -> None:
        raise botocore.EndpointConnectionError(endpoint_url="http://x")

    with pytest.raises(AwsCallError, match=r"list: EndpointConnectionError: .*gave up after 2"):
        caller(sleeps, attempts=2).call("list", down)
    assert len(sleeps) == 1


def test_a_final_error_keeps_its_code_and_other_errors_pass_unchanged() -> None:
    botocore = pytest.importorskip("botocore.exceptions")
    missing = botocore.ClientError({"Error": {"Code": "NoSuchKey", "Message": "m"}}, "GetObject")

    def get() -> None:
        raise missing

    with pytest.raises(AwsCallError) as raised:
        caller([]).call("get", get)
    assert error_code(raised.value) == "NoSuchKey"

    def broken() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        caller([]).call("broken", broken)


def test_delays_double_up_to_the_cap_and_the_policy_is_checked() -> None:
    policy = RetryPolicy(base_delay_seconds=10.0, max_delay_seconds=25.0, jitter=0.0)
    assert [policy.delay(k, random.Random(0)) for k in (1, 2, 3, 4)] == [10.0, 20.0, 25.0, 25.0]
    with pytest.raises(ValueError, match=r"RetryPolicy.max_attempts=0; expected an int >= 1"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match=r"RetryPolicy.jitter=2.0; expected 0 to 1"):
        RetryPolicy(jitter=2.0)
