"""MOREA: regularized evolution whose tournament ranks the sample on several metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core._pareto import TieBreak, check_tie_break, observed_costs, pareto_order
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers.evolution import RegularizedEvolutionSearcher, _Member
from tunelab.core.trial import Config

if TYPE_CHECKING:
    from typing_extensions import Unpack


class MOREASearcher(RegularizedEvolutionSearcher):
    """Multi-objective regularized evolution (MOREA).

    `RegularizedEvolutionSearcher` (Real et al., 2019) with one change: the parent
    drawn in a tournament is the best of the sampled members on every metric the
    searcher is configured with, by non-dominated sorting of the sample and, inside
    the first front, by `tie_break` (crowding distance or hypervolume contribution;
    then the oldest). Population, ageing, the one-hyperparameter mutation, the
    random start and the options are those of regularized evolution, as in Syne
    Tune's `MultiObjectiveRegularizedEvolution`. A result with a NaN or infinite
    metric is ignored (the trial does not join the population).

    Args:
        config_space: Hyperparameter name -> domain or constant.
        population_size: Members kept; also the number of random configurations
            evaluated before evolution starts.
        sample_size: Members drawn (with replacement) for each tournament.
        tie_break: "crowding" (default) or "hypervolume": the order inside a front.
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `BuiltinSearcher`.
    """

    one_metric = False  # its tournament ranks by every metric

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        population_size: int = 100,
        sample_size: int = 10,
        tie_break: TieBreak = "crowding",
        **options: Unpack[SearcherOptions],
    ) -> None:
        self.tie_break = check_tie_break(tie_break, where=type(self).__name__)
        super().__init__(
            config_space, population_size=population_size, sample_size=sample_size, **options
        )
        self._costs: dict[int, np.ndarray] = {}

    @property
    def population_costs(self) -> dict[int, list[float]]:
        """Trial id -> cost vector of each member (its metrics, maximised ones negated)."""
        return {m.trial_id: self._costs[m.trial_id].tolist() for m in self._population}

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        costs = observed_costs(self, result)
        if costs is None:
            return
        super().observe(trial_id, config, result)  # joins (or updates) and ages
        self._costs[trial_id] = costs
        if len(self._costs) > len(self._population):  # the oldest member left
            self._costs = {m.trial_id: self._costs[m.trial_id] for m in self._population}

    def _tournament(self) -> _Member:
        drawn = self._rng.integers(len(self._population), size=self.sample_size)
        sample = sorted(set(drawn.tolist()))  # oldest first: they win ties
        costs = np.stack([self._costs[self._population[i].trial_id] for i in sample])
        return self._population[sample[int(pareto_order(costs, self.tie_break)[0])]]

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "costs": self.population_costs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._costs = {
            int(trial_id): np.asarray(costs, dtype=float)
            for trial_id, costs in state["costs"].items()
        }
