"""`launch_sweep` with `wait=true`: statuses streamed, outcomes read, failures reported
(SageMaker stubbed with botocore's Stubber, S3 from moto)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from tunelab.experiments.sagemaker.grouping import PlannedExperiment
from tunelab.experiments.sagemaker.settings import LaunchSettings
from tunelab.experiments.sagemaker.submission import launch_sweep

BUCKET = "tunelab-test"


def experiments() -> list[PlannedExperiment]:
    found: list[PlannedExperiment] = []
    for method in ("a", "b"):
        for seed in (0, 1):
            config = {
                "method": {"name": method},
                "benchmark": {"name": "branin"},
                "seed": seed,
                "study": "s",
                "results_root": "results",
            }
            overrides = (f"method={method}", "benchmark=branin", f"seed={seed}")
            found.append(PlannedExperiment(len(found), overrides, config))
    return found


def described(name: str, status: str, reason: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "TrainingJobStatus": status,
        "SecondaryStatus": {"InProgress": "Training"}.get(status, status),
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        "CreationTime": "2026-11-28T09:00:00Z",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m.tar.gz"},
    }
    if reason:
        response["FailureReason"] = reason
    return response


def test_wait_streams_statuses_and_reports_a_failed_group_with_its_rerun_command(
    mocked_aws: None, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("pass\n")
    settings = LaunchSettings(
        role="arn:aws:iam::123456789012:role/R",
        image_uri="image:1",
        s3_prefix=f"s3://{BUCKET}/p",
        wait=True,
        poll_interval_seconds=9.0,
        source_dir=str(tmp_path / "src"),
        region="us-east-1",
    )
    s3 = boto3.client("s3")
    for number in (0, 1):  # what the first job's entry writes as its experiments end
        s3.put_object(
            Bucket=BUCKET,
            Key=f"p/outcomes/st/{number}.json",
            Body=json.dumps({"status": "complete", "error": None}).encode(),
        )
    sagemaker = boto3.client("sagemaker")
    sleeps: list[float] = []
    lines: list[str] = []
    reason = "AlgorithmError: ExecuteUserScriptError: exit code 1"
    with Stubber(sagemaker) as stub:
        created = {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/x"}
        for _ in range(2):
            stub.add_response("create_training_job", created, {k: ANY for k in CREATE_KEYS})
        for name, status in [
            ("tunelab-s-st-0", "InProgress"),
            ("tunelab-s-st-1", "InProgress"),
            ("tunelab-s-st-0", "Completed"),
            ("tunelab-s-st-1", "Failed"),
        ]:
            stub.add_response(
                "describe_training_job",
                described(name, status, reason if status == "Failed" else None),
                {"TrainingJobName": name},
            )
        launch = launch_sweep(
            settings,
            experiments(),
            hydra_overrides=["hydra/launcher=sagemaker", "hydra.launcher.wait=true"],
            out=lines.append,
            clients=lambda service: sagemaker if service == "sagemaker" else s3,
            sleep=sleeps.append,
            stamp="st",
        )
        stub.assert_no_pending_responses()

    assert sleeps == [9.0]
    statuses = {n: o["status"] for n, o in launch.outcomes.items()}
    assert statuses == {0: "complete", 1: "complete", 2: "failed", 3: "failed"}
    assert launch.outcomes[2]["error"] == f"training job tunelab-s-st-1 ended Failed: {reason}"
    assert launch.outcomes[3]["path"] == f"s3://{BUCKET}/p/results/s/branin/b/1"
    assert "tunelab-s-st-0: InProgress (Training)" in lines
    assert "tunelab-s-st-0: Completed" in lines
    assert f"tunelab-s-st-1: Failed: {reason}" in lines
    assert f"job tunelab-s-st-1 (b on branin, seed(s) 0,1) ended Failed: {reason}" in lines
    assert (
        "  tunelab-run -m hydra/launcher=sagemaker hydra.launcher.wait=true method=b "
        "benchmark=branin seed=0,1"
    ) in lines


CREATE_KEYS = (
    "TrainingJobName",
    "RoleArn",
    "AlgorithmSpecification",
    "InputDataConfig",
    "OutputDataConfig",
    "ResourceConfig",
    "StoppingCondition",
    "EnableManagedSpotTraining",
    "Tags",
)
