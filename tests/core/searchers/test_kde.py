from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from tunelab.core.searchers.kde import KDESearcher, ProductKDE
from tunelab.core.space import SpaceEncoder, choice, config_key, randint, uniform
from tunelab.core.testing import SearcherContract, contract_config_space
from tunelab.core.trial import Mode


class TestKDEContract(SearcherContract):
    n_suggestions = 30  # the contract space's 9 hyperparameters need 12 results for a model

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> KDESearcher:
        return KDESearcher(config_space, seed=seed)


class TestKDEEagerContract(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> KDESearcher:
        return KDESearcher(config_space, num_min_data_points=1, random_fraction=0.0, seed=seed)


def _quadratic(x: float) -> float:
    return (x - 0.3) ** 2


def _run_1d(searcher: KDESearcher, n: int, *, sign: float = 1.0) -> list[float]:
    xs = []
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        assert config is not None
        xs.append(config["x"])
        searcher.observe(trial_id, config, {"loss": sign * _quadratic(config["x"])})
    return xs


@pytest.mark.parametrize("mode", ["min", "max"])
def test_prefers_the_region_of_good_points_on_a_quadratic(mode: Mode) -> None:
    distances: dict[float, list[float]] = {0.0: [], 1.0: []}
    for random_fraction, seed in itertools.product(distances, range(4)):
        searcher = KDESearcher({"x": uniform(0.0, 1.0)}, random_fraction=random_fraction, seed=seed)
        searcher.configure(metric="loss", mode=mode)
        xs = _run_1d(searcher, 40, sign=1.0 if mode == "min" else -1.0)
        distances[random_fraction].append(float(np.median(np.abs(np.array(xs[20:]) - 0.3))))
    # Model-based suggestions stay near the optimum 0.3 (mean ~0.06), random ones do
    # not (mean ~0.26).
    assert np.mean(distances[0.0]) < 0.5 * np.mean(distances[1.0])


def test_the_model_uses_the_highest_level_with_enough_data() -> None:
    searcher = KDESearcher({"x": uniform(0.0, 1.0)}, seed=0)  # N_min = 2: 4 results needed
    searcher.configure(metric="loss", mode="min", resource_attr="epoch")
    assert searcher.num_min_data_points == 2
    configs = [searcher.suggest(trial_id) for trial_id in range(10)]
    for trial_id, config in enumerate(configs):
        assert config is not None
        for epoch in (1, 3, 9)[: 1 + (trial_id < 4) + (trial_id < 3)]:
            searcher.observe(trial_id, config, {"loss": _quadratic(config["x"]), "epoch": epoch})
    assert searcher.model_level == 3  # level 9 has only 3 results
    config = configs[3]
    assert config is not None
    searcher.observe(3, config, {"loss": 0.0, "epoch": 9})
    assert searcher.model_level == 9
    densities = searcher.densities()
    assert densities is not None
    assert len(densities[0].points) + len(densities[1].points) == 4


def test_without_a_resource_attribute_all_results_form_one_level() -> None:
    searcher = KDESearcher({"x": uniform(0.0, 1.0)}, seed=0)
    searcher.configure(metric="loss", mode="min")
    _run_1d(searcher, 4)
    assert searcher.model_level == math.inf


def test_good_set_is_the_top_fraction_and_bad_set_the_rest() -> None:
    searcher = KDESearcher({"x": uniform(0.0, 1.0)}, top_fraction=0.15, seed=0)
    searcher.configure(metric="loss", mode="min")
    xs = np.linspace(0.0, 1.0, 20)
    for trial_id, x in enumerate(xs):
        searcher.observe(trial_id, {"x": float(x)}, {"loss": _quadratic(float(x))})
    densities = searcher.densities()
    assert densities is not None
    good, bad = densities
    best = sorted(xs, key=_quadratic)
    assert sorted(good.points[:, 0]) == pytest.approx(sorted(best[:3]))  # max(2, 0.15 * 20)
    assert sorted(bad.points[:, 0]) == pytest.approx(sorted(best[3:]))
    assert searcher.densities() is densities  # cached until new data arrives
    searcher.observe(20, {"x": 0.5}, {"loss": 1.0})
    assert searcher.densities() is not densities


def test_small_level_keeps_at_least_n_min_good_points() -> None:
    searcher = KDESearcher({"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}, seed=0)
    searcher.configure(metric="loss", mode="min")
    for trial_id in range(4):  # N_min = 3: a model needs N_min + 2 = 5 results
        searcher.observe(trial_id, {"x": trial_id / 10, "y": 0.5}, {"loss": float(trial_id)})
    assert searcher.densities() is None
    searcher.observe(4, {"x": 0.5, "y": 0.5}, {"loss": 4.0})
    densities = searcher.densities()
    assert densities is not None
    assert [len(d.points) for d in densities] == [3, 2]


def test_product_kde_kernels() -> None:
    space = {"x": uniform(0.0, 1.0), "c": choice(["a", "b", "c"])}
    encoder = SpaceEncoder(space)
    searcher = KDESearcher(space, seed=0)
    layout = searcher._layout
    points = encoder.encode_many([{"x": 0.2, "c": "a"}, {"x": 0.25, "c": "a"}])
    kde = ProductKDE(points, layout, min_bandwidth=1e-3)
    assert kde.lambdas == [pytest.approx(1e-3)]  # both points agree on the category
    assert kde.bandwidth[0] == pytest.approx(1.06 * 0.025 * 2 ** (-1 / 6))
    near, far, other = encoder.encode_many(
        [{"x": 0.22, "c": "a"}, {"x": 0.8, "c": "a"}, {"x": 0.22, "c": "b"}]
    )
    log_density = kde.log_density(np.stack([near, far, other]))
    assert log_density[0] > log_density[1]
    assert log_density[0] - log_density[2] == pytest.approx(math.log((1 - 1e-3) / (1e-3 / 2)))
    samples = kde.sample(np.random.default_rng(0), 500, bandwidth_factor=3.0)
    assert np.all((samples[:, 0] >= 0.0) & (samples[:, 0] <= 1.0))
    assert np.all(samples[:, 1:].sum(axis=1) == 1.0)
    assert np.mean(samples[:, 1]) > 0.99


def test_finite_space_is_used_up_without_repeats() -> None:
    space = {"n": randint(0, 9), "c": choice(["a", "b"])}
    searcher = KDESearcher(space, num_min_data_points=1, random_fraction=0.0, seed=0)
    searcher.configure(metric="loss", mode="min")
    keys = set()
    for trial_id in range(20):
        config = searcher.suggest(trial_id)
        assert config is not None
        keys.add(config_key(config))
        searcher.register_pending(trial_id, config)
        searcher.observe(trial_id, config, {"loss": abs(config["n"] - 4)})
    assert len(keys) == 20
    assert searcher.suggest(20) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"top_fraction": 0.0}, ValueError, r"top_fraction must lie in the open interval"),
        ({"top_fraction": 1.0}, ValueError, "top_fraction"),
        ({"min_bandwidth": 0.0}, ValueError, "min_bandwidth must be a finite number > 0"),
        ({"bandwidth_factor": "3"}, TypeError, "bandwidth_factor must be a number"),
        ({"num_candidates": 0}, ValueError, "num_candidates must be >= 1, got 0"),
        ({"random_fraction": 1.5}, ValueError, r"random_fraction must lie in \[0, 1\]"),
        ({"num_min_data_points": 0}, ValueError, "num_min_data_points must be >= 1"),
    ],
)
def test_bad_arguments_name_the_problem(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        KDESearcher({"x": uniform(0.0, 1.0)}, **kwargs)


def test_candidates_are_encodings_of_the_configurations_they_decode_to() -> None:
    space = contract_config_space()
    searcher = KDESearcher(space, seed=0)
    encoder, layout = SpaceEncoder(space), searcher._layout
    rng = np.random.default_rng(0)
    uniform_rows = layout.uniform(rng, 200)
    kde = ProductKDE(uniform_rows[:20], layout, min_bandwidth=1e-3)
    for x in (uniform_rows, kde.sample(rng, 200, bandwidth_factor=3.0)):
        # Finite domains are snapped to their members' codes, so the model scores
        # exactly the vector the suggested configuration will be observed as.
        recoded = encoder.encode_many(encoder.decode_many(x))
        assert np.allclose(recoded[:, layout.numeric], x[:, layout.numeric])
        assert np.array_equal(recoded[:, encoder.categorical_mask], x[:, encoder.categorical_mask])


def test_points_to_evaluate_come_first_and_pending_configs_are_not_suggested() -> None:
    space = {"n": randint(0, 2)}
    searcher = KDESearcher(space, points_to_evaluate=[{"n": 2}], seed=0)
    searcher.configure(metric="loss", mode="min")
    assert searcher.suggest(0) == {"n": 2}
    searcher.register_pending(7, {"n": 0})  # started elsewhere, e.g. by the scheduler
    searcher.register_pending(8, {"n": 5})  # not in the space: ignored
    assert searcher.suggest(1) == {"n": 1}
    assert searcher.suggest(2) is None
