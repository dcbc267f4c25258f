"""Multi-objective GP searchers (ParEGO, fixed linear scalarisation, EHVI) and presets."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.methods import fifo
from tunelab.core.multiobjective import hypervolume
from tunelab.core.scheduler import Scheduler
from tunelab.core.searcher import Searcher
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import (
    InlineBackend,
    MultiMetricSchedulerContract,
    MultiMetricSearcherContract,
    searcher_contracts,
)
from tunelab.core.trial import Mode
from tunelab.gp import methods
from tunelab.gp.multiobjective import EHVISearcher, LinearScalarizedGPSearcher, ParEGOSearcher
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.searchers import GPSearcher
from tunelab.gp.settings import GPSettings

FAST = GPSettings(optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20)
CLASSES = {"ParEGO": ParEGOSearcher, "LinearGP": LinearScalarizedGPSearcher, "EHVI": EHVISearcher}

for _name, _cls in CLASSES.items():
    _factory = functools.partial(_cls, num_init_random=3, settings=FAST)
    # one metric, alone, restricted, and under the FIFO, ASHA and Hyperband presets
    globals().update(searcher_contracts(_name, _factory, n_suggestions=8))

    class _TwoMetrics(MultiMetricSearcherContract):
        n_suggestions = 10
        factory = staticmethod(_factory)

        def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> Searcher:
            searcher: Searcher = self.factory(config_space, seed=seed)
            return searcher

    class _UnderFIFO(MultiMetricSchedulerContract):
        factory = staticmethod(_factory)

        def make_scheduler_for(
            self,
            config_space: dict[str, Any],
            *,
            metrics: list[str],
            modes: list[Mode],
            seed: int,
        ) -> Scheduler:
            return fifo(config_space, searcher=self.factory, metric=metrics, mode=modes, seed=seed)

    for _suffix, _contract in (("TwoMetrics", _TwoMetrics), ("TwoMetricsUnderFifo", _UnderFIFO)):
        _contract.__name__ = _contract.__qualname__ = f"Test{_name}{_suffix}"
        globals()[_contract.__name__] = _contract


SPACE = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}
METRICS = ["error", "score"]
MODES: list[Mode] = ["min", "max"]


def zdt1(config: dict[str, Any]) -> dict[str, float]:
    """ZDT1 (Zitzler, Deb, Thiele, 2000) in two variables: a convex front at y = 0; the
    second objective is reported negated, as a score to maximise."""
    x, g = config["x"], 1.0 + 9.0 * config["y"]
    return {"error": x, "score": -g * (1.0 - math.sqrt(x / g))}


def run(searcher: Searcher, n: int) -> float:
    """Hypervolume of `n` sequential evaluations of ZDT1."""
    searcher.configure(metric=METRICS, mode=MODES)
    points = []
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        assert config is not None
        searcher.register_pending(trial_id, config)
        result = zdt1(config)
        searcher.observe(trial_id, config, result)
        searcher.remove_pending(trial_id)
        points.append([result["error"], result["score"]])
    return hypervolume(points, [1.1, -11.0], MODES)


@pytest.mark.parametrize("cls", [ParEGOSearcher, EHVISearcher])
def test_it_finds_a_larger_hypervolume_than_random_search(
    cls: type[ParEGOSearcher | EHVISearcher],
) -> None:
    model = [run(cls(SPACE, num_init_random=5, settings=FAST, seed=s), 20) for s in (0, 1)]
    random = [run(RandomSearcher(SPACE, seed=s), 20) for s in (0, 1)]
    assert min(model) > max(random) + 1.0, (model, random)


def test_parego_draws_new_weights_per_suggestion_from_its_seed() -> None:
    def weights(seed: int) -> list[list[float]]:
        searcher = ParEGOSearcher(SPACE, num_init_random=2, settings=FAST, seed=seed)
        searcher.configure(metric=METRICS, mode=MODES)
        drawn = []
        for trial_id in range(5):
            config = searcher.suggest(trial_id)
            assert config is not None
            searcher.observe(trial_id, config, zdt1(config))
            if searcher.last_weights is not None:
                drawn.append(searcher.last_weights.tolist())
        return drawn

    first = weights(0)
    assert len(first) == 3 and len({tuple(w) for w in first}) == 3
    assert all(min(w) >= 0 and sum(w) == pytest.approx(1.0) for w in first)
    assert weights(0) == first and weights(1) != first


def test_a_weighted_sum_of_one_metric_is_bayesian_optimization_of_it() -> None:
    """Normalising is affine and the GP standardises its targets: weights (1, 0) give
    the suggestions of `GPSearcher` on the first metric."""
    linear = LinearScalarizedGPSearcher(
        SPACE, weights=[1.0, 0.0], num_init_random=3, settings=FAST, seed=0
    )
    linear.configure(metric=METRICS, mode=MODES)
    single = GPSearcher(SPACE, num_init_random=3, settings=FAST, seed=0)
    single.configure(metric="error", mode="min")
    for trial_id in range(8):
        ours, theirs = linear.suggest(trial_id), single.suggest(trial_id)
        assert ours is not None and theirs is not None
        assert ours == pytest.approx(theirs, abs=1e-6)
        linear.observe(trial_id, ours, zdt1(ours))
        single.observe(trial_id, theirs, zdt1(theirs))


def test_results_with_a_non_finite_metric_are_ignored_and_the_latest_level_wins() -> None:
    searcher = ParEGOSearcher(SPACE, seed=0)
    searcher.configure(metric=METRICS, mode=MODES, resource_attr="epoch")
    config = {"x": 0.5, "y": 0.5}
    searcher.observe(0, config, {"error": 0.2, "score": float("nan"), "epoch": 1})
    assert searcher.num_observations == 0
    searcher.observe(0, config, {"error": 0.4, "score": 2.0, "epoch": 2})
    searcher.observe(0, config, {"error": 0.1, "score": 5.0, "epoch": 1})  # a lower level
    _, costs = searcher._observed()
    np.testing.assert_array_equal(costs, [[0.4, -2.0]])


def test_ehvi_takes_the_reference_point_by_metric_or_in_order() -> None:
    by_name = EHVISearcher(SPACE, hypervolume_reference={"score": 1.0, "error": 2.0, "x": 0})
    by_name.configure(metric=METRICS, mode=MODES)
    np.testing.assert_array_equal(by_name._reference_costs(), [2.0, -1.0])
    in_order = EHVISearcher(SPACE, hypervolume_reference=[2.0, 1.0])
    in_order.configure(metric=METRICS, mode=MODES)
    np.testing.assert_array_equal(in_order._reference_costs(), [2.0, -1.0])


def test_ehvi_with_a_reference_beyond_no_result_still_suggests() -> None:
    """Every observed point lies beyond the reference: the front is empty, and EHVI is
    the expected volume of the box below the reference that a point reaches."""
    searcher = EHVISearcher(
        SPACE, hypervolume_reference=[-1.0, 100.0], num_init_random=2, settings=FAST, seed=0
    )
    run(searcher, 5)
    assert searcher.suggest(5) is not None


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"error": 1.0}, r"lacks \['score'\]"),
        ([1.0, 2.0, 3.0], "one finite number per metric"),
        ([1.0, math.inf], "one finite number per metric"),
        (["a", "b"], "must be numbers"),
    ],
)
def test_ehvi_names_a_bad_reference_point(reference: Any, message: str) -> None:
    searcher = EHVISearcher(SPACE, hypervolume_reference=reference)
    with pytest.raises(ValueError, match=message):
        searcher.configure(metric=METRICS, mode=MODES)


def test_bad_options_are_named() -> None:
    with pytest.raises(ValueError, match="at most 3 metrics"):
        EHVISearcher(SPACE).configure(metric=["a", "b", "c", "d"], mode="min")
    with pytest.raises(ValueError, match="boxcox must be False"):
        EHVISearcher(SPACE, settings=GPSettings(boxcox=True))
    with pytest.raises(ValueError, match="rho must lie in"):
        ParEGOSearcher(SPACE, rho=1.5)
    with pytest.raises(ValueError, match=r"one weight per metric \['error', 'score'\], got 3"):
        LinearScalarizedGPSearcher(SPACE, weights=[1, 1, 1]).configure(metric=METRICS, mode=MODES)
    with pytest.raises(ValueError, match="weights must be finite, non-negative"):
        LinearScalarizedGPSearcher(SPACE, weights=[-1.0, 2.0])


@pytest.mark.parametrize("name", ["parego", "linear_scalarized_bo", "ehvi"])
def test_the_presets_run_under_the_tuner_on_two_metrics(tmp_path: Path, name: str) -> None:
    def trial(config: dict[str, Any]) -> Any:
        yield zdt1(config)

    scheduler = getattr(methods, name)(
        SPACE, metric=METRICS, mode=MODES, seed=0, num_init_random=3, settings=FAST
    )
    assert (
        type(scheduler.searcher)
        is {
            "parego": ParEGOSearcher,
            "linear_scalarized_bo": LinearScalarizedGPSearcher,
            "ehvi": EHVISearcher,
        }[name]
    )
    tuner = Tuner(
        backend=InlineBackend(trial),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_completed=8),
        n_workers=2,
        path=tmp_path / name,
        options=TunerOptions(sleep_time=0.0, progress_interval=None),
    )
    tuner.run()
    results = load_experiment(tuner.path).results
    assert results["trial_id"].nunique() >= 8
    assert results[METRICS].notna().all().all()


@pytest.mark.parametrize("name", ["parego", "linear_scalarized_bo", "ehvi"])
def test_tunelab_run_accepts_the_presets_on_a_multi_objective_benchmark(name: str) -> None:
    pytest.importorskip("tunelab.experiments")
    from hydra import compose, initialize_config_module

    from tunelab.experiments.method_objectives import objectives_problem

    with initialize_config_module(config_module="tunelab.experiments.conf", version_base=None):
        cfg = compose("config", overrides=[f"method={name}", "benchmark=lcbench-table-mo"])
        single = compose("config", overrides=["method=bayesian_optimization"])
    metrics = list(cfg.benchmark.metric)
    assert objectives_problem(cfg.method, metrics) is None
    assert objectives_problem(single.method, metrics) is not None  # the check is live
