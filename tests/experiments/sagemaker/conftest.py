"""Fixtures of the SageMaker launcher tests: fake AWS credentials, moto, Hydra runs.

Nothing here reaches AWS: moto answers in-process (`mock_aws`) or from a server on
127.0.0.1, and the credentials are fake.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

BUCKET = "tunelab-test"
ROLE = "arn:aws:iam::123456789012:role/SageMakerTunelab"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/tunelab:latest"


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mocked_aws(aws_credentials: None) -> Iterator[None]:
    """In-process moto for S3 and SageMaker, with the test bucket."""
    import boto3

    with moto.mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def moto_endpoint(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on 127.0.0.1 (pyarrow reads S3 from it too), with the test bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder to launch from: the current folder, with a conf/ and results."""
    folder = tmp_path / "project"
    (folder / "conf" / "study").mkdir(parents=True)
    (folder / "conf" / "study" / "sm.yaml").write_text("# @package _global_\nstudy: sm\n")
    (folder / "train.py").write_text("print('a training script')\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("TUNELAB_RESULTS_ROOT", str(folder / "results"))
    monkeypatch.delenv("TUNELAB_CONF", raising=False)
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    monkeypatch.setattr(sys, "path", list(sys.path))
    return folder


@pytest.fixture
def tunelab_run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Runs `tunelab-run -m <arguments>` in this process (so that `mock_aws` applies)."""
    from hydra.core.global_hydra import GlobalHydra

    from tunelab.experiments.app import main

    def run(*arguments: str) -> None:
        monkeypatch.setattr(sys, "argv", ["tunelab-run", "-m", *arguments])
        handlers, level = list(logging.root.handlers), logging.root.level
        try:
            main()
        finally:
            GlobalHydra.instance().clear()
            # Hydra's log handlers hold pytest's captured stdout of this test only
            logging.root.handlers[:] = handlers
            logging.root.setLevel(level)

    return run
