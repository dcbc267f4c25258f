"""The launcher's settings: checked values, and the Hydra schema generated from them."""

from __future__ import annotations

import dataclasses

import pytest

from hydra_plugins.tunelab_sagemaker.config import SageMakerLauncherConf
from tunelab.core.backends.sagemaker import RetryPolicy, SettingsError
from tunelab.experiments.sagemaker.settings import LaunchSettings


def defaults(cls: type) -> dict[str, object]:
    values = {}
    for f in dataclasses.fields(cls):
        if f.name == "_target_":
            continue
        factory = f.default_factory
        values[f.name] = factory() if factory is not dataclasses.MISSING else f.default
    return values


def test_the_hydra_schema_has_the_settings_fields_and_defaults() -> None:
    schema, settings = defaults(SageMakerLauncherConf), defaults(LaunchSettings)
    assert schema.keys() == settings.keys()
    retry_schema = {f.name: f.type for f in dataclasses.fields(SageMakerLauncherConf)}["retry"]
    assert isinstance(retry_schema, type)
    assert defaults(retry_schema) == defaults(RetryPolicy)
    for name, value in schema.items():
        if name != "retry":
            expected = settings[name]
            assert (list(value) if isinstance(value, list) else value) == (
                list(expected) if isinstance(expected, tuple) else expected
            ), name


def test_from_mapping_builds_typed_settings() -> None:
    settings = LaunchSettings.from_mapping(
        {
            "_target_": "ignored",
            "tags": {"team": "hpo", "n": 3},
            "single_seed_methods": ["bohb"],
            "retry": {"max_attempts": 3},
            "s3_prefix": "s3://my-bucket/studies",
        }
    )
    assert settings.tags == {"team": "hpo", "n": "3"}
    assert settings.single_seed_methods == ("bohb",)
    assert settings.retry == RetryPolicy(max_attempts=3)
    assert [m.split(":")[0] for m in settings.missing_for_launch()] == [
        "hydra.launcher.role",
        "hydra.launcher.image_uri",
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"rolee": "x"}, r"unknown hydra.launcher setting\(s\) \['rolee'\]"),
        ({"retry": {"attempts": 2}}, r"unknown hydra.launcher.retry setting\(s\) \['attempts'\]"),
        ({"group_size": 0}, "hydra.launcher.group_size=0; expected a positive number"),
        ({"s3_prefix": "my-bucket/x"}, "s3_prefix='my-bucket/x'; expected s3://bucket/prefix"),
        ({"keep_alive_seconds": 7200}, "keep_alive_seconds=7200; expected 0 to 3600"),
        (
            {"use_spot": True, "max_run_seconds": 100, "max_wait_seconds": 50},
            "max_wait_seconds=50 is less than max_run_seconds=100",
        ),
    ],
)
def test_bad_settings_are_named(values: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        LaunchSettings.from_mapping(values)
