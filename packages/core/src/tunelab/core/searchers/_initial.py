"""Initial configurations (`points_to_evaluate`) shared by the built-in searchers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tunelab.core.space import impute_config
from tunelab.core.trial import Config


def initial_configs(
    config_space: dict[str, Any], points_to_evaluate: Sequence[Config] | None
) -> list[Config]:
    """Complete and validate the user's initial configurations.

    A partial configuration is completed with the midpoint of each missing domain, so
    `[{}]` asks for the midpoint configuration first. None or `[]` means none.
    """
    if points_to_evaluate is None:
        return []
    if isinstance(points_to_evaluate, dict):
        raise TypeError(
            "points_to_evaluate must be a list of configurations (dicts), got a single "
            f"dict {points_to_evaluate!r}; wrap it in a list"
        )
    configs = []
    for index, point in enumerate(points_to_evaluate):
        if not isinstance(point, dict):
            raise TypeError(
                f"points_to_evaluate[{index}] must be a dict, got {type(point).__name__}: {point!r}"
            )
        try:
            configs.append(impute_config(config_space, point))
        except ValueError as error:
            raise ValueError(f"points_to_evaluate[{index}]: {error}") from error
    return configs
