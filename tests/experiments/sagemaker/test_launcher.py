"""`tunelab-run -m ... hydra/launcher=sagemaker` against moto (never real AWS)."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tunelab.core.backends.sagemaker.naming import is_valid_job_name
from tunelab.core.backends.sagemaker.settings import SettingsError

BUCKET = "tunelab-test"  # the bucket the fixtures create
ROLE = "arn:aws:iam::123456789012:role/SageMakerTunelab"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tunelab:latest"

SWEEP = [
    "method=random_search,grid_search,asha",
    "benchmark=branin,sklearn-digits-mlp",
    "seed=range(5)",
    "study=sm",
]
LAUNCHER = [
    "hydra/launcher=sagemaker",
    f"hydra.launcher.role={ROLE}",
    f"hydra.launcher.image_uri={IMAGE}",
    f"hydra.launcher.s3_prefix=s3://{BUCKET}/studies",
    "hydra.launcher.region=us-east-1",
    "+hydra.launcher.tags.team=hpo",
]


def training_jobs() -> list[dict[str, Any]]:
    sagemaker = boto3.client("sagemaker")
    summaries = sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    jobs = [
        sagemaker.describe_training_job(TrainingJobName=s["TrainingJobName"]) for s in summaries
    ]
    return sorted(jobs, key=lambda job: int(job["TrainingJobName"].rsplit("-", 1)[1]))


def read_json(uri: str) -> dict[str, Any]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    document: dict[str, Any] = json.loads(
        boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    )
    return document


def test_a_3x2x5_sweep_creates_six_jobs_with_valid_names_and_arguments(
    mocked_aws: None,
    project: Path,
    tunelab_run: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    tunelab_run(*LAUNCHER, *SWEEP)

    jobs = training_jobs()
    assert len(jobs) == 6
    names = [job["TrainingJobName"] for job in jobs]
    assert len(set(names)) == 6 and all(is_valid_job_name(n) for n in names)
    assert all(n.startswith("tunelab-sm-") for n in names)
    stamp = names[0].removeprefix("tunelab-sm-").rsplit("-", 1)[0]
    s3 = boto3.client("s3")
    for index, job in enumerate(jobs):
        name = job["TrainingJobName"]
        assert job["RoleArn"] == ROLE
        algorithm = job["AlgorithmSpecification"]
        assert algorithm["TrainingImage"] == IMAGE
        assert algorithm["TrainingInputMode"] == "File"
        assert algorithm["ContainerEntrypoint"] == [
            "python3", "-u", "-m", "tunelab.experiments.sagemaker.entry"
        ]  # fmt: skip
        assert algorithm["ContainerArguments"][:4] == [
            "--spec", "/opt/ml/input/data/spec/group.json",
            "--code", "/opt/ml/input/data/code/source.tar.gz",
        ]  # fmt: skip
        assert job["ResourceConfig"] == {
            "InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30
        }  # fmt: skip
        assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
        assert not job["EnableManagedSpotTraining"]
        assert job["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/studies/output"
        channels = {
            c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
            for c in job["InputDataConfig"]
        }
        assert channels == {
            "code": f"s3://{BUCKET}/studies/code/{stamp}/",
            "spec": f"s3://{BUCKET}/studies/specs/{stamp}/{name}/",
        }
        tags = boto3.client("sagemaker").list_tags(ResourceArn=job["TrainingJobArn"])["Tags"]
        assert tags == [{"Key": "team", "Value": "hpo"}]

        spec = read_json(f"{channels['spec']}group.json")
        assert spec["job_name"] == name and spec["study"] == "sm"
        assert spec["results_uri"] == f"s3://{BUCKET}/studies/results"
        experiments = spec["experiments"]
        assert [e["config"]["seed"] for e in experiments] == [0, 1, 2, 3, 4]
        method, benchmark = (
            experiments[0]["config"]["method"]["name"],
            experiments[0]["config"]["benchmark"]["name"],
        )
        assert (method, benchmark) == (
            ("random_search", "grid_search", "asha")[index // 2],
            ("branin", "sklearn-digits-mlp")[index % 2],
        )
        assert experiments[0]["overrides"] == [
            f"method={method}", f"benchmark={benchmark}", "seed=0", "study=sm"
        ]  # fmt: skip
        assert "hydra" not in experiments[0]["config"]
        assert spec["rerun_overrides"][-1] == "seed=0,1,2,3,4"

    archive = project / "code.tar.gz"
    s3.download_file(BUCKET, f"studies/code/{stamp}/source.tar.gz", str(archive))
    with tarfile.open(archive) as tar:
        members = set(tar.getnames())
    assert {"train.py", "conf/study/sm.yaml"} <= members
    assert not any(m.startswith((".git", "results")) for m in members)

    out = capsys.readouterr().out
    assert sum(line.startswith("submitted tunelab-sm-") for line in out.splitlines()) == 6
    assert f"aws sagemaker describe-training-job --training-job-name {names[0]}" in out
    assert f"tunelab-sync s3://{BUCKET}/studies/results/sm results/sm" in out
    records = list((project / "results" / ".hydra" / "sweeps").glob("*/outcomes/*.json"))
    assert len(records) == 30
    assert {json.loads(r.read_text())["status"] for r in records} == {"submitted"}


@pytest.mark.parametrize(
    ("options", "sizes"),
    [
        (["hydra.launcher.group_size=2"], [2, 1, 2, 1]),
        (["hydra.launcher.single_seed_methods=[asha]"], [3, 1, 1, 1]),
    ],
)
def test_group_size_and_single_seed_methods_change_the_jobs(
    mocked_aws: None,
    project: Path,
    tunelab_run: Callable[..., None],
    options: list[str],
    sizes: list[int],
) -> None:
    sweep = ["method=random_search,asha", "benchmark=branin", "seed=range(3)", "study=sm"]
    tunelab_run(*LAUNCHER, *options, *sweep)
    jobs = training_jobs()
    assert len(jobs) == len(sizes)
    specs = [
        read_json(f"{job['InputDataConfig'][1]['DataSource']['S3DataSource']['S3Uri']}group.json")
        for job in jobs
    ]
    assert [len(s["experiments"]) for s in specs] == sizes


def test_spot_and_warm_pool_settings_reach_the_request(
    mocked_aws: None, project: Path, tunelab_run: Callable[..., None]
) -> None:
    spot = [
        "hydra.launcher.use_spot=true",
        "hydra.launcher.max_run_seconds=3600",
        "hydra.launcher.keep_alive_seconds=600",
        "hydra.launcher.instance_type=ml.c5.2xlarge",
    ]
    tunelab_run(*LAUNCHER, *spot, "benchmark=branin", "seed=0,1", "study=sm")
    (job,) = training_jobs()
    name = job["TrainingJobName"]
    assert job["EnableManagedSpotTraining"] is True
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert job["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 600
    assert job["ResourceConfig"]["InstanceType"] == "ml.c5.2xlarge"
    assert job["CheckpointConfig"] == {
        "S3Uri": f"s3://{BUCKET}/studies/checkpoints/{name}",
        "LocalPath": "/opt/ml/checkpoints",
    }
    arguments = job["AlgorithmSpecification"]["ContainerArguments"]
    assert arguments[-2:] == ["--results-dir", "/opt/ml/checkpoints/results"]


def test_dry_run_prints_the_plan_and_creates_nothing(
    mocked_aws: None,
    project: Path,
    tunelab_run: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    sweep = ["method=random_search,asha", "benchmark=branin", "seed=range(3)", "study=sm"]
    tunelab_run(*LAUNCHER, *sweep, "+dry_run=true")
    assert boto3.client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET)
    lines = capsys.readouterr().out.splitlines()
    assert "dry run: nothing is uploaded and no job is created" in lines
    assert "6 experiments in 2 training job(s) on 1 x ml.m5.xlarge" in lines
    assert f"  image: {IMAGE}" in lines
    jobs = [line for line in lines if line.startswith("job tunelab-sm-")]
    assert len(jobs) == 2
    assert jobs[0].endswith(": random_search on branin, seed(s) 0,1,2")
    assert "  - method=asha benchmark=branin seed=2 study=sm" in lines
    assert any(line.startswith(f"  results: s3://{BUCKET}/studies/results") for line in lines)
    assert not any("a real launch also needs" in line for line in lines)


def test_a_launch_without_role_names_what_is_missing_and_a_dry_run_lists_it(
    mocked_aws: None,
    project: Path,
    tunelab_run: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the refused sweep would leave its abort report for the end of the test process
    monkeypatch.setattr("tunelab.experiments.sweep.atexit.register", lambda _: None)
    without_role = [o for o in LAUNCHER if not o.startswith("hydra.launcher.role=")]
    with pytest.raises(SettingsError, match=r"hydra.launcher.role: the ARN of an IAM role"):
        tunelab_run(*without_role, "benchmark=branin", "seed=0,1")
    assert boto3.client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []
    capsys.readouterr()
    tunelab_run(*without_role, "benchmark=branin", "seed=0,1", "+dry_run=true")
    lines = capsys.readouterr().out.splitlines()
    assert "  role: (not set)" in lines
    assert lines[lines.index("a real launch also needs:") + 1].startswith("  hydra.launcher.role:")


def test_a_searcher_from_the_command_line_names_the_jobs_experiments(
    mocked_aws: None,
    project: Path,
    tunelab_run: Callable[..., None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`searcher=kde` makes `asha+kde`, on SageMaker as locally: its own jobs and folder."""
    sweep = ["method=asha", "searcher=kde", "benchmark=branin", "seed=range(2)", "study=sm"]
    tunelab_run(*LAUNCHER, *sweep, "+dry_run=true")
    lines = capsys.readouterr().out.splitlines()
    jobs = [line for line in lines if line.startswith("job tunelab-sm-")]
    assert len(jobs) == 1 and jobs[0].endswith(": asha+kde on branin, seed(s) 0,1"), lines
