"""`SurrogateBlackbox`: any configuration of a tabular benchmark's space, by regression."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import Domain, SpaceEncoder
from tunelab.core.trial import Config

SurrogateModel = Literal["knn", "random_forest"]


class SurrogateBlackbox(Blackbox):
    """Answers configurations missing from a table with a fitted regressor.

    One multi-output regressor maps the unit-cube encoding of a configuration to its
    whole table entry (every seed, fidelity and objective), so a prediction is a
    complete, consistent set of learning curves. With the default 1-nearest-neighbour
    model, configurations of the table get exactly their table values and any other
    configuration those of its nearest tabulated neighbour.

    Args:
        table: The tabulated benchmark to generalise.
        model: "knn" (k-nearest neighbours), "random_forest", or any scikit-learn
            regressor supporting multi-output `fit`/`predict` (it is cloned).
        n_neighbors: Neighbours of the "knn" model (their values are averaged).
        seed: Random state of models that have one.
    """

    def __init__(
        self,
        table: TabularBlackbox,
        *,
        model: SurrogateModel | Any = "knn",
        n_neighbors: int = 1,
        seed: int = 0,
    ) -> None:
        self.table = table
        self._encoder = SpaceEncoder(table.configuration_space)
        self._shape = table.objectives.shape[1:]
        features = self._encoder.encode_many(table.all_configurations())
        targets = table.objectives.reshape(len(table), -1)
        self.model = _make_model(model, n_neighbors=n_neighbors, seed=seed)
        self.model.fit(features, targets)

    @property
    def configuration_space(self) -> dict[str, Any]:
        return self.table.configuration_space

    @property
    def objectives_names(self) -> list[str]:
        return self.table.objectives_names

    @property
    def fidelity_space(self) -> dict[str, Domain]:
        return self.table.fidelity_space

    @property
    def fidelity_values(self) -> np.ndarray | None:
        return self.table.fidelity_values

    @property
    def fidelity_name(self) -> str | None:
        return self.table.fidelity_name

    @property
    def time_objective(self) -> str | None:
        return self.table.time_objective

    @property
    def seeds(self) -> list[int]:
        return self.table.seeds

    def objective_range(self, name: str) -> tuple[float | None, float | None]:
        """The table's extremes: the reference values of the benchmark it models."""
        return self.table.objective_range(name)

    def _predict(self, configs: list[Config]) -> np.ndarray:
        """Shape (n, n_seeds, n_fidelities, n_objectives)."""
        features = self._encoder.encode_many(configs)
        return np.asarray(self.model.predict(features), dtype=float).reshape(-1, *self._shape)

    def evaluate_curve(self, config: Config, *, seed: int | None = None) -> dict[str, np.ndarray]:
        values = self._predict([config])[0, self.seed_index(seed)]
        return {name: values[:, k] for k, name in enumerate(self.objectives_names)}

    def evaluate_many(
        self,
        configs: Any,
        *,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> dict[str, np.ndarray]:
        values = self._predict(list(configs))[
            :, self.seed_index(seed), self.fidelity_index(fidelity)
        ]
        return {name: values[:, k].copy() for k, name in enumerate(self.objectives_names)}


def _make_model(model: SurrogateModel | Any, *, n_neighbors: int, seed: int) -> Any:
    from sklearn.base import clone

    if model == "knn":
        from sklearn.neighbors import KNeighborsRegressor

        return KNeighborsRegressor(n_neighbors=n_neighbors)
    if model == "random_forest":
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1)
    if isinstance(model, str):
        raise ValueError(f"model must be 'knn', 'random_forest' or a regressor, got {model!r}")
    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise TypeError(f"model {model!r} is not a scikit-learn regressor (no fit/predict)")
    return clone(model)
