"""SageMakerBackend against moto's in-process AWS: job requests, S3 and log reading."""

from __future__ import annotations

import io
import json
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from tunelab.core.backends.sagemaker import COST_KEY, SageMakerBackend, SageMakerSettings
from tunelab.core.backends.sagemaker.naming import JOB_NAME_PATTERN
from tunelab.core.backends.sagemaker.training_jobs import LOG_GROUP
from tunelab.core.trial import Trial, TrialStatus

BUCKET = "tunelab-test"
REGION = "us-east-1"

boto3 = pytest.importorskip("boto3")
Stubber = pytest.importorskip("botocore.stub").Stubber

pytestmark = pytest.mark.usefixtures("aws")


def make_backend(settings: SageMakerSettings, tmp_path: Path) -> SageMakerBackend:
    backend = SageMakerBackend(settings)
    backend.set_path(tmp_path / "experiment")
    return backend


def describe(name: str) -> dict[str, Any]:
    client = boto3.client("sagemaker", region_name=REGION)
    return cast(dict[str, Any], client.describe_training_job(TrainingJobName=name))


def put_lines(job: str, lines: list[str], *, stream: str = "algo-1-1700000000") -> None:
    logs = boto3.client("logs", region_name=REGION)
    if not logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]:
        logs.create_log_group(logGroupName=LOG_GROUP)
    name = f"{job}/{stream}"
    if not logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=name)[
        "logStreams"
    ]:
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=name)
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
    logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=name, logEvents=events)


def test_start_trial_creates_a_job_with_the_settings(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    settings = make_settings(
        instance_type="ml.g4dn.xlarge",
        instance_count=2,
        volume_size_gb=50,
        max_run_seconds=3600,
        use_spot=True,
        keep_alive_seconds=600,
        tags={"team": "hpo"},
        environment={"OMP_NUM_THREADS": "1"},
    )
    backend = make_backend(settings, tmp_path)
    backend.start_trial(Trial(7, {"lr": 0.1, "optimizer": "adam", "layers": 3}))
    (record,) = backend.jobs(7)
    assert JOB_NAME_PATTERN.match(record.job_name)
    assert record.job_name.startswith(f"train-{backend.token}-7")
    job = describe(record.job_name)
    assert job["RoleArn"] == settings.role
    assert job["AlgorithmSpecification"]["TrainingImage"] == settings.image_uri
    hyperparameters = {key: json.loads(value) for key, value in job["HyperParameters"].items()}
    code_uri = f"s3://{BUCKET}/experiments/demo/code/{backend.token}/sourcedir.tar.gz"
    assert hyperparameters == {
        "lr": 0.1,
        "optimizer": "adam",
        "layers": 3,
        "sagemaker_program": "train.py",
        "sagemaker_submit_directory": code_uri,
        "sagemaker_region": REGION,
    }
    assert job["ResourceConfig"] == {
        "InstanceType": "ml.g4dn.xlarge",
        "InstanceCount": 2,
        "VolumeSizeInGB": 50,
        "KeepAlivePeriodInSeconds": 600,
    }
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert job["EnableManagedSpotTraining"] is True
    assert job["CheckpointConfig"] == {
        "S3Uri": f"s3://{BUCKET}/experiments/demo/checkpoints/{backend.token}/7/",
        "LocalPath": "/opt/ml/checkpoints",
    }
    assert job["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/experiments/demo/output"
    assert backend.busy_trial_ids() == [7]


def test_code_is_uploaded_once_without_caches(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    backend = make_backend(make_settings(), tmp_path)
    backend.start_trial(Trial(0, {"lr": 0.1}))
    backend.start_trial(Trial(1, {"lr": 0.2}))
    s3 = boto3.client("s3", region_name=REGION)
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="experiments/demo/code/")
    (key,) = [item["Key"] for item in listing["Contents"]]
    data = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = sorted(tar.getnames())
    assert names == ["pkg", "pkg/helper.py", "train.py"]


def test_json_mode_uploads_the_config_as_an_input_channel(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    backend = make_backend(make_settings(pass_config_as="json"), tmp_path)
    backend.start_trial(Trial(0, {"lr": 0.1, "layers": [64, 32]}))
    (record,) = backend.jobs(0)
    job = describe(record.job_name)
    assert json.loads(job["HyperParameters"]["tunelab_config_json"]) == (
        "/opt/ml/input/data/tunelab_config/config.json"
    )
    assert "lr" not in job["HyperParameters"]
    (channel,) = job["InputDataConfig"]
    uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
    assert uri == f"s3://{BUCKET}/experiments/demo/configs/{record.job_name}/"
    key = uri.removeprefix(f"s3://{BUCKET}/") + "config.json"
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=key)["Body"]
    assert json.loads(body.read()) == {"lr": 0.1, "layers": [64, 32]}


def test_completed_job_delivers_its_logged_results(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    # moto's jobs complete at once: one poll sees the status, then reads the logs.
    backend = make_backend(make_settings(price_per_hour=3.6), tmp_path)
    backend.start_trial(Trial(0, {"lr": 0.1}))
    (record,) = backend.jobs(0)
    put_lines(
        record.job_name,
        [
            "Invoking script with the following command:",
            '[tunelab-metric]: {"epoch": 1, "loss": 0.5}',
            '[tune-metric]: {"epoch": 2, "loss": 0.25, "st_worker_time": 3.0}',
        ],
    )
    (update,) = backend.fetch_new_results()
    assert update.status is TrialStatus.COMPLETED
    assert [{k: v for k, v in r.items() if k != COST_KEY} for r in update.results] == [
        {"epoch": 1, "loss": 0.5},
        {"epoch": 2, "loss": 0.25, "worker_time": 3.0},
    ]
    assert all(r[COST_KEY] >= 0 for r in update.results)
    assert backend.busy_trial_ids() == []
    assert backend.fetch_new_results() == []
    saved = json.loads((tmp_path / "experiment/trials/0/sagemaker_jobs.json").read_text())
    assert saved[0]["job_name"] == record.job_name
    assert saved[0]["status"] == "Completed"


def test_each_log_line_is_read_once_while_the_job_runs(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    # moto's jobs complete at once, so the statuses come from a Stubber.
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    stubber = Stubber(sagemaker)
    clients = {"sagemaker": sagemaker}

    def factory(service: str) -> Any:
        return clients.get(service) or boto3.client(service, region_name=REGION)

    # An instance type without a known price: results carry no cost.
    settings = make_settings(instance_type="ml.r5.large")
    backend = SageMakerBackend(settings, client_factory=factory)
    backend.set_path(tmp_path / "experiment")
    stubber.add_response("create_training_job", {"TrainingJobArn": "arn:job"})
    with stubber:
        backend.start_trial(Trial(0, {"lr": 0.1}))
        (record,) = backend.jobs(0)
        running = {
            "TrainingJobSummaries": [
                {
                    "TrainingJobName": record.job_name,
                    "TrainingJobArn": "arn:job",
                    "CreationTime": 0,
                    "TrainingJobStatus": "InProgress",
                }
            ]
        }
        for _ in range(3):
            stubber.add_response("list_training_jobs", running)
        put_lines(record.job_name, ['[tunelab-metric]: {"epoch": 1}', "noise"])
        put_lines(record.job_name, ['[tunelab-metric]: {"epoch": 1}'], stream="algo-2-1")
        first = backend.fetch_new_results()
        assert backend.fetch_new_results() == []
        put_lines(record.job_name, ['[tunelab-metric]: {"epoch": 2}', "[tunelab-metric]: x"])
        second = backend.fetch_new_results()
    assert [(u.status, u.results) for u in first] == [
        (TrialStatus.RUNNING, [{"epoch": 1}, {"epoch": 1}])
    ]
    assert [(u.status, u.results) for u in second] == [(TrialStatus.RUNNING, [{"epoch": 2}])]


def test_copy_and_delete_checkpoints_on_s3(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    backend = make_backend(make_settings(), tmp_path)
    s3 = boto3.client("s3", region_name=REGION)
    # where the trials' jobs write (checkpoint_uri), not a prefix shared by experiments
    prefix = f"experiments/demo/checkpoints/{backend.token}"
    assert backend.checkpoint_uri(3) == f"s3://{BUCKET}/{prefix}/3/"
    for key in ("3/checkpoint.pkl", "3/model/weights.bin", "31/checkpoint.pkl"):
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=key.encode())
    assert backend.has_checkpoint(3) and backend.has_checkpoint(31)
    assert not backend.has_checkpoint(5)

    backend.copy_checkpoint(3, 5)
    assert backend.has_checkpoint(5)
    copied = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/5/")["Contents"]
    assert sorted(item["Key"] for item in copied) == [
        f"{prefix}/5/checkpoint.pkl",
        f"{prefix}/5/model/weights.bin",
    ]
    body = s3.get_object(Bucket=BUCKET, Key=f"{prefix}/5/model/weights.bin")["Body"].read()
    assert body == b"3/model/weights.bin"

    backend.delete_checkpoint(3)
    left = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")["Contents"]
    assert sorted(item["Key"] for item in left) == [
        f"{prefix}/31/checkpoint.pkl",
        f"{prefix}/5/checkpoint.pkl",
        f"{prefix}/5/model/weights.bin",
    ]
    assert not backend.has_checkpoint(3)
    backend.delete_checkpoint(3)  # nothing left: fine
    backend.copy_checkpoint(3, 6)  # no source: the target starts from scratch
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/6/")


def test_checkpoint_key_separates_experiments_and_survives_a_restart(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    settings = make_settings()
    first = make_backend(settings, tmp_path / "a")
    other = make_backend(settings, tmp_path / "b")
    assert first.checkpoint_uri(3) != other.checkpoint_uri(3)  # one prefix, two experiments
    time.sleep(0.01)
    restarted = make_backend(settings, tmp_path / "a")  # the same experiment, resumed
    assert restarted.checkpoint_uri(3) == first.checkpoint_uri(3)
