"""Fixtures of the SageMakerBackend tests: fake AWS credentials, training code, settings.

No test reaches AWS: S3 and CloudWatch Logs are moto's in-process mock, and the
SageMaker calls moto does not simulate are answered by botocore's Stubber.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tunelab.core.backends.sagemaker import RetryPolicy, SageMakerSettings

BUCKET = "tunelab-test"
ROLE = "arn:aws:iam::123456789012:role/tunelab-test"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest"
REGION = "us-east-1"

TRAIN_SCRIPT = """\
from tunelab.core.reporter import report

report(epoch=1, loss=0.5)
"""


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and moto's in-process AWS, with the test bucket."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    """A source folder: the script, a helper module and caches that must not be shipped."""
    folder = tmp_path / "code"
    (folder / "pkg" / "__pycache__").mkdir(parents=True)
    (folder / "train.py").write_text(TRAIN_SCRIPT)
    (folder / "pkg" / "helper.py").write_text("VALUE = 1\n")
    (folder / "pkg" / "__pycache__" / "helper.cpython-311.pyc").write_bytes(b"\0")
    return folder


@pytest.fixture
def make_settings(code_dir: Path) -> Callable[..., SageMakerSettings]:
    def make(**overrides: Any) -> SageMakerSettings:
        values: dict[str, Any] = {
            "entry_point": "train.py",
            "source_dir": str(code_dir),
            "role": ROLE,
            "image_uri": IMAGE,
            "s3_prefix": f"s3://{BUCKET}/experiments/demo",
            "region": REGION,
            "poll_interval_seconds": 0.0,
            "retry": RetryPolicy(base_delay_seconds=0.0),
        }
        values.update(overrides)
        return SageMakerSettings(**values)

    return make
