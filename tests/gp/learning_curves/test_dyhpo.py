"""DyHPO: linear rung levels, model-based resume-or-start decisions, the preset."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox import SimulatorBackend, load
from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.searchers import RandomSearcher
from tunelab.core.space import uniform
from tunelab.core.testing import SchedulerContract, SearcherContract
from tunelab.core.trial import Decision, Mode, Trial
from tunelab.gp import methods
from tunelab.gp.learning_curves import DyHPOScheduler, DyHPOSearcher, PausedTrial
from tunelab.gp.learning_curves.dyhpo_scheduler import linear_rung_levels
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.settings import GPSettings

FAST = GPSettings(
    optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20, opt_skip_period=3
)


class TestDyHPOSearcherContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> DyHPOSearcher:
        return DyHPOSearcher(config_space, num_init_random=3, settings=FAST, seed=seed)


class TestDyHPOSchedulerContract(SchedulerContract):
    n_trials = 10

    def make_scheduler(
        self, config_space: dict[str, Any], *, metric: str, mode: Mode, seed: int
    ) -> DyHPOScheduler:
        searcher = DyHPOSearcher(
            config_space, max_resource=9, num_init_random=3, settings=FAST, seed=seed
        )
        return DyHPOScheduler(
            searcher,
            metric=metric,
            mode=mode,
            resource_attr="epoch",
            max_resource=9,
            rung_increment=2,
            seed=seed,
        )


def test_linear_rung_levels() -> None:
    assert linear_rung_levels(1, 1, 5) == [1, 2, 3, 4]
    assert linear_rung_levels(2, 3, 12) == [2, 5, 8, 11]
    assert linear_rung_levels(0.5, 0.25, 1.0) == [0.5, 0.75]
    assert linear_rung_levels(4, 1, 4) == []


def loss(x: float, level: float) -> float:
    return (x - 0.7) ** 2 + 1.0 / level


def observed_searcher(seed: int = 0) -> DyHPOSearcher:
    """Twelve trials at level 1 (x spread over [0, 1]), the best six also at level 2."""
    searcher = DyHPOSearcher(
        {"x": uniform(0, 1)}, max_resource=4, num_init_random=2, settings=FAST, seed=seed
    )
    searcher.configure(metric="loss", mode="min", resource_attr="epoch")
    xs = np.linspace(0.0, 1.0, 12)
    for trial_id, x in enumerate(xs):
        assert searcher.suggest(trial_id) is not None
        searcher.observe(trial_id, {"x": x}, {"loss": loss(x, 1), "epoch": 1})
    for trial_id in np.argsort([loss(x, 1) for x in xs])[:6]:
        x = xs[trial_id]
        searcher.observe(int(trial_id), {"x": x}, {"loss": loss(x, 2), "epoch": 2})
    return searcher


def test_a_promising_paused_trial_beats_new_configurations() -> None:
    searcher = observed_searcher()
    best = PausedTrial(100, {"x": 0.7}, next_level=3)
    poor = PausedTrial(101, {"x": 0.0}, next_level=2)
    # x = 0.7 is where the loss is lowest; at level 3 nobody has been yet, and the
    # learning curves fall with the level: resuming it is the best use of a worker
    assert searcher.choose([poor, best], first_level=1) == 100


def test_new_configurations_win_against_poor_paused_trials() -> None:
    searcher = observed_searcher()
    poor = PausedTrial(101, {"x": 0.0}, next_level=2)
    assert searcher.choose([poor], first_level=1) is None
    config = searcher.suggest(200)  # the winner of the comparison
    assert config is not None and abs(config["x"] - 0.7) < 0.25
    # without new configurations, the best paused trial is resumed
    assert searcher.choose([poor], first_level=1, allow_new=False) == 101


def test_paused_trials_are_encoded_once_per_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    searcher = observed_searcher()
    encoded: list[dict[str, Any]] = []
    encode = searcher._encoder.encode

    def counting(config: dict[str, Any]) -> np.ndarray:
        encoded.append(dict(config))
        return encode(config)

    monkeypatch.setattr(searcher._encoder, "encode", counting)
    paused = [PausedTrial(101, {"x": 0.0}, next_level=2), PausedTrial(102, {"x": 0.9}, 2)]
    first = searcher.choose(paused, first_level=1, allow_new=False)
    again = [PausedTrial(101, {"x": 0.0}, next_level=2), PausedTrial(102, {"x": 0.9}, 2)]
    assert searcher.choose(again, first_level=1, allow_new=False) == first
    assert encoded == [{"x": 0.0}, {"x": 0.9}]
    changed = PausedTrial(101, {"x": 0.7}, next_level=2)  # a new configuration: encoded
    assert searcher.choose([changed, again[1]], first_level=1, allow_new=False) == 101
    assert encoded[-1] == {"x": 0.7}
    np.testing.assert_array_equal(searcher._encoded(changed), encode({"x": 0.7}))


def test_before_the_model_new_configurations_are_started() -> None:
    searcher = DyHPOSearcher({"x": uniform(0, 1)}, settings=FAST, seed=0)
    searcher.configure(metric="loss", mode="min", resource_attr="epoch")
    paused = [PausedTrial(0, {"x": 0.5}, next_level=2)]
    assert searcher.choose(paused, first_level=1) is None
    assert searcher.choose(paused, first_level=1, allow_new=False) == 0
    assert searcher.choose([], first_level=1) is None


def test_parameters_are_refit_only_after_a_new_configuration_won() -> None:
    searcher = observed_searcher()
    best = PausedTrial(100, {"x": 0.7}, next_level=3)
    assert searcher.choose([best], first_level=1) == 100  # a resume
    theta = searcher._surrogate.theta.copy()  # type: ignore[union-attr]
    searcher.observe(100, {"x": 0.7}, {"loss": loss(0.7, 3), "epoch": 3})
    searcher.choose([best], first_level=1)
    np.testing.assert_array_equal(searcher._surrogate.theta, theta)  # conditioned only


def pause_all(scheduler: DyHPOScheduler, n: int) -> dict[int, Trial]:
    """Start `n` trials and report epoch 1 for each: they all pause there."""
    trials = {}
    for trial_id in range(n):
        suggestion = scheduler.suggest(trial_id)
        assert suggestion is not None and suggestion.config is not None
        trial = Trial(trial_id, suggestion.config)
        scheduler.on_trial_add(trial)
        value = loss(trial.config["x"], 1)
        assert scheduler.on_trial_result(trial, {"loss": value, "epoch": 1}) is Decision.PAUSE
        trials[trial_id] = trial
    return trials


def make_scheduler(probability_sh: float, *, searcher: Any = None) -> DyHPOScheduler:
    space = {"x": uniform(0, 1), "epochs": 4}
    return DyHPOScheduler(
        searcher or DyHPOSearcher(space, num_init_random=2, settings=FAST, seed=0),
        metric="loss",
        resource_attr="epoch",
        max_resource_attr="epochs",
        probability_sh=probability_sh,
        seed=0,
    )


def test_scheduler_pauses_at_every_level_and_resumes_for_one_increment() -> None:
    scheduler = make_scheduler(probability_sh=1.0)
    assert scheduler.rung_levels == [1, 2, 3, 4]
    trials = pause_all(scheduler, 8)
    # ASHA's rule first: the best paused trial at level 1 is among the top half
    suggestion = scheduler.suggest(8)
    assert suggestion is not None
    best = min(trials.values(), key=lambda t: loss(t.config["x"], 1))
    assert suggestion.resume_trial_id == best.trial_id
    assert suggestion.config is not None and suggestion.config["epochs"] == 2


def test_without_the_coin_the_searcher_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    scheduler = make_scheduler(probability_sh=0.0)
    trials = pause_all(scheduler, 8)
    seen: list[list[int]] = []

    def choose(paused: Any, *, first_level: float, allow_new: bool = True) -> int | None:
        seen.append([p.trial_id for p in paused])
        assert first_level == 1 and allow_new
        assert all(p.next_level == 2 for p in paused)
        return 5

    monkeypatch.setattr(scheduler.searcher, "choose", choose)
    suggestion = scheduler.suggest(8)
    assert suggestion is not None and suggestion.resume_trial_id == 5
    assert sorted(seen[0]) == sorted(trials)


def test_the_signature_lists_the_options_dyhpo_passes_on_to_mobster() -> None:
    parameters = inspect.signature(DyHPOSearcher).parameters
    assert {name: p.default for name, p in parameters.items() if name != "config_space"} == {
        "settings": None,
        "resource_kernel": "exp-decay-sum",
        "max_resource": None,
        "num_init_random": 6,
        "points_to_evaluate": None,
        "restrict_to": None,
        "seed": None,
    }


def test_bad_arguments_are_named() -> None:
    space = {"x": uniform(0, 1), "epochs": 4}
    searcher = DyHPOSearcher(space, settings=FAST, seed=0)
    with pytest.raises(ValueError, match="probability_sh"):
        make_scheduler(probability_sh=1.5)
    with pytest.raises(ValueError, match="rung_increment"):
        DyHPOScheduler(
            searcher, metric="loss", resource_attr="epoch", max_resource=4, rung_increment=0
        )
    with pytest.raises(TypeError, match="DyHPOSearcher"):
        DyHPOScheduler(RandomSearcher(space), metric="loss", resource_attr="epoch", max_resource=4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="maximum resource must be a number, got 'many'"):
        DyHPOScheduler(
            DyHPOSearcher({"x": uniform(0, 1), "epochs": "many"}, settings=FAST),
            metric="loss",
            resource_attr="epoch",
            max_resource_attr="epochs",
        )
    with pytest.raises(ValueError, match="max_resource_attr"):
        DyHPOScheduler(searcher, metric="loss", resource_attr="epoch", max_resource_attr="steps")


def test_dyhpo_preset_runs_on_the_simulator(tmp_path: Path) -> None:
    space = {**load("hartmann6").configuration_space, "epochs": 9}
    scheduler = methods.dyhpo(
        space, metric="y", resource_attr="epoch", max_resource_attr="epochs", seed=0
    )
    assert scheduler.rung_levels == list(range(1, 10))
    backend = SimulatorBackend(
        load("hartmann6"), max_resource_attr="epochs", seed=0, charge_decision_time=False
    )
    tuner = Tuner(
        backend=backend,
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=16),
        n_workers=3,
        path=tmp_path / "run",
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    results = load_experiment(tuner.path).results
    assert results["trial_id"].nunique() == 16
    per_trial = results.groupby("trial_id")["epoch"].max()
    assert per_trial.max() >= 3  # trials were resumed, one epoch at a time
    resumed = results.groupby("trial_id")["epoch"].apply(lambda e: e.diff().dropna().eq(1).all())
    assert resumed.all()
