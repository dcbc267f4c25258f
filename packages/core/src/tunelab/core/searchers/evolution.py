"""Regularized evolution (REA): tournament selection, one-hyperparameter mutations, ageing."""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tunelab.core.searchers._args import check_count
from tunelab.core.searchers._base import SearcherOptions
from tunelab.core.searchers._distinct import DistinctSearcher
from tunelab.core.space import Domain, Value
from tunelab.core.trial import Config

if TYPE_CHECKING:
    from typing_extensions import Unpack

# Mutations tried per suggestion before falling back to a random configuration (each
# may hit an already used configuration), and redraws of a value before choosing
# among the other members of a finite domain explicitly.
_MAX_MUTATIONS = 32
_MAX_REDRAWS = 64


@dataclass
class _Member:
    trial_id: int
    config: Config
    score: float  # lower is better


class RegularizedEvolutionSearcher(DistinctSearcher):
    """Regularized ("aging") evolution of Real et al. (2019).

    Until `population_size` trials have reported, suggestions are random. Then each
    suggestion draws `sample_size` members of the population uniformly (with
    replacement), takes the best of them as parent (the oldest on ties) and mutates
    exactly one of its hyperparameters, chosen uniformly among those with more than
    one value, to a different value drawn from that hyperparameter's domain. Each
    trial that reports joins the population, and when it is full the oldest member
    leaves: age, not quality, decides who goes, which is the regularisation.

    Used with a multi-fidelity scheduler, the searcher gets each rung's result: a
    trial already in the population takes its newest result in place and keeps its
    age, so members compare by the results they have, whatever their resource.

    A configuration is never suggested twice (a mutation that lands on a used one is
    redrawn); a finite space ends with None once every configuration has been used.

    Reference: E. Real, A. Aggarwal, Y. Huang, Q. V. Le. Regularized Evolution for
    Image Classifier Architecture Search. AAAI 2019.

    Args:
        config_space: Hyperparameter name -> domain or constant.
        population_size: Members kept; also the number of random configurations
            evaluated before evolution starts.
        sample_size: Members drawn for each tournament; at most `population_size`.
        **options: `points_to_evaluate`, `restrict_to` (a mutated configuration is then
            replaced by its nearest unused member, random ones are drawn from the
            unused members) and `seed`, see `BuiltinSearcher`.
    """

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        population_size: int = 100,
        sample_size: int = 10,
        **options: Unpack[SearcherOptions],
    ) -> None:
        where = type(self).__name__
        check_count(population_size, where=where, arg="population_size", minimum=1)
        check_count(sample_size, where=where, arg="sample_size", minimum=1)
        if sample_size > population_size:
            raise ValueError(
                f"{where}: sample_size must be <= population_size, got "
                f"sample_size={sample_size}, population_size={population_size}"
            )
        super().__init__(config_space, **options)
        self.population_size = int(population_size)
        self.sample_size = int(sample_size)
        self._mutable = [
            name
            for name in self._names
            if self.config_space[name].size is None or self.config_space[name].size > 1
        ]
        self._hyperparameter_set = set(self._names)
        self._population: deque[_Member] = deque()
        self._members: dict[int, _Member] = {}

    @property
    def population(self) -> list[tuple[int, Config, float]]:
        """`(trial_id, config, score)` of each member, oldest first; the score is the
        metric, negated in "max" mode (lower is better)."""
        return [(m.trial_id, dict(m.config), m.score) for m in self._population]

    def observe(self, trial_id: int, config: Config, result: dict[str, Any]) -> None:
        score = self._objective(result)
        if score is None:
            return
        member = self._members.get(trial_id)
        if member is not None:
            member.score = score
            return
        member = _Member(trial_id, dict(config), score)
        self._population.append(member)
        self._members[trial_id] = member
        if len(self._population) > self.population_size:
            oldest = self._population.popleft()
            del self._members[oldest.trial_id]

    def _propose(self, trial_id: int) -> Iterator[Config]:
        if len(self._population) < self.population_size or not self._mutable:
            return
        for _ in range(_MAX_MUTATIONS):
            yield self._mutate(self._tournament().config)

    def _tournament(self) -> _Member:
        indices = self._rng.integers(len(self._population), size=self.sample_size)
        best = min(indices.tolist(), key=lambda i: (self._population[i].score, i))
        return self._population[best]

    def _mutate(self, parent: Config) -> Config:
        # Constants come from the space: a scheduler may have rewritten one in the
        # parent's config (the script's budget argument, for instance).
        child = {
            name: parent[name] if name in self._hyperparameter_set else copy.deepcopy(entry)
            for name, entry in self.config_space.items()
        }
        name = self._mutable[int(self._rng.integers(len(self._mutable)))]
        child[name] = self._other_value(self.config_space[name], parent[name])
        return child

    def _other_value(self, domain: Domain, value: Any) -> Value:
        for _ in range(_MAX_REDRAWS):
            candidate = domain.sample(self._rng)
            if candidate != value:
                return candidate
        # Only a value of very high probability gets here; choose among the rest.
        others = [v for v in domain.values() or [] if v != value]
        return others[int(self._rng.integers(len(others)))]

    def state_dict(self) -> dict[str, Any]:
        population = [(m.trial_id, dict(m.config), m.score) for m in self._population]
        return {**super().state_dict(), "population": population}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._population = deque(
            _Member(int(trial_id), dict(config), float(score))
            for trial_id, config, score in state["population"]
        )
        self._members = {member.trial_id: member for member in self._population}
