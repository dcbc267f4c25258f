"""SageMakerSettings validation, job names, prices and the boto3 clients (no AWS calls)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunelab.core.backends.sagemaker import SageMakerBackend, SageMakerSettings
from tunelab.core.backends.sagemaker._script_mode import hyperparameters
from tunelab.core.backends.sagemaker.clients import client_factory, import_boto3
from tunelab.core.backends.sagemaker.cost import job_cost, price_per_hour
from tunelab.core.backends.sagemaker.naming import JOB_NAME_PATTERN, trial_job_name


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"role": ""}, "SageMakerSettings.role=''; a non-empty string is required"),
        ({"role": "my-role"}, "expected the ARN of an IAM role"),
        ({"image_uri": " "}, "SageMakerSettings.image_uri=' '; a non-empty string"),
        ({"s3_prefix": "bucket/prefix"}, r"s3_prefix='bucket/prefix'; expected s3://bucket/prefix"),
        ({"s3_prefix": "s3:///x"}, "expected s3://bucket/prefix"),
        ({"instance_count": 0}, r"instance_count=0; expected an int >= 1"),
        ({"keep_alive_seconds": 3601}, "keep_alive_seconds=3601; expected 0 to 3600"),
        ({"max_wait_seconds": 7200}, "only for use_spot=True"),
        ({"use_spot": True, "max_wait_seconds": 10}, "at least max_run_seconds"),
        ({"pass_config_as": "yaml"}, "expected 'hyperparameters' or 'json'"),
        ({"poll_interval_seconds": -1.0}, r"poll_interval_seconds=-1.0; expected >= 0"),
    ],
)
def test_invalid_settings_are_named(
    make_settings: Callable[..., SageMakerSettings], overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_settings(**overrides)


def test_tags_must_be_strings(make_settings: Callable[..., SageMakerSettings]) -> None:
    with pytest.raises(TypeError, match=r"tags entry 'n': 1; expected strings"):
        make_settings(tags={"n": 1})


def test_missing_entry_point_is_named(
    make_settings: Callable[..., SageMakerSettings], code_dir: Path
) -> None:
    settings = make_settings(entry_point="nope.py")
    with pytest.raises(FileNotFoundError, match=r"entry_point='nope.py': .*nope.py is not a file"):
        SageMakerBackend(settings, client_factory=lambda service: None)


def test_entry_point_outside_the_source_folder_is_refused(
    make_settings: Callable[..., SageMakerSettings], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("")
    with pytest.raises(ValueError, match="is not inside source_dir"):
        make_settings(entry_point=str(outside)).resolve_code()


def test_source_folder_defaults_to_the_entry_points(
    make_settings: Callable[..., SageMakerSettings], code_dir: Path
) -> None:
    settings = make_settings(entry_point=str(code_dir / "pkg" / "helper.py"), source_dir=None)
    assert settings.resolve_code() == (code_dir / "pkg", "helper.py")


def test_s3_locations(make_settings: Callable[..., SageMakerSettings]) -> None:
    root = make_settings(s3_prefix="s3://bucket/a/b/").s3_root
    assert (root.bucket, root.key) == ("bucket", "a/b")
    assert str(root.join("checkpoints", "3")) == "s3://bucket/a/b/checkpoints/3"
    assert make_settings(s3_prefix="s3://bucket").s3_root.join("code").key == "code"


@pytest.mark.parametrize(
    ("prefix", "trial_id", "attempt"),
    [
        ("train", 0, 0),
        ("my_script.v2 (copy)", 12, 3),
        ("x" * 100, 123456, 10),
        ("___", 1, 0),
    ],
)
def test_job_names_are_valid(prefix: str, trial_id: int, attempt: int) -> None:
    name = trial_job_name(prefix, "2611280940aaaa", trial_id, attempt)
    assert JOB_NAME_PATTERN.match(name), name
    assert len(name) <= 63
    suffix = f"-2611280940aaaa-{trial_id}" + (f"-r{attempt}" if attempt else "")
    assert name.endswith(suffix)


def test_job_names_sanitize_the_prefix() -> None:
    assert trial_job_name("my_script.v2", "tok", 1, 0) == "my-script-v2-tok-1"
    assert trial_job_name("___", "tok", 1, 2) == "tunelab-tok-1-r2"


def test_hyperparameters_refuse_reserved_and_long_values(
    make_settings: Callable[..., SageMakerSettings],
) -> None:
    settings = make_settings()
    common = {"program": "train.py", "code_uri": "s3://b/c.tar.gz", "region": "us-east-1"}
    with pytest.raises(ValueError, match="config key 'sagemaker_program' is reserved"):
        hyperparameters(settings, config={"sagemaker_program": "x"}, **common)
    with pytest.raises(ValueError, match="use pass_config_as='json'"):
        hyperparameters(settings, config={"text": "a" * 3000}, **common)
    values = hyperparameters(settings, config={"flag": True, "name": "adam"}, **common)
    assert (values["flag"], values["name"]) == ("true", '"adam"')


def test_prices_and_costs() -> None:
    assert price_per_hour("ml.m5.large") == pytest.approx(0.115)
    assert price_per_hour("ml.unknown.large") is None
    assert price_per_hour("ml.unknown.large", 2.0) == 2.0
    assert job_cost(1800, instance_count=2, price=1.0) == pytest.approx(1.0)
    assert job_cost(1800, instance_count=2, price=None) is None


def test_default_clients_leave_retries_to_the_policy_and_honour_the_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    factory = client_factory(region="eu-west-1")
    client = factory("sagemaker")
    assert factory("sagemaker") is client
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    # one attempt per botocore call: RetryPolicy is the only retry layer
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}
    explicit = client_factory(region="eu-west-1", endpoint_url="http://127.0.0.1:8")("s3")
    assert explicit.meta.endpoint_url == "http://127.0.0.1:8"


def test_missing_region_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("boto3")
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    factory = client_factory(region=None)
    with pytest.raises(ValueError, match=r"no AWS region configured; set SageMakerSettings\."):
        factory("sagemaker")


def test_missing_boto3_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., SageMakerSettings]
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ImportError, match=r"pip install 'tunelab-core\[aws\]'"):
        import_boto3()
    with pytest.raises(ImportError, match="SageMakerBackend needs boto3"):
        SageMakerBackend(make_settings())
