"""The method and searcher presets of `tunelab-run` (`conf/method`, `conf/searcher`):
they set only what differs from the defaults, they are the Python compositions of the
same name, and `searcher=<name>` puts any searcher into any scheduler preset."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from hydra import compose, initialize_config_module
from hydra.utils import get_class, get_method
from omegaconf import DictConfig, OmegaConf

import tunelab.experiments.conf as shipped_conf
from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.searchers import KDESearcher, RandomSearcher
from tunelab.experiments.experiment import run_experiment
from tunelab.experiments.methods import MethodConfigError, build_scheduler, fold_searcher
from tunelab.experiments.validation import problems

CONF = Path(shipped_conf.__file__).parent
METHODS = sorted(p.stem for p in (CONF / "method").glob("*.yaml"))
SEARCHERS = sorted(p.stem for p in (CONF / "searcher").glob("*.yaml"))
SPACE_ARGS = {"metric": "y", "mode": "min", "seed": 0, "resource_attr": "epoch"}
SWEEP_CHOICES = {"grid_search": {"shuffle": True}}
"""Searcher options a method preset of the sweeps sets on purpose, unlike its Python
function: a shuffled grid spreads a short budget over the whole grid."""


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def method_node(name: str, *overrides: str) -> DictConfig:
    return cast(DictConfig, compose("config", overrides=[f"method={name}", *overrides]).method)


def options(node: DictConfig) -> dict[str, Any]:
    container = OmegaConf.to_container(node, resolve=True)
    assert isinstance(container, dict)
    entries = cast(dict[str, Any], container)
    return {k: v for k, v in entries.items() if k not in ("_target_", "name", "searcher")}


def defaults_of(factory: Any) -> dict[str, Any]:
    return {
        name: p.default
        for name, p in inspect.signature(factory).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize("name", METHODS)
def test_a_method_preset_sets_only_what_differs_from_the_defaults(name: str) -> None:
    node = method_node(name)
    assert node.name == name
    factory = get_method(node.scheduler._target_)
    restated = {
        k: v
        for k, v in options(node.scheduler).items()
        if defaults_of(factory).get(k, object()) == v
    }
    assert not restated, f"method/{name}.yaml restates defaults of its scheduler: {restated}"
    searcher = node.get("searcher")
    if searcher is not None:
        searcher_defaults = defaults_of(get_class(searcher._target_))
        restated = {
            k: v for k, v in options(searcher).items() if searcher_defaults.get(k, object()) == v
        }
        assert not restated, f"method/{name}.yaml restates defaults of its searcher: {restated}"


@pytest.mark.parametrize("name", SEARCHERS)
def test_a_searcher_preset_names_its_class_and_only_non_defaults(name: str) -> None:
    node = compose("config", overrides=[f"searcher={name}"]).searcher
    assert node.name == name
    cls = get_class(node._target_)
    restated = {k: v for k, v in options(node).items() if defaults_of(cls).get(k, object()) == v}
    assert not restated, f"searcher/{name}.yaml restates defaults: {restated}"


def _python_preset(name: str) -> Any:
    for module in ("tunelab.core.methods", "tunelab.gp.methods"):
        preset = getattr(importlib.import_module(module), name, None)
        if preset is not None:
            return preset
    return None


@pytest.mark.parametrize("name", METHODS)
def test_a_method_preset_is_the_python_method_of_the_same_name(name: str) -> None:
    preset = _python_preset(name)
    if preset is None:  # a variant that exists only as a preset (mobster_indep, ...)
        return
    node = method_node(name)
    target = get_method(node.scheduler._target_)
    family = getattr(preset, "family", None)
    if family is None:  # a scheduler preset itself
        assert target is preset
        assert node.get("searcher") is None
        return
    assert target is family, f"{name}: {node.scheduler._target_} is not {family.__name__}"
    assert options(node.scheduler) == preset.defaults
    searcher = node.get("searcher")
    if preset.searcher is None:
        assert searcher is None
    else:
        assert searcher is not None and get_class(searcher._target_) is preset.searcher
        assert options(searcher) == SWEEP_CHOICES.get(name, {})


def test_a_searcher_from_the_command_line_goes_into_the_method() -> None:
    cfg = fold_searcher(compose("config", overrides=["method=asha", "searcher=kde"]))
    assert cfg.method.name == "asha+kde"
    assert "searcher" not in cfg
    scheduler = build_scheduler(
        cfg.method, {**SPACE_ARGS, "config_space": _space(), "max_resource_attr": "epochs"}
    )
    assert isinstance(scheduler, HyperbandScheduler)
    assert isinstance(scheduler.searcher, KDESearcher)
    assert scheduler.method_name == "asha+kde"


def _space() -> dict[str, Any]:
    from tunelab.core.space import uniform

    return {"x": uniform(0.0, 1.0), "epochs": 9}


def test_the_methods_own_searcher_keeps_its_name() -> None:
    cfg = fold_searcher(compose("config", overrides=["method=bohb", "searcher=kde"]))
    assert cfg.method.name == "bohb"
    cfg = fold_searcher(compose("config", overrides=["method=asha", "searcher=random"]))
    assert cfg.method.name == "asha"
    plain = compose("config", overrides=["method=random_search"])
    scheduler = build_scheduler(
        fold_searcher(plain).method, {**SPACE_ARGS, "config_space": _space()}
    )
    assert isinstance(scheduler, FIFOScheduler)
    assert isinstance(scheduler.searcher, RandomSearcher)


def test_a_method_without_a_searcher_refuses_one(tmp_path: Path) -> None:
    cfg = compose(
        "config",
        overrides=["method=dehb", "searcher=kde", "benchmark=branin", f"results_root={tmp_path}"],
    )
    found = problems(cfg)
    assert any("takes no searcher, so searcher 'kde' cannot run under it" in p for p in found)
    with pytest.raises(MethodConfigError, match="takes no searcher"):
        build_scheduler(fold_searcher(cfg).method, {**SPACE_ARGS, "config_space": _space()})


def test_searcher_options_are_checked_by_name() -> None:
    cfg = compose("config", overrides=["method=kde", "+method.searcher.bogus=1"])
    with pytest.raises(MethodConfigError, match=r"takes no argument \['bogus'\]"):
        build_scheduler(cfg.method, {**SPACE_ARGS, "config_space": _space()})
    cfg = compose("config", overrides=["method=kde", "+method.searcher.seed=1"])
    with pytest.raises(MethodConfigError, match=r"gets \['seed'\] from the run"):
        build_scheduler(cfg.method, {**SPACE_ARGS, "config_space": _space()})


def test_a_folded_searcher_runs_and_records_its_name(tmp_path: Path) -> None:
    cfg = compose(
        "config",
        overrides=[
            "method=asha",
            "searcher=kde",
            "benchmark=branin",
            "max_wallclock_time=200",
            f"results_root={tmp_path}",
        ],
    )
    outcome = run_experiment(cfg)
    assert outcome.status == "complete", outcome.error
    assert outcome.method == "asha+kde"
    assert Path(outcome.path) == tmp_path / "default" / "branin" / "asha+kde" / "0"
