"""Reading a study from S3, against a moto server on 127.0.0.1 (never real AWS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tunelab.plotting.loading import load_study

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "tunelab-results"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield endpoint
    finally:
        server.stop()


def upload(folder: Path, prefix: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    for path in folder.rglob("*"):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(folder).as_posix()}"
            s3.upload_file(str(path), BUCKET, key)


def test_s3_prefix_reads_like_the_local_folder(study_dir: Path, s3_endpoint: str) -> None:
    upload(study_dir, "studies/demo")
    remote = load_study(f"s3://{BUCKET}/studies/demo", progress=False)
    local = load_study(str(study_dir), progress=False)
    assert sorted(remote.runs["experiment"]) == sorted(local.runs["experiment"])
    for experiment, frame in local.results.items():
        pd.testing.assert_frame_equal(remote.results[experiment], frame)


def test_missing_s3_prefix_is_named(s3_endpoint: str) -> None:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    with pytest.raises(
        FileNotFoundError, match="results folder 's3://tunelab-results/nothing-here' does not exist"
    ):
        load_study(f"s3://{BUCKET}/nothing-here")


def test_tunelab_plot_draws_an_s3_study(study_dir: Path, s3_endpoint: str, tmp_path: Path) -> None:
    from tunelab.plotting.cli import main

    upload(study_dir, "studies/demo")
    out = tmp_path / "figures"
    code = main(
        [f"s3://{BUCKET}/studies/demo", "--out", str(out), "--quiet", "--resamples", "50",
         "--formats", "png", "--learning-curves", "none"]
    )  # fmt: skip
    assert code == 0
    assert (out / "curves.png").stat().st_size > 0
    assert "| bohb |" in (out / "final.md").read_text()
