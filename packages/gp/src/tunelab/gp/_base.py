"""`GPSearcherBase`: what the GP searchers share (initial random phase, pending trials,
the cached model, state)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.searchers._args import check_count, check_positive
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._model_based import ModelBasedSearcher
from tunelab.core.trial import Config
from tunelab.gp._threads import blas_threads
from tunelab.gp.acquisition import Acquisition, AcquisitionScore
from tunelab.gp.kernels import Kernel, Matern52
from tunelab.gp.likelihood import GaussianLikelihood
from tunelab.gp.model import GPModel
from tunelab.gp.optimize import rank_candidates, rank_members
from tunelab.gp.settings import GPSettings
from tunelab.gp.surrogate import Surrogate
from tunelab.gp.warping import WarpedKernel

if TYPE_CHECKING:
    from typing_extensions import Unpack

# Observations a GP needs before it replaces random suggestions.
_MIN_OBSERVATIONS = 2
# Best observed points around which local candidates are drawn.
_NUM_ANCHORS = 5


class GPOptions(SearcherOptions, total=False):
    """The options of `GPSearcherBase`, for a subclass's `**options`."""

    acquisition: Acquisition
    kappa: float
    num_init_random: int
    settings: GPSettings | None


class GPSearcherBase(ModelBasedSearcher):
    """Random suggestions for the first `num_init_random` (points to evaluate
    included), then the ranking of `_ranked_candidates`; the model is rebuilt only when
    results arrived, and pending trials are tracked for fantasizing. With a candidate
    set (`restrict_to`), the acquisition function is maximised over its unused
    members instead of the encoded space.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        acquisition: "ei" (expected improvement) or "lcb" (lower confidence bound).
        kappa: Exploration weight of LCB.
        num_init_random: Suggestions made at random before the model is used (the
            reference recommends the number of workers plus two).
        settings: Model, fitting and optimisation options (`GPSettings`).
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `BuiltinSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        acquisition: Acquisition = "ei",
        kappa: float = 1.0,
        num_init_random: int = 6,
        settings: GPSettings | None = None,
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        if acquisition not in ("ei", "lcb"):
            raise ValueError(f"{where}: acquisition must be 'ei' or 'lcb', got {acquisition!r}")
        check_positive(kappa, where=where, arg="kappa")
        check_count(num_init_random, where=where, arg="num_init_random", minimum=0)
        self.settings = settings if settings is not None else GPSettings()
        super().__init__(
            config_space,
            num_candidates=self.settings.optimizer.num_candidates,
            random_fraction=0.0,
            **options,
        )
        self.acquisition: Acquisition = acquisition
        self.kappa = float(kappa)
        self.num_init_random = int(num_init_random)
        self._num_suggested = 0
        self._pending: dict[int, np.ndarray] = {}
        self._fitted_at = -1
        self._surrogate = Surrogate(
            self._build_model(), self.settings, subsample_seed=int(self._rng.integers(2**62))
        )

    def _base_kernel(self, extra_dims: int = 0) -> Kernel:
        """Matern 5/2 (ARD) over the encoding (+ `extra_dims` columns), warped if asked."""
        kernel: Kernel = Matern52(self._encoder.dim + extra_dims, ard=self.settings.ard)
        if self.settings.input_warping:
            kernel = WarpedKernel(kernel, self._layout.numeric)
        return kernel

    def _likelihood(self) -> GaussianLikelihood:
        return GaussianLikelihood(noise_floor=self.settings.noise_floor)

    def _build_model(self) -> GPModel:
        """The GP model of the current data layout: by default one GP over the encoded
        configuration (`_base_kernel`, Gaussian noise); learning-curve searchers add a
        resource dimension."""
        return GPModel(self._base_kernel(), likelihood=self._likelihood())

    @property
    def num_observations(self) -> int:
        """Results observed so far (with a resource: one per trial and level)."""
        return len(self._data)

    def suggest(self, trial_id: int) -> Config | None:
        config = super().suggest(trial_id)
        if config is not None:
            self._num_suggested += 1
        return config

    def _propose(self, trial_id: int) -> Iterable[Config]:
        if self._num_suggested < self.num_init_random:
            return ()
        if len(self._data.latest) < _MIN_OBSERVATIONS:
            return ()
        with blas_threads(self.settings.blas_threads):
            # the ranking is computed here; only the decoding of candidates is lazy
            return super()._propose(trial_id)

    def register_pending(self, trial_id: int, config: Config) -> None:
        super().register_pending(trial_id, config)
        try:
            self._pending[trial_id] = self._encoder.encode(config)
        except ValueError:
            return  # not a member of the space: nothing to fantasize about

    def remove_pending(self, trial_id: int) -> None:
        self._pending.pop(trial_id, None)

    def _score(self, best: float) -> AcquisitionScore:
        return AcquisitionScore(self.acquisition, best=best, kappa=self.kappa)

    def _rank(self, score: Any, anchors: np.ndarray) -> np.ndarray:
        """Candidates best first (lowest `score`): optimised over the encoded space, or
        with a candidate set the unused members (see `rank_members`)."""
        if self._pool is not None:
            members = self._pool.unused_indices()
            return rank_members(
                score,
                self._pool.candidates.vectors,
                members,
                self._rng,
                settings=self.settings.optimizer,
            )
        return rank_candidates(
            score, self._layout, self._rng, settings=self.settings.optimizer, anchors=anchors
        )

    def _anchors(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x[np.argsort(y, kind="stable")[:_NUM_ANCHORS]]

    def _needs_update(self) -> bool:
        """True once per change of the data: the schedule is consulted then."""
        if self._fitted_at == len(self._data):
            return False
        self._fitted_at = len(self._data)
        return True

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "num_suggested": self._num_suggested,
            "pending": {int(k): v.tolist() for k, v in self._pending.items()},
            "fitted_at": self._fitted_at,
            "subsample_seed": self._surrogate.subsample_seed,
            "surrogate": self._surrogate.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._num_suggested = int(state["num_suggested"])
        self._pending = {int(k): np.asarray(v, dtype=float) for k, v in state["pending"].items()}
        self._fitted_at = int(state["fitted_at"])
        self._surrogate.subsample_seed = int(state["subsample_seed"])
        self._surrogate.set_model(self._build_model())
        self._surrogate.load_state_dict(state["surrogate"])
        self._reset_cache()

    def _reset_cache(self) -> None:
        """Drop anything derived from the data (rebuilt lazily)."""
