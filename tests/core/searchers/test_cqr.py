from __future__ import annotations

import pickle
import sys
from typing import Any

import numpy as np
import pytest

from tunelab.core.searchers import RandomSearcher
from tunelab.core.searchers.cqr import CQRSearcher, conformal_correction
from tunelab.core.testing import SearcherContract
from tunelab.core.trial import Mode

from .conftest import SPACE, best_found

pytest.importorskip("sklearn")


class TestCQRContract(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> CQRSearcher:
        return CQRSearcher(config_space, num_init_random=3, num_candidates=64, seed=seed)


class TestCQRLowerQuantileContract(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> CQRSearcher:
        return CQRSearcher(
            config_space, acquisition="lower", num_init_random=3, num_candidates=64, seed=seed
        )


@pytest.mark.parametrize("mode", ["min", "max"])
def test_beats_random_search_on_a_simple_function(mode: Mode) -> None:
    seeds = range(4)
    random = np.mean([best_found(RandomSearcher(SPACE, seed=s), 30, mode) for s in seeds])
    cqr = np.mean([best_found(CQRSearcher(SPACE, seed=s), 30, mode) for s in seeds])
    assert cqr < 0.5 * random  # measured: 0.0034 against 0.027


def test_quantile_levels_are_midpoints_of_equal_bins() -> None:
    assert CQRSearcher(SPACE, num_quantiles=4).quantiles == (0.125, 0.375, 0.625, 0.875)
    assert CQRSearcher(SPACE, num_quantiles=1).quantiles == (0.5,)


def test_conformal_correction_uses_the_finite_sample_rank() -> None:
    residuals = np.arange(1.0, 10.0)  # 1..9, n = 9
    assert conformal_correction(residuals, 0.9) == 9.0  # ceil(10 * 0.9) = 9th smallest
    assert conformal_correction(residuals, 0.5) == 5.0
    assert conformal_correction(residuals, 0.1) == 1.0  # floor(10 * 0.1) = 1st smallest
    assert conformal_correction(residuals, 0.01) == 1.0  # rank clipped to 1


def test_correction_repairs_a_biased_quantile_predictor() -> None:
    rng = np.random.default_rng(0)
    noise_calibration, noise_test = rng.normal(size=500), rng.normal(size=5000)
    biased_prediction = 1.0  # the true 0.9-quantile of the noise is ~1.28
    shift = conformal_correction(noise_calibration - biased_prediction, 0.9)
    coverage = np.mean(noise_test <= biased_prediction + shift)
    assert np.mean(noise_test <= biased_prediction) < 0.86
    assert coverage == pytest.approx(0.9, abs=0.02)


def test_multi_fidelity_trains_on_each_trials_highest_resource() -> None:
    searcher = CQRSearcher(SPACE, num_init_random=4, seed=0)
    searcher.configure(metric="m", mode="min", resource_attr="epoch")
    for trial_id in range(6):
        config = searcher.suggest(trial_id)
        assert config is not None
        for epoch in (1, 3)[: 1 + (trial_id < 2)]:
            searcher.observe(trial_id, config, {"m": 10.0 * epoch + trial_id, "epoch": epoch})
    searcher.current_model()
    fit = searcher.state_dict()["fit"]
    assert fit["level"] is None
    assert sorted(fit["y"]) == [12.0, 13.0, 14.0, 15.0, 30.0, 31.0]


def test_restored_searcher_refits_the_same_model() -> None:
    searcher = CQRSearcher(SPACE, seed=0)
    best_found(searcher, 30, "min")
    restored = CQRSearcher(SPACE, seed=5)
    restored.configure(metric="m", mode="min")
    restored.load_state_dict(pickle.loads(pickle.dumps(searcher.state_dict())))
    probe = np.random.default_rng(1).uniform(size=(20, 5))
    expected = searcher.current_model()
    model = restored.current_model()
    assert np.array_equal(model.corrections, expected.corrections)
    assert np.any(model.corrections != 0.0)  # 30 results: 6 calibrate
    assert np.array_equal(model.predict(probe), expected.predict(probe))


def test_missing_scikit_learn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r'pip install "tunelab-core\[sklearn\]"'):
        CQRSearcher(SPACE)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_quantiles": 0}, ValueError, "num_quantiles must be >= 1, got 0"),
        ({"acquisition": "ucb"}, ValueError, r"acquisition must be one of .* got 'ucb'"),
        ({"num_init_random": 1}, ValueError, "num_init_random must be >= 2"),
        ({"num_candidates": 2.0}, TypeError, "num_candidates must be an int"),
        ({"random_fraction": 2}, ValueError, "random_fraction"),
    ],
)
def test_bad_arguments_name_the_problem(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        CQRSearcher(SPACE, **kwargs)
