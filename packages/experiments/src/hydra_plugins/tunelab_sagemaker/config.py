"""The Hydra schema of `hydra/launcher=sagemaker`, generated from `LaunchSettings`.

`tunelab.experiments.sagemaker.settings.LaunchSettings` is the one definition of the
launcher's settings (names, types, defaults, documentation). Hydra needs a mutable
dataclass with types OmegaConf knows, so the schema is derived from it field by
field: `Mapping` becomes `dict`, `tuple[X, ...]` becomes `list[X]` and a nested
settings dataclass (`retry`) a nested schema. The launcher turns the composed node
back into a `LaunchSettings`, which checks the values.
"""

# No `from __future__ import annotations`: Hydra loads plugin modules in a way that
# breaks string annotations in dataclasses.

import collections.abc
import dataclasses
import typing
from types import GenericAlias
from typing import Any

from hydra.core.config_store import ConfigStore

from tunelab.experiments.sagemaker.settings import LaunchSettings

TARGET = "hydra_plugins.tunelab_sagemaker.launcher.SageMakerLauncher"


def hydra_schema(settings: type, *, name: str, target: str | None = None) -> type:
    """A mutable dataclass with `settings`' fields and defaults, in types OmegaConf knows.

    Args:
        settings: A (frozen) settings dataclass.
        name: Name of the schema class.
        target: `_target_` of the schema (the class Hydra instantiates), if any.
    """
    hints = typing.get_type_hints(settings)
    specs: list[tuple[str, Any, Any]] = []
    if target is not None:
        specs.append(("_target_", str, dataclasses.field(default=target)))
    for item in dataclasses.fields(settings):
        if not item.init:
            continue
        kind = _hydra_type(hints[item.name])
        if item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            default = item.default
        specs.append((item.name, kind, _default(kind, default)))
    schema = dataclasses.make_dataclass(name, specs)
    schema.__module__ = __name__
    return schema


def _hydra_type(kind: Any) -> Any:
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return hydra_schema(kind, name=f"{kind.__name__}Conf")
    if origin is collections.abc.Mapping:
        return GenericAlias(dict, arguments)
    if origin is tuple:
        return GenericAlias(list, arguments[:1])
    return kind


def _default(kind: Any, value: Any) -> Any:
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        values = dataclasses.asdict(value)
        return dataclasses.field(default_factory=lambda: kind(**values))
    if isinstance(value, (dict, list, tuple, collections.abc.Mapping)):
        copy = list(value) if isinstance(value, (list, tuple)) else dict(value)
        return dataclasses.field(default_factory=lambda: type(copy)(copy))
    return dataclasses.field(default=value)


SageMakerLauncherConf = hydra_schema(LaunchSettings, name="SageMakerLauncherConf", target=TARGET)
"""What `hydra.launcher` holds with `hydra/launcher=sagemaker`."""

ConfigStore.instance().store(
    group="hydra/launcher", name="sagemaker", node=SageMakerLauncherConf, provider="tunelab"
)
