"""`EHVISearcher`: GP-based BO by expected hypervolume improvement (2 to 3 metrics)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import autograd.numpy as anp
import numpy as np

from tunelab.core.multiobjective import nondominated_ranks
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.trial import Mode
from tunelab.gp.fantasize import fantasize
from tunelab.gp.model import ConditionedGP
from tunelab.gp.multiobjective._base import MultiObjectiveGPSearcherBase
from tunelab.gp.multiobjective.ehvi import MAX_OBJECTIVES, ImprovementCells
from tunelab.gp.settings import GPSettings
from tunelab.gp.surrogate import Surrogate
from tunelab.gp.targets import TargetTransform

if TYPE_CHECKING:
    from typing_extensions import Unpack

# Without a given reference point, it lies this fraction of the observed range beyond
# the worst observed cost of each metric, so that the extreme front points count too.
_NADIR_MARGIN = 0.1


class EHVIOptions(SearcherOptions, total=False):
    """The options `EHVISearcher` passes on to `GPSearcherBase` (EI is fixed)."""

    num_init_random: int
    settings: GPSettings | None


HypervolumeReference = Mapping[str, float] | Sequence[float]
"""A reference point: metric name -> value, or one value per metric in their order,
in the units of the metrics (a maximised metric is not negated)."""


class EHVISearcher(MultiObjectiveGPSearcherBase):
    """Expected hypervolume improvement (EHVI) with one GP per metric.

    Each metric (maximised ones negated) gets an independent GP, fitted like
    `GPSearcher`'s to its standardised values. A suggestion maximises the expected
    gain in hypervolume of the observed Pareto front, bounded by the reference point,
    computed exactly in closed form (`ImprovementCells`: a box decomposition; exact for
    2 and 3 metrics, no Monte Carlo). The reference point is `hypervolume_reference`
    (as `tunelab-run` benchmarks record it) or, without one, the worst observed value
    of each metric plus 10 % of its observed range. Everything is computed in the GPs'
    standardised units: a per-metric affine rescaling multiplies every hypervolume by
    the same constant, so the ranking of candidates does not change. Pending trials
    are fantasized at their posterior means (kriging believer): each GP is conditioned
    on them and the believed costs join the front, so that parallel suggestions
    spread out. With one metric it is GP-BO by EI over the best value (or the
    reference, if lower).

    Reference: M. Emmerich, K. Giannakoglou, B. Naujoks. Single- and Multiobjective
    Evolutionary Optimization Assisted by Gaussian Random Field Metamodels. IEEE TEC,
    2006.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        hypervolume_reference: The reference point, in the metrics' units (None: from
            the observed values, see above).
        **options: `num_init_random`, `settings` (without `boxcox`: the hypervolume
            needs the metrics' own scale), `points_to_evaluate`, `restrict_to` and
            `seed`, see `GPSearcherBase`.
    """

    max_metrics = MAX_OBJECTIVES

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        hypervolume_reference: HypervolumeReference | None = None,
        **options: Unpack[EHVIOptions],
    ) -> None:
        settings = options.get("settings")
        if settings is not None and settings.boxcox:
            raise ValueError(
                f"{type(self).__name__}: settings.boxcox must be False (Box-Cox is not "
                "affine, so it would change the hypervolume), got True"
            )
        self.hypervolume_reference = hypervolume_reference
        super().__init__(config_space, acquisition="ei", **options)
        self._surrogates: list[Surrogate] = [self._surrogate]
        self._models: list[tuple[ConditionedGP, TargetTransform]] | None = None

    def configure(
        self,
        *,
        metric: str | Sequence[str],
        mode: Mode | Sequence[Mode],
        resource_attr: str | None = None,
    ) -> None:
        super().configure(metric=metric, mode=mode, resource_attr=resource_attr)
        self._reference_costs()  # checks it against the metrics
        del self._surrogates[len(self.metrics) :]
        while len(self._surrogates) < len(self.metrics):
            seed = self._surrogate.subsample_seed + len(self._surrogates)
            self._surrogates.append(
                Surrogate(self._build_model(), self.settings, subsample_seed=seed)
            )

    def _reference_costs(self) -> np.ndarray | None:
        """The given reference point as costs, shape `(m,)`, or None."""
        given = self.hypervolume_reference
        if given is None:
            return None
        where = f"{type(self).__name__}: hypervolume_reference"
        if isinstance(given, Mapping):
            missing = [name for name in self.metrics if name not in given]
            if missing:
                raise ValueError(
                    f"{where} must give a value for every metric {list(self.metrics)}; "
                    f"{dict(given)!r} lacks {missing}"
                )
            values = [given[name] for name in self.metrics]
        else:
            values = list(given)
        try:
            point = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{where} must be numbers, got {given!r}") from None
        if point.shape != (len(self.metrics),) or not np.isfinite(point).all():
            raise ValueError(
                f"{where} must be one finite number per metric {list(self.metrics)}, got {given!r}"
            )
        signs = np.array([1.0 if mode == "min" else -1.0 for mode in self.modes])
        costs: np.ndarray = point * signs
        return costs

    def _fit(self, x: np.ndarray, costs: np.ndarray) -> list[tuple[ConditionedGP, TargetTransform]]:
        """One conditioned GP per metric: refitted (on the schedule) when results
        arrived, else the cached ones."""
        if self._needs_update():
            self._models = [
                surrogate.update(x, costs[:, j], rng=self._rng)
                for j, surrogate in enumerate(self._surrogates)
            ]
        elif self._models is None:  # restored from a state: same parameters
            self._models = [
                surrogate.condition(x, costs[:, j]) for j, surrogate in enumerate(self._surrogates)
            ]
        return self._models

    def _ranked_candidates(self) -> np.ndarray | None:
        x, costs = self._observed()
        if len(x) < 2:
            return None
        models = self._fit(x, costs)
        z = np.column_stack([t(costs[:, j]) for j, (_, t) in enumerate(models)])
        reference = self._reference_costs()
        if reference is None:
            span = np.ptp(z, axis=0)
            reference_z = z.max(axis=0) + _NADIR_MARGIN * np.where(span > 0, span, 1.0)
        else:
            reference_z = np.array([t(reference[j : j + 1])[0] for j, (_, t) in enumerate(models)])
        pending = np.array(list(self._pending.values())).reshape(-1, x.shape[1])
        gps = [fantasize(gp, pending) for gp, _ in models]
        front = z
        if len(pending):
            believed = [np.asarray(gp.posterior(pending)[0]) for gp, _ in models]
            front = np.vstack([z, np.column_stack(believed)])
        cells = ImprovementCells.of(front, reference_z)

        def score(v: Any) -> Any:
            posteriors = [gp.posterior(v) for gp in gps]
            mean = anp.stack([p[0] for p in posteriors], axis=1)
            std = anp.sqrt(anp.stack([p[1] for p in posteriors], axis=1))
            return -cells.expected_improvement(mean, std)

        ranks = np.asarray(nondominated_ranks(z, ["min"] * z.shape[1]), dtype=float)
        return self._rank(score, self._anchors(x, ranks))

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "surrogates": [s.state_dict() for s in self._surrogates]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for surrogate, saved in zip(self._surrogates, state["surrogates"], strict=True):
            surrogate.set_model(self._build_model())
            surrogate.load_state_dict(saved)

    def _reset_cache(self) -> None:
        self._models = None
