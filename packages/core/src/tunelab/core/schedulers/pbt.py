"""Population Based Training (Jaderberg et al., 2017): exploit good trials, explore near them."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tunelab.core.scheduler import Scheduler
from tunelab.core.schedulers._metrics import normalize_metrics
from tunelab.core.searcher import Searcher
from tunelab.core.searchers.random import RandomSearcher
from tunelab.core.space import CandidateSet, Domain, Float, Integer
from tunelab.core.space.candidates import with_constants
from tunelab.core.trial import Config, Decision, Mode, Trial, TrialSuggestion

PERTURBATION_FACTORS = (0.8, 1.2)
"""Factors by which the explore step scales a numeric hyperparameter."""


def perturb_value(domain: Domain, value: Any, *, increase: bool) -> Any:
    """One explore step of a single hyperparameter, kept inside its domain.

    `Float`: multiplied by 1.2 (`increase`) or 0.8, then clipped to the bounds.
    `Integer`: the same, rounded, moving at least one unit so that small integers
    change too. Finite domains (`choice`, `ordinal`, `finrange`, ...): the
    neighbouring member in the declared order, staying put at either end.
    Other domains are resampled.
    """
    factor = PERTURBATION_FACTORS[1] if increase else PERTURBATION_FACTORS[0]
    if isinstance(domain, Float):
        return domain.cast(min(max(float(value) * factor, domain.lower), domain.upper))
    if isinstance(domain, Integer):
        raw = int(value) * factor
        step = round(raw) - int(value)
        if step == 0:
            step = 1 if raw > value or (raw == value and increase) else -1
        return min(max(int(value) + step, domain.lower), domain.upper)
    members = domain.values()
    if members is None:
        raise TypeError(f"cannot perturb a value of {domain!r}; expected a known domain type")
    index = members.index(domain.cast(value)) + (1 if increase else -1)
    return members[min(max(index, 0), len(members) - 1)]


def perturb_config(
    config: Config,
    config_space: Mapping[str, Any],
    *,
    rng: np.random.Generator,
    resample_probability: float,
    frozen: Collection[str] = (),
) -> Config:
    """PBT's explore step: a copy of `config` with every hyperparameter moved.

    Each hyperparameter (a `Domain` of `config_space` not named in `frozen`) is,
    independently, resampled from its domain with probability
    `resample_probability`, else moved by `perturb_value` up or down (equally
    likely). Constants are copied.
    """
    new = dict(config)
    for name, domain in config_space.items():
        if not isinstance(domain, Domain) or name in frozen:
            continue
        if rng.random() < resample_probability:
            new[name] = domain.sample(rng)
        else:
            new[name] = perturb_value(domain, config[name], increase=bool(rng.random() < 0.5))
    return new


@dataclass
class _Member:
    """A trial of the population, as PBT tracks it."""

    config: Config
    from_searcher: bool
    resource: float = 0.0  # last resource reported (or inherited from a checkpoint)
    last_perturbation: float = 0.0  # resource at the last exploit/explore check
    score: float | None = None  # metric at that check, signed so that lower is better
    done: bool = False  # stopped by PBT; out of the population


class PopulationBasedTraining(Scheduler):
    """Population Based Training (Jaderberg et al., 2017, "Population Based Training
    of Neural Networks", arXiv:1711.09846), asynchronous variant.

    A population of `population_size` trials starts from the searcher's
    configurations (random by default). Whenever a trial has trained another
    `perturbation_interval` of resource since its last check, its metric is ranked
    among the population. A trial in the bottom `quantile_fraction` is stopped and
    replaced by a new trial that *exploits* a trial of the top `quantile_fraction`
    (chosen uniformly): it starts from a copy of that trial's checkpoint
    (`TrialSuggestion.start(config, checkpoint_from=source)`) with an *explored*
    configuration, the source's perturbed by `perturb_config`. A trial reaching
    `max_resource` is stopped and leaves the population; the run ends when every
    member has. Explore moves a `choice` to a neighbouring category in the declared
    order, as for ordinals (Ray Tune's rule; Syne Tune resamples categoricals).
    Until its own first check, a copy ranks with the score of the trial it copied.
    Nobody is ranked before every member has a score: early trials are not judged
    against the one or two that happened to report first.

    PBT needs checkpointing: the training script must save its state (before
    reporting each result, at least at every perturbation point) and load it at
    start (`tunelab.core.checkpoint`). Without a checkpoint an exploiting trial
    starts from scratch, which makes PBT a poor random search. Use as many workers
    as `population_size`.

    Args:
        config_space: The hyperparameters to tune and perturb.
        metric: The reported metric to optimise.
        mode: "min" or "max".
        resource_attr: The resource key in results (e.g. "epoch").
        max_resource: Resource at which a member is done; default
            `config_space[max_resource_attr]`.
        max_resource_attr: The training script's budget argument, a constant of
            `config_space` (never perturbed).
        population_size: Trials started from the searcher.
        perturbation_interval: Resource trained between two checks of a trial.
        quantile_fraction: Fraction of the population (at most 0.5) that is
            replaced, and that serves as sources; 0 never exploits.
        resample_probability: Probability that explore resamples a hyperparameter
            instead of perturbing it.
        searcher: Proposes the initial population; default a `RandomSearcher`.
        restrict_to: Run only these configurations (e.g. a table's rows): the default
            searcher draws the population from them, and an explored configuration is
            replaced by its nearest member other than the source's own (which it
            keeps only when the set has no other member).
        seed: Seed or generator for every random choice (and the default searcher).
    """

    searcher: Searcher

    def __init__(
        self,
        config_space: dict[str, Any],
        *,
        metric: str,
        mode: Mode = "min",
        resource_attr: str,
        max_resource: float | None = None,
        max_resource_attr: str | None = None,
        population_size: int = 4,
        perturbation_interval: float = 1.0,
        quantile_fraction: float = 0.25,
        resample_probability: float = 0.25,
        searcher: Searcher | None = None,
        restrict_to: Sequence[Config] | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if not isinstance(metric, str):
            raise TypeError(f"PopulationBasedTraining: metric={metric!r}; expected one name")
        self._metrics, self._modes = normalize_metrics(metric, mode)
        _check_settings(population_size, perturbation_interval, quantile_fraction)
        if not 0.0 <= resample_probability <= 1.0:
            raise ValueError(
                f"PopulationBasedTraining: resample_probability={resample_probability!r}; "
                "expected a probability in [0, 1]"
            )
        self._config_space = dict(config_space)
        self.resource_attr = self._resource = resource_attr
        self.max_resource_attr = max_resource_attr
        self.max_resource = _resolve_max_resource(
            self._config_space, max_resource, max_resource_attr
        )
        self.population_size = population_size
        self.perturbation_interval = float(perturbation_interval)
        self.quantile_fraction = float(quantile_fraction)
        self.resample_probability = float(resample_probability)
        searcher_seed: int | None
        if isinstance(seed, np.random.Generator):
            self._rng, searcher_seed = seed, int(seed.integers(2**63))
        else:  # the default searcher gets `seed`, PBT's own choices a stream apart
            self._rng = np.random.default_rng(None if seed is None else [seed, 1])
            searcher_seed = seed
        self._candidates = (
            None if restrict_to is None else CandidateSet(self._config_space, restrict_to)
        )
        self.searcher = searcher or RandomSearcher(
            self._config_space, restrict_to=restrict_to, seed=searcher_seed
        )
        self.searcher.configure(metric=metric, mode=self._modes[0], resource_attr=resource_attr)
        self._members: dict[int, _Member] = {}
        # Exploits to start: (source trial, explored config, source's resource and score).
        self._queue: list[tuple[int, Config, float, float | None]] = []
        self._starting: dict[int, tuple[float, float | None]] = {}  # suggested, not added
        self._num_from_searcher = 0

    @property
    def config_space(self) -> dict[str, Any]:
        """The hyperparameters tuned and perturbed, with the constants."""
        return self._config_space

    def metric_names(self) -> list[str]:
        return list(self._metrics)

    def metric_mode(self) -> list[Mode]:
        return list(self._modes)

    def suggest(self, trial_id: int) -> TrialSuggestion | None:
        if self._queue:
            source, config, reached, score = self._queue.pop(0)
            member = self._members.get(source)
            if member is not None:  # the copy holds what the source has reached by now
                reached, score = member.resource, member.score
            self._starting[trial_id] = (reached, score)
            return TrialSuggestion.start(config, checkpoint_from=source)
        if self._num_from_searcher >= self.population_size:
            return None
        proposed = self.searcher.suggest(trial_id)
        if proposed is None:
            return None
        if self._candidates is not None and self._candidates.index_of(proposed) is None:
            raise ValueError(
                f"PopulationBasedTraining: the searcher {type(self.searcher).__name__} "
                f"suggested {proposed!r}, which is not one of the restrict_to "
                "configurations; restrict the searcher to the same set"
            )
        self._num_from_searcher += 1
        return TrialSuggestion.start(proposed)

    def on_trial_add(self, trial: Trial) -> None:
        start = self._starting.pop(trial.trial_id, None)
        if start is None:
            self._members[trial.trial_id] = _Member(dict(trial.config), from_searcher=True)
            self.searcher.register_pending(trial.trial_id, trial.config)
            return
        # Until its own first check, the copy ranks with the score of the model it copied.
        reached, score = start
        self._members[trial.trial_id] = _Member(
            dict(trial.config),
            from_searcher=False,
            resource=reached,
            last_perturbation=reached,
            score=score,
        )

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        value, resource = self._read(trial, result)
        member = self._members.get(trial.trial_id)
        if member is None or member.done:
            return Decision.STOP if member is not None else Decision.CONTINUE
        member.resource = resource
        if resource >= self.max_resource:
            member.done = True
            return Decision.STOP
        if resource - member.last_perturbation < self.perturbation_interval:
            return Decision.CONTINUE
        member.last_perturbation = resource
        member.score = value if self._modes[0] == "min" else -value
        if math.isnan(member.score):
            member.score = math.inf
        bottom, top = self._quantiles()
        if trial.trial_id not in bottom:
            return Decision.CONTINUE
        source = top[int(self._rng.integers(len(top)))]
        config = perturb_config(
            self._members[source].config,
            self._config_space,
            rng=self._rng,
            resample_probability=self.resample_probability,
            frozen=() if self.max_resource_attr is None else (self.max_resource_attr,),
        )
        chosen = self._members[source]
        if self._candidates is not None:
            config = self._nearest_other_member(config, chosen.config)
        self._queue.append((source, config, chosen.resource, chosen.score))
        member.done = True
        return Decision.STOP

    def _nearest_other_member(self, config: Config, source: Config) -> Config:
        """The member nearest to `config` other than `source`'s (constants of `config`)."""
        assert self._candidates is not None
        available = np.ones(len(self._candidates), dtype=bool)
        own = self._candidates.index_of(source)
        if own is not None and len(self._candidates) > 1:
            available[own] = False
        vector = self._candidates.encoder.encode(config)
        index = int(self._candidates.nearest(vector[None, :], available)[0])
        return with_constants(self._candidates[index], config, self._config_space)

    def on_trial_complete(self, trial: Trial, result: dict[str, Any]) -> None:
        member = self._members.pop(trial.trial_id, None)
        if member is not None and member.from_searcher:
            self.searcher.observe(trial.trial_id, member.config, result)
            self.searcher.remove_pending(trial.trial_id)

    def on_trial_error(self, trial: Trial) -> None:
        member = self._members.pop(trial.trial_id, None)
        if member is not None and member.from_searcher:
            self.searcher.on_error(trial.trial_id)

    def on_trial_remove(self, trial: Trial) -> None:
        member = self._members.pop(trial.trial_id, None)
        if member is not None and member.from_searcher:
            self.searcher.remove_pending(trial.trial_id)

    def quantiles(self) -> tuple[list[int], list[int]]:
        """(bottom, top): ids of the worst and best `quantile_fraction` of the
        population, worst first and best first (ties: lower trial id ranks better).

        Both hold `min(ceil(n * quantile_fraction), n // 2)` of the `n` members, and
        are empty until every member has a score (passed its first check).
        """
        return self._quantiles()

    def _quantiles(self) -> tuple[list[int], list[int]]:
        alive = [(m.score, tid) for tid, m in self._members.items() if not m.done]
        ranked = sorted((score, tid) for score, tid in alive if score is not None)
        n = len(ranked) if len(ranked) == len(alive) else 0
        k = min(math.ceil(n * self.quantile_fraction), n // 2)
        if k == 0:
            return [], []
        return [tid for _, tid in reversed(ranked[n - k :])], [tid for _, tid in ranked[:k]]

    def _read(self, trial: Trial, result: dict[str, Any]) -> tuple[float, float]:
        missing = [key for key in (self._metrics[0], self._resource) if key not in result]
        if missing:
            raise ValueError(
                f"trial {trial.trial_id} reported {sorted(result)} without {missing}; "
                "PopulationBasedTraining needs the metric and the resource in every result"
            )
        return float(result[self._metrics[0]]), float(result[self._resource])

    def state_dict(self) -> dict[str, Any]:
        return {
            "rng": self._rng.bit_generator.state,
            "searcher": self.searcher.state_dict(),
            "members": {tid: asdict(m) for tid, m in self._members.items()},
            "queue": [(s, dict(c), r, score) for s, c, r, score in self._queue],
            "starting": dict(self._starting),
            "num_from_searcher": self._num_from_searcher,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._rng.bit_generator.state = state["rng"]
        self.searcher.load_state_dict(state["searcher"])
        self._members = {int(tid): _Member(**m) for tid, m in state["members"].items()}
        self._queue = [(int(s), dict(c), float(r), score) for s, c, r, score in state["queue"]]
        self._starting = {int(t): (float(r), score) for t, (r, score) in state["starting"].items()}
        self._num_from_searcher = int(state["num_from_searcher"])


def _check_settings(population_size: int, interval: float, quantile_fraction: float) -> None:
    if isinstance(population_size, bool) or not isinstance(population_size, int):
        raise TypeError(f"population_size={population_size!r}; expected an int >= 1")
    if population_size < 1:
        raise ValueError(f"population_size={population_size}; expected an int >= 1")
    if not interval > 0:
        raise ValueError(f"perturbation_interval={interval!r}; expected a resource amount > 0")
    if not 0.0 <= quantile_fraction <= 0.5:
        raise ValueError(f"quantile_fraction={quantile_fraction!r}; expected a number in [0, 0.5]")


def _resolve_max_resource(
    config_space: Mapping[str, Any], max_resource: float | None, max_resource_attr: str | None
) -> float:
    if max_resource is not None:
        if not max_resource > 0:
            raise ValueError(f"max_resource={max_resource!r}; expected a number > 0")
        return float(max_resource)
    value = None if max_resource_attr is None else config_space.get(max_resource_attr)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    raise ValueError(
        "PopulationBasedTraining needs max_resource, or max_resource_attr naming a constant "
        f"> 0 of the config space; got max_resource=None, max_resource_attr="
        f"{max_resource_attr!r} (config_space value {value!r})"
    )
