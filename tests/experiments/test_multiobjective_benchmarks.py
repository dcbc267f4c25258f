"""Benchmarks with several metrics, a constraint or a cost, through `tunelab-run`:
what reaches the method, what metadata.json records, what is refused before any
trial, and `max_cost`."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from tunelab.blackbox import Recipe, TabularBlackbox, load, register_recipe
from tunelab.blackbox.repository import all_recipes
from tunelab.blackbox.repository.recipes.converters.fcnet import OBJECTIVES as FCNET_OBJECTIVES
from tunelab.blackbox.repository.recipes.converters.nasbench201 import (
    OBJECTIVES as NB201_OBJECTIVES,
)
from tunelab.core.methods import fifo, linear_scalarized
from tunelab.core.multiobjective import hypervolume
from tunelab.core.schedulers import FIFOScheduler
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import ordinal
from tunelab.core.status import COST_KEY
from tunelab.core.trial import Config
from tunelab.experiments.benchmarks import BenchmarkConfigError, build_benchmark
from tunelab.experiments.experiment import experiment_path, run_experiment
from tunelab.experiments.method_objectives import (
    check_objectives,
    objectives_problem,
    searcher_optimises_one_metric,
)
from tunelab.experiments.methods import MethodConfigError, build_scheduler, takes_role
from tunelab.experiments.summary import final_values
from tunelab.experiments.validation import problems, settings_problems

from .conftest import LATENCY_LIMIT

MO = ["val_accuracy", "time"]


@pytest.fixture(autouse=True)
def hydra_context() -> Iterator[None]:
    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        yield


def config(tmp_path: Path, *overrides: str) -> DictConfig:
    return compose(
        "config", overrides=[f"results_root={tmp_path / 'results'}", "study=unit", *overrides]
    )


def as_node(entries: dict[str, Any]) -> DictConfig:
    node = OmegaConf.create(entries)
    assert isinstance(node, DictConfig)
    return node


def metadata(path: Path | str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads((Path(path) / "metadata.json").read_text()))


# -- several metrics ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["random_search", "moasha", "linear_scalarized_asha"])
def test_a_multi_objective_benchmark_gives_the_method_every_metric(
    tmp_path: Path, method: str
) -> None:
    cfg = config(tmp_path, f"method={method}", "benchmark=lcbench-table-mo", "seed=1")
    assert problems(cfg) == []
    outcome = run_experiment(cfg, overrides=[])
    assert outcome.status == "complete", outcome.error
    recorded = metadata(outcome.path)
    assert recorded["metric"] == MO and recorded["mode"] == ["max", "min"]
    table = cast(TabularBlackbox, load("yahpo-lcbench-tables/189906"))
    accuracy = table.objectives[..., table.objectives_names.index("val_accuracy")]
    seconds = table.objectives[..., table.objectives_names.index("time")]
    assert recorded["reference"] == {
        "val_accuracy": {
            "min": pytest.approx(accuracy.min()),
            "max": pytest.approx(accuracy.max()),
        },
        "time": {"min": pytest.approx(seconds.min()), "max": pytest.approx(seconds.max())},
    }
    assert recorded["hypervolume_reference"] == {
        "val_accuracy": pytest.approx(accuracy.min()),  # the worst: a maximised metric's lowest
        "time": pytest.approx(np.quantile(seconds, 0.99)),  # reference_point: {quantile: 0.99}
    }
    assert recorded["constraint"] is None and recorded["cost_attr"] is None
    results = pd.read_parquet(Path(outcome.path) / "results.parquet")
    assert results[MO].notna().all().all() and len(results) > 50


@pytest.mark.parametrize(
    ("method", "why"),
    [
        ("asha", "HyperbandScheduler optimises one metric"),
        ("bayesian_optimization", "its searcher GPSearcher learns from one metric"),
        ("rea", "its searcher RegularizedEvolutionSearcher learns from one metric"),
    ],
)
def test_a_single_objective_method_is_refused_before_any_trial(
    tmp_path: Path, method: str, why: str
) -> None:
    cfg = config(tmp_path, f"method={method}", "benchmark=lcbench-table-mo")
    expected = (
        f"method '{method}' is single-objective ({why}) but the benchmark optimises the "
        f"metrics {MO}"
    )
    found = problems(cfg)
    assert len(found) == 1 and found[0].startswith(expected), found
    outcome = run_experiment(cfg, overrides=[])
    assert outcome.status == "failed"
    assert outcome.error is not None and expected in outcome.error
    path = experiment_path(cfg)
    assert not (path / "results.parquet").exists()
    assert metadata(path)["status"] == "failed"


def test_one_metric_of_a_multi_objective_benchmark_runs_any_method(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "method=asha",
        "benchmark=lcbench-table-mo",
        "benchmark.metric=val_accuracy",
        "benchmark.mode=max",
        "benchmark.reference_point=null",
        "max_wallclock_time=300",
    )
    assert problems(cfg) == []
    outcome = run_experiment(cfg, overrides=[])
    assert outcome.status == "complete", outcome.error
    recorded = metadata(outcome.path)
    assert recorded["metric"] == ["val_accuracy"]
    assert recorded["hypervolume_reference"] is None


class _Learner(RandomSearcher):
    """A searcher that learns from results (it overrides `observe`)."""

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        """Learns nothing, in fact: only overriding counts."""


class _ParetoLearner(_Learner):
    one_metric: ClassVar[bool] = False


def test_a_searcher_that_learns_serves_several_metrics_only_if_it_says_so() -> None:
    assert not searcher_optimises_one_metric(RandomSearcher)  # learns nothing
    assert searcher_optimises_one_metric(_Learner)
    assert not searcher_optimises_one_metric(_ParetoLearner)
    method = as_node({"name": "m", "scheduler": {"_target_": "x"}})
    space = {"x": load("branin").configuration_space["x1"]}
    for searcher, refused in ((_Learner, True), (_ParetoLearner, False), (RandomSearcher, False)):
        built = FIFOScheduler(searcher(space, seed=0), metric=MO, mode=["max", "min"])
        if refused:
            with pytest.raises(MethodConfigError, match="its searcher _Learner learns from one"):
                check_objectives(method, built, MO)
        else:
            check_objectives(method, built, MO)
    with pytest.raises(MethodConfigError, match=r"it optimises \['val_accuracy'\]"):
        check_objectives(method, fifo(space, metric="val_accuracy"), MO)


def test_a_weighted_sum_hands_its_searcher_one_metric_of_its_own() -> None:
    method = as_node({"name": "ls", "scheduler": {"_target_": "x"}})
    space = {"x": load("branin").configuration_space["x1"]}

    def base(config_space: dict[str, Any], **options: Any) -> FIFOScheduler:
        return fifo(config_space, searcher=_Learner, **options)

    scalarized = linear_scalarized(space, metric=MO, mode=["max", "min"], base=base)
    assert scalarized.searcher is not None and list(scalarized.searcher.metrics) != MO
    check_objectives(method, scalarized, MO)  # the learner serves the weighted sum


def test_a_preset_that_cannot_tell_is_left_to_the_built_scheduler(tmp_path: Path) -> None:
    cfg = config(tmp_path, "method=linear_scalarized", "benchmark=lcbench-table-mo")
    assert objectives_problem(cfg.method, MO) is None  # a plain function: unknown class
    assert objectives_problem(cfg.method, ["val_accuracy"]) is None


def test_a_quantile_reference_needs_a_table(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "benchmark=branin",
        "benchmark.metric=[y,elapsed_time]",
        "benchmark.mode=[min,min]",
        "+benchmark.reference_point={y: {quantile: 0.9}}",
    )
    with pytest.raises(BenchmarkConfigError, match=r"reference_point\.y is a quantile of the"):
        build_benchmark(cfg.benchmark, seed=0)


def test_a_worst_value_nobody_knows_leaves_the_reference_point_unknown(tmp_path: Path) -> None:
    base = ("benchmark=branin", "benchmark.metric=[y,elapsed_time]", "benchmark.mode=[min,min]")
    problem = build_benchmark(config(tmp_path, *base).benchmark, seed=0)
    assert problem.metric == ["y", "elapsed_time"]
    assert problem.reference == {"y": {"min": pytest.approx(0.397887)}}
    assert problem.hypervolume_reference is None  # neither has a known largest value
    given = config(tmp_path, *base, "+benchmark.reference_point={y: 300, elapsed_time: 60}")
    point = build_benchmark(given.benchmark, seed=0).hypervolume_reference
    assert point == {"y": 300.0, "elapsed_time": 60.0}


def test_a_metric_the_blackbox_does_not_report_is_named(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        "benchmark=lcbench-table-mo",
        "benchmark.metric=[val_accuracy,speed]",
        "benchmark.reference_point=null",
    )
    with pytest.raises(BenchmarkConfigError, match=r"names the metric\(s\) \['speed'\]"):
        build_benchmark(cfg.benchmark, seed=0)


# -- a constraint ---------------------------------------------------------------------


def test_a_constrained_benchmark_reports_and_records_its_constraint(
    tmp_path: Path, final_tables: Path
) -> None:
    cfg = config(tmp_path, "method=random_search", "benchmark=nasbench201-final-constrained")
    assert problems(cfg) == []
    outcome = run_experiment(cfg, overrides=[])
    assert outcome.status == "complete", outcome.error
    recorded = metadata(outcome.path)
    assert recorded["constraint"] == "latency_excess"
    assert recorded["method_arguments"] == {}  # random search runs without it
    assert recorded["problem"]["bounds"] == {
        "latency_excess": {"objective": "latency", "upper": LATENCY_LIMIT}
    }
    low, high = 0.008, 0.008 + 0.0004 * 39  # the fixture's fastest and slowest cells
    assert recorded["reference"]["latency_excess"] == {
        "min": pytest.approx(low - LATENCY_LIMIT),
        "max": pytest.approx(high - LATENCY_LIMIT),
    }
    results = pd.read_parquet(Path(outcome.path) / "results.parquet")
    excess = results["latency"] - LATENCY_LIMIT
    np.testing.assert_allclose(results["latency_excess"], excess)
    assert (results["latency_excess"] <= 0).any() and (results["latency_excess"] > 0).any()
    best = results["val_acc"].to_numpy().argmax()
    assert results["latency_excess"].iloc[best] > 0, (
        "the fixture's most accurate cell is infeasible"
    )


ROLE_METHODS = """
from tunelab.core.methods import fifo
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import ordinal

RECEIVED = []


def fifo_with_roles(config_space, *, metric, mode="min", seed=None, restrict_to=None,
                    constraint_attr, cost_attr=None):
    RECEIVED.append({"constraint_attr": constraint_attr, "cost_attr": cost_attr})
    return fifo(config_space, metric=metric, mode=mode, seed=seed, restrict_to=restrict_to)


class CostSearcher(RandomSearcher):
    def __init__(self, config_space, *, cost_attr=None, **options):
        super().__init__(config_space, **options)
        self.cost_attr = cost_attr
"""


@pytest.fixture
def role_methods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A module with a preset taking `constraint_attr` and a searcher taking `cost_attr`."""
    (tmp_path / "role_methods.py").write_text(textwrap.dedent(ROLE_METHODS))
    monkeypatch.syspath_prepend(str(tmp_path))
    import role_methods

    yield role_methods
    sys.modules.pop("role_methods", None)


def test_a_method_taking_constraint_attr_gets_the_constraint(
    tmp_path: Path, final_tables: Path, role_methods: Any
) -> None:
    overrides = (
        "method=random_search",
        "method.name=fifo_with_roles",
        "method.scheduler._target_=role_methods.fifo_with_roles",
    )
    cfg = config(tmp_path, *overrides, "benchmark=nasbench201-final-constrained")
    assert problems(cfg) == []
    assert takes_role(cfg.method, "constraint_attr") and takes_role(cfg.method, "cost_attr")
    outcome = run_experiment(cfg, overrides=[])
    assert outcome.status == "complete", outcome.error
    assert role_methods.RECEIVED == [{"constraint_attr": "latency_excess", "cost_attr": None}]
    assert metadata(outcome.path)["method_arguments"] == {"constraint_attr": "latency_excess"}
    unconstrained = config(tmp_path, *overrides, "benchmark=nasbench201-final-mo")
    assert problems(unconstrained) == [
        "method 'fifo_with_roles' needs a constraint metric (constraint_attr) but benchmark "
        "'nasbench201-final-mo-cifar10' names none; set benchmark.constraint=<a reported "
        "metric>, or run it on a benchmark with one"
    ]


def test_a_searcher_taking_cost_attr_gets_the_cost(tmp_path: Path, role_methods: Any) -> None:
    node = {
        "name": "cost_fifo",
        "scheduler": {"_target_": "tunelab.core.methods.fifo"},
        "searcher": {"_target_": "role_methods.CostSearcher", "name": "cost"},
    }
    method = as_node(node)
    assert takes_role(method, "cost_attr") and not takes_role(method, "constraint_attr")
    space = load("branin").configuration_space
    provided = {"config_space": space, "metric": "y", "mode": "min", "seed": 0}
    given = build_scheduler(method, {**provided, "cost_attr": "seconds", "constraint_attr": "c"})
    assert getattr(given.searcher, "cost_attr", None) == "seconds"
    set_by_method = as_node(node)
    set_by_method.searcher.cost_attr = "dollars"  # the method's own setting wins
    assert not takes_role(set_by_method, "cost_attr")
    kept = build_scheduler(set_by_method, {**provided, "cost_attr": "seconds"})
    assert getattr(kept.searcher, "cost_attr", None) == "dollars"


# -- a cost -----------------------------------------------------------------------------


def test_max_cost_ends_the_experiment_on_the_cost_metric(tmp_path: Path) -> None:
    cfg = config(tmp_path, "method=asha", "benchmark=lcbench-table-cost", "max_cost=3000")
    assert problems(cfg) == []
    outcome = run_experiment(cfg, overrides=[])
    assert outcome.status == "complete", outcome.error
    recorded = metadata(outcome.path)
    assert recorded["cost_attr"] == "time"
    assert recorded["budget"] == {"max_wallclock_time": 86400.0, "max_cost": 3000.0}
    assert recorded["backend_settings"]["cost_attr"] == "time"
    results = pd.read_parquet(Path(outcome.path) / "results.parquet")
    total = results.groupby("trial_id")[COST_KEY].max().sum()
    assert 3000.0 <= total < 3000.0 + results["time"].max()
    assert results["tuner_time"].max() < 3000.0, "4 workers: a quarter of the cost, roughly"


def test_a_larger_max_cost_extends_a_complete_experiment(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = config(tmp_path, "benchmark=lcbench-table-cost", "max_cost=2000")
    assert run_experiment(first).status == "complete"
    with caplog.at_level("INFO"):
        grown = config(tmp_path, "benchmark=lcbench-table-cost", "max_cost=4000")
        assert run_experiment(grown).status == "complete"
    assert "its budget grows max_cost from 2000 to 4000" in caplog.text
    path = experiment_path(grown)
    results = pd.read_parquet(path / "results.parquet")
    assert results.groupby("trial_id")[COST_KEY].max().sum() >= 4000.0
    assert [e["budget"]["max_cost"] for e in metadata(path)["extended"]] == [4000.0]
    smaller = config(tmp_path, "benchmark=lcbench-table-cost", "max_cost=3000")
    assert run_experiment(smaller).status == "skipped"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["max_cost=-5"], "max_cost=-5: expected a number > 0"),
        (["benchmark=branin", "max_cost=100"], "benchmark 'branin' names no cost metric"),
        (
            ["benchmark=branin", "+benchmark.max_cost=100"],
            "benchmark.max_cost=100 limits the total cost of the trials",
        ),
        (["benchmark=lcbench-table-cost", "max_cost=true"], "max_cost=True: expected a number"),
    ],
)
def test_a_max_cost_that_cannot_apply_is_refused(
    tmp_path: Path, overrides: list[str], message: str
) -> None:
    found = settings_problems(config(tmp_path, *overrides))
    assert len(found) == 1 and message in found[0], found


def test_a_training_script_must_report_worker_cost_for_max_cost(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("print('hello')\n")
    local = OmegaConf.create(
        {
            "name": "script",
            "type": "local",
            "entry_point": str(script),
            "metric": "loss",
            "cost": "seconds",
            "n_workers": 1,
            "max_wallclock_time": 60,
        }
    )
    cfg = config(tmp_path, "max_cost=10")
    cfg.benchmark = local
    (found,) = settings_problems(cfg)
    assert "report 'worker_cost' from the script and set benchmark.cost=worker_cost" in found
    cfg.benchmark.cost = COST_KEY
    assert settings_problems(cfg) == []


def test_single_objective_runs_record_the_new_keys_empty(tmp_path: Path) -> None:
    outcome = run_experiment(config(tmp_path, "benchmark=branin", "max_wallclock_time=120"))
    recorded = metadata(outcome.path)
    assert recorded["metric"] == ["y"] and recorded["hypervolume_reference"] is None
    assert recorded["constraint"] is None and recorded["cost_attr"] is None
    assert recorded["method_arguments"] == {}
    assert recorded["budget"] == {"max_wallclock_time": 120.0}
    assert "cost_attr" not in recorded["backend_settings"]
    assert "bounds" not in recorded["problem"]


def test_the_text_summary_counts_feasible_results_and_hypervolume(
    tmp_path: Path, final_tables: Path
) -> None:
    several = run_experiment(
        config(tmp_path, "benchmark=lcbench-table-mo", "max_wallclock_time=300")
    )
    constrained = run_experiment(config(tmp_path, "benchmark=nasbench201-final-constrained"))
    finals = final_values(tmp_path / "results" / "unit").set_index("benchmark")

    row = finals.loc["lcbench-table-mo-189906"]
    assert (row["metric"], row["mode"]) == ("hypervolume", "max")
    results = pd.read_parquet(Path(several.path) / "results.parquet")
    point = metadata(several.path)["hypervolume_reference"]
    expected = hypervolume(results[MO].to_numpy(), [point[m] for m in MO], ["max", "min"])
    assert row["best"] == pytest.approx(expected) and expected > 0

    row = finals.loc["nasbench201-final-constrained-cifar10"]
    assert (row["metric"], row["mode"]) == ("val_acc", "max")
    results = pd.read_parquet(Path(constrained.path) / "results.parquet")
    feasible = results[results["latency_excess"] <= 0]
    assert row["best"] == feasible["val_acc"].max() < results["val_acc"].max()


@pytest.mark.parametrize(
    ("preset", "family", "objectives", "metrics"),
    [
        ("fcnet-mo", "fcnet", FCNET_OBJECTIVES, ["valid_loss", "n_params"]),
        ("nasbench201-mo", "nasbench201", NB201_OBJECTIVES, ["valid_error", "latency"]),
    ],
)
def test_the_converted_learning_curve_presets_name_the_converters_objectives(
    tmp_path: Path, preset: str, family: str, objectives: tuple[str, ...], metrics: list[str]
) -> None:
    """The raw files are not here: a stand-in table with the converter's objectives."""
    rng = np.random.default_rng(0)
    table = TabularBlackbox(
        hyperparameters=pd.DataFrame({"width": [1, 2, 3, 4]}),
        objectives=np.cumsum(rng.uniform(0.1, 1.0, (4, 2, 5, len(objectives))), axis=2),
        objectives_names=objectives,
        configuration_space={"width": ordinal([1, 2, 3, 4])},
        fidelity_name="epoch",
        time_objective="elapsed_time",
    )

    class StandIn(Recipe):
        name = family

        def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Any:
            return table

    original = all_recipes()[family]
    register_recipe(StandIn())
    try:
        problem = build_benchmark(config(tmp_path, f"benchmark={preset}").benchmark, seed=0)
    finally:
        register_recipe(original)
    assert problem.metric == metrics and problem.mode == ["min", "min"]
    assert problem.resource_attr == "epoch"
    assert problem.hypervolume_reference is not None
    assert set(problem.hypervolume_reference) == set(metrics)
