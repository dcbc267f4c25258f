"""`MOBSTERSearcher`: the searcher of MOBSTER (model-based asynchronous Hyperband)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import autograd.numpy as anp
import numpy as np

from tunelab.gp._base import GPOptions, GPSearcherBase
from tunelab.gp.fantasize import fantasize
from tunelab.gp.kernels import Matern52
from tunelab.gp.learning_curves._results import ResultIndex
from tunelab.gp.learning_curves.independent import PerLevelGPModel
from tunelab.gp.learning_curves.joint import RESOURCE_KERNELS, ResourceKernel, resource_kernel
from tunelab.gp.model import ConditionedGP, GPModel

if TYPE_CHECKING:
    from typing_extensions import Unpack

LearningCurveModel = Literal["joint", "independent"]


class MOBSTEROptions(GPOptions, total=False):
    """The options of `MOBSTERSearcher` besides `model`, for a subclass's `**options`."""

    resource_kernel: ResourceKernel
    max_resource: float | None


class MOBSTERSearcher(GPSearcherBase):
    """A GP over all rung results `f(x, r)` proposes the configurations of new trials.

    Meant for `HyperbandScheduler`, which passes on each rung result (with the
    resource in `result[resource_attr]`). The model is fit to every (trial, level)
    result: `model="joint"` is one GP over (configuration, resource) with the
    exponential-decay resource kernel by default (`ResourceKernel`, MOBSTER-JOINT);
    `model="independent"` has independent GPs per level sharing the lengthscales
    (MOBSTER-INDEP). A new configuration maximises EI at the acquisition level
    `r_acq` of BOHB (the reference's "bohb" choice): the highest level with at least
    `num_hyperparameters + 3` results, else the lowest; the incumbent is the best
    result at `r_acq`. A running trial is fantasized at the level it reaches next
    (posterior mean, see `tunelab.gp.fantasize`). Beyond `max_size_data_for_model`
    results, those of trials that reached higher levels are kept first.

    Reference: L. Tiao, A. Klein, C. Archambeau, M. Seeger. Model-based Asynchronous
    Hyperparameter and Neural Architecture Search. arXiv:2003.10865, 2020.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        model: "joint" or "independent" (see above).
        resource_kernel: Kernel of the joint model over the resource (see
            `ResourceKernel`; ignored by the independent model).
        max_resource: The largest resource level, to normalise the resource; None:
            the largest level observed so far.
        **options: `acquisition` (at `r_acq`), `kappa`, `num_init_random`, `settings`,
            `points_to_evaluate`, `restrict_to` and `seed`, see `GPSearcherBase`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        model: LearningCurveModel = "joint",
        resource_kernel: ResourceKernel = "exp-decay-sum",
        max_resource: float | None = None,
        **options: Unpack[GPOptions],
    ) -> None:
        if model not in ("joint", "independent"):
            raise ValueError(
                f"MOBSTERSearcher: model must be 'joint' or 'independent', got {model!r}"
            )
        if resource_kernel not in RESOURCE_KERNELS:
            raise ValueError(
                f"{type(self).__name__}: resource_kernel must be one of "
                f"{list(RESOURCE_KERNELS)}, got {resource_kernel!r}"
            )
        if max_resource is not None and not max_resource > 0:
            raise ValueError(f"MOBSTERSearcher: max_resource must be > 0, got {max_resource!r}")
        self.model_kind: LearningCurveModel = model
        self.resource_kernel: ResourceKernel = resource_kernel
        self.max_resource = None if max_resource is None else float(max_resource)
        self._levels = np.zeros(0)
        super().__init__(config_space, **options)
        self._results = ResultIndex(self._encoder.dim)
        self._gp: ConditionedGP | None = None
        self._best = 0.0
        self._transform: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def acquisition_level(self) -> float | None:
        """`r_acq`: the resource level the acquisition function is evaluated at."""
        if not self._data.by_level:
            return None
        level = self._data.highest_level(self._layout.num_hyperparameters + 3)
        return min(self._data.by_level) if level is None else level

    def _normalise(self, level: float) -> float:
        top = self.max_resource or max(
            (lv for lv in self._data.by_level if math.isfinite(lv)), default=1.0
        )
        return 1.0 if not math.isfinite(level) else min(level / top, 1.0)

    def _build_model(self) -> GPModel:
        if self.model_kind == "joint":
            kernel = resource_kernel(self.resource_kernel, self._base_kernel)
            return GPModel(kernel, likelihood=self._likelihood())
        base = Matern52(self._encoder.dim, ard=self.settings.ard, has_variance=False)
        levels = self._levels if len(self._levels) else np.ones(1)
        return PerLevelGPModel(base, levels, likelihood=self._likelihood())

    def _training_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inputs `(n, dim + 1)`, targets `(n,)` and each result's priority (the number
        of levels its trial reached) over all (trial, level) results."""
        results = self._results.sync(self._data.log)
        columns = np.array([self._normalise(level) for level in results.levels], dtype=float)
        inputs = np.column_stack([results.vectors, columns[results.level_codes]])
        return inputs, results.values.copy(), results.priority()

    def model(self) -> ConditionedGP | None:
        """The GP conditioned on all rung results (not on pending trials), or None."""
        if len(self._data) < 2:
            return None
        levels = np.unique([self._normalise(level) for level in self._data.by_level])
        if self.model_kind == "independent" and not np.array_equal(levels, self._levels):
            self._levels = levels
            self._surrogate.set_model(self._build_model())
            self._gp = None
        changed = self._needs_update()
        if not changed and self._gp is not None:
            return self._gp
        x, y, priority = self._training_data()
        if self._surrogate.theta is None or (changed and self._refit_allowed()):
            self._gp, transform = self._surrogate.update(x, y, rng=self._rng, priority=priority)
        else:
            self._gp, transform = self._surrogate.condition(x, y, priority)
        self._transform = transform
        r_acq = self.acquisition_level
        assert r_acq is not None
        at_acq = transform(self._data.by_level[r_acq].y)
        self._best = float(np.min(at_acq))
        return self._gp

    def _refit_allowed(self) -> bool:
        """Whether new data may refit the parameters (as the schedule says) or only
        condition the GP on it with the current ones."""
        return True

    def _pending_inputs(self) -> np.ndarray:
        """Each running trial at the next level it reaches (among the observed ones)."""
        levels = sorted(self._data.by_level)
        highest = self._results.sync(self._data.log).highest
        rows = []
        for trial_id, x in self._pending.items():
            above = [lv for lv in levels if lv > highest.get(trial_id, -math.inf)]
            if above:
                rows.append(np.append(x, self._normalise(above[0])))
        return np.array(rows).reshape(len(rows), self._encoder.dim + 1)

    def _ranked_candidates(self) -> np.ndarray | None:
        gp = self.model()
        r_acq = self.acquisition_level
        if gp is None or r_acq is None:
            return None
        conditioned = fantasize(gp, self._pending_inputs())
        score = self._score(self._best)
        column = self._normalise(r_acq)

        def at_acquisition_level(x: Any) -> Any:
            level = np.full((x.shape[0], 1), column)
            return score(*conditioned.posterior(anp.concatenate([x, level], axis=1)))

        table = self._data.by_level[r_acq]
        return self._rank(at_acquisition_level, self._anchors(table.x, table.y))

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "levels": self._levels.tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._levels = np.asarray(state["levels"], dtype=float)
        super().load_state_dict(state)

    def _reset_cache(self) -> None:
        self._gp = None
        self._transform = None
