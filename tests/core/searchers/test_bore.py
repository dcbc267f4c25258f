from __future__ import annotations

import pickle
import sys
from typing import Any

import numpy as np
import pytest

from tunelab.core.searchers import RandomSearcher
from tunelab.core.searchers._sklearn import REFIT_GROWTH
from tunelab.core.searchers.bore import BORESearcher
from tunelab.core.testing import SearcherContract
from tunelab.core.trial import Mode

from .conftest import SPACE, best_found, objective

pytest.importorskip("sklearn")


class TestBOREContract(SearcherContract):
    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> BORESearcher:
        return BORESearcher(config_space, num_init_random=3, num_candidates=64, seed=seed)


@pytest.mark.parametrize("mode", ["min", "max"])
def test_beats_random_search_on_a_simple_function(mode: Mode) -> None:
    seeds = range(4)
    random = np.mean([best_found(RandomSearcher(SPACE, seed=s), 30, mode) for s in seeds])
    bore = np.mean([best_found(BORESearcher(SPACE, seed=s), 30, mode) for s in seeds])
    assert bore < 0.5 * random  # measured: 0.0035 against 0.027


def test_labels_mark_the_best_gamma_share() -> None:
    searcher = BORESearcher(SPACE, gamma=0.25)
    assert searcher.labels(np.array([5.0, 1.0, 3.0, 2.0, 4.0, 0.0, 7.0, 6.0])).tolist() == [
        0, 1, 0, 0, 0, 1, 0, 0,
    ]  # fmt: skip
    assert searcher.labels(np.array([1.0, 1.0])).tolist() == [1, 0]  # both classes, always
    assert BORESearcher(SPACE, gamma=0.9).labels(np.arange(3.0)).tolist() == [1, 1, 0]


@pytest.mark.parametrize("classifier", ["rf", "extra_trees", "hgb", "logreg", "mlp"])
def test_every_builtin_classifier_gives_valid_suggestions(classifier: str) -> None:
    searcher = BORESearcher(SPACE, classifier=classifier, num_candidates=32, seed=0)
    best_found(searcher, 10, "min")
    assert searcher.current_model() is not None


def test_a_custom_classifier_is_cloned_with_the_searchers_seed() -> None:
    from sklearn.linear_model import LogisticRegression

    template = LogisticRegression(C=0.5)
    searcher = BORESearcher(SPACE, classifier=template, seed=0)
    best_found(searcher, 8, "min")
    model = searcher.current_model()
    assert model is not template and model.C == 0.5
    assert isinstance(model.random_state, int)
    assert not hasattr(template, "classes_")


def test_refits_when_the_data_grew_by_five_percent() -> None:
    searcher = BORESearcher(SPACE, seed=0)
    searcher.configure(metric="m", mode="min")
    rng = np.random.default_rng(0)
    for trial_id in range(100):
        config = {"x": rng.uniform(), "y": rng.uniform(), "c": "a"}
        searcher.observe(trial_id, config, {"m": objective(config)})
    model = searcher.current_model()
    for trial_id in range(100, 100 + int(REFIT_GROWTH * 100)):
        assert searcher.current_model() is model
        searcher.observe(trial_id, {"x": 0.5, "y": 0.5, "c": "a"}, {"m": 1.0})
    assert searcher.current_model() is not model


def test_multi_fidelity_trains_on_the_highest_level_with_enough_data() -> None:
    searcher = BORESearcher(SPACE, num_init_random=4, seed=0)
    searcher.configure(metric="m", mode="min", resource_attr="epoch")
    for trial_id in range(8):
        config = searcher.suggest(trial_id)
        assert config is not None
        for epoch in (1, 3)[: 1 + (trial_id < 5)]:
            searcher.observe(trial_id, config, {"m": objective(config), "epoch": epoch})
    searcher.current_model()
    assert searcher.state_dict()["fit"]["level"] == 3
    assert len(searcher.state_dict()["fit"]["y"]) == 5


def test_restored_searcher_refits_the_same_model() -> None:
    searcher = BORESearcher(SPACE, seed=0)
    best_found(searcher, 12, "min")
    restored = BORESearcher(SPACE, seed=5)
    restored.configure(metric="m", mode="min")
    restored.load_state_dict(pickle.loads(pickle.dumps(searcher.state_dict())))
    probe = np.random.default_rng(1).uniform(size=(20, 5))
    expected = searcher.current_model().predict_proba(probe)
    assert np.array_equal(restored.current_model().predict_proba(probe), expected)


def test_missing_scikit_learn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r'pip install "tunelab-core\[sklearn\]"'):
        BORESearcher(SPACE)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"gamma": 1.0}, ValueError, r"gamma must lie in the open interval \(0, 1\), got 1.0"),
        ({"classifier": "xgboost"}, ValueError, "classifier must be one of .* got 'xgboost'"),
        ({"classifier": object()}, TypeError, "estimator with fit and predict_proba"),
        ({"num_init_random": 1}, ValueError, "num_init_random must be >= 2, got 1"),
        ({"num_candidates": 0}, ValueError, "num_candidates must be >= 1"),
        ({"random_fraction": -0.1}, ValueError, "random_fraction"),
    ],
)
def test_bad_arguments_name_the_problem(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        BORESearcher(SPACE, **kwargs)
