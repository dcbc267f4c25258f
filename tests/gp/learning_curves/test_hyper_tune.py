"""Hyper-Tune: ranking-loss weights, the adapted bracket distribution, the searcher."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.blackbox import SimulatorBackend, load
from tunelab.core import StoppingCriterion, Tuner, TunerOptions, load_experiment
from tunelab.core.space import uniform
from tunelab.core.testing import SearcherContract
from tunelab.gp import methods
from tunelab.gp.learning_curves import HyperTuneSearcher
from tunelab.gp.learning_curves.rung_weights import (
    adapted_bracket_distribution,
    pairwise_ranking_loss,
    rung_weights,
)
from tunelab.gp.learning_curves.searcher import LearningCurveModel
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.settings import GPSettings

FAST = GPSettings(optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20)
DEFAULT = np.array([27.0, 12.0, 6.0]) / 45  # bracket_probabilities(3, 3, 3)


class TestHyperTuneContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> HyperTuneSearcher:
        return HyperTuneSearcher(config_space, num_init_random=3, settings=FAST, seed=seed)


class TestHyperTuneJointContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> HyperTuneSearcher:
        return HyperTuneSearcher(
            config_space, model="joint", num_init_random=3, settings=FAST, seed=seed
        )


def test_pairwise_ranking_loss_counts_discordant_pairs() -> None:
    targets = np.array([1.0, 2.0, 3.0, 4.0])
    samples = np.array(
        [
            [10.0, 20.0, 30.0, 40.0],  # same order: 0
            [40.0, 30.0, 20.0, 10.0],  # reversed: all 6 pairs
            [2.0, 1.0, 3.0, 4.0],  # one swap
        ]
    )
    assert pairwise_ranking_loss(samples, targets).tolist() == [0, 6, 1]


def test_rung_weights_count_the_levels_with_minimal_loss() -> None:
    losses = np.array(
        [
            [0, 3, 2, 5],  # level 0 wins samples 0 and 2 (tied with level 2 there)
            [4, 1, 3, 1],  # level 1 wins samples 1 and 3 (tied with level 2 in 3)
            [2, 2, 2, 1],
        ]
    )
    # indicator sums: 1 + 0 + 1 + 0 = 2, 0 + 1 + 0 + 1 = 2, 0 + 0 + 1 + 1 = 2
    np.testing.assert_allclose(rung_weights(losses), [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(rung_weights(np.array([[0, 0], [1, 1]])), [1.0, 0.0])


def test_adapted_distribution_follows_theta_over_r_up_to_r_star() -> None:
    levels = np.array([1.0, 3.0, 9.0])
    weights = np.array([0.5, 0.5, 0.0])
    # r_star = 3: levels 1 and 3 share their default mass (39/45) as 0.5 : 0.5 / 3
    adapted = adapted_bracket_distribution(levels, DEFAULT, weights, r_star=3.0)
    np.testing.assert_allclose(adapted, [39 / 45 * 0.75, 39 / 45 * 0.25, 6 / 45])
    # no weight on the supported levels: the default
    none = adapted_bracket_distribution(levels, DEFAULT, np.zeros(3), r_star=9.0)
    np.testing.assert_allclose(none, DEFAULT)


def _feed(searcher: HyperTuneSearcher, n: int, *, consistent: bool) -> None:
    """Every trial reports at 1, 3 and 9. At level 9 the loss is the distance to
    (0.7, 0.2); at lower levels the same (consistent) or its negative plus an offset
    (the lower levels order the trials the other way round)."""
    searcher.configure(metric="loss", mode="min", resource_attr="epoch")
    rng = np.random.default_rng(0)
    for trial_id in range(n):
        config = {"x": float(rng.random()), "y": float(rng.random())}
        top = (config["x"] - 0.7) ** 2 + (config["y"] - 0.2) ** 2
        for level in (1, 3, 9):
            low = top if consistent else 2.0 - top
            loss = (top if level == 9 else low) + 1.0 / level
            searcher.observe(trial_id, config, {"loss": loss, "epoch": level})


def _searcher(seed: int = 0, model: LearningCurveModel = "independent") -> HyperTuneSearcher:
    space = {"x": uniform(0, 1), "y": uniform(0, 1)}
    return HyperTuneSearcher(
        space,
        model=model,
        max_resource=9,
        num_init_random=0,
        settings=FAST,
        seed=seed,
    )


def test_theta_puts_all_mass_on_the_lowest_level_before_data() -> None:
    searcher = _searcher()
    assert searcher.level_weights() == {}
    np.testing.assert_allclose(searcher.bracket_distribution([1, 3, 9], DEFAULT), DEFAULT)
    _feed(searcher, 4, consistent=True)  # fewer than min_points = 6 anywhere
    assert searcher.r_star == 1 and searcher.level_weights() == {1: 1.0}
    np.testing.assert_allclose(searcher.bracket_distribution([1, 3, 9], DEFAULT), DEFAULT)


def test_the_bracket_distribution_adapts_to_the_ranking_agreement() -> None:
    consistent, reversed_ = _searcher(), _searcher()
    _feed(consistent, 20, consistent=True)
    _feed(reversed_, 20, consistent=False)
    assert consistent.r_star == 9
    theta_c, theta_r = consistent.level_weights(), reversed_.level_weights()
    assert sum(theta_c.values()) == pytest.approx(1.0)
    assert theta_c[1] > 0.2  # the lowest level orders the trials as well as any
    assert theta_r[9] > 0.9  # only the top level itself predicts its order
    p_consistent = consistent.bracket_distribution([1, 3, 9], DEFAULT)
    p_reversed = reversed_.bracket_distribution([1, 3, 9], DEFAULT)
    assert p_consistent.sum() == pytest.approx(1.0) and p_reversed.sum() == pytest.approx(1.0)
    assert not np.allclose(p_consistent, DEFAULT)
    assert p_consistent[0] > DEFAULT[0]  # cheap brackets are trusted
    assert p_reversed[2] > 0.9  # the lower rungs are avoided


@pytest.mark.parametrize("model", ["independent", "joint"])
def test_suggestions_use_the_ensemble_and_find_the_good_region(
    model: LearningCurveModel,
) -> None:
    searcher = _searcher(model=model)
    _feed(searcher, 20, consistent=True)
    configs = [searcher.suggest(trial_id) for trial_id in range(20, 26)]
    distance = np.mean([(c["x"] - 0.7) ** 2 + (c["y"] - 0.2) ** 2 for c in configs if c])
    assert distance < 0.05


def test_state_round_trip_reproduces_weights_and_suggestions() -> None:
    searcher = _searcher()
    _feed(searcher, 20, consistent=True)
    state = searcher.state_dict()
    copy = _searcher(seed=99)
    copy.load_state_dict(state)
    assert copy.level_weights() == searcher.level_weights()
    np.testing.assert_allclose(
        copy.bracket_distribution([1, 3, 9], DEFAULT),
        searcher.bracket_distribution([1, 3, 9], DEFAULT),
    )
    assert copy.suggest(20) == searcher.suggest(20)


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="min_points"):
        HyperTuneSearcher({"x": uniform(0, 1)}, min_points=1)


def test_the_signature_lists_mobster_options_with_their_defaults() -> None:
    parameters = inspect.signature(HyperTuneSearcher).parameters
    assert {name: p.default for name, p in parameters.items() if name != "config_space"} == {
        "model": "independent",
        "num_samples": 50,
        "min_points": 6,
        "resource_kernel": "exp-decay-sum",
        "max_resource": None,
        "acquisition": "ei",
        "kappa": 1.0,
        "num_init_random": 6,
        "settings": None,
        "points_to_evaluate": None,
        "restrict_to": None,
        "seed": None,
    }


def test_joint_model_weights_are_a_distribution_over_the_supported_levels() -> None:
    searcher = _searcher(model="joint")
    _feed(searcher, 20, consistent=True)
    theta = searcher.level_weights()
    assert set(theta) == {1, 3, 9} and sum(theta.values()) == pytest.approx(1.0)
    # one GP for all levels: the ensemble members are the full model at each level
    gp = searcher.model()
    assert gp is not None and searcher._restrict(gp, 1 / 9) is gp


@pytest.mark.parametrize("model", ["independent", "joint"])
def test_hyper_tune_preset_runs_on_the_simulator(tmp_path: Path, model: str) -> None:
    blackbox = load("hartmann6")
    scheduler = methods.hyper_tune(
        {**blackbox.configuration_space, "epochs": 27},
        metric="y",
        resource_attr="epoch",
        max_resource_attr="epochs",
        model=model,
        seed=0,
    )
    assert scheduler.rung_system.num_brackets == 4
    assert isinstance(scheduler.searcher, HyperTuneSearcher)
    assert scheduler.searcher.model_kind == model
    tuner = Tuner(
        backend=SimulatorBackend(
            blackbox, max_resource_attr="epochs", seed=0, charge_decision_time=False
        ),
        scheduler=scheduler,
        stop_criterion=StoppingCriterion(max_num_trials_started=30),
        n_workers=4,
        path=tmp_path / "run",
        options=TunerOptions(progress_interval=None),
    )
    tuner.run()
    results = load_experiment(tuner.path).results
    assert results["trial_id"].nunique() == 30
    per_trial = results.groupby("trial_id")["epoch"].max()
    assert per_trial.max() > 1 and results["y"].notna().all()
    # brackets were drawn: some trial started above the first rung
    assert {scheduler.bracket_of(t) for t in range(30)} != {0}
