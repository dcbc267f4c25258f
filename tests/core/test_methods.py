"""Every preset of `tunelab.core.methods`: the contract suite, and that it is its parts."""

from __future__ import annotations

import inspect
import pickle
from typing import Any, cast

import pytest

from tunelab.core import methods
from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers import (
    FIFOScheduler,
    HyperbandScheduler,
    SynchronousHyperbandScheduler,
)
from tunelab.core.searchers import KDESearcher, RandomSearcher
from tunelab.core.space import loguniform, randint
from tunelab.core.testing import RestrictionContract, SchedulerContract

from .transfer.tasks import synthetic_tasks

STANDARD = {"resource_attr": "epoch", "max_resource": 9}


def standard(
    name: str,
    config_space: dict[str, Any],
    metric: str,
    restrict_to: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The standard arguments a preset takes; transfer methods also get evaluations
    of three synthetic earlier tasks on the same space (of the candidates, when the
    method is restricted to them: a box around other configurations may hold none)."""
    accepted = inspect.signature(getattr(methods, name)).parameters
    offered: dict[str, Any] = dict(STANDARD)
    if "transfer_evaluations" in accepted:
        offered["transfer_evaluations"] = synthetic_tasks(
            config_space, metric=metric, configs=restrict_to
        )
    return {k: v for k, v in offered.items() if k in accepted}


def build(name: str, config_space: dict[str, Any], **arguments: Any) -> Scheduler:
    """A preset with the standard arguments its signature takes."""
    factory = getattr(methods, name)
    accepted = inspect.signature(factory).parameters
    offered = {**standard(name, config_space, arguments.get("metric", "loss")), **arguments}
    return cast(
        Scheduler, factory(config_space, **{k: v for k, v in offered.items() if k in accepted})
    )


def contract_for(name: str) -> type:
    class Contract(SchedulerContract):
        def make_scheduler(
            self, config_space: dict[str, Any], *, metric: str, mode: str, seed: int
        ) -> Scheduler:
            return build(name, config_space, metric=metric, mode=mode, seed=seed)

    Contract.__name__ = f"TestContract_{name}"
    return Contract


def restriction_contract_for(name: str) -> type:
    class Contract(RestrictionContract):
        def make_scheduler(
            self,
            config_space: dict[str, Any],
            *,
            metric: str,
            mode: str,
            seed: int,
            restrict_to: list[dict[str, Any]],
        ) -> Scheduler:
            factory = getattr(methods, name)
            scheduler = factory(
                config_space, metric=metric, mode=mode, seed=seed, restrict_to=restrict_to,
                **standard(name, config_space, metric, restrict_to),
            )  # fmt: skip
            return cast(Scheduler, scheduler)

    Contract.__name__ = f"TestRestriction_{name}"
    return Contract


for _name in methods.PRESETS:
    globals()[f"TestContract_{_name}"] = contract_for(_name)
    globals()[f"TestRestriction_{_name}"] = restriction_contract_for(_name)


def test_every_preset_records_its_name() -> None:
    space = {"lr": loguniform(1e-4, 1e-1), "layers": randint(1, 4), "epochs": 9}
    for name in methods.PRESETS:
        scheduler = build(name, space, metric="loss", seed=0)
        assert scheduler.method_name == name


def test_every_preset_is_documented_and_typed() -> None:
    for name in methods.PRESETS:
        factory = getattr(methods, name)
        assert factory.__doc__, name
        signature = inspect.signature(factory)
        assert all(
            p.kind is inspect.Parameter.KEYWORD_ONLY
            for p in list(signature.parameters.values())[1:]
        ), name


SPACE = {"lr": loguniform(1e-4, 1e-1), "layers": randint(1, 4), "epochs": 9}


def first_suggestions(scheduler: Scheduler, n: int = 5) -> list[Any]:
    return [scheduler.suggest(i) for i in range(n)]


def test_asha_is_hyperband_with_a_random_searcher() -> None:
    preset = methods.asha(
        SPACE, metric="loss", resource_attr="epoch", max_resource_attr="epochs", seed=3
    )
    by_hand = HyperbandScheduler(
        RandomSearcher(SPACE, seed=3),
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        kind="stopping",
    )
    assert first_suggestions(preset) == first_suggestions(by_hand)


def test_sync_bohb_is_synchronous_hyperband_with_kde() -> None:
    preset = methods.sync_bohb(SPACE, metric="loss", resource_attr="epoch", max_resource=9, seed=4)
    by_hand = SynchronousHyperbandScheduler(
        KDESearcher(SPACE, seed=4), metric="loss", resource_attr="epoch", max_resource=9
    )
    assert first_suggestions(preset) == first_suggestions(by_hand)


def test_fifo_presets_run_every_trial_to_its_end() -> None:
    for name in ("random_search", "rea", "kde", "bore", "cqr"):
        assert isinstance(build(name, SPACE, metric="loss", seed=0), FIFOScheduler), name


def test_multi_fidelity_presets_need_the_maximum_resource() -> None:
    for name in ("asha", "hyperband", "sync_sh", "dehb", "pasha"):
        with pytest.raises(ValueError, match="max_resource"):
            getattr(methods, name)(
                {"lr": loguniform(1e-4, 1e-1)}, metric="loss", resource_attr="epoch"
            )


def test_rung_levels_are_recorded_for_plots() -> None:
    def levels(scheduler: Scheduler) -> Any:
        return scheduler.describe()["rung_levels"]

    kwargs: dict[str, Any] = {
        "metric": "loss",
        "resource_attr": "epoch",
        "max_resource": 27,
        "seed": 0,
    }
    assert levels(methods.asha(SPACE, **kwargs)) == [1, 3, 9, 27]
    assert levels(methods.sync_sh(SPACE, **kwargs)) == [1, 3, 9, 27]
    assert levels(methods.random_search(SPACE, metric="loss")) is None


def test_a_composition_with_its_own_searcher_refuses_another() -> None:
    from tunelab.core.searchers import RandomSearcher

    with pytest.raises(TypeError, match="bohb always uses KDESearcher; for another searcher"):
        methods.bohb(SPACE, metric="loss", resource_attr="epoch", searcher=RandomSearcher)
    assert "searcher" not in inspect.signature(methods.bohb).parameters
    # a composition that fixes no searcher keeps the argument
    assert "searcher" in inspect.signature(methods.asha_prom).parameters
    scheduler = methods.asha_prom(
        SPACE, metric="loss", resource_attr="epoch", max_resource=27, searcher=RandomSearcher
    )
    assert scheduler.method_name == "asha_prom"


@pytest.mark.parametrize("name", methods.PRESETS)
def test_every_preset_pickles_by_name(name: str) -> None:
    """Presets are made by `scheduler_preset` / `compose`, yet pickle (and so process
    pools and launchers) finds each under its own module and name."""
    preset = getattr(methods, name)
    assert pickle.loads(pickle.dumps(preset)) is preset
