"""Schedulers that pass their base's rung options on (`**rungs: Unpack[RungArguments]`)
still show every option, with the base's defaults, to `inspect` (and so to the method
presets and Hydra), and check them as the base does."""

from __future__ import annotations

import inspect

import pytest

from tunelab.core.schedulers._forwarding import RungArguments
from tunelab.core.schedulers.hyperband import HyperbandScheduler, PASHAScheduler
from tunelab.core.schedulers.synchronous import (
    DEHBScheduler,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform

RUNG_OPTIONS = set(RungArguments.__annotations__)


@pytest.mark.parametrize(
    ("cls", "base", "own"),
    [
        (PASHAScheduler, HyperbandScheduler, {"rung_levels", "epsilon", "seed"}),
        (SynchronousSuccessiveHalving, SynchronousHyperbandScheduler, set()),
        (
            DEHBScheduler,
            SynchronousHyperbandScheduler,
            {"brackets", "evolution", "restrict_to", "seed"},
        ),
    ],
)
def test_forwarded_rung_options_are_spelled_out_with_the_bases_defaults(
    cls: type, base: type, own: set[str]
) -> None:
    parameters = inspect.signature(cls).parameters
    assert set(parameters) == {"searcher"} | own | RUNG_OPTIONS
    inherited = inspect.signature(base).parameters
    for name in RUNG_OPTIONS:
        assert parameters[name].default == inherited[name].default, name
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_forwarded_options_are_checked_by_the_base() -> None:
    searcher = RandomSearcher({"x": uniform(0.0, 1.0)}, seed=0)
    with pytest.raises(ValueError, match="resource_attr must be a non-empty string"):
        PASHAScheduler(searcher, metric="y", resource_attr="", max_resource=9)
    with pytest.raises(TypeError, match="keyword argument 'brackets'"):
        SynchronousSuccessiveHalving(
            searcher,
            metric="y",
            resource_attr="epoch",
            max_resource=9,
            brackets=2,  # type: ignore[call-arg]
        )
