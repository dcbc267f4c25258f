"""BORE: Bayesian optimisation by density-ratio estimation with a classifier."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from tunelab.core.searchers._args import check_fraction
from tunelab.core.searchers._observations import ObservationTable
from tunelab.core.searchers._sklearn import SklearnOptions, SklearnSearcher

if TYPE_CHECKING:
    from typing_extensions import Unpack

BOREClassifier = Literal["rf", "extra_trees", "hgb", "logreg", "mlp"]
"""Built-in classifiers of `BORESearcher` (scikit-learn estimators)."""


def make_classifier(classifier: BOREClassifier | Any, seed: int) -> Any:
    """A fresh, unfitted classifier with `random_state=seed` (where it has one)."""
    from sklearn.base import clone
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    if classifier == "rf":
        return RandomForestClassifier(n_estimators=32, random_state=seed)
    if classifier == "extra_trees":
        return ExtraTreesClassifier(n_estimators=32, min_samples_leaf=2, random_state=seed)
    if classifier == "hgb":
        return HistGradientBoostingClassifier(
            max_iter=30, max_leaf_nodes=15, min_samples_leaf=3, early_stopping=False,
            random_state=seed,
        )  # fmt: skip
    if classifier == "logreg":
        return LogisticRegression(random_state=seed)
    if classifier == "mlp":
        return MLPClassifier(hidden_layer_sizes=(32, 32), max_iter=300, random_state=seed)
    estimator = clone(classifier)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    return estimator


class BORESearcher(SklearnSearcher):
    """BORE: a classifier's probability of "good" stands in for expected improvement.

    The best `gamma` share of the observations (at least one, at most all but one)
    are labelled 1, the rest 0; a probabilistic classifier learns the labels, and
    its predicted probability of class 1 estimates
    `gamma l(x) / (gamma l(x) + (1 - gamma) g(x))`, increasing in the density ratio
    `l(x) / g(x)` whose maximiser maximises expected improvement over the
    gamma-quantile. A suggestion ranks `num_candidates` random
    configurations by that probability and returns the best unused one.

    Classifiers: "hgb" (default: histogram gradient boosting, 30 trees of at most
    15 leaves; about 6 ms per fit on 50 rows and 25 ms on 1,000, single-threaded),
    "extra_trees" (32 trees, as good and as fast on 1,000 rows, slower on few),
    "rf" (a random forest of 32 trees, ~40 ms on 1,000 rows), "logreg" (linear,
    fast but unable to model a bounded good region), "mlp" (the paper's main
    choice, ~200 ms per fit on 1,000 rows), or any scikit-learn classifier with
    `predict_proba` (cloned per fit, its `random_state` set from the searcher's
    seed). The classifier is refitted once 5 % more results have arrived since its
    last fit (after every result up to 20 results; see `SklearnSearcher`).

    Multi-fidelity (results carrying `self.resource_attr`): as BOHB does for its
    densities, the classifier is trained on the highest resource level with at
    least `num_init_random` observations.

    No configuration is suggested twice (nor one registered as pending by the
    scheduler): the best unused candidate is returned, a random configuration if
    none is unused, and None once a finite space is used up.

    Reference: L. C. Tiao, A. Klein, M. Seeger, E. V. Bonilla, C. Archambeau,
    F. Ramos. BORE: Bayesian Optimization by Density-Ratio Estimation. ICML 2021.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        gamma: Share of observations labelled good, in (0, 1).
        classifier: A name of `BOREClassifier` or a scikit-learn classifier.
        num_init_random: Observations (at the modelled level) before the classifier
            is used, >= 2.
        **options: `num_candidates` (500), `random_fraction` (0.1),
            `points_to_evaluate`, `restrict_to` and `seed` (also the classifier's),
            see `SklearnSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        gamma: float = 0.25,
        classifier: BOREClassifier | Any = "hgb",
        num_init_random: int = 6,
        **options: Unpack[SklearnOptions],
    ) -> None:
        where = type(self).__name__
        check_fraction(gamma, where=where, arg="gamma", closed=False)
        super().__init__(config_space, num_init_random=num_init_random, **options)
        if isinstance(classifier, str):
            if classifier not in get_args(BOREClassifier):
                raise ValueError(
                    f"{where}: classifier must be one of {get_args(BOREClassifier)} or a "
                    f"scikit-learn classifier, got {classifier!r}"
                )
        elif not (hasattr(classifier, "fit") and hasattr(classifier, "predict_proba")):
            raise TypeError(
                f"{where}: classifier must be one of {get_args(BOREClassifier)} or an "
                f"estimator with fit and predict_proba, got {type(classifier).__name__}"
            )
        self.gamma = float(gamma)
        self.classifier = classifier

    def _training_table(self) -> tuple[float | None, ObservationTable] | None:
        level = self._data.highest_level(self.num_init_random)
        return None if level is None else (level, self._data.by_level[level])

    def labels(self, y: np.ndarray) -> np.ndarray:
        """1 for the best `gamma` share of objectives `y` (lower is better), else 0."""
        n_good = min(len(y) - 1, max(1, math.ceil(self.gamma * len(y))))
        labels = np.zeros(len(y), dtype=int)
        labels[np.argsort(y, kind="stable")[:n_good]] = 1
        return labels

    def _fit_model(self, x: np.ndarray, y: np.ndarray, seed: int) -> Any:
        from sklearn.exceptions import ConvergenceWarning

        model = make_classifier(self.classifier, seed)
        with warnings.catch_warnings():
            # An iterative classifier stopped early still ranks candidates usefully;
            # warning at every refit would bury the user's own warnings.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, self.labels(y))
        return model

    def _scores(self, model: Any, x: np.ndarray) -> np.ndarray:
        probabilities = model.predict_proba(x)
        column = int(np.flatnonzero(np.asarray(model.classes_) == 1)[0])
        return np.asarray(probabilities[:, column], dtype=float)
