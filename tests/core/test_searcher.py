"""`Searcher.configure`: every metric and mode reaches the searcher; `metric` / `mode`
stay the first, so single-objective searchers are unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from tunelab.core import methods
from tunelab.core.schedulers import FIFOScheduler, HyperbandScheduler
from tunelab.core.searchers import KDESearcher, RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.trial import Mode

SPACE = {"x": uniform(0.0, 1.0), "epochs": 9}


def test_one_metric_is_a_list_of_one() -> None:
    searcher = RandomSearcher(SPACE)
    assert (searcher.metric, searcher.metrics, searcher.modes) == (None, (), ())
    searcher.configure(metric="loss", mode="max", resource_attr="epoch")
    assert (searcher.metric, searcher.mode) == ("loss", "max")
    assert (searcher.metrics, searcher.modes) == (("loss",), ("max",))
    assert searcher.resource_attr == "epoch"


@pytest.mark.parametrize(
    ("mode", "modes"),
    [("max", ("max", "max", "max")), (["min", "max", "min"], ("min", "max", "min"))],
)
def test_several_metrics_keep_their_order_and_the_first_is_the_metric(
    mode: Any, modes: tuple[Mode, ...]
) -> None:
    searcher = RandomSearcher(SPACE)
    searcher.configure(metric=["error", "latency", "size"], mode=mode)
    assert searcher.metrics == ("error", "latency", "size") and searcher.modes == modes
    assert (searcher.metric, searcher.mode) == ("error", modes[0])


@pytest.mark.parametrize(
    ("metric", "mode", "message"),
    [
        ([], "min", "non-empty string or list"),
        (["a", "a"], "min", "must be distinct"),
        (["a", "b"], ["min"], "one of them per metric"),
        ("a", "best", "mode must be 'min' or 'max', got 'best'"),
    ],
)
def test_bad_metrics_and_modes_are_named(metric: Any, mode: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RandomSearcher(SPACE).configure(metric=metric, mode=mode)


def test_schedulers_pass_every_metric_to_their_searcher() -> None:
    searcher = KDESearcher(SPACE, seed=0)
    fifo = FIFOScheduler(searcher, metric=["error", "latency"], mode=["min", "max"])
    assert fifo.searcher.metrics == ("error", "latency")
    assert fifo.searcher.modes == ("min", "max")
    assert (searcher.metric, searcher.mode) == ("error", "min")  # what KDE models
    asha = HyperbandScheduler(
        RandomSearcher(SPACE), metric="loss", mode="max", resource_attr="epoch", max_resource=9
    )
    assert (asha.searcher.metrics, asha.searcher.modes) == (("loss",), ("max",))


def test_random_search_takes_lists_of_metrics_and_modes() -> None:
    scheduler = methods.random_search(SPACE, metric=["a", "b"], mode=["min", "max"], seed=0)
    assert (scheduler.metric_names(), scheduler.metric_mode()) == (["a", "b"], ["min", "max"])
    assert scheduler.searcher.metrics == ("a", "b")
    assert scheduler.suggest(0) is not None
