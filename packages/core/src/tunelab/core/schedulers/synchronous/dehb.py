"""DEHB: synchronous Hyperband whose configurations evolve by differential evolution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tunelab.core.schedulers._forwarding import RungArguments
from tunelab.core.schedulers.synchronous._evolution import (
    PARENTS,
    Subpopulation,
    crossover_binomial,
    mutate_rand1,
    pad_pool,
)
from tunelab.core.schedulers.synchronous._state import BracketState
from tunelab.core.schedulers.synchronous.brackets import Bracket, geometric_brackets
from tunelab.core.schedulers.synchronous.hyperband import SynchronousHyperbandScheduler
from tunelab.core.searcher import Searcher
from tunelab.core.space import CandidateSet, SpaceEncoder, config_key
from tunelab.core.trial import Config, Decision, TrialSuggestion

if TYPE_CHECKING:
    from typing_extensions import Unpack


@dataclass(frozen=True)
class DifferentialEvolution:
    """Settings of DEHB's evolution (defaults of Awad et al., 2021).

    Attributes:
        mutation_factor: F of the rand/1 mutation `a + F (b - c)`, in (0, 1].
        crossover_probability: CR of the binomial crossover, in (0, 1).
        max_retries: New mutations tried when a candidate decodes to a configuration
            already evaluated at its level; the last one is then accepted.
    """

    mutation_factor: float = 0.5
    crossover_probability: float = 0.5
    max_retries: int = 50

    def __post_init__(self) -> None:
        if not 0 < self.mutation_factor <= 1:
            raise ValueError(f"mutation_factor must be in (0, 1], got {self.mutation_factor!r}")
        if not 0 < self.crossover_probability < 1:
            raise ValueError(
                f"crossover_probability must be in (0, 1), got {self.crossover_probability!r}"
            )
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValueError(f"max_retries must be an int >= 0, got {self.max_retries!r}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {self.max_retries!r}")


class DEHBScheduler(SynchronousHyperbandScheduler):
    """Differential Evolution Hyperband (Awad, Mallik & Hutter, "DEHB: Evolutionary
    Hyperband for Scalable, Robust and Efficient Hyperparameter Optimization", IJCAI
    2021), on synchronous Hyperband.

    The brackets derive from the first geometric bracket (rungs of sizes N_0 > ... >
    N_S at levels r_0 < ... < r_S): bracket s keeps its rungs s..S with their sizes, and
    brackets cycle through s = 0 .. `brackets` - 1. Each level k has a subpopulation of
    N_k members, slot-aligned with the rungs at that level.

    The very first bracket is synchronous successive halving: configurations from the
    searcher, promotions resume paused trials; its results initialise the
    subpopulations. In every later bracket each slot `i` of a rung at level k gets a
    new trial (no resume, no checkpoint) with a configuration evolved in the unit-cube
    encoding of `SpaceEncoder`: a rand/1 mutant of the parent pool (the best N_k
    configurations of the bracket's rung below, or for its first rung the
    subpopulation of level k), crossed over binomially with the target, member `i` of
    that subpopulation. When the trial reports at level k, the better of trial and
    target (selection) takes member `i` and the slot. A pool smaller than 3 is filled
    from all configurations evaluated at level k, then at any level, then with uniform
    random vectors. Trials of later brackets are stopped at their level (they continue
    when it is `max_resource`). Worker filling and failures are as in
    `SynchronousHyperbandScheduler`; an exhausted searcher only closes the first
    bracket's rung 0, later brackets need no searcher.

    `metric`, `mode`, `resource_attr`, `max_resource`, `max_resource_attr`,
    `grace_period` and `reduction_factor` are those of `SynchronousHyperbandScheduler`.

    Args:
        searcher: Proposes the first bracket's configurations; it must have a
            `config_space` attribute (the space that DE encodes).
        brackets: Brackets per round; default all (`S + 1`), 1 runs rung-inherited
            successive halving.
        evolution: Mutation factor, crossover probability and retries.
        restrict_to: Evaluate only these configurations (e.g. a table's rows): an
            evolved vector is replaced by its nearest member not yet evaluated at its
            level (the nearest member when all were). Restrict the searcher of the
            first bracket to the same set.
        seed: Seed or generator for the evolution's randomness.
    """

    def __init__(
        self,
        searcher: Searcher,
        *,
        brackets: int | None = None,
        evolution: DifferentialEvolution | None = None,
        restrict_to: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
        **rungs: Unpack[RungArguments],
    ) -> None:
        space = searcher.config_space
        if not isinstance(space, dict):
            raise ValueError(
                f"DEHBScheduler encodes configurations of the searcher's config_space, but "
                f"{type(searcher).__name__} has none; use a searcher with config_space"
            )
        if isinstance(brackets, bool) or not isinstance(brackets, int | None):
            raise ValueError(f"brackets must be None or an int, got {brackets!r}")
        super().__init__(searcher, brackets=brackets, **rungs)
        first = self.brackets[0]
        self.evolution = evolution or DifferentialEvolution()
        self._encoder = SpaceEncoder(space)
        self._rng = np.random.default_rng(seed)
        self._population = [Subpopulation(size, self._encoder.dim) for size in first.sizes]
        self._vectors: dict[int, np.ndarray] = {}
        self._evaluated: list[list[int]] = [[] for _ in first.sizes]
        self._evaluated_all: list[int] = []
        self._parents: dict[int, list[int]] = {}
        self._keys: dict[int, tuple[Any, ...]] = {}
        self._seen: set[tuple[Any, int]] = set()
        self._candidates = None if restrict_to is None else CandidateSet(space, restrict_to)
        # per level index: which members were evaluated there (with a candidate set)
        self._used_at: list[np.ndarray] = []
        if self._candidates is not None:
            self._used_at = [np.zeros(len(self._candidates), dtype=bool) for _ in first.sizes]

    def members(self, level: int) -> list[int | None]:
        """Trial ids of the subpopulation of rung level index `level`, per slot (None:
        empty); a member is the best configuration evaluated in its slot so far."""
        return [None if owner < 0 else int(owner) for owner in self._population[level].owners]

    def _level_index(self, state: BracketState) -> int:
        return state.bracket_id % len(self.brackets) + state.rung

    def _resumes_trials(self, state: BracketState) -> bool:
        return state.bracket_id == 0

    def _decision(self, state: BracketState) -> Decision:
        if state.bracket_id == 0:
            return super()._decision(state)
        return Decision.CONTINUE if state.level >= self.max_resource else Decision.STOP

    def _on_searcher_exhausted(self, state: BracketState) -> None:
        # Only the first bracket asks the searcher; evolution needs no new samples.
        if self._manager.close_first_rung(state):
            self._rung_complete(state)

    def _geometric(
        self, grace_period: float, top: float, reduction_factor: float, count: int | None
    ) -> list[Bracket]:
        """The rung-inherited brackets: bracket s keeps rungs s..S of the first."""
        first = geometric_brackets(
            min_resource=grace_period, max_resource=top, reduction_factor=reduction_factor
        )[0]
        count = len(first.rungs) if count is None else count
        if not 1 <= count <= len(first.rungs):
            raise ValueError(
                f"brackets must be None or an int from 1 to {len(first.rungs)} (the rung "
                f"levels {list(first.levels)}), got {count!r}"
            )
        return [Bracket(first.rungs[offset:]) for offset in range(count)]

    def _propose(self, state: BracketState, trial_id: int) -> TrialSuggestion | None:
        if state.bracket_id == 0:
            suggestion = super()._propose(state, trial_id)
            if suggestion is not None and not suggestion.is_resume:
                assert suggestion.config is not None
                self._vectors[trial_id] = self._encoder.encode(suggestion.config)
                self._keys[trial_id] = self._key(suggestion.config)
            return suggestion
        level = self._level_index(state)
        vector, config, key = self._evolve(state, level, slot=state.handed_out)
        self._vectors[trial_id] = vector
        self._keys[trial_id] = key
        self._see(key, level)
        return TrialSuggestion.start(self._with_level(config, state.level))

    def _key(self, config: Config) -> tuple[Any, ...]:
        """Duplicate-detection key of the hyperparameters of `config` (no constants)."""
        return config_key({name: config[name] for name in self._encoder.names})

    def _evolve(
        self, state: BracketState, level: int, slot: int
    ) -> tuple[np.ndarray, Config, tuple[Any, ...]]:
        """A mutated and crossed-over vector for `slot`, its configuration and key."""
        pool = self._pool(state, level)
        members = self._population[level]
        vector = config = key = None
        for _ in range(self.evolution.max_retries + 1):
            mutant = mutate_rand1(pool, self.evolution.mutation_factor, self._rng)
            if members.has_member(slot):
                target = members.vectors[slot]
                mutant = crossover_binomial(
                    mutant, target, self.evolution.crossover_probability, self._rng
                )
            if self._candidates is not None:
                return self._nearest_member(mutant, level)
            vector, config = mutant, self._encoder.decode(mutant)
            key = self._key(config)
            if (key, level) not in self._seen:
                break
        assert vector is not None and config is not None and key is not None
        return vector, config, key

    def _nearest_member(
        self, mutant: np.ndarray, level: int
    ) -> tuple[np.ndarray, Config, tuple[Any, ...]]:
        """The member nearest to `mutant` not yet evaluated at `level` (any member once
        all were), as vector, configuration and key."""
        assert self._candidates is not None
        unused = ~self._used_at[level]
        index = int(self._candidates.nearest(mutant[None, :], unused if unused.any() else None)[0])
        config = self._candidates[index]
        return self._candidates.vectors[index].copy(), config, self._key(config)

    def _see(self, key: tuple[Any, ...], level: int) -> None:
        self._seen.add((key, level))
        if self._candidates is not None:
            index = self._candidates.index_of_key(key)
            if index is not None:
                self._used_at[level][index] = True

    def _pool(self, state: BracketState, level: int) -> np.ndarray:
        """Parent pool of the current rung of `state`, shape `(n, dim)` with n >= 3."""
        if state.rung > 0:
            ids = self._parents[state.bracket_id]
            pool = self._rows(ids)
        else:
            members = self._population[level]
            evaluated = np.isfinite(members.losses)
            ids, pool = members.owners[evaluated].tolist(), members.vectors[evaluated]
        if len(pool) < PARENTS:
            chosen = set(ids)
            for archive in (self._evaluated[level], self._evaluated_all):
                extra = self._draw(archive, chosen, PARENTS - len(chosen))
                chosen.update(extra)
                pool = np.concatenate([pool, self._rows(extra)])
        return pad_pool(pool, self._rng)

    def _rows(self, ids: list[int]) -> np.ndarray:
        """Encoded vectors of trials `ids`, shape `(len(ids), dim)`."""
        return np.array([self._vectors[t] for t in ids]).reshape(len(ids), self._encoder.dim)

    def _draw(self, archive: list[int], exclude: set[int], count: int) -> list[int]:
        """Up to `count` distinct random trials of `archive` not in `exclude` (O(count))."""
        drawn: list[int] = []
        for _ in range(4 * max(count, 0)):
            if len(drawn) >= count or not archive:
                break
            trial_id = archive[int(self._rng.integers(len(archive)))]
            if trial_id not in exclude and trial_id not in drawn:
                drawn.append(trial_id)
        return drawn

    def _record(self, state: BracketState, slot: int, trial_id: int, loss: float) -> None:
        level = self._level_index(state)
        members = self._population[level]
        vector = self._vectors[trial_id]
        if loss == loss:  # not NaN
            self._evaluated[level].append(trial_id)
            self._evaluated_all.append(trial_id)
            self._see(self._keys[trial_id], level)
        if state.bracket_id == 0:
            super()._record(state, slot, trial_id, loss)
            members.set(slot, vector, loss, trial_id)
        elif members.wins_against(slot, loss):
            state.occupy(slot, float(members.losses[slot]), int(members.owners[slot]))
        else:
            members.set(slot, vector, loss, trial_id)
            state.occupy(slot, loss, trial_id)

    def _next_rung(self, state: BracketState) -> list[int | None]:
        if state.bracket_id == 0:
            return super()._next_rung(state)
        size = state.sizes[state.rung + 1]
        best = [state.trial_ids[slot] for slot in state.ranking()[:size]]
        self._parents[state.bracket_id] = [t for t in best if t is not None]
        return [None] * size

    def _rung_complete(self, state: BracketState) -> None:
        super()._rung_complete(state)
        if state.bracket_id not in self._manager.active:
            self._parents.pop(state.bracket_id, None)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "rng": self._rng.bit_generator.state,
            "population": [members.to_dict() for members in self._population],
            "vectors": {tid: vector.copy() for tid, vector in self._vectors.items()},
            "keys": dict(self._keys),
            "evaluated": [list(ids) for ids in self._evaluated],
            "evaluated_all": list(self._evaluated_all),
            "parents": {bid: list(ids) for bid, ids in self._parents.items()},
            "seen": sorted(self._seen, key=repr),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._rng.bit_generator.state = state["rng"]
        for members, data in zip(self._population, state["population"], strict=True):
            members.load(data)
        self._vectors = {int(t): np.array(v, dtype=float) for t, v in state["vectors"].items()}
        self._keys = {int(t): key for t, key in state["keys"].items()}
        self._evaluated = [[int(t) for t in ids] for ids in state["evaluated"]]
        self._evaluated_all = [int(t) for t in state["evaluated_all"]]
        self._parents = {int(b): [int(t) for t in ids] for b, ids in state["parents"].items()}
        self._seen = set()
        for used in self._used_at:
            used[:] = False
        for key, level in state["seen"]:
            self._see(tuple(key), int(level))
