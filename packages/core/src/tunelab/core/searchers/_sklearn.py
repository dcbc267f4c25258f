"""scikit-learn, an optional dependency: its lazy import and the base of BORE and CQR."""

from __future__ import annotations

import math
from abc import abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.searchers._args import check_count
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._model_based import ModelBasedSearcher
from tunelab.core.searchers._observations import ObservationTable

if TYPE_CHECKING:
    from typing_extensions import Unpack

INSTALL_HINT = 'pip install "tunelab-core[sklearn]"'

REFIT_GROWTH = 0.05
"""A model is refitted once its training table has had `max(1, ceil(REFIT_GROWTH * n))`
updates since the last fit on `n` rows (or when it trains on another table)."""

_thread_controller: Any = None


def require_sklearn(where: str) -> ModuleType:
    """Import scikit-learn, or raise an ImportError saying how to install it."""
    try:
        import sklearn
    except ImportError as error:
        raise ImportError(
            f"{where} needs scikit-learn, an optional dependency of tunelab-core; "
            f"install it with: {INSTALL_HINT}"
        ) from error
    module: ModuleType = sklearn
    return module


def single_threaded() -> AbstractContextManager[Any]:
    """Limit OpenMP to one thread while a model fits or predicts: on a few hundred
    rows, starting threads costs more than it saves (2-3x slower with two cores)."""
    global _thread_controller
    if _thread_controller is None:
        from threadpoolctl import ThreadpoolController  # installed with scikit-learn

        _thread_controller = ThreadpoolController()
    limit: AbstractContextManager[Any] = _thread_controller.limit(limits=1, user_api="openmp")
    return limit


class SklearnOptions(SearcherOptions, total=False):
    """The options of `SklearnSearcher` its subclasses pass on unchanged."""

    num_candidates: int
    random_fraction: float


@dataclass(frozen=True)
class FitRecord:
    """What the current model was fitted to: enough to refit it identically."""

    level: float | None
    updates: int
    seed: int
    x: np.ndarray
    y: np.ndarray


class SklearnSearcher(ModelBasedSearcher):
    """Base of searchers whose model is fitted with scikit-learn (BORE, CQR).

    Suggestions are random until the training table (`_training_table`) has
    `num_init_random` rows. The model is then fitted on a copy of the table, with a
    `random_state` drawn from the searcher's generator, and refitted only when the
    table has grown by `REFIT_GROWTH` (5 %) since, or when the searcher trains on
    another table: at 1,000 observations, one suggestion in 50 pays for a fit. Each
    suggestion ranks `num_candidates` uniformly random vectors (with a candidate set,
    random unused members) by `_scores`.

    `state_dict` keeps the training data and seed of the current model, and a
    restored searcher refits it from them on first use, so that it continues exactly
    as the original.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        num_candidates: Random configurations ranked per suggestion.
        random_fraction: Share of random suggestions, in [0, 1].
        num_init_random: Observations (in the training table) before the model is
            used, >= 2.
        **options: `points_to_evaluate`, `restrict_to` (the candidates are then
            `num_candidates` unused members drawn at random) and `seed` (also the
            model's), see `BuiltinSearcher`.

    Raises:
        ImportError: scikit-learn is not installed (the `tunelab-core[sklearn]` extra).
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        num_candidates: int = 500,
        random_fraction: float = 0.1,
        num_init_random: int,
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        require_sklearn(where)
        check_count(num_init_random, where=where, arg="num_init_random", minimum=2)
        super().__init__(
            config_space, num_candidates=num_candidates, random_fraction=random_fraction, **options
        )
        self.num_init_random = int(num_init_random)
        self._fit: FitRecord | None = None
        self._model: Any = None

    @abstractmethod
    def _training_table(self) -> tuple[float | None, ObservationTable] | None:
        """The table to train on, with its resource level (None: all levels)."""

    @abstractmethod
    def _fit_model(self, x: np.ndarray, y: np.ndarray, seed: int) -> Any:
        """A model fitted to encoded rows `x` (n, dim) and objectives `y` (n,)."""

    @abstractmethod
    def _scores(self, model: Any, x: np.ndarray) -> np.ndarray:
        """Scores of candidate rows `x` (m, dim), shape `(m,)`; higher is better."""

    def current_model(self) -> Any:
        """The model of the current data (refitted per the policy above), or None."""
        chosen = self._training_table()
        if chosen is None:
            return None
        level, table = chosen
        fit = self._fit
        if (
            fit is None
            or fit.level != level
            or table.updates - fit.updates >= max(1, math.ceil(REFIT_GROWTH * len(fit.y)))
        ):
            seed = int(self._rng.integers(2**31 - 1))
            self._fit = FitRecord(level, table.updates, seed, table.x.copy(), table.y.copy())
            self._model = None
        if self._model is None and self._fit is not None:
            with single_threaded():
                self._model = self._fit_model(self._fit.x, self._fit.y, self._fit.seed)
        return self._model

    def _ranked_candidates(self) -> np.ndarray | None:
        model = self.current_model()
        if model is None:
            return None
        x = self._candidate_vectors(self.num_candidates)
        with single_threaded():
            scores = self._scores(model, x)
        return x[np.argsort(-scores, kind="stable")]

    def state_dict(self) -> dict[str, Any]:
        fit = None if self._fit is None else dict(vars(self._fit))
        return {**super().state_dict(), "fit": fit}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._fit = None if state["fit"] is None else FitRecord(**state["fit"])
        self._model = None
