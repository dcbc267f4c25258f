"""`preset`: marks a factory of a published method, so its schedulers carry its name."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from tunelab.core.scheduler import Scheduler

P = ParamSpec("P")
S = TypeVar("S", bound=Scheduler)


def preset(factory: Callable[P, S]) -> Callable[P, S]:
    """Wrap `factory` so that every scheduler it returns has `method_name` set to the
    factory's name: a tuner records it as the experiment's `method`, so that runs of
    two presets built on the same scheduler class (random search and BO are both FIFO)
    stay apart in tables and figures. The signature is unchanged (`inspect` and Hydra
    see the factory's own)."""

    @functools.wraps(factory)
    def build(*args: P.args, **kwargs: P.kwargs) -> S:
        scheduler = factory(*args, **kwargs)
        scheduler.method_name = factory.__name__
        return scheduler

    return build
