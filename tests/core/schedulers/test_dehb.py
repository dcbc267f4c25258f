"""DEHB: the first bracket is successive halving, later ones evolve configurations."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from tunelab.core.schedulers.synchronous import DEHBScheduler, DifferentialEvolution
from tunelab.core.schedulers.synchronous._evolution import (
    Subpopulation,
    crossover_binomial,
    mutate_rand1,
    pad_pool,
)
from tunelab.core.searcher import Searcher
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import SpaceEncoder, choice, loguniform, randint
from tunelab.core.testing import finite_config_space
from tunelab.core.trial import Config, Decision, Trial, TrialStatus

SPACE = {
    "lr": loguniform(1e-4, 1e-1),
    "layers": randint(1, 8),
    "act": choice(["relu", "tanh", "gelu"]),
    "epochs": 27,
}


class Loop:
    """A hand-driven tuner (as in test_synchronous_hyperband.py)."""

    def __init__(self, scheduler: DEHBScheduler) -> None:
        self.scheduler = scheduler
        self.trials: dict[int, Trial] = {}
        self.resumed: list[int] = []

    def next(self) -> Trial:
        suggestion = self.scheduler.suggest(len(self.trials))
        assert suggestion is not None
        if suggestion.resume_trial_id is not None:
            trial = self.trials[suggestion.resume_trial_id]
            assert trial.status is TrialStatus.PAUSED
            trial.config = suggestion.config or trial.config
            trial.status = TrialStatus.RUNNING
            self.resumed.append(trial.trial_id)
            return trial
        assert suggestion.config is not None
        trial = Trial(len(self.trials), suggestion.config)
        self.trials[trial.trial_id] = trial
        self.scheduler.on_trial_add(trial)
        return trial

    def report(self, trial: Trial, loss: float) -> Decision:
        result = {"loss": loss, "epoch": trial.config["epochs"]}
        decision = self.scheduler.on_trial_result(trial, result)
        if decision is Decision.PAUSE:
            trial.status = TrialStatus.PAUSED
        elif decision is Decision.STOP:
            trial.status = TrialStatus.STOPPED
            self.scheduler.on_trial_remove(trial)
        else:
            trial.status = TrialStatus.COMPLETED
            self.scheduler.on_trial_complete(trial, result)
        return decision

    def run_one_by_one(self, count: int, loss: Any) -> list[tuple[int, int, Decision]]:
        """One worker: start or resume, report `loss(trial)`, `count` times."""
        log = []
        for _ in range(count):
            trial = self.next()
            log.append((trial.trial_id, trial.config["epochs"], self.report(trial, loss(trial))))
        return log


def dehb(searcher: Searcher | None = None, **kwargs: Any) -> DEHBScheduler:
    arguments: dict[str, Any] = {"max_resource_attr": "epochs", "seed": 0, **kwargs}
    return DEHBScheduler(
        searcher or RandomSearcher(SPACE, seed=0), metric="loss", resource_attr="epoch", **arguments
    )


def quality(trial: Trial) -> float:
    """A loss with structure for DE to find: small lr and few layers are good."""
    value: float = float(np.log10(trial.config["lr"]) + 4) / 3 + trial.config["layers"] / 8
    return value


def test_brackets_inherit_the_rung_sizes_of_the_first() -> None:
    scheduler = dehb()
    assert [b.sizes for b in scheduler.brackets] == [(27, 9, 3, 1), (9, 3, 1), (3, 1), (1,)]
    assert [b.levels for b in scheduler.brackets] == [(1, 3, 9, 27), (3, 9, 27), (9, 27), (27,)]
    assert [b.sizes for b in dehb(brackets=2).brackets] == [(27, 9, 3, 1), (9, 3, 1)]


def test_the_first_bracket_is_successive_halving_and_seeds_the_subpopulations() -> None:
    loop = Loop(dehb())
    log = loop.run_one_by_one(27 + 9 + 3 + 1, quality)
    assert [epochs for _, epochs, _ in log] == [1] * 27 + [3] * 9 + [9] * 3 + [27]
    assert [d for _, _, d in log] == [Decision.PAUSE] * 39 + [Decision.CONTINUE]
    assert len(loop.resumed) == 13 and len(loop.trials) == 27
    scheduler = loop.scheduler
    assert scheduler.members(0) == list(range(27))
    ranked = sorted(range(27), key=lambda t: quality(loop.trials[t]))
    assert scheduler.members(1) == ranked[:9]
    assert scheduler.members(2) == ranked[:3]
    assert scheduler.members(3) == ranked[:1]


def test_later_brackets_start_evolved_trials_and_keep_the_better_of_trial_and_target() -> None:
    loop = Loop(dehb())
    loop.run_one_by_one(40, quality)  # the first bracket: trials 0..26
    scheduler = loop.scheduler
    targets = scheduler.members(1)
    target_loss = {t: quality(loop.trials[t]) for t in targets if t is not None}
    # bracket 1: 9 new trials at level 3; slot 0 loses against its target, slot 1 wins
    log = loop.run_one_by_one(9, lambda t: {27: 10.0, 28: -10.0}.get(t.trial_id, quality(t)))
    new = list(range(27, 36))
    assert [(tid, epochs) for tid, epochs, _ in log] == [(t, 3) for t in new]
    assert all(d is Decision.STOP for _, _, d in log) and len(loop.resumed) == 13
    members = scheduler.members(1)
    assert members[0] == targets[0] and members[1] == 28
    for slot in range(2, 9):
        target = targets[slot]
        assert target is not None
        better = quality(loop.trials[new[slot]]) <= target_loss[target]
        assert members[slot] == (new[slot] if better else target)
    # evolved configurations are valid members of the space, and all different
    encoder = SpaceEncoder(SPACE)
    for trial_id in new:
        config = dict(loop.trials[trial_id].config, epochs=27)
        assert encoder.decode(encoder.encode(config)) == config
    assert len({repr(loop.trials[t].config) for t in new}) == 9
    # its rung at 9 draws on the best 3 of the rung just finished, then level 27
    log = loop.run_one_by_one(3 + 1, quality)
    assert [(tid, epochs) for tid, epochs, _ in log] == [(36, 9), (37, 9), (38, 9), (39, 27)]
    assert [d for _, _, d in log] == [Decision.STOP] * 3 + [Decision.CONTINUE]


def test_evolution_finds_better_configurations_than_the_first_bracket() -> None:
    loop = Loop(dehb())
    loop.run_one_by_one(40, quality)
    sampled = [quality(loop.trials[t]) for t in range(27)]
    loop.run_one_by_one(300, quality)
    population = [quality(loop.trials[t]) for t in loop.scheduler.members(0) if t is not None]
    assert np.median(population) < np.median(sampled) / 2
    assert min(quality(t) for t in loop.trials.values()) < min(sampled)


def test_an_exhausted_searcher_ends_only_the_first_brackets_sampling() -> None:
    loop = Loop(dehb(RandomSearcher(finite_config_space(), seed=0), max_resource=27))
    log = loop.run_one_by_one(12, lambda t: t.trial_id / 100)
    assert len(loop.trials) == 12
    # rung 0 closed at 12 of 27: 4 then 2 then 1 promoted, then evolved brackets follow
    log = loop.run_one_by_one(4 + 2 + 1 + 3, lambda t: t.trial_id / 100)
    assert [tid for tid, _, _ in log[:7]] == [0, 1, 2, 3, 0, 1, 0]
    assert [tid for tid, _, _ in log[7:]] == [12, 13, 14]


def test_state_round_trip_in_a_later_bracket_continues_identically() -> None:
    def drive(loop: Loop, steps: int) -> list[Any]:
        rng = np.random.default_rng(7)
        log: list[Any] = []
        for _ in range(steps):
            running = [t for t in loop.trials.values() if t.status is TrialStatus.RUNNING]
            while len(running) < 3:
                trial = loop.next()
                running.append(trial)
                log.append(("start", trial.trial_id, repr(trial.config)))
            trial = running[int(rng.integers(len(running)))]
            log.append(("result", trial.trial_id, loop.report(trial, float(rng.random()))))
        return log

    original = Loop(dehb())
    drive(original, 60)
    assert original.scheduler._manager.next_bracket_id > 1, "inside a later bracket"
    restored = Loop(dehb(seed=99))
    restored.scheduler.load_state_dict(pickle.loads(pickle.dumps(original.scheduler.state_dict())))
    restored.trials = pickle.loads(pickle.dumps(original.trials))
    assert drive(restored, 80) == drive(original, 80)


def test_rand1_mutation_stays_in_the_cube() -> None:
    rng = np.random.default_rng(0)
    pool = rng.random((5, 4))
    for _ in range(200):
        mutant = mutate_rand1(pool, 0.5, rng)
        assert mutant.shape == (4,) and np.all((mutant >= 0) & (mutant <= 1))
    same = np.full((3, 2), 0.25)
    np.testing.assert_array_equal(mutate_rand1(same, 0.5, rng), [0.25, 0.25])
    a, b, c = np.array([[0.2, 0.2], [0.6, 0.5], [0.4, 0.4]])
    outcomes = {tuple(np.round(mutate_rand1(np.stack([a, b, c]), 0.5, rng), 6)) for _ in range(99)}
    assert (0.3, 0.25) in outcomes and (0.1, 0.15) in outcomes  # a + F(b - c), a + F(c - b)


def test_binomial_crossover_takes_at_least_one_entry_of_the_mutant() -> None:
    rng = np.random.default_rng(0)
    mutant, target = np.ones(20), np.zeros(20)
    children = np.array([crossover_binomial(mutant, target, 0.5, rng) for _ in range(500)])
    assert children.sum(axis=1).min() >= 1
    assert abs(children.mean() - 0.5) < 0.05
    single = [crossover_binomial(np.ones(1), np.zeros(1), 0.01, rng)[0] for _ in range(10)]
    assert single == [1.0] * 10


def test_pool_padding_and_subpopulation_selection() -> None:
    rng = np.random.default_rng(0)
    assert pad_pool(np.zeros((1, 3)), rng).shape == (3, 3)
    assert pad_pool(np.zeros((4, 3)), rng).shape == (4, 3)
    members = Subpopulation(2, 3)
    assert not members.wins_against(0, 1.0)
    members.set(0, np.ones(3), 0.5, trial_id=7)
    assert members.wins_against(0, 0.6) and not members.wins_against(0, 0.5)
    assert members.wins_against(0, float("nan"))
    members.set(1, np.zeros(3), float("nan"), trial_id=8)
    assert not members.wins_against(1, 3.0)
    np.testing.assert_array_equal(members.evaluated(), np.ones((1, 3)))


class NoSpace(Searcher):
    def suggest(self, trial_id: int) -> Config | None:
        return {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"searcher": NoSpace()}, "NoSpace has none; use a searcher with config_space"),
        ({"brackets": 0}, r"brackets must be None or an int from 1 to 4 .* got 0"),
        ({"brackets": 5}, "from 1 to 4"),
        ({"max_resource_attr": None}, "highest resource level is unknown"),
        ({"reduction_factor": 1.2}, "reduction_factor must be a number >= 2"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    searcher = kwargs.pop("searcher", None)
    with pytest.raises(ValueError, match=message):
        dehb(searcher, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mutation_factor": 0}, r"mutation_factor must be in \(0, 1\], got 0"),
        ({"crossover_probability": 1.0}, r"crossover_probability must be in \(0, 1\), got 1.0"),
        ({"max_retries": -1}, "max_retries must be an int >= 0, got -1"),
    ],
)
def test_bad_evolution_settings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DifferentialEvolution(**kwargs)
