"""NSGA-II as an asynchronous (steady-state) searcher over the encoded space."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core._pareto import (
    TieBreak,
    check_tie_break,
    observed_costs,
    pareto_order,
    pareto_scores,
)
from tunelab.core.searchers._args import check_count, check_fraction, check_positive
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._distinct import DistinctSearcher
from tunelab.core.searchers._encoded import EncodedLayout
from tunelab.core.space import SpaceEncoder
from tunelab.core.trial import Config

if TYPE_CHECKING:
    from typing_extensions import Unpack

# Offspring tried per suggestion before falling back to a random configuration (each
# may be a configuration used already, frequent in small finite spaces).
_MAX_OFFSPRING = 32
# Parents closer than this in a column are not crossed there (SBX divides by the gap).
_MIN_GAP = 1e-12


@dataclass
class _Member:
    trial_id: int
    config: Config
    x: np.ndarray  # encoded configuration, shape (dim,)
    costs: np.ndarray  # metrics, maximised ones negated, shape (m,)


class NSGA2Searcher(DistinctSearcher):
    """NSGA-II (Deb, Pratap, Agarwal, Meyarivan, 2002) for asynchronous tuning.

    Until `population_size` trials have reported, suggestions are random. Then each
    suggestion is a child of two parents from the population, each chosen by a binary
    tournament (of two members drawn at random, the one of the better non-dominated
    front wins, then the one of larger crowding distance, or hypervolume contribution
    with `tie_break="hypervolume"`; a tie goes to either). On the encoded space (numeric
    hyperparameters in [0, 1], categorical ones one-hot), the child takes, with
    `crossover_probability`, a simulated binary crossover (SBX, distribution index
    `crossover_eta`) of the parents' numeric columns and each categorical hyperparameter
    from either parent (uniform crossover), else the first parent's values; then each
    hyperparameter mutates with `mutation_probability`: a polynomial mutation (index
    `mutation_eta`) of a numeric one, a category drawn anew for a categorical one.
    Integers and other finite domains are rounded to their members when decoded.

    Survival is steady-state, which suits trials that finish one at a time (Durillo,
    Nebro, Luna, Alba, 2009): each trial that reports joins the population, and while
    it exceeds `population_size`, the member ranked last (last front, then least
    crowding distance, then the youngest) leaves. Used with a multi-fidelity
    scheduler, a member's newest result replaces its previous one. A result with a
    NaN or infinite metric is ignored. A configuration is never suggested twice;
    with `restrict_to`, each child is mapped to the nearest unused member.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        population_size: Members kept; also the number of random configurations
            evaluated first. At least 2.
        crossover_probability: Probability that a child is a crossover of its parents.
        crossover_eta: SBX distribution index (> 0): larger keeps children nearer
            their parents.
        mutation_probability: Probability that each hyperparameter mutates; None
            (default) is 1 / (number of hyperparameters).
        mutation_eta: Polynomial mutation index (> 0): larger makes smaller steps.
        tie_break: "crowding" (default) or "hypervolume": the order inside a front.
        **options: `points_to_evaluate`, `restrict_to` and `seed`, see
            `BuiltinSearcher`.
    """

    one_metric = False  # ranks by every metric

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        population_size: int = 20,
        crossover_probability: float = 0.9,
        crossover_eta: float = 15.0,
        mutation_probability: float | None = None,
        mutation_eta: float = 20.0,
        tie_break: TieBreak = "crowding",
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        self.population_size = check_count(
            population_size, where=where, arg="population_size", minimum=2
        )
        self.crossover_probability = check_fraction(
            crossover_probability, where=where, arg="crossover_probability", closed=True
        )
        self.crossover_eta = check_positive(crossover_eta, where=where, arg="crossover_eta")
        self.mutation_eta = check_positive(mutation_eta, where=where, arg="mutation_eta")
        if mutation_probability is not None:
            check_fraction(
                mutation_probability, where=where, arg="mutation_probability", closed=True
            )
        self.tie_break = check_tie_break(tie_break, where=where)
        super().__init__(config_space, **options)
        self._encoder = SpaceEncoder(self.config_space)
        self._layout = EncodedLayout(self.config_space, self._encoder)
        count = max(self._layout.num_hyperparameters, 1)
        self.mutation_probability = (
            1.0 / count if mutation_probability is None else float(mutation_probability)
        )
        self._population: list[_Member] = []  # oldest first

    @property
    def population(self) -> list[tuple[int, Config, list[float]]]:
        """`(trial_id, config, costs)` of each member, oldest first; the costs are the
        metrics, maximised ones negated (lower is better)."""
        return [(m.trial_id, dict(m.config), m.costs.tolist()) for m in self._population]

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        costs = observed_costs(self, result)
        if costs is None:
            return
        for member in self._population:
            if member.trial_id == trial_id:
                member.costs = costs
                return
        x = self._encoder.encode(config)
        self._population.append(_Member(trial_id, dict(config), x, costs))
        while len(self._population) > self.population_size:
            worst = int(pareto_order(self._costs(), self.tie_break)[-1])
            del self._population[worst]

    def _costs(self) -> np.ndarray:
        return np.stack([member.costs for member in self._population])

    # -- offspring -----------------------------------------------------------------------

    def _propose(self, trial_id: int) -> Iterator[Config]:
        if len(self._population) < self.population_size or not self._encoder.dim:
            return
        fronts, spread = pareto_scores(self._costs(), self.tie_break)
        for _ in range(_MAX_OFFSPRING):
            first = self._tournament(fronts, spread)
            second = self._tournament(fronts, spread)
            child = self._crossover(self._population[first].x, self._population[second].x)
            x = self._layout.snap(self._mutate(child)[None, :])[0]
            yield self._encoder.decode(x)

    def _tournament(self, fronts: np.ndarray, spread: np.ndarray) -> int:
        """Index of the winner of a binary tournament between two distinct members drawn
        at random (a tie goes to the first drawn, so either)."""
        a, b = self._rng.choice(len(fronts), size=2, replace=False).tolist()
        if (fronts[b], -spread[b]) < (fronts[a], -spread[a]):
            return int(b)
        return int(a)

    def _crossover(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """One child of two encoded parents (shape (dim,)), see the class docstring."""
        child: np.ndarray = first.copy()
        if self._rng.random() >= self.crossover_probability:
            return child
        numeric = self._layout.numeric
        if len(numeric):
            child[numeric] = self._sbx(first[numeric], second[numeric])
        for group in self._layout.groups:
            if self._rng.random() < 0.5:
                columns = slice(group.start, group.start + group.size)
                child[columns] = second[columns]
        return child

    def _sbx(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Bounded simulated binary crossover on [0, 1] (Deb & Agrawal, 1995, as in the
        NSGA-II reference code): each column is crossed with probability 1/2, and the
        child takes either of the two offspring values, at random."""
        low, high = np.minimum(first, second), np.maximum(first, second)
        gap = high - low
        crossed = (self._rng.random(len(first)) < 0.5) & (gap > _MIN_GAP)
        u = self._rng.random(len(first))
        take_high = self._rng.random(len(first)) < 0.5
        child: np.ndarray = first.copy()
        if not crossed.any():
            return child
        low, high, gap, u = low[crossed], high[crossed], gap[crossed], u[crossed]
        power = 1.0 / (self.crossover_eta + 1.0)

        def spread_factor(distance: np.ndarray) -> np.ndarray:
            alpha = 2.0 - (1.0 + 2.0 * distance / gap) ** -(self.crossover_eta + 1.0)
            near = (u * alpha) ** power
            far = (1.0 / (2.0 - u * alpha)) ** power  # 1 <= alpha < 2: positive
            factor: np.ndarray = np.where(u <= 1.0 / alpha, near, far)
            return factor

        below = 0.5 * (low + high - spread_factor(low) * gap)  # distance to bound 0
        above = 0.5 * (low + high + spread_factor(1.0 - high) * gap)  # to bound 1
        child[crossed] = np.clip(np.where(take_high[crossed], above, below), 0.0, 1.0)
        return child

    def _mutate(self, x: np.ndarray) -> np.ndarray:
        """`x` (shape (dim,)) with each hyperparameter mutated with probability
        `mutation_probability`; numeric columns by bounded polynomial mutation (Deb &
        Goyal, 1996), one-hot groups by a category drawn uniformly."""
        numeric = self._layout.numeric
        if len(numeric):
            mutated = self._rng.random(len(numeric)) < self.mutation_probability
            u = self._rng.random(len(numeric))
            y = x[numeric]
            power = 1.0 / (self.mutation_eta + 1.0)
            lower = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - y) ** (self.mutation_eta + 1.0)
            upper = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * y ** (self.mutation_eta + 1.0)
            step = np.where(u < 0.5, lower**power - 1.0, 1.0 - upper**power)
            x[numeric] = np.where(mutated, np.clip(y + step, 0.0, 1.0), y)
        for group in self._layout.groups:
            if self._rng.random() < self.mutation_probability:
                x[group.start : group.start + group.size] = 0.0
                x[group.start + int(self._rng.integers(group.size))] = 1.0
        return x

    # -- persistence ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "population": self.population}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._population = [
            _Member(
                int(trial_id),
                dict(config),
                self._encoder.encode(config),
                np.asarray(costs, dtype=float),
            )
            for trial_id, config, costs in state["population"]
        ]
