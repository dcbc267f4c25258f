"""The job's entry run locally on a group spec the launcher uploaded: results land in
S3 (a moto server on 127.0.0.1), a failing experiment loses no other, and
`tunelab-plot s3://...` draws the study (the issue's "done when")."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tunelab.experiments.sagemaker.entry import main as entry

BUCKET = "tunelab-test"  # the bucket the fixtures create
LAUNCH = [
    "hydra/launcher=sagemaker",
    "hydra.launcher.role=arn:aws:iam::123456789012:role/SageMakerTunelab",
    "hydra.launcher.image_uri=tunelab:latest",
    f"hydra.launcher.s3_prefix=s3://{BUCKET}/studies",
    "method=random_search,grid_search",
    "benchmark=branin",
    "seed=0,1",
    "max_wallclock_time=120",
    "study=sm",
]


def download_job_inputs(job: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """The job's input channels, as SageMaker would copy them into the container."""
    s3 = boto3.client("s3")
    paths = []
    for channel, file in (("spec", "group.json"), ("code", "source.tar.gz")):
        (source,) = [c for c in job["InputDataConfig"] if c["ChannelName"] == channel]
        uri = source["DataSource"]["S3DataSource"]["S3Uri"]
        key = f"{uri.removeprefix(f's3://{BUCKET}/')}{file}"
        path = folder / channel / file
        path.parent.mkdir(parents=True)
        s3.download_file(BUCKET, key, str(path))
        paths.append(path)
    return paths[0], paths[1]


def statuses(prefix: str) -> dict[str, str]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
    return {
        key.removeprefix(prefix).removesuffix("/metadata.json"): json.loads(
            s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        )["status"]
        for key in keys
        if key.endswith("/metadata.json") and "/tuner_state/" not in key
    }


def test_entry_writes_results_to_s3_and_tunelab_plot_draws_them(
    moto_endpoint: str,
    project: Path,
    tunelab_run: Callable[..., None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tunelab_run(*LAUNCH)
    sagemaker = boto3.client("sagemaker")
    names = sorted(
        s["TrainingJobName"] for s in sagemaker.list_training_jobs()["TrainingJobSummaries"]
    )
    assert len(names) == 2
    jobs = [sagemaker.describe_training_job(TrainingJobName=n) for n in names]

    # the random_search group as launched
    spec, code = download_job_inputs(jobs[0], tmp_path / "job0")
    arguments = ["--spec", str(spec), "--code", str(code), "--upload-interval", "0.2"]
    assert entry([*arguments, "--work-dir", str(tmp_path / "work0")]) == 0
    # the grid_search group, with its second experiment made to fail
    spec, code = download_job_inputs(jobs[1], tmp_path / "job1")
    document = json.loads(spec.read_text())
    assert [e["config"]["method"]["name"] for e in document["experiments"]] == ["grid_search"] * 2
    document["experiments"][1]["config"]["benchmark"]["blackbox"] = "no-such-blackbox"
    spec.write_text(json.dumps(document))
    failing = ["--spec", str(spec), "--code", str(code), "--work-dir", str(tmp_path / "work1")]
    capsys.readouterr()
    assert entry(failing) == 1
    printed = capsys.readouterr().out
    assert "1 of 2 experiments failed" in printed
    assert printed.rstrip().endswith(
        f"hydra.launcher.s3_prefix=s3://{BUCKET}/studies method=grid_search benchmark=branin "
        "max_wallclock_time=120 study=sm seed=0,1"
    )
    assert "  tunelab-run -m hydra/launcher=sagemaker hydra.launcher.role=" in printed

    assert statuses("studies/results/sm/") == {
        "branin/random_search/0": "complete",
        "branin/random_search/1": "complete",
        "branin/grid_search/0": "complete",
        "branin/grid_search/1": "failed",
    }
    s3 = boto3.client("s3")
    keys = {
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="studies/results/")["Contents"]
    }
    assert "studies/results/sm/branin/grid_search/0/results.parquet" in keys
    assert any("/random_search/0/tuner_state/" in key for key in keys)
    assert not any(key.endswith(".tmp") for key in keys)
    stamp = names[0].removeprefix("tunelab-sm-").rsplit("-", 1)[0]
    outcome = json.loads(
        s3.get_object(Bucket=BUCKET, Key=f"studies/outcomes/{stamp}/3.json")["Body"].read()
    )
    assert outcome["status"] == "failed" and "no-such-blackbox" in outcome["error"]
    assert outcome["path"] == f"s3://{BUCKET}/studies/results/sm/branin/grid_search/1"

    from tunelab.plotting.cli import main as plot

    out = tmp_path / "figures"
    code_ = plot(
        [f"s3://{BUCKET}/studies/results/sm", "--out", str(out), "--quiet", "--resamples", "50",
         "--formats", "png", "--learning-curves", "none"]
    )  # fmt: skip
    assert code_ == 0
    assert (out / "curves.png").stat().st_size > 0
    assert "| random_search |" in (out / "final.md").read_text()

    # the job again (a re-launched group, a restarted spot job): what S3 has is skipped
    capsys.readouterr()
    spec, code = (
        tmp_path / "job0" / "spec" / "group.json",
        tmp_path / "job0" / "code" / "source.tar.gz",
    )
    assert (
        entry(["--spec", str(spec), "--code", str(code), "--work-dir", str(tmp_path / "again")])
        == 0
    )
    number = json.loads(spec.read_text())["experiments"][0]["number"]
    again = json.loads(
        s3.get_object(Bucket=BUCKET, Key=f"studies/outcomes/{stamp}/{number}.json")["Body"].read()
    )
    assert again["status"] == "skipped"
