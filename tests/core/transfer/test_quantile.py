"""Quantile-based transfer (CTS) and ASHA-CTS."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunelab.core import methods
from tunelab.core.schedulers.fifo import FIFOScheduler
from tunelab.core.schedulers.hyperband import HyperbandScheduler
from tunelab.core.space import choice, lograndint, loguniform, randint, sample_config, uniform
from tunelab.core.testing import RestrictionContract, SchedulerContract, searcher_contracts
from tunelab.core.transfer import (
    QuantileBasedSearcher,
    TaskEvaluations,
    TransferEvaluations,
    gaussian_quantiles,
    quantile,
)
from tunelab.core.transfer.quantile import TransferModel, pooled_quantiles
from tunelab.core.trial import Config, Mode

from .tasks import QUADRATIC_SPACE, quadratic_tasks, synthetic_tasks


def quantile_based(
    config_space: dict[str, Any],
    *,
    seed: int | None = None,
    points_to_evaluate: Sequence[Config] | None = None,
    restrict_to: Sequence[Config] | None = None,
) -> QuantileBasedSearcher:
    """The searcher with earlier tasks drawn on the contract's own space."""
    return QuantileBasedSearcher(
        config_space,
        transfer_evaluations=synthetic_tasks(config_space, n_configs=8),
        num_candidates=50,
        seed=seed,
        points_to_evaluate=points_to_evaluate,
        restrict_to=restrict_to,
    )


globals().update(searcher_contracts("QuantileBased", quantile_based))


def asha_cts(
    config_space: dict[str, Any],
    *,
    metric: str,
    mode: Mode,
    seed: int,
    restrict_to: list[Config] | None = None,
) -> HyperbandScheduler:
    scheduler = methods.asha_cts(
        config_space,
        transfer_evaluations=synthetic_tasks(
            config_space, metric=metric, n_configs=8, fidelities=3
        ),
        metric=metric,
        mode=mode,
        seed=seed,
        restrict_to=restrict_to,
        resource_attr="epoch",
        max_resource=9,
    )
    assert isinstance(scheduler, HyperbandScheduler)
    return scheduler


class TestASHACTSContract(SchedulerContract):
    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> HyperbandScheduler:
        return asha_cts(config_space, metric=metric, mode=mode, seed=seed)


class TestASHACTSRestriction(RestrictionContract):
    def make_scheduler(
        self,
        config_space: dict[str, Any],
        *,
        metric: str,
        mode: Mode,
        seed: int,
        restrict_to: list[Config],
    ) -> HyperbandScheduler:
        return asha_cts(config_space, metric=metric, mode=mode, seed=seed, restrict_to=restrict_to)


def test_the_presets_compose_fifo_and_asha_with_the_searcher() -> None:
    tasks = quadratic_tasks([0.5])
    fifo = methods.quantile_based(QUADRATIC_SPACE, metric="loss", transfer_evaluations=tasks)
    assert isinstance(fifo, FIFOScheduler) and fifo.method_name == "quantile_based"
    assert isinstance(fifo.searcher, QuantileBasedSearcher)
    asha = methods.asha_cts(
        QUADRATIC_SPACE,
        metric="loss",
        transfer_evaluations=tasks,
        resource_attr="epoch",
        max_resource=9,
    )
    assert isinstance(asha, HyperbandScheduler) and asha.method_name == "asha_cts"
    assert isinstance(asha.searcher, QuantileBasedSearcher)
    assert {"quantile_based", "asha_cts"} <= set(methods.PRESETS)


def first_suggestion(tasks: TransferEvaluations, seed: int, mode: Mode = "min") -> float:
    searcher = QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=tasks, seed=seed)
    searcher.configure(metric="loss", mode=mode)
    config = searcher.suggest(0)
    assert config is not None
    return float(config["x"])


def test_first_suggestions_land_near_the_optimum_the_earlier_tasks_share() -> None:
    # tasks of different scales (quantiles make them comparable), all best at x = 0.7
    tasks = dict(quadratic_tasks([0.7, 0.7, 0.7], seed=1))
    tasks["scaled"] = scaled(tasks.pop("shift2"), 1000.0)
    near = [abs(first_suggestion(tasks, seed) - 0.7) < 0.1 for seed in range(20)]
    assert sum(near) >= 16  # uniform random search: 20 % within 0.1 of 0.7


def test_max_mode_seeks_the_highest_values() -> None:
    tasks = quadratic_tasks([0.5, 0.5], seed=2)
    far = [abs(first_suggestion(tasks, seed, mode="max") - 0.5) > 0.35 for seed in range(10)]
    assert sum(far) >= 8  # uniform: 30 % beyond 0.35 of the middle


def scaled(task: TaskEvaluations, factor: float) -> TaskEvaluations:
    return TaskEvaluations(
        config_space=task.config_space,
        configs=task.configs,
        objectives_names=task.objectives_names,
        objectives=task.objectives * factor + 3.0,
    )


def run_target(searcher: QuantileBasedSearcher, shift: float, n: int) -> list[float]:
    """Suggest and observe `n` trials of the target task `(x - shift)^2`."""
    xs = []
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        assert config is not None
        searcher.observe(trial_id, config, {"loss": (config["x"] - shift) ** 2})
        xs.append(float(config["x"]))
    return xs


@pytest.mark.parametrize("target_model", [True, False])
def test_the_targets_results_correct_a_misleading_prior(target_model: bool) -> None:
    # the earlier tasks are best at 0.2, the target at 0.8
    searcher = QuantileBasedSearcher(
        QUADRATIC_SPACE,
        transfer_evaluations=quadratic_tasks([0.2, 0.2]),
        points_to_evaluate=[{"x": 0.8}, {"x": 0.5}, {"x": 0.95}],
        target_model=target_model,
        seed=0,
    )
    searcher.configure(metric="loss", mode="min")
    late = run_target(searcher, 0.8, 25)[-10:]
    moved = sum(abs(x - 0.8) < 0.15 for x in late)
    assert moved >= 7 if target_model else moved <= 2


def test_the_targets_results_never_become_transfer_data() -> None:
    tasks = quadratic_tasks([0.2, 0.3])
    frozen = copy.deepcopy(tasks)
    searcher = QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=tasks, seed=0)
    searcher.configure(metric="loss", mode="min")
    prior = searcher.transfer_model()
    run_target(searcher, 0.8, 12)
    assert searcher.transfer_model() is prior  # never refitted with the target's results
    assert searcher.transfer_evaluations is tasks
    for name, task in tasks.items():
        assert np.array_equal(task.objectives, frozen[name].objectives)
        assert task.configs.equals(frozen[name].configs)
    fit = searcher.state_dict()["target_fit"]
    # the target's own model: fitted at the last suggestion, on the 11 results before it
    assert fit is not None and len(fit["y"]) == 11


def test_the_state_restores_the_target_model_fitted_earlier() -> None:
    def make(seed: int) -> QuantileBasedSearcher:
        searcher = QuantileBasedSearcher(
            QUADRATIC_SPACE, transfer_evaluations=quadratic_tasks([0.4, 0.6]), seed=seed
        )
        searcher.configure(metric="loss", mode="min")
        return searcher

    searcher = make(5)
    run_target(searcher, 0.9, 30)  # the target model refits every 5 % of new results
    restored = make(123)
    restored.load_state_dict(pickle.loads(pickle.dumps(searcher.state_dict())))
    assert run_target(restored, 0.9, 8) == run_target(searcher, 0.9, 8)


MIXED_SPACE = {
    "lr": loguniform(1e-4, 1e-1),
    "units": lograndint(16, 512),
    "layers": randint(1, 5),
    "kind": choice(["a", "b", "c"]),
}


def test_the_transfer_models_tables_predict_bit_for_bit_as_its_models() -> None:
    searcher = QuantileBasedSearcher(
        MIXED_SPACE,
        transfer_evaluations=synthetic_tasks(MIXED_SPACE, n_tasks=4, n_configs=100),
        seed=3,
    )
    searcher.configure(metric="loss", mode="min")
    model = searcher.transfer_model()
    assert model.tables is not None
    untabled = TransferModel(model.mean, model.spread)
    rng = np.random.default_rng(0)
    for n in (1, 50, 500):
        x = searcher._layout.uniform(rng, n)
        for tabled, plain in zip(model.predict(x), untabled.predict(x), strict=True):
            assert np.array_equal(tabled, plain)
    with_nan = searcher._layout.uniform(rng, 5)
    with_nan[2, 0] = np.nan  # predicted by the models themselves
    for tabled, plain in zip(model.predict(with_nan), untabled.predict(with_nan), strict=True):
        assert np.array_equal(tabled, plain)


@pytest.mark.parametrize("restricted", [False, True])
def test_suggestions_are_those_of_the_models_without_tables(
    restricted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = [sample_config(MIXED_SPACE, np.random.default_rng(i)) for i in range(300)]

    def suggestions() -> list[Config]:
        searcher = QuantileBasedSearcher(
            MIXED_SPACE,
            transfer_evaluations=synthetic_tasks(MIXED_SPACE, n_tasks=3, n_configs=80),
            num_candidates=200,
            restrict_to=members if restricted else None,
            seed=11,
        )
        searcher.configure(metric="loss", mode="min")
        configs = []
        for trial_id in range(25):
            config = searcher.suggest(trial_id)
            assert config is not None
            value = np.log(config["lr"]) ** 2 + config["layers"] + len(config["kind"])
            searcher.observe(trial_id, config, {"loss": value})
            configs.append(config)
        return configs

    with_tables = suggestions()
    monkeypatch.setattr(quantile, "compile_leaf_tables", lambda models, check: None)
    assert suggestions() == with_tables


def test_configurations_of_other_spaces_are_converted_or_left_out() -> None:
    space = {"x": uniform(0.0, 0.5), "kind": choice(["a", "b"])}
    tasks = quadratic_tasks([0.1, 0.3], n_configs=40)  # no "kind"; x beyond 0.5 is invalid
    configs, z = pooled_quantiles(space, tasks, metric="loss", mode="min")
    assert len(configs) == len(z) and 0 < len(z) < 80
    assert all(c["x"] <= 0.5 and c["kind"] in ("a", "b") for c in configs)


def test_gaussian_quantiles_are_centred_ranks() -> None:
    z = gaussian_quantiles(np.array([3.0, 1.0, 2.0, 2.0]))
    assert z[1] < z[2] == z[3] < z[0]
    assert z[2] == pytest.approx(0.0) and z[0] == pytest.approx(-z[1])
    with pytest.raises(ValueError, match="non-empty 1-d array"):
        gaussian_quantiles(np.zeros(0))


@settings(max_examples=50, derandomize=True)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=30))
def test_gaussian_quantiles_ignore_the_scale_of_a_task(values: list[int]) -> None:
    y = np.array(values, dtype=float)
    z = gaussian_quantiles(y)
    assert np.all(np.isfinite(z))
    assert np.allclose(gaussian_quantiles(np.exp(y / 1000) * 7.0 - 2.0), z)  # monotone
    assert np.allclose(np.sort(gaussian_quantiles(-y)), np.sort(-z))


def test_bad_arguments_are_refused() -> None:
    tasks = quadratic_tasks([0.5])
    with pytest.raises(ValueError, match="transfer_evaluations must be a mapping"):
        QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=[])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_fit_samples must be >= 2, got 1"):
        QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=tasks, max_fit_samples=1)
    with pytest.raises(ValueError, match="random_fraction must lie in"):
        QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=tasks, random_fraction=2.0)
    with pytest.raises(TypeError, match="target_model must be a bool, got 'yes'"):
        QuantileBasedSearcher(
            QUADRATIC_SPACE,
            transfer_evaluations=tasks,
            target_model="yes",  # type: ignore[arg-type]
        )
    searcher = QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=tasks)
    with pytest.raises(ValueError, match="has no objective 'acc'"):
        searcher.configure(metric="acc", mode="min")
    with pytest.raises(RuntimeError, match="configure"):
        QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=tasks).transfer_model()


def test_tasks_with_nothing_valid_in_the_target_space_are_refused() -> None:
    lone = TaskEvaluations(
        config_space=QUADRATIC_SPACE,
        configs=pd.DataFrame({"x": [0.9]}),
        objectives_names=["loss"],
        objectives=np.zeros((1, 1, 1, 1)),
    )
    searcher = QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations={"lone": lone})
    searcher.configure(metric="loss", mode="min")
    with pytest.raises(ValueError, match=r"\['lone'\] have fewer than two configurations"):
        searcher.suggest(0)


def test_without_scikit_learn_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"tunelab-core\[sklearn\]"):
        QuantileBasedSearcher(QUADRATIC_SPACE, transfer_evaluations=quadratic_tasks([0.5]))
