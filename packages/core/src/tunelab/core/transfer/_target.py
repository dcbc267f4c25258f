"""Earlier tasks' configurations as configurations of the target task's space."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tunelab.core.space import config_key, hyperparameter_names, impute_config, validate_configs
from tunelab.core.trial import Config


class TargetConfigs:
    """Turns configurations evaluated on earlier tasks into the target's.

    Earlier tasks may have evaluated hyperparameters the target does not tune, or
    values outside its domains; a tabulated target only has its rows. `convert`
    keeps the target's hyperparameters of a configuration (the others get their
    domain's midpoint) and returns None when the result is not a valid
    configuration of `config_space` or, with `restrict_to`, not one of its members.

    Args:
        config_space: The target task's space.
        restrict_to: The target's configurations, if it only has these.
    """

    def __init__(
        self, config_space: Mapping[str, Any], restrict_to: Sequence[Config] | None = None
    ) -> None:
        self.config_space = dict(config_space)
        self.names = hyperparameter_names(self.config_space)
        self._members: dict[tuple[Any, ...], Config] | None = None
        if restrict_to is not None:
            members = validate_configs(self.config_space, restrict_to)
            self._members = {}
            for member in members:
                self._members.setdefault(self.key(member), member)

    def key(self, config: Config) -> tuple[Any, ...]:
        """The key of `config`'s tuned hyperparameters (constants left out)."""
        return config_key({n: config[n] for n in self.names})

    def convert(self, config: Config) -> Config | None:
        """`config` as a configuration of the target (a member, when restricted), or
        None if it is not one."""
        try:
            full = impute_config(
                self.config_space, {n: config[n] for n in self.names if n in config}
            )
        except ValueError:
            return None
        if self._members is None:
            return full
        member = self._members.get(self.key(full))
        return None if member is None else dict(member)
