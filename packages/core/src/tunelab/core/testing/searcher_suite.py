"""`searcher_contracts`: every contract a new searcher must pass, from one line."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.core.testing.restriction_contract import RestrictedSearcherContract
from tunelab.core.testing.scheduler_contract import SchedulerContract
from tunelab.core.testing.searcher_contract import SearcherContract
from tunelab.core.trial import Config, Mode

SCHEDULER_PRESETS = ("fifo", "asha", "hyperband", "sync_hyperband")
"""The scheduler presets every searcher must run under."""


def searcher_contracts(
    name: str, factory: Callable[..., Searcher], **options: Any
) -> dict[str, type]:
    """The contract test classes of the searcher class (or partial) `factory`.

    `Test<name>` is its `SearcherContract`; `Test<name>Restricted` its
    `RestrictedSearcherContract` (when it takes `restrict_to`); and
    `Test<name>Under<Preset>` run it under each of `SCHEDULER_PRESETS` through the
    `SchedulerContract`, so a searcher is known to work with FIFO, ASHA, Hyperband
    and synchronous Hyperband. `options` are extra attributes of every class (e.g.
    `n_suggestions=30` for a searcher that needs data before its model acts). Use:

        globals().update(searcher_contracts("MySearcher", MySearcher))
    """
    from tunelab.core import methods  # the presets import the searchers of core

    accepts = inspect.signature(factory).parameters

    def build(config_space: dict[str, Any], seed: int, **extra: Any) -> Searcher:
        return factory(config_space, seed=seed, **extra)

    class Contract(SearcherContract):
        def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> Searcher:
            return build(config_space, seed)

    classes: dict[str, type] = {f"Test{name}": Contract}
    if "restrict_to" in accepts:

        class Restricted(RestrictedSearcherContract):
            def make_searcher(
                self, config_space: dict[str, Any], *, seed: int, restrict_to: list[Config]
            ) -> Searcher:
                return build(config_space, seed, restrict_to=restrict_to)

        classes[f"Test{name}Restricted"] = Restricted

    def under(preset: Callable[..., Scheduler]) -> type:
        class UnderScheduler(SchedulerContract):
            def make_scheduler(
                self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
            ) -> Scheduler:
                arguments: dict[str, Any] = {"metric": metric, "mode": mode, "seed": seed}
                if preset is not methods.fifo:
                    arguments |= {"resource_attr": "epoch", "max_resource": 9}
                return preset(config_space, searcher=factory, **arguments)

        return UnderScheduler

    for preset_name in SCHEDULER_PRESETS:
        title = "".join(part.title() for part in preset_name.split("_"))
        classes[f"Test{name}Under{title}"] = under(getattr(methods, preset_name))
    for cls_name, cls in classes.items():
        cls.__name__ = cls.__qualname__ = cls_name
        for key, value in options.items():
            setattr(cls, key, value)
    return classes
